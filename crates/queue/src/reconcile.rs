//! The rules for bringing a run's jobs in line with a build list: which new jobs are
//! acceptable, and, on `--continue`, what happens to each job already in the run. Pure and
//! backend-neutral, so every backend resumes the same way; the backend only applies the plan.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::error::QueueError;
use crate::model::{JobKey, JobRecord, JobState, NewJob, Resume, RunId};
use crate::work::{MAX_PKGBUILD_ARCHIVE_BYTES, WorkJob};

/// Why a list of new jobs cannot enter a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NewJobProblem {
    /// The same key twice.
    Duplicate(JobKey),
    /// A state other than queued or skipped.
    BadState(JobKey, JobState),
    /// A dependency that is not among the jobs.
    UnknownDependency(JobKey, JobKey),
    /// A PKGBUILD archive over the cap, with its size.
    TooLarge(JobKey, usize),
}

impl NewJobProblem {
    /// The error that reports this problem for the database `db`.
    pub(crate) fn into_error(self, db: &str) -> QueueError {
        let db = db.to_owned();
        match self {
            NewJobProblem::Duplicate(key) => QueueError::DuplicateJob { db, key },
            NewJobProblem::BadState(key, state) => QueueError::InvalidNewJob { db, key, state },
            NewJobProblem::UnknownDependency(key, dep) => {
                QueueError::UnknownDependency { db, key, dep }
            }
            NewJobProblem::TooLarge(key, size) => QueueError::PkgbuildTooLarge {
                db,
                key,
                size,
                max: MAX_PKGBUILD_ARCHIVE_BYTES,
            },
        }
    }
}

/// Checks a run of the pull model: [`validate_new_jobs`], every dependency among the jobs,
/// every PKGBUILD archive under [`MAX_PKGBUILD_ARCHIVE_BYTES`].
pub(crate) fn validate_work_jobs(jobs: &[WorkJob]) -> Result<(), NewJobProblem> {
    let new_jobs: Vec<NewJob> = jobs.iter().map(|job| job.job.clone()).collect();
    validate_new_jobs(&new_jobs)?;
    let keys: HashSet<&JobKey> = jobs.iter().map(|job| &job.job.key).collect();
    for job in jobs {
        if let Some(dep) = job.deps.iter().find(|dep| !keys.contains(dep)) {
            return Err(NewJobProblem::UnknownDependency(
                job.job.key.clone(),
                dep.clone(),
            ));
        }
        if let Some(archive) = &job.pkgbuild
            && archive.bytes().len() > MAX_PKGBUILD_ARCHIVE_BYTES
        {
            return Err(NewJobProblem::TooLarge(
                job.job.key.clone(),
                archive.bytes().len(),
            ));
        }
    }
    Ok(())
}

/// Checks that `jobs` has each key once and only queued or skipped states.
pub(crate) fn validate_new_jobs(jobs: &[NewJob]) -> Result<(), NewJobProblem> {
    let mut seen = HashSet::with_capacity(jobs.len());
    for job in jobs {
        if !matches!(job.state, JobState::Queued | JobState::Skipped) {
            return Err(NewJobProblem::BadState(job.key.clone(), job.state));
        }
        if !seen.insert(&job.key) {
            return Err(NewJobProblem::Duplicate(job.key.clone()));
        }
    }
    Ok(())
}

/// What resuming does to one job of the new list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Disposition {
    /// Built at the same version: the stored row stays as it is (only its list position and
    /// repo follow the list).
    Keep,
    /// Already in the run: the row is reset to the list's job (state, version, reason), with
    /// this attempt count.
    Reset {
        /// The attempt count the row keeps.
        attempt: u32,
    },
    /// Not in the run yet: inserted.
    Insert,
}

/// The whole resume: one disposition per new job (in list order), the keys to remove, and
/// the summary handed back to the caller.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResumePlan<'a> {
    /// Each new job with its position in the list and what happens to it.
    pub jobs: Vec<(u32, &'a NewJob, Disposition)>,
    /// What the caller is told (also lists `dropped`, the keys to delete).
    pub summary: Resume,
}

/// Plans resuming `run`, whose stored jobs are `existing`, with the list's `jobs` (already
/// validated). A job still marked building counts as interrupted: resuming means the process
/// that was building it is gone. Except with `live_at` (the pull model, where other hosts
/// build): a job building under a lease still running at that time, at the list's version,
/// is kept for its host.
pub(crate) fn plan_resume<'a>(
    run: RunId,
    existing: &[JobRecord],
    jobs: &'a [NewJob],
    live_at: Option<DateTime<Utc>>,
) -> ResumePlan<'a> {
    let stored: HashMap<&JobKey, &JobRecord> = existing
        .iter()
        .map(|record| (&record.key, record))
        .collect();
    let mut summary = Resume {
        run,
        already_built: Vec::new(),
        interrupted: Vec::new(),
        retried: Vec::new(),
        version_changed: Vec::new(),
        added: Vec::new(),
        dropped: Vec::new(),
    };
    let mut planned = Vec::with_capacity(jobs.len());
    for (seq, job) in (0u32..).zip(jobs) {
        let disposition = match stored.get(&job.key) {
            None => {
                summary.added.push(job.key.clone());
                Disposition::Insert
            }
            Some(record) if record.version != job.version => {
                summary.version_changed.push(job.key.clone());
                Disposition::Reset { attempt: 0 }
            }
            Some(record) if record.state == JobState::Built => {
                summary.already_built.push(job.key.clone());
                Disposition::Keep
            }
            Some(record)
                if record.state == JobState::Building
                    && job.state == JobState::Queued
                    && live_at
                        .zip(record.lease_until)
                        .is_some_and(|(now, until)| until > now) =>
            {
                Disposition::Keep
            }
            Some(record) => {
                // Only a job queued again belongs in these lists; one the list now skips is
                // simply skipped.
                if job.state == JobState::Queued {
                    match record.state {
                        JobState::Building | JobState::Interrupted => {
                            summary.interrupted.push(job.key.clone());
                        }
                        JobState::Failed | JobState::Blocked => {
                            summary.retried.push(job.key.clone());
                        }
                        JobState::Queued | JobState::Skipped | JobState::Built => {}
                    }
                }
                Disposition::Reset {
                    attempt: record.attempt,
                }
            }
        };
        planned.push((seq, job, disposition));
    }
    let listed: HashSet<&JobKey> = jobs.iter().map(|job| &job.key).collect();
    summary.dropped = existing
        .iter()
        .filter(|record| !listed.contains(&record.key))
        .map(|record| record.key.clone())
        .collect();
    ResumePlan {
        jobs: planned,
        summary,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn new_job(pkgbase: &str, stage: u8, version: &str, state: JobState) -> NewJob {
        NewJob {
            key: JobKey::new(pkgbase, stage),
            version: version.to_owned(),
            repo: "core".to_owned(),
            state,
            reason: None,
        }
    }

    fn record(pkgbase: &str, version: &str, state: JobState, attempt: u32) -> JobRecord {
        JobRecord {
            key: JobKey::new(pkgbase, 0),
            version: version.to_owned(),
            repo: "core".to_owned(),
            state,
            attempt,
            slot: None,
            log: None,
            reason: None,
            blocked_by: None,
            queued_at: DateTime::UNIX_EPOCH,
            started_at: None,
            finished_at: None,
            duration_secs: None,
            host: None,
            lease_until: None,
        }
    }

    #[test]
    fn validation_rejects_duplicates_and_other_states() {
        let queued = new_job("a", 0, "1-1", JobState::Queued);
        let stage1 = new_job("a", 1, "1-1", JobState::Queued);
        assert_eq!(validate_new_jobs(&[queued.clone(), stage1.clone()]), Ok(()));
        assert_eq!(
            validate_new_jobs(&[queued.clone(), stage1, queued.clone()]),
            Err(NewJobProblem::Duplicate(JobKey::new("a", 0)))
        );
        assert_eq!(
            validate_new_jobs(&[new_job("b", 0, "1-1", JobState::Built)]),
            Err(NewJobProblem::BadState(
                JobKey::new("b", 0),
                JobState::Built
            ))
        );
    }

    #[test]
    fn every_stored_state_gets_its_disposition() {
        let existing = [
            record("same", "1-1", JobState::Built, 1),
            record("newer", "1-1", JobState::Built, 1),
            record("crashed", "1-1", JobState::Building, 2),
            record("stopped", "1-1", JobState::Interrupted, 1),
            record("broken", "1-1", JobState::Failed, 3),
            record("waiting", "1-1", JobState::Blocked, 0),
            record("later", "1-1", JobState::Queued, 0),
            record("gone", "1-1", JobState::Built, 1),
            record("nowskipped", "1-1", JobState::Failed, 1),
        ];
        let jobs = [
            new_job("same", 0, "1-1", JobState::Queued),
            new_job("newer", 0, "2-1", JobState::Queued),
            new_job("crashed", 0, "1-1", JobState::Queued),
            new_job("stopped", 0, "1-1", JobState::Queued),
            new_job("broken", 0, "1-1", JobState::Queued),
            new_job("waiting", 0, "1-1", JobState::Queued),
            new_job("later", 0, "1-1", JobState::Queued),
            new_job("fresh", 0, "1-1", JobState::Queued),
            new_job("nowskipped", 0, "1-1", JobState::Skipped),
        ];
        let plan = plan_resume(RunId(7), &existing, &jobs, None);
        let dispositions: Vec<_> = plan
            .jobs
            .iter()
            .map(|(seq, job, disposition)| (*seq, job.key.pkgbase.as_str(), *disposition))
            .collect();
        assert_eq!(
            dispositions,
            [
                (0, "same", Disposition::Keep),
                (1, "newer", Disposition::Reset { attempt: 0 }),
                (2, "crashed", Disposition::Reset { attempt: 2 }),
                (3, "stopped", Disposition::Reset { attempt: 1 }),
                (4, "broken", Disposition::Reset { attempt: 3 }),
                (5, "waiting", Disposition::Reset { attempt: 0 }),
                (6, "later", Disposition::Reset { attempt: 0 }),
                (7, "fresh", Disposition::Insert),
                (8, "nowskipped", Disposition::Reset { attempt: 1 }),
            ]
        );
        let keys = |names: &[&str]| -> Vec<JobKey> {
            names.iter().map(|name| JobKey::new(*name, 0)).collect()
        };
        assert_eq!(
            plan.summary,
            Resume {
                run: RunId(7),
                already_built: keys(&["same"]),
                interrupted: keys(&["crashed", "stopped"]),
                retried: keys(&["broken", "waiting"]),
                version_changed: keys(&["newer"]),
                added: keys(&["fresh"]),
                dropped: keys(&["gone"]),
            }
        );
    }

    #[test]
    fn with_live_leases_a_build_another_host_holds_is_left_to_it() {
        let now = DateTime::UNIX_EPOCH + chrono::TimeDelta::seconds(100);
        let mut live = record("live", "1-1", JobState::Building, 1);
        live.lease_until = Some(now + chrono::TimeDelta::seconds(1));
        let mut expired = record("expired", "1-1", JobState::Building, 1);
        expired.lease_until = Some(now);
        let mut moved = record("moved", "1-1", JobState::Building, 1);
        moved.lease_until = Some(now + chrono::TimeDelta::seconds(1));
        let existing = [live, expired, moved];
        let jobs = [
            new_job("live", 0, "1-1", JobState::Queued),
            new_job("expired", 0, "1-1", JobState::Queued),
            new_job("moved", 0, "2-1", JobState::Queued),
        ];
        let plan = plan_resume(RunId(1), &existing, &jobs, Some(now));
        let dispositions: Vec<Disposition> = plan.jobs.iter().map(|(_, _, d)| *d).collect();
        assert_eq!(
            dispositions,
            [
                Disposition::Keep,
                Disposition::Reset { attempt: 1 },
                Disposition::Reset { attempt: 0 },
            ]
        );
        assert_eq!(plan.summary.interrupted, [JobKey::new("expired", 0)]);
        assert_eq!(plan.summary.version_changed, [JobKey::new("moved", 0)]);
        // Without live leases (one host resuming its own run) every build was cut short.
        let plan = plan_resume(RunId(1), &existing, &jobs, None);
        assert_eq!(plan.jobs[0].2, Disposition::Reset { attempt: 1 });
    }
}
