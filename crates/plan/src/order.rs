//! The build order of `generate-build-list`: cycle-aware and deterministic.
//!
//! [`build_order`] takes the pkgbases of the build list and the dependency edges between them
//! and returns, for each pkgbase, its [`Placement`], the [`BuildStep`]s in order, and a
//! [`CycleReport`] per cycle.
//!
//! How cycles are handled:
//! - Every strongly connected component with more than one member is a *cycle group*. Inside
//!   it, edges are relaxed (ignored for the order) in phases, cheapest first, recomputing the
//!   components after each phase so that only edges still on a cycle are touched: checkdepends
//!   edges, then makedepends edges whose target has a version in the target repos, then the
//!   fewest packages' remaining edges (a feedback vertex set heuristic, since each package
//!   built early costs one second build however many of its edges are relaxed). Relaxed edges
//!   that no longer close a cycle are put back.
//! - A package built before a dependency it reaches through a relaxed edge of cost
//!   [`Relaxation::SecondBuild`] is built twice: its first build has `cycle_stage` 1, a later
//!   step with `cycle_stage` 2 rebuilds it after all its dependencies. Relaxed checkdepends
//!   edges and makedepends edges served by the target repos cost no second build.
//! - Every member of a cycle group gets the group's `cycle_group`; only the packages built
//!   twice get a `cycle_stage`. Groups are numbered from 1 in the order their first step
//!   appears in the build order.
//!
//! Determinism: nodes are handled in name order and steps sorted by (depth, name, cycle
//! stage), so the same nodes and edges, in any order, give the identical result.

mod fvs;
mod relax;
mod report;
mod steps;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use self::report::{CycleReport, RelaxedEdge};
use crate::graph::{DepGraph, Edge, GraphError, Node, Relaxation};

/// Where one pkgbase sits in the build order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Longest-path depth in the dependency graph once cycles are broken: 0 for a package
    /// without a dependency in the list, else one more than its deepest (kept) dependency.
    pub build_stage: u32,
    /// The cycle group (numbered from 1), if the package is in a cycle.
    pub cycle_group: Option<u32>,
    /// `Some(1)` if the package is built twice (its first build is cycle stage 1, a second
    /// step with cycle stage 2 follows); `None` if it is built once, in a cycle or not.
    pub cycle_stage: Option<u8>,
}

impl Placement {
    /// Whether the package is built twice.
    pub fn built_twice(&self) -> bool {
        self.cycle_stage.is_some()
    }
}

/// One build of one pkgbase; a pkgbase built twice has two steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildStep {
    /// The pkgbase built.
    pub pkgbase: String,
    /// The cycle group of the pkgbase, if any.
    pub cycle_group: Option<u32>,
    /// 1 or 2 for the two builds of a package built twice, `None` for a package built once.
    pub cycle_stage: Option<u8>,
    /// Longest-path depth of this step among the steps (second builds included): a step only
    /// waits for steps of smaller depth, so steps of equal depth may run in parallel.
    pub depth: u32,
}

/// The complete build order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildOrder {
    /// Per pkgbase, its placement.
    pub packages: BTreeMap<String, Placement>,
    /// The builds, in the order to run them: a topological order of the kept edges extended
    /// with the second builds, ties broken by name.
    pub steps: Vec<BuildStep>,
    /// One report per cycle group, by group number.
    pub cycles: Vec<CycleReport>,
}

impl BuildOrder {
    /// Number of second builds (steps with `cycle_stage` 2).
    pub fn second_builds(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.cycle_stage == Some(2))
            .count()
    }

    /// Number of pkgbases in a cycle group.
    pub fn packages_in_cycles(&self) -> usize {
        self.cycles.iter().map(|c| c.members.len()).sum()
    }

    /// Every relaxed edge of every cycle group.
    pub fn relaxed_edges(&self) -> impl Iterator<Item = &RelaxedEdge> {
        self.cycles.iter().flat_map(|c| &c.relaxed)
    }

    /// The order without second builds (`generate-build-list --single-stage`), for ports
    /// whose repositories already serve every cycle: the cycles stay cut where they were and
    /// every member is built once, at its first build's place. Depths are renumbered from 0
    /// without gaps, keeping their order, so no stage waits for a build that is gone.
    pub fn into_single_stage(mut self) -> BuildOrder {
        self.steps.retain(|s| s.cycle_stage != Some(2));
        let mut depths: Vec<u32> = self.steps.iter().map(|s| s.depth).collect();
        depths.sort_unstable();
        depths.dedup();
        let renumber = |d: u32| {
            depths
                .binary_search(&d)
                .ok()
                .and_then(|i| u32::try_from(i).ok())
                .unwrap_or(d)
        };
        for step in &mut self.steps {
            step.cycle_stage = None;
            step.depth = renumber(step.depth);
        }
        for placement in self.packages.values_mut() {
            placement.cycle_stage = None;
        }
        for cycle in &mut self.cycles {
            cycle.rebuilt.clear();
        }
        self
    }
}

/// Orders the build list given as `nodes` (pkgbases) and `edges` (see [`DepGraph::new`] for
/// how the input is normalised).
pub fn build_order(nodes: &[Node], edges: &[Edge]) -> Result<BuildOrder, GraphError> {
    Ok(order_graph(&DepGraph::new(nodes, edges)?))
}

/// Orders an already normalised graph.
pub fn order_graph(graph: &DepGraph) -> BuildOrder {
    let relaxed = relax::relax_cycles(graph);
    let mut rebuilt = vec![false; graph.node_count()];
    for (edge, &r) in graph.edges().iter().zip(&relaxed.relaxed) {
        if r && edge.relaxation() == Relaxation::SecondBuild {
            rebuilt[edge.from] = true;
        }
    }
    let plan = steps::plan_steps(graph, &relaxed.relaxed, &rebuilt, &relaxed.group_of);

    // Number the groups by their first step in the order.
    let mut number: Vec<Option<u32>> = vec![None; relaxed.groups.len()];
    let mut next = 1;
    for step in &plan.steps {
        if let Some(g) = relaxed.group_of[step.node]
            && number[g].is_none()
        {
            number[g] = Some(next);
            next += 1;
        }
    }
    let group_number = |v: usize| relaxed.group_of[v].and_then(|g| number[g]);

    let names = graph.names();
    let packages = (0..graph.node_count())
        .map(|v| {
            let placement = Placement {
                build_stage: plan.build_stage[v],
                cycle_group: group_number(v),
                cycle_stage: rebuilt[v].then_some(1),
            };
            (names[v].clone(), placement)
        })
        .collect();
    let steps = plan
        .steps
        .iter()
        .map(|s| BuildStep {
            pkgbase: names[s.node].clone(),
            cycle_group: group_number(s.node),
            cycle_stage: match (rebuilt[s.node], s.second) {
                (false, _) => None,
                (true, false) => Some(1),
                (true, true) => Some(2),
            },
            depth: s.depth,
        })
        .collect();

    let mut cycles: Vec<CycleReport> = relaxed
        .groups
        .iter()
        .zip(&number)
        .filter_map(|(members, n)| n.map(|n| (members, n)))
        .map(|(members, n)| CycleReport {
            group: n,
            members: members.iter().map(|&v| names[v].clone()).collect(),
            relaxed: Vec::new(),
            rebuilt: members
                .iter()
                .filter(|&&v| rebuilt[v])
                .map(|&v| names[v].clone())
                .collect(),
        })
        .collect();
    cycles.sort_unstable_by_key(|c| c.group);
    for (edge, _) in graph
        .edges()
        .iter()
        .zip(&relaxed.relaxed)
        .filter(|(_, r)| **r)
    {
        if let Some(n) = group_number(edge.from) {
            cycles[n as usize - 1].relaxed.push(RelaxedEdge {
                from: names[edge.from].clone(),
                to: names[edge.to].clone(),
                kind: edge.kind,
                relaxation: edge.relaxation(),
            });
        }
    }
    BuildOrder {
        packages,
        steps,
        cycles,
    }
}
