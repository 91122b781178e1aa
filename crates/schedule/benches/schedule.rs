//! Scheduler throughput on the real full-size world (`--rebuild-repo extra`, about 11,300
//! jobs): making the jobs from the build-list entries, building the scheduler (priorities),
//! and driving a whole simulated run through it (every job started and finished once), on
//! one host and on 4 hosts × 16 slots sharing one queue (with and without a publish delay).

#[path = "../../plan/benches/support/full_world.rs"]
mod full_world;
#[path = "support/world_jobs.rs"]
mod world_jobs;

use std::hint::black_box;

use archport_schedule::{
    Hosts, PublishDelay, Scheduler, jobs_from_entries, simulate_hosts_with, simulate_with,
};
use criterion::{Criterion, criterion_group};

fn full_world(c: &mut Criterion) {
    let infos = match world_jobs::read_infos() {
        Ok(infos) => infos,
        Err(e) => panic!("reading the real data: {e}"),
    };
    let world = match world_jobs::world_jobs(&infos, true) {
        Ok(world) => world,
        Err(e) => panic!("full world jobs: {e}"),
    };
    let jobs = &world.jobs;
    let durations = world_jobs::simulated_durations(jobs);
    let scheduler = || match Scheduler::with_job_weights(jobs, &durations) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let entries = match world_jobs::entries_of(&infos, &world.order, true) {
        Ok(entries) => entries,
        Err(e) => panic!("{e}"),
    };
    let mut group = c.benchmark_group("schedule/full_world");
    group.sample_size(20);
    group.bench_function("jobs_from_entries", |b| {
        b.iter(|| jobs_from_entries(black_box(&entries)))
    });
    group.bench_function("new", |b| b.iter(scheduler));
    for slots in [1, 8] {
        group.bench_function(format!("run_{slots}_slots"), |b| {
            b.iter_batched(
                scheduler,
                |s| simulate_with(black_box(s), &durations, slots),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    for (hosts, slots, delay) in [(4, 16, 0.0), (4, 16, 60.0)] {
        let shape = Hosts::new(hosts, slots).with_publish_delay(PublishDelay::Uniform(delay));
        group.bench_function(format!("run_{hosts}x{slots}_hosts_delay_{delay}s"), |b| {
            b.iter_batched(
                scheduler,
                |s| simulate_hosts_with(black_box(s), &durations, &shape),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, full_world);

/// `criterion_main!`, after checking for the real data: without it the bench says so in one
/// line and stops (see `archport_realdata::bench_path_or_exit`).
fn main() {
    archport_realdata::bench_path_or_exit("bench schedule", full_world::SRCINFO_ARCHIVE);
    benches();
    Criterion::default().configure_from_args().final_summary();
}
