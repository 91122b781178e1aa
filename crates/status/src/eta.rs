//! The estimated end of a run: the remaining jobs simulated on the build slots with their
//! previous durations, by the schedule crate's own simulation (the same list scheduling
//! build-packages runs).

use std::collections::HashMap;

use archport_queue::{JobKey, JobRecord, JobState};
use archport_schedule::{Job, Scheduler, simulate_with};
use chrono::{DateTime, TimeDelta, Utc};

use crate::schema::Eta;

/// A priority above any real chain of build durations (about 30,000 years in seconds): the
/// builds already running are started first in the simulation, on the slots they hold.
const RUNNING_FIRST: f64 = 1e12;

/// How many unknown pkgbases the reason names before it says "...".
const NAMED_UNKNOWN: usize = 5;

/// The ETA of the run whose jobs are `records`, as of `now`.
///
/// `graph` is the run's job graph (`archport_schedule::jobs_from_list` of its build list)
/// and `slots` the number of builds at a time over all hosts. Queued and interrupted jobs
/// take their previous duration (`durations`, per pkgbase, as the store's `durations()`
/// gives); a running job takes what is left of its previous duration (at least zero) and
/// keeps its slot; every other job is done. When some remaining job was never built, the
/// ETA is `null` and the reason names them: a guess would look like a fact.
pub fn estimate(
    graph: &[Job],
    slots: usize,
    records: &[JobRecord],
    durations: &HashMap<String, f64>,
    now: DateTime<Utc>,
) -> Eta {
    let by_key: HashMap<&JobKey, &JobRecord> = records.iter().map(|r| (&r.key, r)).collect();
    let mut remaining_time = vec![0.0; graph.len()];
    let mut weights = vec![0.0; graph.len()];
    let mut done = Vec::new();
    let mut unknown = Vec::new();
    let mut remaining = 0;
    for job in graph {
        let key = JobKey::new(job.pkgbase.clone(), job.cycle_stage.unwrap_or(0));
        let Some(record) = by_key.get(&key) else {
            // Not in the run (dropped on resume): nothing to build.
            done.push(job.id);
            continue;
        };
        let previous = durations
            .get(&job.pkgbase)
            .copied()
            .filter(|d| d.is_finite() && *d >= 0.0);
        match record.state {
            JobState::Queued | JobState::Interrupted => {
                remaining += 1;
                match previous {
                    Some(d) => {
                        remaining_time[job.id] = d;
                        weights[job.id] = d;
                    }
                    None => unknown.push(job.pkgbase.clone()),
                }
            }
            JobState::Building => {
                remaining += 1;
                let elapsed = record.started_at.map_or(0.0, |start| {
                    (now - start).num_milliseconds().max(0) as f64 / 1000.0
                });
                match previous {
                    Some(d) => {
                        let left = (d - elapsed).max(0.0);
                        remaining_time[job.id] = left;
                        weights[job.id] = left + RUNNING_FIRST;
                    }
                    None => unknown.push(job.pkgbase.clone()),
                }
            }
            JobState::Built | JobState::Failed | JobState::Blocked | JobState::Skipped => {
                done.push(job.id)
            }
        }
    }
    let unknown_eta = |reason: String, unknown: Vec<String>| Eta {
        seconds: None,
        finish_at: None,
        reason: Some(reason),
        remaining,
        unknown_durations: unknown,
    };
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        let mut named = unknown
            .iter()
            .take(NAMED_UNKNOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if unknown.len() > NAMED_UNKNOWN {
            named.push_str(", ...");
        }
        return unknown_eta(
            format!(
                "durations unknown for {} of {remaining} remaining builds ({named})",
                unknown.len()
            ),
            unknown,
        );
    }
    let simulated = Scheduler::with_job_weights(graph, &weights).and_then(|mut scheduler| {
        for &job in &done {
            scheduler.mark_done(job)?;
        }
        simulate_with(scheduler, &remaining_time, slots.max(1))
    });
    match simulated {
        Ok(schedule) => Eta {
            seconds: Some(schedule.makespan),
            finish_at: TimeDelta::try_milliseconds((schedule.makespan * 1000.0) as i64)
                .and_then(|delta| now.checked_add_signed(delta)),
            reason: None,
            remaining,
            unknown_durations: Vec::new(),
        },
        Err(e) => unknown_eta(format!("simulation failed: {e}"), Vec::new()),
    }
}

/// The ETA when no job graph is at hand (`--status` without the build list).
pub fn without_graph(records: &[JobRecord]) -> Eta {
    let remaining = records
        .iter()
        .filter(|r| !r.state.is_terminal() || r.state == JobState::Interrupted)
        .count();
    Eta {
        seconds: if remaining == 0 { Some(0.0) } else { None },
        finish_at: None,
        reason: (remaining > 0).then(|| "job graph unknown (build list not read)".to_owned()),
        remaining,
        unknown_durations: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
