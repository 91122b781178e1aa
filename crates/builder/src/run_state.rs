//! Where a run stands, kept in step at every transition of a job: the scheduler, the durable
//! queue (each transition committed before the run goes on), the console, the summary and the
//! entries of `failed_packages.json`. Generic over the [`StateStore`], so another backend
//! changes nothing here.

use std::collections::HashMap;
use std::path::Path;

use archport_buildlist::{Entry, FailureRecord};
use archport_queue::{JobKey, JobState, NewJob, RunId, RunInfo, StateStore, Transition};
use archport_schedule::{Outcome, Scheduler, default_weight};

use crate::display::Display;
use crate::error::BuildError;
use crate::prepare::{Prepared, stage_of};
use crate::summary::Summary;

/// One run of the list in `prepared`, recorded in `store`.
pub(crate) struct RunState<'a, S: StateStore> {
    prepared: &'a Prepared,
    store: &'a S,
    run: RunId,
    /// Which job starts next; jobs are the indexes of `prepared.jobs`.
    pub(crate) scheduler: Scheduler,
    /// The console.
    pub(crate) display: Display,
    /// What the run did so far.
    pub(crate) summary: Summary,
    /// The failed and blocked entries, with `failure` and `log` set.
    pub(crate) failed_entries: Vec<Entry>,
    stop_on_failure: bool,
}

impl<'a, S: StateStore> RunState<'a, S> {
    /// Records a new run of the list in `store`, or resumes the last one (`resume`: what was
    /// built at the list's version is not built again). Skipped entries go to the summary.
    pub(crate) async fn begin(
        prepared: &'a Prepared,
        store: &'a S,
        info: &RunInfo,
        resume: bool,
        mut display: Display,
        stop_on_failure: bool,
    ) -> Result<RunState<'a, S>, BuildError> {
        let mut summary = Summary::default();
        for entry in prepared.skipped() {
            let reason = entry
                .skip
                .as_ref()
                .map_or("skip", |r| r.text_or("skip"))
                .to_owned();
            display.note(&format!(
                "skipping {} {}: {reason}",
                entry.name,
                entry.version_text()
            ));
            summary.skipped.push((entry.name.to_string(), reason));
        }
        let new_jobs: Vec<NewJob> = prepared
            .list
            .packages
            .iter()
            .map(|e| NewJob {
                key: JobKey::new(e.name.as_str(), stage_of(e)),
                version: e.version_text().to_owned(),
                repo: e.repo.to_string(),
                state: if e.skipped() {
                    JobState::Skipped
                } else {
                    JobState::Queued
                },
                reason: e.skip.as_ref().and_then(|r| r.0.clone()),
            })
            .collect();
        // Long builds first, as far as earlier runs tell.
        let durations = store.durations().await?;
        let mut scheduler = Scheduler::new(&prepared.jobs, &durations, default_weight(&durations))?;
        let resumed = if resume {
            store.resume_run(info, &new_jobs).await?
        } else {
            None
        };
        let run = match resumed {
            Some(resumed) => {
                let by_key: HashMap<JobKey, usize> = (0..prepared.jobs.len())
                    .map(|job| (key(prepared, job), job))
                    .collect();
                for built in &resumed.already_built {
                    if let Some(&job) = by_key.get(built) {
                        scheduler.mark_done(job)?;
                        summary.already_built.push(built.to_string());
                    }
                }
                display.settled(summary.already_built.len());
                display.note(&format!(
                    "continuing run {}: {} already built, {} to rebuild after an interruption",
                    resumed.run,
                    resumed.already_built.len(),
                    resumed.interrupted.len()
                ));
                resumed.run
            }
            None => {
                if resume {
                    display.note("no earlier run to continue: starting a new one");
                }
                store.start_run(info, &new_jobs).await?
            }
        };
        Ok(RunState {
            prepared,
            store,
            run,
            scheduler,
            display,
            summary,
            failed_entries: Vec::new(),
            stop_on_failure,
        })
    }

    /// The build-list entry of `job`.
    pub(crate) fn entry(&self, job: usize) -> &'a Entry {
        self.prepared.entry(&self.prepared.jobs[job])
    }

    /// `name version`, and which build of a cycle it is.
    fn label(&self, job: usize) -> String {
        let entry = self.entry(job);
        let stage = entry
            .cycle_stage
            .map(|s| format!(" (cycle build {s}/2)"))
            .unwrap_or_default();
        format!("{} {}{stage}", entry.name, entry.version_text())
    }

    /// Records `job` as building in `slot`, writing `log`; returns its attempt number.
    pub(crate) async fn building(
        &mut self,
        job: usize,
        slot: u32,
        log: &Path,
    ) -> Result<u32, BuildError> {
        self.scheduler.start(job)?;
        let record = self
            .store
            .record(
                self.run,
                &Transition {
                    slot: Some(slot),
                    log: Some(log.display().to_string()),
                    ..Transition::new(key(self.prepared, job), JobState::Building)
                },
            )
            .await?;
        self.display.started(job, &self.label(job), slot);
        let entry = self.entry(job);
        for provider in &self.prepared.jobs[job].skipped_providers {
            self.display.note(&format!(
                "note: {} needs {}, which only {} provides, skipped in this list: the target repos' version is used",
                entry.name, provider.relation, provider.pkgbase
            ));
        }
        Ok(record.attempt)
    }

    /// Records `job` as built: its dependents may start.
    pub(crate) async fn built(&mut self, job: usize) -> Result<(), BuildError> {
        self.store
            .record(
                self.run,
                &Transition::new(key(self.prepared, job), JobState::Built),
            )
            .await?;
        self.scheduler.finish(job, Outcome::Built)?;
        let label = self.label(job);
        self.display.finished(job, &format!("built {label}"), false);
        self.summary.built.push(label);
        Ok(())
    }

    /// Records `job` as failed (`failure`: phase and reason), with its `log` and the working
    /// copy `kept` for inspection, and every job depending on it as blocked.
    pub(crate) async fn failed(
        &mut self,
        job: usize,
        failure: archport_runner::Failure,
        log: &Path,
        kept: Option<&Path>,
    ) -> Result<(), BuildError> {
        let why = failure.to_string();
        let record = FailureRecord::Step {
            phase: failure.phase.to_string(),
            reason: failure.reason,
        };
        let entry = self.entry(job);
        self.store
            .record(
                self.run,
                &Transition {
                    reason: Some(why.clone()),
                    ..Transition::new(key(self.prepared, job), JobState::Failed)
                },
            )
            .await?;
        let label = self.label(job);
        let kept = kept
            .map(|dir| format!("; working copy kept in {}", dir.display()))
            .unwrap_or_default();
        self.display.finished(
            job,
            &format!("FAILED {label} ({why}); log: {}{kept}", log.display()),
            true,
        );
        self.failed_entries.push(Entry {
            failure: Some(record),
            log: Some(log.display().to_string()),
            ..entry.clone()
        });
        self.summary.failed.push((label, why, log.to_owned()));

        let blocked = self.scheduler.finish(job, Outcome::Failed)?;
        self.display.settled(blocked.len());
        let by_name = entry.name.clone();
        let by = by_name.to_string();
        for b in blocked {
            let blocked_entry = self.entry(b);
            self.store
                .record(
                    self.run,
                    &Transition {
                        reason: Some(format!("blocked by {by}")),
                        blocked_by: Some(by.clone()),
                        ..Transition::new(key(self.prepared, b), JobState::Blocked)
                    },
                )
                .await?;
            self.display.note(&format!(
                "blocked {} (needs {by}, which failed)",
                blocked_entry.name
            ));
            self.failed_entries.push(Entry {
                failure: Some(FailureRecord::Blocked {
                    by: by_name.clone(),
                }),
                // The log that explains the block: the failed build's.
                log: Some(log.display().to_string()),
                ..blocked_entry.clone()
            });
            self.summary
                .blocked
                .push((blocked_entry.name.to_string(), by.clone()));
        }
        if self.stop_on_failure {
            self.scheduler.stop_new();
        }
        Ok(())
    }

    /// Records `job` as interrupted: `--continue` builds it again.
    pub(crate) async fn interrupted(&mut self, job: usize) -> Result<(), BuildError> {
        self.store
            .record(
                self.run,
                &Transition::new(key(self.prepared, job), JobState::Interrupted),
            )
            .await?;
        let label = self.label(job);
        self.display
            .finished(job, &format!("interrupted {label}"), true);
        self.summary.interrupted.push(label);
        Ok(())
    }

    /// Ends the run: counts what never started, and marks the run finished unless a signal
    /// (`signal_exit`) stopped it.
    pub(crate) async fn end(
        mut self,
        signal_exit: Option<u8>,
    ) -> Result<(Summary, Vec<Entry>), BuildError> {
        self.display.close();
        let counts = self.scheduler.counts();
        self.summary.not_started = counts.waiting + counts.ready;
        self.summary.signal_exit = signal_exit;
        if signal_exit.is_none() {
            self.store.finish_run(self.run).await?;
        }
        Ok((self.summary, self.failed_entries))
    }
}

/// The queue's key of `job`: its pkgbase and cycle stage.
fn key(prepared: &Prepared, job: usize) -> JobKey {
    let entry = prepared.entry(&prepared.jobs[job]);
    JobKey::new(entry.name.as_str(), stage_of(entry))
}
