//! Timing of the build order on the real full-size world (`--rebuild-repo extra`: 11,268
//! pkgbases), as a port already carrying older versions and as a new port.

#[path = "support/full_world.rs"]
mod full_world;

use std::hint::black_box;

use archport_plan::graph::DepGraph;
use archport_plan::order::{build_order, order_graph};
use criterion::{Criterion, criterion_group};

fn full_world(c: &mut Criterion) {
    let archive = archport_realdata::require(full_world::SRCINFO_ARCHIVE);
    let infos = match full_world::read_archive(&archive) {
        Ok(infos) => infos,
        Err(e) => panic!("reading {}: {e}", archive.display()),
    };
    let mut group = c.benchmark_group("order/full_world");
    group.sample_size(20);
    for (target_has_version, name) in [(true, "rebuild_extra"), (false, "new_port")] {
        let (nodes, edges) = full_world::rebuild_extra(&infos, target_has_version);
        group.bench_function(name, |b| {
            b.iter(|| build_order(black_box(&nodes), black_box(&edges)))
        });
        let graph = match DepGraph::new(&nodes, &edges) {
            Ok(graph) => graph,
            Err(e) => panic!("{e}"),
        };
        group.bench_function(format!("{name}/without_normalising"), |b| {
            b.iter(|| order_graph(black_box(&graph)))
        });
    }
    group.finish();
}

criterion_group!(benches, full_world);

/// `criterion_main!`, after checking for the real data: without it the bench says so in one
/// line and stops (see `archport_realdata::bench_path_or_exit`).
fn main() {
    archport_realdata::bench_path_or_exit("bench order", full_world::SRCINFO_ARCHIVE);
    benches();
    Criterion::default().configure_from_args().final_summary();
}
