//! Simulated runs over several build hosts sharing one work queue: the makespan the
//! critical-path priority reaches when builds are spread over hosts and a built job only
//! becomes installable for its dependents once published.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::error::ScheduleError;
use crate::graph::check_weights;
use crate::jobs::Job;
use crate::options::{Hosts, PublishDelay};
use crate::scheduler::{Outcome, Scheduler};
use crate::simulate::{Time, check_durations, critical_path, lower_bound};

/// The timeline of a simulated multi-host run, in the durations' unit.
#[derive(Clone, Debug, PartialEq)]
pub struct HostSchedule {
    /// When the last job was published (0 without jobs): the run is over when everything
    /// built is installable.
    pub makespan: f64,
    /// When each job started; `None` for jobs never started (marked done beforehand).
    pub start: Vec<Option<f64>>,
    /// When each job finished building; `None` for jobs never started.
    pub finish: Vec<Option<f64>>,
    /// When each job was published; `None` for jobs never started.
    pub published: Vec<Option<f64>>,
    /// The host (0-based) that built each job; `None` for jobs never started.
    pub host: Vec<Option<usize>>,
}

/// The makespan of building `jobs` on `hosts`, each job taking its `durations` entry, the
/// scheduler knowing every duration (its weights are `durations`).
pub fn simulate_hosts(
    jobs: &[Job],
    durations: &[f64],
    hosts: &Hosts,
) -> Result<f64, ScheduleError> {
    let scheduler = Scheduler::with_job_weights(jobs, durations)?;
    Ok(simulate_hosts_with(scheduler, durations, hosts)?.makespan)
}

/// The bound no schedule of `jobs` on `hosts` can beat: the larger of the total work spread
/// evenly over every slot and the heaviest chain of dependencies. Without
/// [`Hosts::local_reuse`] each link of a chain waits for the publish of the one before and the
/// run ends with the last publish, so a chain weighs its durations plus its publish delays;
/// with local reuse a chain may stay on one host, so only durations count. With no delay
/// this is [`lower_bound`] over all the slots.
pub fn hosts_lower_bound(
    jobs: &[Job],
    durations: &[f64],
    hosts: &Hosts,
) -> Result<f64, ScheduleError> {
    let bound = lower_bound(jobs, durations, hosts.total_slots())?;
    if hosts.local_reuse {
        return Ok(bound);
    }
    let delays = publish_delays(hosts, jobs.len());
    check_weights(jobs, &delays, "publish delays")?;
    let weights: Vec<f64> = durations.iter().zip(&delays).map(|(d, p)| d + p).collect();
    Ok(bound.max(critical_path(jobs, &weights)?))
}

/// The publish delay of each of `n` jobs.
fn publish_delays(hosts: &Hosts, n: usize) -> Vec<f64> {
    match &hosts.publish_delay {
        PublishDelay::Uniform(delay) => vec![*delay; n],
        PublishDelay::PerJob(delays) => delays.clone(),
    }
}

/// Event-driven list scheduling over `hosts` with a prepared `scheduler` (its own weights,
/// jobs possibly marked done), one ready queue for all hosts: whenever slots are free, the
/// ready jobs are taken in the scheduler's priority order, each by a free slot of a host it
/// can start on (its dependencies published, or built by that host itself with
/// [`Hosts::local_reuse`]), the slot idle longest first, ties to the lowest host. Jobs
/// finishing at the same time all finish before anything new starts. With one host this
/// is [`crate::simulate_with`], with no publish delay it is one host with every slot.
pub fn simulate_hosts_with(
    mut scheduler: Scheduler,
    durations: &[f64],
    hosts: &Hosts,
) -> Result<HostSchedule, ScheduleError> {
    if hosts.total_slots() == 0 {
        return Err(ScheduleError::NoSlots);
    }
    check_durations(&scheduler, durations, "durations")?;
    let n = scheduler.len();
    let delays = publish_delays(hosts, n);
    check_durations(&scheduler, &delays, "publish delays")?;
    let mut deps = vec![Vec::new(); n];
    for job in 0..n {
        for &dependent in scheduler.dependents(job) {
            deps[dependent].push(job);
        }
    }
    let mut run = Run {
        start: vec![None; n],
        finish: vec![None; n],
        published: vec![None; n],
        host: vec![None; n],
        // Per host, when each free slot became free: the slot idle longest goes first.
        free: (0..hosts.hosts)
            .map(|_| (0..hosts.slots).map(|_| Reverse(Time(0.0))).collect())
            .collect(),
    };
    let mut finishes: BinaryHeap<Reverse<(Time, usize)>> = BinaryHeap::new();
    // Publish times that may make a waiting job startable: a moment to look again.
    let mut wakes: BinaryHeap<Reverse<Time>> = BinaryHeap::new();
    let mut now = 0.0;
    let mut makespan: f64 = 0.0;
    loop {
        let taken = run.take_ready(&scheduler, &deps, hosts.local_reuse, now);
        for (job, host) in taken {
            scheduler.start(job)?;
            run.start[job] = Some(now);
            run.host[job] = Some(host);
            finishes.push(Reverse((Time(now + durations[job]), job)));
        }
        let next_finish = finishes.peek().map(|Reverse((Time(t), _))| *t);
        let next_wake = wakes.peek().map(|Reverse(Time(t))| *t);
        now = match (next_finish, next_wake) {
            (None, None) => break,
            (Some(t), None) | (None, Some(t)) => t,
            (Some(f), Some(w)) => f.min(w),
        };
        while let Some(Reverse(Time(t))) = wakes.peek()
            && *t <= now
        {
            wakes.pop();
        }
        while let Some(Reverse((Time(t), job))) = finishes.peek().copied()
            && t == now
        {
            finishes.pop();
            scheduler.finish(job, Outcome::Built)?;
            let published = now + delays[job];
            run.finish[job] = Some(now);
            run.published[job] = Some(published);
            makespan = makespan.max(published);
            if let Some(host) = run.host[job] {
                run.free[host].push(Reverse(Time(now)));
            }
            if published > now && !scheduler.dependents(job).is_empty() {
                wakes.push(Reverse(Time(published)));
            }
        }
    }
    Ok(HostSchedule {
        makespan,
        start: run.start,
        finish: run.finish,
        published: run.published,
        host: run.host,
    })
}

/// The state of a multi-host run besides the scheduler's.
struct Run {
    start: Vec<Option<f64>>,
    finish: Vec<Option<f64>>,
    published: Vec<Option<f64>>,
    host: Vec<Option<usize>>,
    free: Vec<BinaryHeap<Reverse<Time>>>,
}

impl Run {
    /// The ready jobs to start at `now` and the host of each, in priority order, their
    /// slots taken out of `free`. One pass suffices: starting a job changes no other job's
    /// readiness.
    fn take_ready(
        &mut self,
        scheduler: &Scheduler,
        deps: &[Vec<usize>],
        local_reuse: bool,
        now: f64,
    ) -> Vec<(usize, usize)> {
        let mut free_slots: usize = self.free.iter().map(BinaryHeap::len).sum();
        let mut taken = Vec::new();
        for job in scheduler.ready_by_priority() {
            if free_slots == 0 {
                break;
            }
            let mut best: Option<(Time, usize)> = None;
            for (host, slots) in self.free.iter().enumerate() {
                let Some(&Reverse(since)) = slots.peek() else {
                    continue;
                };
                if self.available_at(&deps[job], host, local_reuse) > now {
                    continue;
                }
                if best.is_none_or(|(best_since, _)| since < best_since) {
                    best = Some((since, host));
                }
            }
            if let Some((_, host)) = best {
                self.free[host].pop();
                free_slots -= 1;
                taken.push((job, host));
            }
        }
        taken
    }

    /// When a job with dependencies `deps` can start on `host`: when the last of those
    /// built in this run is published (or built, on the host that built it, with local
    /// reuse). Dependencies built before the run are there from the start.
    fn available_at(&self, deps: &[usize], host: usize, local_reuse: bool) -> f64 {
        deps.iter()
            .filter_map(|&dep| {
                let finish = self.finish[dep]?;
                if local_reuse && self.host[dep] == Some(host) {
                    Some(finish)
                } else {
                    self.published[dep]
                }
            })
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::simulate_with;

    /// Jobs named `p{id}` with the given dependencies.
    fn jobs(deps: &[&[usize]]) -> Vec<Job> {
        deps.iter()
            .enumerate()
            .map(|(id, d)| Job {
                id,
                pkgbase: format!("p{id}"),
                cycle_stage: None,
                deps: d.to_vec(),
                list_index: id,
                skipped_providers: vec![],
            })
            .collect()
    }

    /// A chain of `n` jobs, each depending on the one before.
    fn chain(n: usize) -> Vec<Job> {
        let deps: Vec<Vec<usize>> = (0..n)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        let deps: Vec<&[usize]> = deps.iter().map(Vec::as_slice).collect();
        jobs(&deps)
    }

    fn run(jobs: &[Job], durations: &[f64], hosts: &Hosts) -> HostSchedule {
        let scheduler = Scheduler::with_job_weights(jobs, durations).unwrap();
        simulate_hosts_with(scheduler, durations, hosts).unwrap()
    }

    #[test]
    fn a_chain_takes_its_length_without_publish_delay() {
        let jobs = chain(3);
        let durations = [1.0, 2.0, 3.0];
        let makespan = simulate_hosts(&jobs, &durations, &Hosts::new(2, 2)).unwrap();
        assert_eq!(makespan, 6.0);
        assert_eq!(
            hosts_lower_bound(&jobs, &durations, &Hosts::new(2, 2)).unwrap(),
            6.0
        );
    }

    #[test]
    fn publish_delay_lengthens_a_chain_by_n_delays() {
        let jobs = chain(4);
        let durations = [1.0; 4];
        for shape in [Hosts::new(1, 1), Hosts::new(3, 2)] {
            let hosts = shape.with_publish_delay(PublishDelay::Uniform(0.5));
            let schedule = run(&jobs, &durations, &hosts);
            assert_eq!(schedule.makespan, 4.0 + 4.0 * 0.5, "{hosts:?}");
            assert_eq!(
                schedule.start,
                vec![Some(0.0), Some(1.5), Some(3.0), Some(4.5)]
            );
            assert_eq!(schedule.published[3], Some(6.0));
            assert_eq!(hosts_lower_bound(&jobs, &durations, &hosts).unwrap(), 6.0);
        }
    }

    #[test]
    fn local_reuse_keeps_a_chain_on_one_host_and_pays_only_the_last_publish() {
        let jobs = chain(4);
        let durations = [1.0; 4];
        let hosts = Hosts::new(3, 2)
            .with_publish_delay(PublishDelay::Uniform(0.5))
            .with_local_reuse(true);
        let schedule = run(&jobs, &durations, &hosts);
        assert_eq!(schedule.makespan, 4.5);
        assert_eq!(schedule.host, vec![Some(0); 4]);
        assert_eq!(hosts_lower_bound(&jobs, &durations, &hosts).unwrap(), 4.0);
    }

    #[test]
    fn per_job_publish_delays_add_up_along_the_chain() {
        let jobs = chain(3);
        let hosts = Hosts::new(2, 1).with_publish_delay(PublishDelay::PerJob(vec![5.0, 0.0, 2.0]));
        let schedule = run(&jobs, &[1.0, 1.0, 1.0], &hosts);
        assert_eq!(schedule.start, vec![Some(0.0), Some(6.0), Some(7.0)]);
        assert_eq!(schedule.makespan, 10.0);
    }

    #[test]
    fn a_fan_out_waits_for_the_root_publish_then_fills_every_slot() {
        let mut deps: Vec<&[usize]> = vec![&[]];
        deps.extend(std::iter::repeat_n(&[0usize][..], 8));
        let jobs = jobs(&deps);
        let mut durations = vec![1.0; 9];
        durations[0] = 2.0;
        let hosts = Hosts::new(2, 2).with_publish_delay(PublishDelay::Uniform(1.0));
        let schedule = run(&jobs, &durations, &hosts);
        // Root built at 2, published at 3; 8 dependents on 4 slots: two rounds until 5,
        // the last ones published at 6.
        assert_eq!(schedule.makespan, 6.0);
        for job in 1..9 {
            assert!(schedule.start[job].unwrap() >= 3.0);
        }
        for host in 0..2 {
            let on_host = schedule.host[1..]
                .iter()
                .filter(|h| **h == Some(host))
                .count();
            assert_eq!(on_host, 4, "host {host}");
        }
        // The chain root + dependent with their publishes: 2 + 1 + 1 + 1.
        assert_eq!(hosts_lower_bound(&jobs, &durations, &hosts).unwrap(), 5.0);
    }

    #[test]
    fn independent_jobs_spread_over_every_host_slot() {
        let jobs = jobs(&[&[][..]; 8]);
        let schedule = run(&jobs, &[1.0; 8], &Hosts::new(4, 1));
        assert_eq!(schedule.makespan, 2.0);
        for host in 0..4 {
            let on_host = schedule.host.iter().filter(|h| **h == Some(host)).count();
            assert_eq!(on_host, 2, "host {host}");
        }
    }

    #[test]
    fn hosts_without_delay_match_one_host_with_every_slot() {
        // Two chains of different weight joined at the end, plus independent filler.
        let jobs = jobs(&[
            &[],
            &[0],
            &[1],
            &[],
            &[3],
            &[2, 4],
            &[],
            &[],
            &[6],
            &[],
            &[5, 8],
            &[],
        ]);
        let durations = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0];
        for (hosts, slots) in [(2, 2), (3, 1), (1, 3), (2, 3)] {
            let multi = run(&jobs, &durations, &Hosts::new(hosts, slots));
            let scheduler = Scheduler::with_job_weights(&jobs, &durations).unwrap();
            let single = simulate_with(scheduler, &durations, hosts * slots).unwrap();
            assert_eq!(multi.makespan, single.makespan, "{hosts}x{slots}");
            assert_eq!(multi.start, single.start, "{hosts}x{slots}");
            assert_eq!(multi.finish, single.finish, "{hosts}x{slots}");
        }
    }

    #[test]
    fn jobs_built_before_the_run_are_available_from_the_start() {
        let jobs = chain(3);
        let durations = [10.0, 1.0, 1.0];
        let mut scheduler = Scheduler::with_job_weights(&jobs, &durations).unwrap();
        scheduler.mark_done(0).unwrap();
        let hosts = Hosts::new(2, 1).with_publish_delay(PublishDelay::Uniform(1.0));
        let schedule = simulate_hosts_with(scheduler, &durations, &hosts).unwrap();
        assert_eq!(schedule.start, vec![None, Some(0.0), Some(2.0)]);
        assert_eq!(schedule.makespan, 4.0);
    }

    #[test]
    fn bad_shapes_and_delays_are_refused() {
        let jobs = chain(2);
        let durations = [1.0, 1.0];
        assert_eq!(
            simulate_hosts(&jobs, &durations, &Hosts::new(0, 4)),
            Err(ScheduleError::NoSlots)
        );
        assert_eq!(
            simulate_hosts(&jobs, &durations, &Hosts::new(4, 0)),
            Err(ScheduleError::NoSlots)
        );
        let short = Hosts::new(1, 1).with_publish_delay(PublishDelay::PerJob(vec![1.0]));
        assert_eq!(
            simulate_hosts(&jobs, &durations, &short),
            Err(ScheduleError::LengthMismatch {
                what: "publish delays",
                got: 1,
                jobs: 2
            })
        );
        assert_eq!(
            hosts_lower_bound(&jobs, &durations, &short),
            Err(ScheduleError::LengthMismatch {
                what: "publish delays",
                got: 1,
                jobs: 2
            })
        );
        let negative = Hosts::new(1, 1).with_publish_delay(PublishDelay::Uniform(-1.0));
        assert!(matches!(
            simulate_hosts(&jobs, &durations, &negative),
            Err(ScheduleError::InvalidDuration { job: 0, .. })
        ));
    }
}
