//! A strictly sequential run kept outside the queue (bootstrap-toolchain's step record) as
//! the queue's report and jobs, so it goes through the same [`crate::build_status`] and the
//! same page as a build-packages run: one renderer, one schema.
//!
//! Leaf module apart from the queue's plain types: it builds a [`StatusReport`] and the
//! [`JobRecord`]s from [`StepRun`], nothing else.

use std::collections::BTreeMap;

use archport_queue::{
    FailedJob, JobKey, JobRecord, JobState, RunId, RunSummary, RunningJob, StatusReport,
};
use chrono::{DateTime, Utc};

/// A run of steps done one after the other, as its own record keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    /// Identifies the run across its resumes (the history keys runs by it): bootstrap uses
    /// its start time in seconds, which grows from run to run.
    pub id: i64,
    /// The command line that started it.
    pub command: String,
    /// Where its record is (the page's "list").
    pub record_path: String,
    /// The host running it.
    pub host: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When its last step was built; `None` while steps remain.
    pub finished_at: Option<DateTime<Utc>>,
    /// The steps, in order.
    pub steps: Vec<StepStatus>,
}

/// One step of a [`StepRun`].
#[derive(Debug, Clone, PartialEq)]
pub struct StepStatus {
    /// The pkgbase built.
    pub pkgbase: String,
    /// Which build of the pkgbase this is (bootstrap's stage, 1 or 2), so a pkgbase built
    /// twice is two jobs; 0 for a pkgbase built once.
    pub stage: u8,
    /// The version built (empty before the step started).
    pub version: String,
    /// Where it was published (`core-testing`), or what the page shows instead.
    pub published: String,
    /// Where it is: `Queued` (not started), `Building`, `Built`, `Failed` or `Interrupted`.
    /// A step after a failed one is shown blocked by it: a sequential run stops there.
    pub state: JobState,
    /// How many times it was started.
    pub attempt: u32,
    /// Its log.
    pub log: Option<String>,
    /// When its last attempt started.
    pub started_at: Option<DateTime<Utc>>,
    /// When its last attempt ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed: `<phase>: <reason>`, as the runner's failure displays.
    pub reason: Option<String>,
}

impl StepRun {
    /// The queue's view of the run as of `now`: its report and its jobs in order (the
    /// inputs of [`crate::build_status`]). Steps after a failed step are blocked by it.
    pub fn to_report(&self, now: DateTime<Utc>) -> (StatusReport, Vec<JobRecord>) {
        let mut blocker: Option<String> = None;
        let jobs: Vec<JobRecord> = self
            .steps
            .iter()
            .map(|step| {
                let mut state = step.state;
                let mut blocked_by = None;
                if let Some(by) = &blocker
                    && state == JobState::Queued
                {
                    state = JobState::Blocked;
                    blocked_by = Some(by.clone());
                }
                if step.state == JobState::Failed {
                    blocker = Some(step.pkgbase.clone());
                }
                JobRecord {
                    key: JobKey::new(step.pkgbase.clone(), step.stage),
                    version: step.version.clone(),
                    repo: step.published.clone(),
                    state,
                    attempt: step.attempt,
                    slot: Some(1),
                    log: step.log.clone(),
                    reason: match state {
                        JobState::Blocked => {
                            blocked_by.as_ref().map(|by| format!("blocked by {by}"))
                        }
                        _ => step.reason.clone(),
                    },
                    blocked_by,
                    queued_at: self.started_at,
                    started_at: step.started_at,
                    finished_at: step.finished_at,
                    duration_secs: match (state, step.started_at, step.finished_at) {
                        (JobState::Built, Some(start), Some(end)) => Some(seconds(start, end)),
                        _ => None,
                    },
                    host: None,
                    lease_until: None,
                }
            })
            .collect();

        let mut counts: BTreeMap<JobState, usize> =
            JobState::ALL.into_iter().map(|state| (state, 0)).collect();
        let mut running = Vec::new();
        let mut failures = Vec::new();
        let mut blocked: BTreeMap<String, Vec<JobKey>> = BTreeMap::new();
        for job in &jobs {
            *counts.entry(job.state).or_insert(0) += 1;
            match job.state {
                JobState::Building => running.push(RunningJob {
                    key: job.key.clone(),
                    version: job.version.clone(),
                    slot: job.slot,
                    attempt: job.attempt,
                    started_at: job.started_at,
                    elapsed_secs: job.started_at.map_or(0.0, |start| seconds(start, now)),
                    log: job.log.clone(),
                    host: None,
                    lease_until: None,
                }),
                JobState::Failed => failures.push(FailedJob {
                    key: job.key.clone(),
                    version: job.version.clone(),
                    attempt: job.attempt,
                    reason: job.reason.clone(),
                    log: job.log.clone(),
                    finished_at: job.finished_at,
                    host: None,
                }),
                JobState::Blocked => {
                    if let Some(by) = &job.blocked_by {
                        blocked.entry(by.clone()).or_default().push(job.key.clone());
                    }
                }
                _ => {}
            }
        }
        let report = StatusReport {
            generated_at: now,
            run: RunSummary {
                id: RunId(self.id),
                command: self.command.clone(),
                list_path: self.record_path.clone(),
                list_timestamp: self.started_at.to_rfc3339(),
                host: self.host.clone(),
                started_at: self.started_at,
                resumed_at: None,
                resumes: 0,
                finished_at: self.finished_at,
            },
            total: jobs.len(),
            counts,
            running,
            failures,
            blocked,
            hosts: Vec::new(),
            // A stopped bootstrap shows its interrupted step itself (see `running`).
            stopped: false,
            start_failure: None,
        };
        (report, jobs)
    }
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds().max(0) as f64 / 1000.0
}
