//! The scheduler's makespan on the real full-size world (`--rebuild-repo extra`, about
//! 11,300 jobs) with simulated build durations, against the lower bound
//! max(critical path, total work / slots), for 1, 2, 4, 8, 16, 32 and 64 build slots.
//!
//! Durations are log-normal from a hash of the pkgbase (median 3 minutes, sigma 1.2; see
//! `simulated_duration`). The scheduler's weights, four ways: every duration known (the
//! weights are the durations); half of them known (every other pkgbase by the parity of
//! its name's byte sum), the others weighing the median of the known ones or
//! `default_weight` (their 90th percentile); none known (every weight 1: the longest chain
//! counts builds).
//!
//! Run with `cargo run --release -p archport-schedule --example full_world_makespan`.

#[path = "../../plan/benches/support/full_world.rs"]
mod full_world;
#[path = "../benches/support/world_jobs.rs"]
mod world_jobs;

use std::collections::HashMap;
use std::error::Error;
use std::time::Instant;

use archport_schedule::{
    Job, Scheduler, critical_path, default_weight, lower_bound, quantile_weight, simulate_with,
};

/// Slot counts reported.
const SLOTS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

fn main() -> Result<(), Box<dyn Error>> {
    archport_realdata::path_or_exit("full_world_makespan", full_world::SRCINFO_ARCHIVE);
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
        let started = Instant::now();
        let world = world_jobs::world_jobs(&infos, target_has_version)?;
        let elapsed = started.elapsed();
        let jobs = &world.jobs;
        let durations = world_jobs::simulated_durations(jobs);
        let deps: usize = jobs.iter().map(|j| j.deps.len()).sum();
        let total: f64 = durations.iter().sum();
        println!("\n== {scenario}");
        println!(
            "jobs: {} ({} second builds), ordered and made in {elapsed:.2?}; job dependencies: \
             {deps} (kept pkgbase edges: {}, every one honoured, as is every second build)",
            jobs.len(),
            world.order.second_builds(),
            world.kept_edges
        );
        println!(
            "simulated work: {:.1} h in total, longest job {:.1} h, critical path {:.1} h",
            total / 3600.0,
            durations.iter().copied().fold(0.0, f64::max) / 3600.0,
            critical_path(jobs, &durations)? / 3600.0
        );
        let known_half = half_known(jobs, &durations);
        let weightings = [
            ("all known", durations.clone()),
            (
                "half, median",
                weights_of(jobs, &known_half, quantile_weight(&known_half, 0.5)),
            ),
            (
                "half, p90",
                weights_of(jobs, &known_half, default_weight(&known_half)),
            ),
            ("none known", vec![1.0; jobs.len()]),
        ];
        println!("makespan in hours (ratio to the lower bound), by what the scheduler knows:");
        let mut header = format!("{:>5} {:>9}", "slots", "bound");
        for (name, _) in &weightings {
            header.push_str(&format!(" {name:>18}"));
        }
        println!("{header}");
        for slots in SLOTS {
            let bound = lower_bound(jobs, &durations, slots)?;
            let mut line = format!("{slots:>5} {:>9.2}", bound / 3600.0);
            for (_, weights) in &weightings {
                let scheduler = Scheduler::with_job_weights(jobs, weights)?;
                let makespan = simulate_with(scheduler, &durations, slots)?.makespan;
                line.push_str(&format!(
                    " {:>9.2} ({:.4})",
                    makespan / 3600.0,
                    makespan / bound
                ));
            }
            println!("{line}");
        }
    }
    Ok(())
}

/// The durations of every other pkgbase, as a build history would record them.
fn half_known(jobs: &[Job], durations: &[f64]) -> HashMap<String, f64> {
    jobs.iter()
        .zip(durations)
        .filter(|(j, _)| {
            j.pkgbase
                .bytes()
                .map(u32::from)
                .sum::<u32>()
                .is_multiple_of(2)
        })
        .map(|(j, &d)| (j.pkgbase.clone(), d))
        .collect()
}

/// Per job, its known duration or `default`: what `Scheduler::new` does.
fn weights_of(jobs: &[Job], known: &HashMap<String, f64>, default: f64) -> Vec<f64> {
    jobs.iter()
        .map(|j| known.get(&j.pkgbase).copied().unwrap_or(default))
        .collect()
}
