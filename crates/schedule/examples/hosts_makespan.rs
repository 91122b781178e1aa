//! The scheduler's makespan over several build hosts sharing one work queue (as with the
//! PostgreSQL queue), on the real full-size world (`--rebuild-repo extra`, about 11,300
//! jobs) with simulated build durations, all known to the scheduler.
//!
//! Durations are the `full_world_makespan` example's (log-normal from a hash of the
//! pkgbase, median 3 minutes, sigma 1.2). Each shape is run with publish delays of 0, 30 s
//! and 120 s per job (time from a build finishing to its packages being installable from
//! the shared repository); every dependent waits for the publish, as `build-packages`'
//! chroots install only from the published repository. Each run is measured against the
//! lower bound max(critical path, total work / all slots) and against the stronger bound
//! whose critical path also counts each link's publish delay (`hosts_lower_bound`); the
//! scheduler's weights are the durations, or the durations plus the publish delay (the
//! critical path as the hosts see it). A last few runs let each host use its own builds
//! before they are published (`Hosts::local_reuse`).
//!
//! Run with `cargo run --release -p archport-schedule --example hosts_makespan`.

#[path = "../../plan/benches/support/full_world.rs"]
mod full_world;
#[path = "../benches/support/world_jobs.rs"]
mod world_jobs;

use std::error::Error;
use std::time::Instant;

use archport_schedule::{
    Hosts, PublishDelay, Scheduler, critical_path, hosts_lower_bound, lower_bound,
    simulate_hosts_with,
};

/// Host shapes reported: (hosts, slots per host).
const SHAPES: [(usize, usize); 7] = [(1, 8), (2, 8), (4, 8), (1, 64), (4, 16), (8, 8), (8, 16)];

/// Host shapes also run with local reuse.
const LOCAL_REUSE_SHAPES: [(usize, usize); 2] = [(4, 16), (8, 16)];

/// Publish delays reported, in seconds.
const DELAYS: [f64; 3] = [0.0, 30.0, 120.0];

fn main() -> Result<(), Box<dyn Error>> {
    archport_realdata::path_or_exit("hosts_makespan", full_world::SRCINFO_ARCHIVE);
    let started = Instant::now();
    let infos = world_jobs::read_infos()?;
    println!(
        "read {} .SRCINFO files in {:.2?}",
        infos.len(),
        started.elapsed()
    );
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
        let world = world_jobs::world_jobs(&infos, target_has_version)?;
        let jobs = &world.jobs;
        let durations = world_jobs::simulated_durations(jobs);
        let total: f64 = durations.iter().sum();
        println!("\n== {scenario}");
        println!(
            "jobs: {}; simulated work {:.1} h, longest job {:.1} h, critical path {:.2} h",
            jobs.len(),
            total / 3600.0,
            durations.iter().copied().fold(0.0, f64::max) / 3600.0,
            critical_path(jobs, &durations)? / 3600.0
        );
        println!(
            "makespan in hours; ratio to the lower bound max(critical path, work / slots) \
             and to the bound with publish delays on the critical path; the scheduler's \
             weights are the durations, or the durations plus the publish delay"
        );
        println!(
            "{:>5} {:>6} {:>8} {:>8} | {:>8} {:>7} {:>7} | {:>8} {:>7} {:>7} | {:>8}",
            "shape",
            "delay",
            "bound",
            "bound+d",
            "makespan",
            "ratio",
            "ratio+d",
            "mksp w+d",
            "ratio",
            "ratio+d",
            "sim time"
        );
        for (hosts, slots) in SHAPES {
            for delay in DELAYS {
                let shape =
                    Hosts::new(hosts, slots).with_publish_delay(PublishDelay::Uniform(delay));
                let bound = lower_bound(jobs, &durations, shape.total_slots())?;
                let delay_bound = hosts_lower_bound(jobs, &durations, &shape)?;
                let mut line = format!(
                    "{:>5} {:>6} {:>8.2} {:>8.2}",
                    format!("{hosts}x{slots}"),
                    format!("{delay} s"),
                    bound / 3600.0,
                    delay_bound / 3600.0
                );
                let started = Instant::now();
                let with_delay: Vec<f64> = durations.iter().map(|d| d + delay).collect();
                for weights in [&durations, &with_delay] {
                    let scheduler = Scheduler::with_job_weights(jobs, weights)?;
                    let makespan = simulate_hosts_with(scheduler, &durations, &shape)?.makespan;
                    line.push_str(&format!(
                        " | {:>8.2} {:>7.4} {:>7.4}",
                        makespan / 3600.0,
                        makespan / bound,
                        makespan / delay_bound
                    ));
                }
                line.push_str(&format!(" | {:>8.2?}", started.elapsed() / 2));
                println!("{line}");
            }
        }
        // What a host-local repository would buy: chains may then stay on one host and
        // pay no publish delay between their links.
        let mut line = String::from("with local reuse (weights: durations):");
        for (hosts, slots) in LOCAL_REUSE_SHAPES {
            for delay in DELAYS {
                let shape = Hosts::new(hosts, slots)
                    .with_publish_delay(PublishDelay::Uniform(delay))
                    .with_local_reuse(true);
                let bound = hosts_lower_bound(jobs, &durations, &shape)?;
                let scheduler = Scheduler::with_job_weights(jobs, &durations)?;
                let makespan = simulate_hosts_with(scheduler, &durations, &shape)?.makespan;
                line.push_str(&format!(
                    "\n  {hosts}x{slots}, delay {delay} s: {:.2} h ({:.4})",
                    makespan / 3600.0,
                    makespan / bound
                ));
            }
        }
        println!("{line}");
    }
    Ok(())
}
