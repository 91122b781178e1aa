//! Checks every promise of a [`BuildOrder`] against its input, independently of how the
//! order was computed.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use archport_plan::graph::{DepGraph, Edge, Node, Relaxation};
use archport_plan::order::BuildOrder;
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

/// Positions of each pkgbase's first and second build in the steps.
pub struct Positions {
    pub first: BTreeMap<String, usize>,
    pub second: BTreeMap<String, usize>,
}

pub fn positions(order: &BuildOrder) -> Positions {
    let mut first = BTreeMap::new();
    let mut second = BTreeMap::new();
    for (i, step) in order.steps.iter().enumerate() {
        let map = if step.cycle_stage == Some(2) {
            &mut second
        } else {
            &mut first
        };
        assert!(
            map.insert(step.pkgbase.clone(), i).is_none(),
            "{} has two steps with cycle stage {:?}",
            step.pkgbase,
            step.cycle_stage
        );
    }
    Positions { first, second }
}

/// The steps as `(pkgbase, cycle_stage)`.
pub fn step_list(order: &BuildOrder) -> Vec<(&str, Option<u8>)> {
    order
        .steps
        .iter()
        .map(|s| (s.pkgbase.as_str(), s.cycle_stage))
        .collect()
}

/// Asserts everything `order` promises about `nodes` and `edges`.
pub fn check_order(nodes: &[Node], edges: &[Edge], order: &BuildOrder) {
    let graph = DepGraph::new(nodes, edges).unwrap();
    let names = graph.names();
    let pos = positions(order);

    // Every package once, rebuilt ones twice, second after first.
    assert_eq!(
        pos.first.keys().collect::<Vec<_>>(),
        names.iter().collect::<Vec<_>>()
    );
    assert_eq!(order.packages.len(), names.len());
    for (name, &second) in &pos.second {
        assert!(pos.first[name] < second, "{name}: second build first");
        assert_eq!(order.packages[name].cycle_stage, Some(1));
    }
    for (name, placement) in &order.packages {
        assert_eq!(placement.built_twice(), pos.second.contains_key(name));
        assert_eq!(
            placement.cycle_stage.is_some(),
            placement.cycle_group.is_some() && pos.second.contains_key(name),
            "{name}: a cycle stage needs a cycle group and a second build"
        );
    }

    // Cycle groups are exactly the strongly connected components.
    let mut petgraph: DiGraph<(), ()> = DiGraph::new();
    let ids: Vec<_> = names.iter().map(|_| petgraph.add_node(())).collect();
    for e in graph.edges() {
        petgraph.add_edge(ids[e.from], ids[e.to], ());
    }
    let mut sccs: Vec<BTreeSet<String>> = tarjan_scc(&petgraph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.into_iter().map(|i| names[i.index()].clone()).collect())
        .collect();
    sccs.sort();
    let mut reported: Vec<BTreeSet<String>> = order
        .cycles
        .iter()
        .map(|c| c.members.iter().cloned().collect())
        .collect();
    reported.sort();
    assert_eq!(reported, sccs, "cycle groups are not the SCCs");
    for (i, cycle) in order.cycles.iter().enumerate() {
        assert_eq!(cycle.group as usize, i + 1);
        for member in &cycle.members {
            assert_eq!(order.packages[member].cycle_group, Some(cycle.group));
        }
        for edge in &cycle.relaxed {
            assert!(cycle.members.contains(&edge.from) && cycle.members.contains(&edge.to));
        }
    }
    let in_cycle: usize = sccs.iter().map(BTreeSet::len).sum();
    assert_eq!(
        order
            .packages
            .values()
            .filter(|p| p.cycle_group.is_some())
            .count(),
        in_cycle
    );

    // Relaxed edges: real edges with their real kind and cost.
    let relaxed: BTreeSet<(String, String)> = order
        .relaxed_edges()
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    let mut kept: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut all_deps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in graph.edges() {
        let (from, to) = (names[e.from].as_str(), names[e.to].as_str());
        all_deps.entry(from).or_default().push(to);
        if !relaxed.contains(&(from.to_owned(), to.to_owned())) {
            kept.entry(from).or_default().push(to);
        }
    }
    for edge in order.relaxed_edges() {
        let real = graph
            .edges()
            .iter()
            .find(|e| names[e.from] == edge.from && names[e.to] == edge.to)
            .unwrap_or_else(|| panic!("relaxed edge {edge} is no edge"));
        assert_eq!((real.kind, real.relaxation()), (edge.kind, edge.relaxation));
        // Needed: putting it back would close a cycle of kept edges.
        assert!(
            reaches(&kept, &edge.to, &edge.from),
            "relaxed edge {edge} closes no cycle"
        );
    }
    let rebuilt: BTreeSet<&str> = order
        .relaxed_edges()
        .filter(|e| e.relaxation == Relaxation::SecondBuild)
        .map(|e| e.from.as_str())
        .collect();
    assert_eq!(
        rebuilt,
        pos.second.keys().map(String::as_str).collect(),
        "second builds are not the packages with a relaxed edge needing one"
    );
    for cycle in &order.cycles {
        let mine: Vec<&str> = cycle.rebuilt.iter().map(String::as_str).collect();
        let expected: Vec<&str> = cycle
            .members
            .iter()
            .map(String::as_str)
            .filter(|m| rebuilt.contains(m))
            .collect();
        assert_eq!(mine, expected);
    }

    // The steps: a topological order of the kept edges extended with the second builds.
    let group = |name: &str| order.packages[name].cycle_group;
    for (&a, deps) in &kept {
        for &b in deps {
            assert!(pos.first[a] > pos.first[b], "{a} built before {b}");
            if let Some(&b2) = pos.second.get(b) {
                if group(a).is_none() || group(a) != group(b) {
                    assert!(
                        pos.first[a] > b2,
                        "{a} built before the second build of {b}"
                    );
                } else if let Some(&a2) = pos.second.get(a) {
                    assert!(a2 > b2, "{a} rebuilt before {b} is");
                }
            }
        }
    }
    for (name, &second) in &pos.second {
        for &dep in all_deps.get(name.as_str()).into_iter().flatten() {
            assert!(
                second > pos.first[dep],
                "second build of {name} before {dep}"
            );
        }
    }
    // Steps sorted by depth then name, and depth grows along every prerequisite.
    for pair in order.steps.windows(2) {
        assert!(
            (pair[0].depth, &pair[0].pkgbase) < (pair[1].depth, &pair[1].pkgbase),
            "steps out of (depth, name) order: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }

    // build_stage is the longest path over kept edges.
    for name in names {
        let expected = kept
            .get(name.as_str())
            .into_iter()
            .flatten()
            .map(|d| order.packages[*d].build_stage + 1)
            .max()
            .unwrap_or(0);
        assert_eq!(order.packages[name].build_stage, expected, "{name}");
    }
}

/// Whether `target` is reachable from `start` in `adjacency`.
fn reaches(adjacency: &BTreeMap<&str, Vec<&str>>, start: &str, target: &str) -> bool {
    let mut seen = BTreeSet::from([start]);
    let mut stack = vec![start];
    while let Some(v) = stack.pop() {
        if v == target {
            return true;
        }
        for &w in adjacency.get(v).into_iter().flatten() {
            if seen.insert(w) {
                stack.push(w);
            }
        }
    }
    false
}
