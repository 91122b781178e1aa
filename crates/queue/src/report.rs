//! The status report of a run (`build-packages --status`, `--status --json`): built from a
//! run's stored jobs without any backend, and rendered as text for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{JobKey, JobRecord, JobState, RunId};
use crate::work::HostStatus;

/// A run's identity and times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// The run.
    pub id: RunId,
    /// The command line that started it (or last resumed it).
    pub command: String,
    /// The build list it works through.
    pub list_path: String,
    /// The build list's `_timestamp`.
    pub list_timestamp: String,
    /// The host that started (or last resumed) it.
    pub host: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it was last resumed, if ever.
    pub resumed_at: Option<DateTime<Utc>>,
    /// How many times it was resumed.
    pub resumes: u32,
    /// When it finished; `None` while it runs, or when it was stopped without finishing.
    pub finished_at: Option<DateTime<Utc>>,
}

/// A build in progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunningJob {
    /// Which job.
    pub key: JobKey,
    /// The version being built.
    pub version: String,
    /// The slot it runs in.
    pub slot: Option<u32>,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
    /// When the build started.
    pub started_at: Option<DateTime<Utc>>,
    /// Seconds since it started, at [`StatusReport::generated_at`].
    pub elapsed_secs: f64,
    /// Its log.
    pub log: Option<String>,
    /// The host building it (pull model only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// When its lease ends unless renewed (pull model only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<DateTime<Utc>>,
}

/// A failed build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedJob {
    /// Which job.
    pub key: JobKey,
    /// The version that failed.
    pub version: String,
    /// Which attempt failed.
    pub attempt: u32,
    /// The phase and reason of the failure.
    pub reason: Option<String>,
    /// The build log.
    pub log: Option<String>,
    /// When it failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// The host it failed on (pull model only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// Where the current (or last) run stands. Serialized as is for `--status --json`: the
/// field names are an interface.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// When the report was made (the reference for `elapsed_secs`).
    pub generated_at: DateTime<Utc>,
    /// The run.
    pub run: RunSummary,
    /// Number of jobs in the run.
    pub total: usize,
    /// Jobs per state; every state is present, zero included, so scripts need no defaults.
    pub counts: BTreeMap<JobState, usize>,
    /// Builds in progress, by slot.
    pub running: Vec<RunningJob>,
    /// Failed builds, in build-list order.
    pub failures: Vec<FailedJob>,
    /// Blocked jobs grouped by the pkgbase whose failure blocks them (`unknown` when the
    /// blocker was not recorded), each group in build-list order.
    pub blocked: BTreeMap<String, Vec<JobKey>>,
    /// Every host taking part in the run (pull model only), by name: slots, last heartbeat
    /// and what it is building.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostStatus>,
    /// The run is not finished, yet nothing works on it any more: the process that ran it
    /// was interrupted or crashed. Only the caller knows (the work directory's lock is free),
    /// and it then calls [`StatusReport::mark_stopped`].
    pub stopped: bool,
    /// Why the run never got to build: its set-up (the root chroot) failed. Only the caller
    /// knows (build-packages records it beside the run's list) and sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_failure: Option<String>,
}

/// The group name of blocked jobs whose blocker was not recorded.
pub const UNKNOWN_BLOCKER: &str = "unknown";

impl StatusReport {
    /// Builds the report of `run` from its jobs (in build-list order) as of `now`.
    #[cfg(test)]
    pub(crate) fn from_jobs(run: RunSummary, jobs: &[JobRecord], now: DateTime<Utc>) -> Self {
        Self::with_hosts(run, jobs, Vec::new(), now)
    }

    /// [`from_jobs`](Self::from_jobs) for a run shared by `hosts` (their `building` lists are
    /// filled in here from the jobs).
    pub(crate) fn with_hosts(
        run: RunSummary,
        jobs: &[JobRecord],
        mut hosts: Vec<HostStatus>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut counts: BTreeMap<JobState, usize> =
            JobState::ALL.into_iter().map(|state| (state, 0)).collect();
        let mut running = Vec::new();
        let mut failures = Vec::new();
        let mut blocked: BTreeMap<String, Vec<JobKey>> = BTreeMap::new();
        for job in jobs {
            *counts.entry(job.state).or_insert(0) += 1;
            match job.state {
                JobState::Building => running.push(RunningJob {
                    key: job.key.clone(),
                    version: job.version.clone(),
                    slot: job.slot,
                    attempt: job.attempt,
                    started_at: job.started_at,
                    elapsed_secs: job
                        .started_at
                        .map_or(0.0, |start| seconds_between(start, now)),
                    log: job.log.clone(),
                    host: job.host.clone(),
                    lease_until: job.lease_until,
                }),
                JobState::Failed => failures.push(FailedJob {
                    key: job.key.clone(),
                    version: job.version.clone(),
                    attempt: job.attempt,
                    reason: job.reason.clone(),
                    log: job.log.clone(),
                    finished_at: job.finished_at,
                    host: job.host.clone(),
                }),
                JobState::Blocked => blocked
                    .entry(
                        job.blocked_by
                            .clone()
                            .unwrap_or_else(|| UNKNOWN_BLOCKER.to_owned()),
                    )
                    .or_default()
                    .push(job.key.clone()),
                _ => {}
            }
        }
        // A slot-less build (not expected) sorts last; the sort is stable, so list order
        // breaks ties.
        running.sort_by(|a, b| {
            (&a.host, a.slot.unwrap_or(u32::MAX)).cmp(&(&b.host, b.slot.unwrap_or(u32::MAX)))
        });
        for host in &mut hosts {
            host.building = running
                .iter()
                .filter(|job| job.host.as_deref() == Some(host.name.as_str()))
                .map(|job| (job.slot.unwrap_or(u32::MAX), job.key.clone()))
                .collect();
        }
        hosts.sort_by(|a, b| a.name.cmp(&b.name));
        StatusReport {
            generated_at: now,
            run,
            total: jobs.len(),
            counts,
            running,
            failures,
            blocked,
            hosts,
            stopped: false,
            start_failure: None,
        }
    }

    /// Marks the run stopped (see [`stopped`](Self::stopped)): builds it still shows as
    /// building were cut short, so they count as interrupted; `running` keeps them (the
    /// builds that were running when it stopped: `--continue` builds them again).
    pub fn mark_stopped(&mut self) {
        if self.run.finished_at.is_some() {
            return;
        }
        self.stopped = true;
        let cut = self.running.len();
        if let Some(building) = self.counts.get_mut(&JobState::Building) {
            *building = 0;
        }
        *self.counts.entry(JobState::Interrupted).or_insert(0) += cut;
    }
}

fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    // Milliseconds are what the store keeps; a clock that went backwards reads as zero.
    (to - from).num_milliseconds().max(0) as f64 / 1000.0
}

/// The report as text for people, with elapsed times measured to `now`: the run, the count
/// of jobs per state, running builds with their elapsed time and log, failures with their
/// reason and log, and blocked jobs grouped by the failure that blocks them.
pub fn render_status(report: &StatusReport, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let run = &report.run;
    let _ = writeln!(out, "run {}: {}", run.id, run.command);
    let _ = writeln!(
        out,
        "  list:     {} ({})",
        run.list_path, run.list_timestamp
    );
    let _ = writeln!(out, "  host:     {}", run.host);
    let _ = writeln!(out, "  started:  {}", human_time(run.started_at));
    if let Some(resumed) = run.resumed_at {
        let times = if run.resumes == 1 { "time" } else { "times" };
        let _ = writeln!(
            out,
            "  resumed:  {} ({} {times})",
            human_time(resumed),
            run.resumes
        );
    }
    match run.finished_at {
        Some(finished) => {
            let _ = writeln!(
                out,
                "  finished: {} (after {})",
                human_time(finished),
                human_duration(seconds_between(run.started_at, finished))
            );
        }
        None if report.stopped => match &report.start_failure {
            Some(reason) => {
                let _ = writeln!(out, "  finished: no: failed to start: {reason}");
            }
            None => {
                let _ = writeln!(out, "  finished: no: stopped (interrupted or crashed)");
            }
        },
        None if report.running.is_empty() => {
            let _ = writeln!(out, "  finished: no (stopped, or between builds)");
        }
        None => {
            let _ = writeln!(
                out,
                "  finished: no (running for {})",
                human_duration(seconds_between(run.started_at, now))
            );
        }
    }

    let counts: Vec<String> = report
        .counts
        .iter()
        .map(|(state, count)| format!("{count} {state}"))
        .collect();
    let _ = writeln!(out, "\n{} jobs: {}", report.total, counts.join(", "));

    // One host is the run's own (the `host:` line): hosts are listed once several share it.
    let shared = report.hosts.len() > 1;
    if shared {
        let _ = writeln!(out, "\nhosts ({}):", report.hosts.len());
        for host in &report.hosts {
            let _ = writeln!(
                out,
                "  {}: {} slots, {} building, last heartbeat {} ago",
                host.name,
                host.slots,
                host.building.len(),
                human_duration(seconds_between(host.last_seen, now))
            );
        }
    }

    if !report.running.is_empty() {
        let title = if report.stopped {
            "cut short by the stop, rebuilt by --continue"
        } else {
            "running"
        };
        let _ = writeln!(out, "\n{title} ({}):", report.running.len());
        let name_width = report
            .running
            .iter()
            .map(|job| job.key.to_string().len() + 1 + job.version.len())
            .max()
            .unwrap_or(0);
        for job in &report.running {
            let slot = job
                .slot
                .map_or_else(|| "slot ?".to_owned(), |slot| format!("slot {slot}"));
            let slot = match &job.host {
                Some(host) if shared => format!("{host} {slot}"),
                _ => slot,
            };
            let elapsed = job
                .started_at
                .map_or(job.elapsed_secs, |start| seconds_between(start, now));
            let name = format!("{} {}", job.key, job.version);
            let attempt = if job.attempt > 1 {
                format!(" (attempt {})", job.attempt)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {slot:<7} {name:<name_width$}  {:>9}{attempt}  {}",
                human_duration(elapsed),
                job.log.as_deref().unwrap_or("(no log)")
            );
        }
    }

    if !report.failures.is_empty() {
        let _ = writeln!(out, "\nfailed ({}):", report.failures.len());
        for job in &report.failures {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                job.key,
                job.version,
                job.reason.as_deref().unwrap_or("no reason recorded")
            );
            let _ = writeln!(out, "    log: {}", job.log.as_deref().unwrap_or("(no log)"));
        }
    }

    if !report.blocked.is_empty() {
        let count: usize = report.blocked.values().map(Vec::len).sum();
        let _ = writeln!(out, "\nblocked ({count}):");
        for (blocker, keys) in &report.blocked {
            let names: Vec<String> = keys.iter().map(JobKey::to_string).collect();
            let _ = writeln!(out, "  by {blocker} ({}): {}", keys.len(), names.join(", "));
        }
    }
    out
}

fn human_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `1h02m03s`, `4m05s`, `12s`: whole seconds, the largest unit first.
pub(crate) fn human_duration(secs: f64) -> String {
    // Durations here are build times: whole seconds are precise enough, and negative or
    // non-finite values (a clock jump) read as zero.
    let total = if secs.is_finite() && secs > 0.0 {
        secs as u64
    } else {
        0
    };
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    if hours > 0 {
        format!("{hours}h{minutes:02}m{seconds:02}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
