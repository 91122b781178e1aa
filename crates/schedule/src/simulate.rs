//! Simulated runs: the makespan the scheduler reaches with known durations and a number of
//! build slots, and the lower bound no schedule can beat.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::error::ScheduleError;
use crate::graph::{check_weights, dependents_of};
use crate::jobs::Job;
use crate::priority::chain_weights;
use crate::scheduler::{Outcome, Scheduler};

/// The timeline of a simulated run, in the durations' unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// When the last job finished (0 without jobs).
    pub makespan: f64,
    /// When each job started; `None` for jobs never started (marked done beforehand).
    pub start: Vec<Option<f64>>,
    /// When each job finished; `None` for jobs never started.
    pub finish: Vec<Option<f64>>,
}

/// The makespan of building `jobs` with `slots` builds at a time, each job taking its
/// `durations` entry, the scheduler knowing every duration (its weights are `durations`).
pub fn simulate(jobs: &[Job], durations: &[f64], slots: usize) -> Result<f64, ScheduleError> {
    let scheduler = Scheduler::with_job_weights(jobs, durations)?;
    Ok(simulate_with(scheduler, durations, slots)?.makespan)
}

/// Event-driven list scheduling with a prepared `scheduler` (its own weights, jobs
/// possibly marked done): whenever a slot is free the scheduler's next ready job starts;
/// jobs finishing at the same time all finish before anything new starts.
pub fn simulate_with(
    mut scheduler: Scheduler,
    durations: &[f64],
    slots: usize,
) -> Result<Schedule, ScheduleError> {
    if slots == 0 {
        return Err(ScheduleError::NoSlots);
    }
    check_durations(&scheduler, durations, "durations")?;
    let mut start = vec![None; durations.len()];
    let mut finish = vec![None; durations.len()];
    let mut events: BinaryHeap<Reverse<(Time, usize)>> = BinaryHeap::new();
    let mut now = 0.0;
    loop {
        while events.len() < slots {
            let Some(job) = scheduler.next_ready() else {
                break;
            };
            scheduler.start(job)?;
            start[job] = Some(now);
            events.push(Reverse((Time(now + durations[job]), job)));
        }
        let Some(Reverse((Time(t), job))) = events.pop() else {
            break;
        };
        now = t;
        scheduler.finish(job, Outcome::Built)?;
        finish[job] = Some(t);
        while let Some(Reverse((Time(t), _))) = events.peek()
            && *t == now
        {
            let Some(Reverse((_, job))) = events.pop() else {
                break;
            };
            scheduler.finish(job, Outcome::Built)?;
            finish[job] = Some(now);
        }
    }
    Ok(Schedule {
        makespan: now,
        start,
        finish,
    })
}

/// The bound no schedule of `jobs` on `slots` slots can beat: the larger of the critical
/// path (the heaviest chain of dependencies) and the total work spread evenly over the
/// slots.
pub fn lower_bound(jobs: &[Job], durations: &[f64], slots: usize) -> Result<f64, ScheduleError> {
    if slots == 0 {
        return Err(ScheduleError::NoSlots);
    }
    Ok(critical_path(jobs, durations)?.max(durations.iter().sum::<f64>() / slots as f64))
}

/// The weight of the heaviest chain of dependencies among `jobs`.
pub fn critical_path(jobs: &[Job], durations: &[f64]) -> Result<f64, ScheduleError> {
    check_weights(jobs, durations, "durations")?;
    let dependents = dependents_of(jobs)?;
    let chains = chain_weights(jobs, &dependents, durations)?;
    Ok(chains.into_iter().fold(0.0, f64::max))
}

/// Checks that `values` hold one finite, non-negative number per job of `scheduler`.
pub(crate) fn check_durations(
    scheduler: &Scheduler,
    values: &[f64],
    what: &'static str,
) -> Result<(), ScheduleError> {
    if values.len() != scheduler.len() {
        return Err(ScheduleError::LengthMismatch {
            what,
            got: values.len(),
            jobs: scheduler.len(),
        });
    }
    if let Some((job, &value)) = values
        .iter()
        .enumerate()
        .find(|(_, d)| !(d.is_finite() && **d >= 0.0))
    {
        return Err(ScheduleError::InvalidDuration {
            job,
            pkgbase: scheduler.pkgbase(job).unwrap_or_default().to_owned(),
            value,
        });
    }
    Ok(())
}

/// A point in simulated time ordered numerically (durations are checked finite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Time(pub(crate) f64);

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Time) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Time) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}
