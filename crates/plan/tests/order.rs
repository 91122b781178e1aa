//! The build order on small graphs, one promise at a time, and on random graphs.

#![allow(clippy::unwrap_used)]

mod support;

use archport_plan::graph::{Edge, EdgeKind, GraphError, Node, Relaxation};
use archport_plan::order::{BuildOrder, build_order};
use proptest::prelude::*;
use support::{check_order, positions, step_list};

use EdgeKind::{Checkdepends as C, Depends as D, Makedepends as M};

fn nodes(names: &[&str]) -> Vec<Node> {
    names.iter().map(|n| Node::new(*n)).collect()
}

/// `(from, to, kind, target_has_version)` tuples as edges.
fn edges(list: &[(&str, &str, EdgeKind, bool)]) -> Vec<Edge> {
    list.iter()
        .map(|&(from, to, kind, has)| Edge::new(from, to, kind, has))
        .collect()
}

/// Orders and checks every general promise before the test looks at specifics.
fn order(names: &[&str], list: &[(&str, &str, EdgeKind, bool)]) -> BuildOrder {
    let (nodes, edges) = (nodes(names), edges(list));
    let order = build_order(&nodes, &edges).unwrap();
    check_order(&nodes, &edges, &order);
    order
}

fn relaxed(order: &BuildOrder) -> Vec<(&str, &str, Relaxation)> {
    order
        .relaxed_edges()
        .map(|e| (e.from.as_str(), e.to.as_str(), e.relaxation))
        .collect()
}

#[test]
fn simple_chain_is_built_bottom_up() {
    let order = order(
        &["c", "a", "b"],
        &[("c", "b", D, true), ("b", "a", M, true)],
    );
    assert_eq!(step_list(&order), [("a", None), ("b", None), ("c", None)]);
    let stages: Vec<u32> = order.packages.values().map(|p| p.build_stage).collect();
    assert_eq!(stages, [0, 1, 2]);
    assert!(order.cycles.is_empty());
    assert_eq!(order.second_builds(), 0);
}

#[test]
fn ties_break_by_name() {
    // Three independent packages, then two that both need only `base`.
    let order = order(
        &["zsh", "base", "mc", "yelp", "abc"],
        &[("yelp", "base", D, true), ("abc", "base", C, true)],
    );
    assert_eq!(
        step_list(&order),
        [
            ("base", None),
            ("mc", None),
            ("zsh", None),
            ("abc", None),
            ("yelp", None)
        ]
    );
}

#[test]
fn build_stage_is_the_longest_path() {
    // d needs a directly and through c -> b -> a: stage 3, not 1.
    let order = order(
        &["a", "b", "c", "d"],
        &[
            ("d", "a", D, true),
            ("d", "c", D, true),
            ("c", "b", M, true),
            ("b", "a", C, true),
        ],
    );
    assert_eq!(order.packages["d"].build_stage, 3);
    assert_eq!(
        step_list(&order),
        [("a", None), ("b", None), ("c", None), ("d", None)]
    );
}

#[test]
fn checkdepends_cycle_needs_no_second_build() {
    let order = order(&["a", "b"], &[("a", "b", D, true), ("b", "a", C, false)]);
    assert_eq!(relaxed(&order), [("b", "a", Relaxation::Check)]);
    assert_eq!(step_list(&order), [("b", None), ("a", None)]);
    assert_eq!(order.packages["a"].cycle_group, Some(1));
    assert_eq!(order.packages["b"].cycle_group, Some(1));
    assert_eq!(order.packages["b"].cycle_stage, None);
    assert_eq!(order.second_builds(), 0);
}

#[test]
fn makedepends_cycle_served_by_target_needs_no_second_build() {
    let order = order(&["a", "b"], &[("a", "b", M, true), ("b", "a", D, false)]);
    assert_eq!(relaxed(&order), [("a", "b", Relaxation::TargetVersion)]);
    assert_eq!(step_list(&order), [("a", None), ("b", None)]);
    assert_eq!(order.second_builds(), 0);
}

#[test]
fn makedepends_cycle_without_target_version_builds_one_twice() {
    let order = order(&["a", "b"], &[("a", "b", M, false), ("b", "a", D, false)]);
    assert_eq!(order.second_builds(), 1);
    let twice = &order.cycles[0].rebuilt;
    assert_eq!(twice.len(), 1);
    let steps = step_list(&order);
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0], (twice[0].as_str(), Some(1)));
    assert_eq!(steps[2], (twice[0].as_str(), Some(2)));
}

#[test]
fn depends_two_cycle_builds_exactly_one_twice() {
    let order = order(&["a", "b"], &[("a", "b", D, true), ("b", "a", D, true)]);
    assert_eq!(
        step_list(&order),
        [("b", Some(1)), ("a", None), ("b", Some(2))]
    );
    assert_eq!(relaxed(&order), [("b", "a", Relaxation::SecondBuild)]);
    assert_eq!(order.packages["b"].cycle_stage, Some(1));
    assert_eq!(order.packages["a"].cycle_stage, None);
    assert_eq!(
        order.cycles[0].to_string(),
        "cycle 1: 2 packages (a, b); relaxed: b -> a (depends, b built twice); built twice: b"
    );
}

#[test]
fn single_stage_builds_every_cycle_member_once() {
    let order = order(
        &["a", "b", "c"],
        &[
            ("a", "b", D, true),
            ("b", "a", D, true),
            ("c", "b", D, true),
        ],
    )
    .into_single_stage();
    // b's second build is gone, and c, which waited for it, moves up a stage.
    assert_eq!(step_list(&order), [("b", None), ("a", None), ("c", None)]);
    let depths: Vec<u32> = order.steps.iter().map(|s| s.depth).collect();
    assert_eq!(depths, [0, 1, 2]);
    assert_eq!(order.second_builds(), 0);
    assert_eq!(order.packages["b"].cycle_stage, None);
    assert_eq!(order.cycles[0].members, ["a", "b"]);
    assert!(order.cycles[0].rebuilt.is_empty());
}

#[test]
fn depends_ring_relaxes_exactly_one_edge() {
    for size in [3, 10] {
        let names: Vec<String> = (0..size).map(|i| format!("p{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let list: Vec<_> = (0..size)
            .map(|i| (refs[i], refs[(i + 1) % size], D, true))
            .collect();
        let order = order(&refs, &list);
        assert_eq!(order.relaxed_edges().count(), 1, "ring of {size}");
        assert_eq!(order.second_builds(), 1, "ring of {size}");
        assert_eq!(order.steps.len(), size + 1);
    }
}

#[test]
fn overlapping_cycles_share_their_second_build() {
    // Two 2-cycles through `hub`, and a 3-ring through it too: one second build (hub) breaks
    // them all; building every member twice would be four.
    let order = order(
        &["hub", "a", "b", "c", "d"],
        &[
            ("hub", "a", D, true),
            ("a", "hub", D, true),
            ("hub", "b", D, true),
            ("b", "hub", D, true),
            ("hub", "c", D, true),
            ("c", "d", D, true),
            ("d", "hub", D, true),
        ],
    );
    assert_eq!(order.cycles.len(), 1);
    assert_eq!(order.cycles[0].rebuilt, ["hub"]);
    assert_eq!(order.second_builds(), 1);
}

#[test]
fn nested_cycles_relax_cheapest_first() {
    // Outer ring a -> b -> c -> a carries a checkdepends edge; inner a <-> b is all depends.
    let order = order(
        &["a", "b", "c"],
        &[
            ("a", "b", D, true),
            ("b", "a", D, true),
            ("b", "c", D, true),
            ("c", "a", C, true),
        ],
    );
    let list = relaxed(&order);
    assert!(list.contains(&("c", "a", Relaxation::Check)), "{list:?}");
    assert_eq!(order.second_builds(), 1);
}

#[test]
fn cycle_gone_after_phase_one_keeps_its_makedepends_edges() {
    // a -> b (makedepends, served) -> c (checkdepends) -> a (depends): relaxing the
    // checkdepends edge breaks the only cycle, so the makedepends edge must stay.
    let order = order(
        &["a", "b", "c"],
        &[
            ("a", "b", M, true),
            ("b", "c", C, true),
            ("c", "a", D, true),
        ],
    );
    assert_eq!(relaxed(&order), [("b", "c", Relaxation::Check)]);
    assert_eq!(step_list(&order), [("b", None), ("a", None), ("c", None)]);
}

#[test]
fn makedepends_served_go_before_depends() {
    // Breaking either edge ends the cycle: the served makedepends edge is the one relaxed.
    let order = order(&["a", "b"], &[("a", "b", D, true), ("b", "a", M, true)]);
    assert_eq!(relaxed(&order), [("b", "a", Relaxation::TargetVersion)]);
    assert_eq!(order.second_builds(), 0);
}

#[test]
fn dependents_outside_the_cycle_wait_for_the_second_build() {
    let order = order(
        &["a", "b", "app", "tool"],
        &[
            ("a", "b", D, true),
            ("b", "a", D, true),
            ("app", "b", D, true),
            ("tool", "a", M, true),
        ],
    );
    assert_eq!(order.cycles[0].rebuilt, ["b"]);
    let pos = positions(&order);
    assert!(pos.first["app"] > pos.second["b"]);
    assert_eq!(order.packages["app"].cycle_group, None);
    assert_eq!(
        step_list(&order),
        [
            ("b", Some(1)),
            ("a", None),
            ("b", Some(2)),
            ("tool", None),
            ("app", None)
        ]
    );
}

#[test]
fn second_builds_in_one_group_follow_each_other() {
    // Two 2-cycles joined into one group; ya needs xa, so ya's second build waits for xa's.
    let order = order(
        &["x", "xa", "y", "ya"],
        &[
            ("x", "xa", D, true),
            ("xa", "x", D, true),
            ("y", "ya", D, true),
            ("ya", "y", D, true),
            ("x", "y", D, true),
            ("ya", "xa", M, false),
        ],
    );
    assert_eq!(order.cycles[0].rebuilt, ["xa", "ya"]);
    assert_eq!(
        step_list(&order),
        [
            ("xa", Some(1)),
            ("ya", Some(1)),
            ("y", None),
            ("x", None),
            ("xa", Some(2)),
            ("ya", Some(2))
        ]
    );
}

#[test]
fn second_build_waits_for_the_second_build_of_a_relaxed_dependency_when_it_can() {
    // d is built before c (d -> c relaxed) and c is rebuilt too: nothing forces d's second
    // build after c's, but it should come after it so that d ends up built against final c.
    let order = order(
        &["a", "b", "c", "d"],
        &[
            ("c", "a", D, true),
            ("a", "c", D, true),
            ("d", "b", D, true),
            ("c", "b", D, true),
            ("d", "c", D, true),
            ("b", "d", D, true),
        ],
    );
    assert!(relaxed(&order).contains(&("d", "c", Relaxation::SecondBuild)));
    assert_eq!(
        step_list(&order),
        [
            ("d", Some(1)),
            ("b", None),
            ("c", Some(1)),
            ("a", None),
            ("c", Some(2)),
            ("d", Some(2))
        ]
    );
}

#[test]
fn duplicate_edges_keep_the_strongest_kind() {
    let order = order(
        &["a", "b"],
        &[
            ("a", "b", C, true),
            ("a", "b", D, true),
            ("b", "a", M, true),
            ("b", "a", C, true),
            ("a", "a", D, true),
        ],
    );
    assert_eq!(relaxed(&order), [("b", "a", Relaxation::TargetVersion)]);
}

#[test]
fn unknown_package_is_an_error() {
    let err = build_order(&nodes(&["a"]), &edges(&[("a", "glibc", D, true)])).unwrap_err();
    assert!(matches!(err, GraphError::UnknownPackage { ref missing, .. } if missing == "glibc"));
}

#[test]
fn empty_input_gives_empty_order() {
    let order = order(&[], &[]);
    assert!(order.steps.is_empty() && order.cycles.is_empty() && order.packages.is_empty());
}

/// Random graphs: up to 9 packages, up to 30 edges of any kind.
fn random_graph() -> impl Strategy<Value = (Vec<Node>, Vec<Edge>)> {
    (1usize..10).prop_flat_map(|n| {
        let edge = (0..n, 0..n, 0u8..3, any::<bool>());
        prop::collection::vec(edge, 0..30).prop_map(move |list| {
            // Names whose order differs from their index, so ties by name are exercised.
            let name = |i: usize| format!("{}{i}", ["q", "b", "x", "a"][i % 4]);
            let nodes = (0..n).map(|i| Node::new(name(i))).collect();
            let edges = list
                .into_iter()
                .map(|(from, to, kind, has)| {
                    let kind = [C, M, D][kind as usize];
                    Edge::new(name(from), name(to), kind, has)
                })
                .collect();
            (nodes, edges)
        })
    })
}

proptest! {
    #[test]
    fn random_graphs_keep_every_promise((nodes, edges) in random_graph()) {
        let order = build_order(&nodes, &edges).unwrap();
        check_order(&nodes, &edges, &order);
    }

    #[test]
    fn input_order_does_not_matter(
        (graph, shuffled) in random_graph().prop_flat_map(|(nodes, edges)| {
            let shuffled = (Just(nodes.clone()).prop_shuffle(), Just(edges.clone()).prop_shuffle());
            (Just((nodes, edges)), shuffled)
        })
    ) {
        let (nodes, edges) = graph;
        let (shuffled_nodes, shuffled_edges) = shuffled;
        prop_assert_eq!(
            build_order(&nodes, &edges).unwrap(),
            build_order(&shuffled_nodes, &shuffled_edges).unwrap()
        );
    }
}
