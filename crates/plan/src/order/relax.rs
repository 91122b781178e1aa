//! Breaking the cycles: which edges of the dependency graph are relaxed (ignored for the order).
//!
//! Inside each strongly connected component, edges are relaxed in phases, cheapest first, and
//! the components are recomputed after each phase so that a phase only touches edges that are
//! still on a cycle:
//!
//! 1. checkdepends edges ([`Relaxation::Check`]);
//! 2. makedepends edges whose target has a version in the target repos
//!    ([`Relaxation::TargetVersion`]);
//! 3. the rest ([`Relaxation::SecondBuild`]): every second build is one package, so the
//!    packages whose out-edges are relaxed form a small feedback vertex set of what remains.
//!
//! A final pass puts back every relaxed edge that closes no cycle any more, the costly kinds
//! first, so each edge left relaxed is one the order cannot do without.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::fvs::feedback_vertex_set;
use crate::graph::{DepGraph, Relaxation};

/// The outcome of relaxing the cycles of a [`DepGraph`].
pub(super) struct Relaxed {
    /// Per edge of the graph: relaxed (not an ordering constraint).
    pub relaxed: Vec<bool>,
    /// The strongly connected components with more than one member, members ascending.
    pub groups: Vec<Vec<usize>>,
    /// Per node: its index in `groups`, if it is in one.
    pub group_of: Vec<Option<usize>>,
}

/// Relaxes edges of `graph` until it is acyclic, following the phases of the module doc.
pub(super) fn relax_cycles(graph: &DepGraph) -> Relaxed {
    let node_count = graph.node_count();
    let edges = graph.edges();
    let mut active = vec![true; edges.len()];

    let groups = nontrivial_components(graph, &active);
    let mut group_of = vec![None; node_count];
    for (g, members) in groups.iter().enumerate() {
        for &v in members {
            group_of[v] = Some(g);
        }
    }

    for phase in [Relaxation::Check, Relaxation::TargetVersion] {
        let component = component_ids(graph, &active);
        for (e, edge) in edges.iter().enumerate() {
            if active[e]
                && edge.relaxation() == phase
                && component[edge.from].is_some()
                && component[edge.from] == component[edge.to]
            {
                active[e] = false;
            }
        }
    }

    // Phase 3: only SecondBuild edges remain inside components now.
    let component = component_ids(graph, &active);
    for members in nontrivial_components(graph, &active) {
        let local = |v: usize| members.binary_search(&v).ok();
        let mut local_edges = Vec::new();
        let mut edge_ids = Vec::new();
        for (e, edge) in edges.iter().enumerate() {
            if active[e]
                && component[edge.from].is_some()
                && component[edge.from] == component[edge.to]
                && let (Some(from), Some(to)) = (local(edge.from), local(edge.to))
            {
                local_edges.push((from, to));
                edge_ids.push(e);
            }
        }
        let chosen = feedback_vertex_set(members.len(), &local_edges);
        for (&(from, _), &e) in local_edges.iter().zip(&edge_ids) {
            if chosen.binary_search(&from).is_ok() {
                active[e] = false;
            }
        }
    }

    restore_unneeded(graph, &mut active, &group_of);

    Relaxed {
        relaxed: active.iter().map(|a| !a).collect(),
        groups,
        group_of,
    }
}

/// Puts back each relaxed edge whose return closes no cycle: SecondBuild edges first (each
/// one back may spare a second build), then TargetVersion, then Check edges; edge order within
/// a kind.
fn restore_unneeded(graph: &DepGraph, active: &mut [bool], group_of: &[Option<usize>]) {
    let edges = graph.edges();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); graph.node_count()];
    for (e, edge) in edges.iter().enumerate() {
        out[edge.from].push(e);
    }
    let mut search = Reachability::new(graph.node_count());
    for phase in [
        Relaxation::SecondBuild,
        Relaxation::TargetVersion,
        Relaxation::Check,
    ] {
        for (e, edge) in edges.iter().enumerate() {
            if active[e] || edge.relaxation() != phase {
                continue;
            }
            // Relaxed edges lie inside one component, and so does any path between two of its
            // members: the search need not leave it.
            if !search.reaches(graph, &out, active, group_of, edge.to, edge.from) {
                active[e] = true;
            }
        }
    }
}

/// Depth-first reachability over the active edges, reusing its buffers between queries.
struct Reachability {
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<usize>,
}

impl Reachability {
    fn new(node_count: usize) -> Reachability {
        Reachability {
            seen: vec![0; node_count],
            stamp: 0,
            stack: Vec::new(),
        }
    }

    /// Whether `target` is reachable from `start` through active edges staying in the
    /// component of `start`.
    fn reaches(
        &mut self,
        graph: &DepGraph,
        out: &[Vec<usize>],
        active: &[bool],
        group_of: &[Option<usize>],
        start: usize,
        target: usize,
    ) -> bool {
        self.stamp += 1;
        self.stack.clear();
        self.stack.push(start);
        self.seen[start] = self.stamp;
        let group = group_of[start];
        while let Some(v) = self.stack.pop() {
            if v == target {
                return true;
            }
            for &e in &out[v] {
                let w = graph.edges()[e].to;
                if active[e] && self.seen[w] != self.stamp && group_of[w] == group {
                    self.seen[w] = self.stamp;
                    self.stack.push(w);
                }
            }
        }
        false
    }
}

/// Strongly connected components of the active subgraph, as a component id per node, `None`
/// for a node alone in its component.
fn component_ids(graph: &DepGraph, active: &[bool]) -> Vec<Option<usize>> {
    let mut ids = vec![None; graph.node_count()];
    for (c, members) in nontrivial_components(graph, active).into_iter().enumerate() {
        for v in members {
            ids[v] = Some(c);
        }
    }
    ids
}

/// The strongly connected components with more than one member of the active subgraph,
/// members ascending, components ordered by their smallest member.
fn nontrivial_components(graph: &DepGraph, active: &[bool]) -> Vec<Vec<usize>> {
    let mut petgraph: DiGraph<(), ()> =
        DiGraph::with_capacity(graph.node_count(), graph.edges().len());
    for _ in 0..graph.node_count() {
        petgraph.add_node(());
    }
    for (edge, _) in graph.edges().iter().zip(active).filter(|(_, a)| **a) {
        petgraph.add_edge(NodeIndex::new(edge.from), NodeIndex::new(edge.to), ());
    }
    let mut components: Vec<Vec<usize>> = tarjan_scc(&petgraph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut members: Vec<usize> = c.into_iter().map(NodeIndex::index).collect();
            members.sort_unstable();
            members
        })
        .collect();
    components.sort_unstable();
    components
}
