//! Measures the build order on the real full-size world (`--rebuild-repo extra`), once with
//! every target already in the target repos and once as a new port with nothing there.
//!
//! Run with `cargo run --release -p archport-plan --example full_world_order [archive]`.

#[path = "../benches/support/full_world.rs"]
mod full_world;

use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use archport_plan::graph::{DepGraph, EdgeKind, Relaxation};
use archport_plan::order::{BuildOrder, build_order};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;

/// Runs of the ordering per scenario; the fastest one is reported.
const RUNS: usize = 5;

fn main() -> Result<(), Box<dyn Error>> {
    let archive = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            archport_realdata::path_or_exit("full_world_order", full_world::SRCINFO_ARCHIVE)
        });
    let started = Instant::now();
    let infos = full_world::read_archive(&archive)?;
    println!(
        "read {} .SRCINFO files from {} in {:.2?}",
        infos.len(),
        archive.display(),
        started.elapsed()
    );

    cross_check_with_readme(&infos)?;

    for (target_has_version, scenario) in [
        (
            true,
            "rebuild extra, every target has a version in the target repos",
        ),
        (
            false,
            "new port, no target has a version in the target repos",
        ),
    ] {
        let (nodes, edges) = full_world::rebuild_extra(&infos, target_has_version);
        let mut fastest = Duration::MAX;
        let mut order = None;
        for _ in 0..RUNS {
            let started = Instant::now();
            let result = build_order(&nodes, &edges)?;
            fastest = fastest.min(started.elapsed());
            order = Some(result);
        }
        let order = order.ok_or("no run")?;
        let graph = DepGraph::new(&nodes, &edges)?;
        println!("\n== {scenario}");
        report(&graph, &order, fastest);
    }
    Ok(())
}

/// The realdata README says depends+makedepends form 29 SCCs at pkgbase level, one of 1,688
/// pkgbases: recount them over core and extra with this example's resolution.
fn cross_check_with_readme(infos: &[full_world::Srcinfo]) -> Result<(), Box<dyn Error>> {
    let (nodes, edges) = full_world::whole_world(infos);
    let edges: Vec<_> = edges
        .into_iter()
        .filter(|e| e.kind != EdgeKind::Checkdepends)
        .collect();
    let graph = DepGraph::new(&nodes, &edges)?;
    let mut petgraph: DiGraph<(), ()> = DiGraph::new();
    let ids: Vec<_> = (0..graph.node_count())
        .map(|_| petgraph.add_node(()))
        .collect();
    for edge in graph.edges() {
        petgraph.add_edge(ids[edge.from], ids[edge.to], ());
    }
    let mut sizes: Vec<usize> = tarjan_scc(&petgraph)
        .iter()
        .map(Vec::len)
        .filter(|&n| n > 1)
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    println!(
        "cross-check: depends+makedepends over core+extra ({} pkgbases) form {} SCCs, largest {:?}",
        graph.node_count(),
        sizes.len(),
        sizes.first()
    );
    Ok(())
}

fn report(graph: &DepGraph, order: &BuildOrder, elapsed: Duration) {
    let mut per_kind: BTreeMap<EdgeKind, usize> = BTreeMap::new();
    for edge in graph.edges() {
        *per_kind.entry(edge.kind).or_default() += 1;
    }
    println!(
        "nodes: {}; edges (one per pair, strongest kind): {} ({})",
        graph.node_count(),
        graph.edges().len(),
        per_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut sizes: Vec<usize> = order.cycles.iter().map(|c| c.members.len()).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    println!("cycle groups (SCCs > 1): {}; sizes: {sizes:?}", sizes.len());
    let in_cycles = order.packages_in_cycles();
    println!("pkgbases in cycles: {in_cycles}");
    let mut relaxed: BTreeMap<(EdgeKind, Relaxation), usize> = BTreeMap::new();
    for edge in order.relaxed_edges() {
        *relaxed.entry((edge.kind, edge.relaxation)).or_default() += 1;
    }
    println!(
        "relaxed edges: {} ({})",
        relaxed.values().sum::<usize>(),
        relaxed
            .iter()
            .map(|((k, r), n)| format!("{k} {r:?} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let second = order.second_builds();
    println!(
        "second builds: {second} = {:.2}% of the pkgbases in cycles",
        100.0 * second as f64 / in_cycles.max(1) as f64
    );
    println!(
        "steps: {}; deepest build_stage: {}; deepest step: {}",
        order.steps.len(),
        order
            .packages
            .values()
            .map(|p| p.build_stage)
            .max()
            .unwrap_or(0),
        order.steps.last().map_or(0, |s| s.depth)
    );
    println!("ordering time (build_order, fastest of {RUNS}): {elapsed:.2?}");
    for cycle in order
        .cycles
        .iter()
        .filter(|c| !c.rebuilt.is_empty())
        .take(5)
    {
        println!("  {cycle}");
    }
}
