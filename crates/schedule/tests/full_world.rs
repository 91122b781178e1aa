//! The real full-size world (`--rebuild-repo extra`, about 11,300 steps): the jobs made by
//! `jobs_from_entries` honour every edge the build order kept and every second build, and
//! the scheduler's simulated makespan stays within 5% of the lower bound. Needs the real data
//! (hence `realdata_` in the name, see `archport_realdata`).

#![allow(clippy::unwrap_used)]

#[path = "../../plan/benches/support/full_world.rs"]
mod full_world;
#[path = "../benches/support/world_jobs.rs"]
mod world_jobs;

use archport_schedule::{lower_bound, simulate};

#[test]
fn realdata_full_world_jobs_and_makespan() {
    archport_realdata::require(full_world::SRCINFO_ARCHIVE);
    let infos = world_jobs::read_infos().unwrap();
    for target_has_version in [true, false] {
        // world_jobs checks the jobs against the order and fails on any missing edge.
        let world = world_jobs::world_jobs(&infos, target_has_version).unwrap();
        assert!(world.jobs.len() > 11_000, "{} jobs", world.jobs.len());
        assert!(world.kept_edges > 60_000, "{} kept edges", world.kept_edges);
        let durations = world_jobs::simulated_durations(&world.jobs);
        for slots in [4, 32] {
            let makespan = simulate(&world.jobs, &durations, slots).unwrap();
            let bound = lower_bound(&world.jobs, &durations, slots).unwrap();
            assert!(
                makespan <= bound * 1.05,
                "{slots} slots: makespan {makespan} vs bound {bound}"
            );
        }
    }
}
