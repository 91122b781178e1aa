//! Properties of the multi-host simulation on random job graphs: without publish delay it
//! is one host with every slot; one host reusing its own builds is the single-host
//! simulation whatever the delay; nothing starts before its dependencies are installable on
//! its host, no host runs more than its slots, and the makespan is never under the bound.

use archport_schedule::{
    Hosts, Job, PublishDelay, Scheduler, hosts_lower_bound, simulate_hosts_with, simulate_with,
};
use proptest::prelude::*;

/// A random DAG with a duration and a publish delay per job: job `i` depends on some of
/// the jobs before it.
fn dag() -> impl Strategy<Value = (Vec<Job>, Vec<f64>, Vec<f64>)> {
    (1usize..40).prop_flat_map(|n| {
        let deps = (0..n)
            .map(|i| proptest::collection::vec(0..i.max(1), 0..4.min(i + 1)))
            .collect::<Vec<_>>();
        let jobs = deps.prop_map(|deps| {
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
        });
        (
            jobs,
            proptest::collection::vec((0u32..100).prop_map(f64::from), n),
            proptest::collection::vec((0u32..20).prop_map(f64::from), n),
        )
    })
}

proptest! {
    #[test]
    fn without_delay_hosts_are_one_host_with_every_slot(
        (jobs, durations, _) in dag(),
        hosts in 1usize..4,
        slots in 1usize..4,
        local_reuse in any::<bool>(),
    ) {
        let shape = Hosts::new(hosts, slots).with_local_reuse(local_reuse);
        let s = Scheduler::with_job_weights(&jobs, &durations).unwrap();
        let multi = simulate_hosts_with(s.clone(), &durations, &shape).unwrap();
        let single = simulate_with(s, &durations, hosts * slots).unwrap();
        prop_assert_eq!(multi.makespan, single.makespan);
        prop_assert_eq!(multi.start, single.start);
        prop_assert_eq!(multi.finish, single.finish);
    }

    #[test]
    fn one_host_reusing_its_builds_ignores_publish_delays_until_the_end(
        (jobs, durations, delays) in dag(),
        slots in 1usize..4,
    ) {
        let shape = Hosts::new(1, slots)
            .with_publish_delay(PublishDelay::PerJob(delays.clone()))
            .with_local_reuse(true);
        let s = Scheduler::with_job_weights(&jobs, &durations).unwrap();
        let multi = simulate_hosts_with(s.clone(), &durations, &shape).unwrap();
        let single = simulate_with(s, &durations, slots).unwrap();
        prop_assert_eq!(&multi.start, &single.start);
        prop_assert_eq!(&multi.finish, &single.finish);
        let last_publish = (0..jobs.len())
            .map(|j| single.finish[j].unwrap() + delays[j])
            .fold(0.0, f64::max);
        prop_assert_eq!(multi.makespan, last_publish);
    }

    #[test]
    fn jobs_wait_for_installable_dependencies_and_hosts_keep_to_their_slots(
        (jobs, durations, delays) in dag(),
        hosts in 1usize..4,
        slots in 1usize..4,
        local_reuse in any::<bool>(),
    ) {
        let shape = Hosts::new(hosts, slots)
            .with_publish_delay(PublishDelay::PerJob(delays.clone()))
            .with_local_reuse(local_reuse);
        let s = Scheduler::with_job_weights(&jobs, &durations).unwrap();
        let run = simulate_hosts_with(s, &durations, &shape).unwrap();
        for job in &jobs {
            let start = run.start[job.id].unwrap();
            let host = run.host[job.id].unwrap();
            prop_assert!(host < hosts);
            prop_assert_eq!(run.finish[job.id].unwrap(), start + durations[job.id]);
            prop_assert_eq!(run.published[job.id].unwrap(), start + durations[job.id] + delays[job.id]);
            for &d in &job.deps {
                let ready = if local_reuse && run.host[d] == Some(host) {
                    run.finish[d].unwrap()
                } else {
                    run.published[d].unwrap()
                };
                prop_assert!(ready <= start, "job {} on host {} before dep {}", job.id, host, d);
            }
            let busy = jobs
                .iter()
                .filter(|o| {
                    let (s, f) = (run.start[o.id].unwrap(), run.finish[o.id].unwrap());
                    run.host[o.id] == Some(host) && s <= start && start < f
                })
                .count();
            prop_assert!(busy <= slots, "{} jobs on host {} at {}", busy, host, start);
        }
        let last_publish = run.published.iter().map(|p| p.unwrap()).fold(0.0, f64::max);
        prop_assert_eq!(run.makespan, last_publish);
        let bound = hosts_lower_bound(&jobs, &durations, &shape).unwrap();
        prop_assert!(run.makespan >= bound - 1e-9, "{} < {}", run.makespan, bound);
    }
}
