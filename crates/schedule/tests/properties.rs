//! Properties on random job graphs: nothing starts before its dependencies are built, no
//! more than `slots` jobs run at once, the makespan lies between the lower bound and
//! Graham's list-scheduling bound, and with random failures every job ends built, failed or
//! blocked by a failed ancestor.

#![allow(clippy::unwrap_used)]

use archport_schedule::{
    Job, JobState, Outcome, Scheduler, critical_path, lower_bound, simulate_with,
};
use proptest::prelude::*;

/// A random DAG: job `i` depends on some of the jobs before it.
fn dag() -> impl Strategy<Value = Vec<Job>> {
    (1usize..40).prop_flat_map(|n| {
        (0..n)
            .map(|i| proptest::collection::vec(0..i.max(1), 0..4.min(i + 1)))
            .collect::<Vec<_>>()
            .prop_map(|deps| {
                deps.into_iter()
                    .enumerate()
                    .map(|(id, mut d)| {
                        d.retain(|&x| x < id);
                        d.sort_unstable();
                        d.dedup();
                        Job {
                            id,
                            pkgbase: format!("p{id}"),
                            cycle_stage: None,
                            deps: d,
                            list_index: id,
                            skipped_providers: vec![],
                        }
                    })
                    .collect()
            })
    })
}

fn with_values(jobs: Vec<Job>) -> impl Strategy<Value = (Vec<Job>, Vec<f64>, Vec<bool>)> {
    let n = jobs.len();
    (
        Just(jobs),
        proptest::collection::vec((0u32..100).prop_map(f64::from), n),
        proptest::collection::vec(proptest::bool::weighted(0.15), n),
    )
}

/// Every ancestor of `job` (transitively).
fn ancestors(jobs: &[Job], job: usize) -> Vec<usize> {
    let mut seen = vec![false; jobs.len()];
    let mut stack = jobs[job].deps.clone();
    while let Some(j) = stack.pop() {
        if !seen[j] {
            seen[j] = true;
            stack.extend(&jobs[j].deps);
        }
    }
    (0..jobs.len()).filter(|&j| seen[j]).collect()
}

proptest! {
    #[test]
    fn simulated_runs_respect_dependencies_and_slots(
        (jobs, durations, _) in dag().prop_flat_map(with_values),
        slots in 1usize..5,
        unit_weights in any::<bool>(),
    ) {
        let weights = if unit_weights { vec![1.0; jobs.len()] } else { durations.clone() };
        let s = Scheduler::with_job_weights(&jobs, &weights).unwrap();
        let run = simulate_with(s, &durations, slots).unwrap();
        for job in &jobs {
            let start = run.start[job.id].unwrap();
            let finish = run.finish[job.id].unwrap();
            prop_assert_eq!(finish, start + durations[job.id]);
            for &d in &job.deps {
                prop_assert!(run.finish[d].unwrap() <= start, "job {} before dep {}", job.id, d);
            }
            // Jobs running at `start` (this one included) never exceed the slots.
            let busy = jobs
                .iter()
                .filter(|o| {
                    let (s, f) = (run.start[o.id].unwrap(), run.finish[o.id].unwrap());
                    s <= start && start < f
                })
                .count();
            prop_assert!(busy <= slots, "{} jobs at {}", busy, start);
        }
        let bound = lower_bound(&jobs, &durations, slots).unwrap();
        prop_assert!(run.makespan >= bound - 1e-9);
        let total: f64 = durations.iter().sum();
        let graham = total / slots as f64
            + (1.0 - 1.0 / slots as f64) * critical_path(&jobs, &durations).unwrap();
        prop_assert!(run.makespan <= graham + 1e-9, "{} > {}", run.makespan, graham);
    }

    #[test]
    fn every_job_ends_built_failed_or_blocked(
        (jobs, _, fails) in dag().prop_flat_map(with_values),
        slots in 1usize..5,
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 200),
    ) {
        let mut s = Scheduler::with_job_weights(&jobs, &vec![1.0; jobs.len()]).unwrap();
        let mut picks = picks.into_iter().cycle();
        let mut reported_blocked = vec![false; jobs.len()];
        while !s.is_finished() {
            while s.running().len() < slots {
                let Some(j) = s.next_ready() else { break };
                for &d in &jobs[j].deps {
                    prop_assert_eq!(s.state(d).unwrap(), JobState::Built);
                }
                s.start(j).unwrap();
            }
            // Some running job finishes, chosen at random.
            let running = s.running();
            let j = running[picks.next().unwrap().index(running.len())];
            let outcome = if fails[j] { Outcome::Failed } else { Outcome::Built };
            for b in s.finish(j, outcome).unwrap() {
                prop_assert!(!reported_blocked[b]);
                reported_blocked[b] = true;
                prop_assert!(ancestors(&jobs, b).contains(&j));
            }
        }
        let counts = s.counts();
        prop_assert_eq!(counts.built + counts.failed + counts.blocked, jobs.len());
        for job in &jobs {
            let failed_ancestor = ancestors(&jobs, job.id).into_iter().any(|a| fails[a]);
            let state = s.state(job.id).unwrap();
            match state {
                JobState::Built => prop_assert!(!fails[job.id] && !failed_ancestor),
                JobState::Failed => prop_assert!(fails[job.id] && !failed_ancestor),
                JobState::Blocked { by } => {
                    prop_assert!(failed_ancestor && reported_blocked[job.id]);
                    prop_assert_eq!(s.state(by).unwrap(), JobState::Failed);
                    prop_assert!(ancestors(&jobs, job.id).contains(&by));
                }
                other => prop_assert!(false, "job {} ends {}", job.id, other),
            }
        }
    }
}
