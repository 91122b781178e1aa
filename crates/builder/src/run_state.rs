//! Where this host's part of a run stands, kept in step with every job it claims and every
//! result it records: the console and the summary. The queue holds the run itself (and
//! decides what is ready, blocked or finished); this is what the operator of this host sees.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use archport_buildlist::Entry;
use archport_queue::{JobKey, JobResult, Resume};

use crate::display::Display;
use crate::prepare::Prepared;
use crate::prepare::stage_of;
use crate::summary::{Summary, human_duration};
use crate::task::Ending;

/// This host's view of the run.
pub(crate) struct RunState {
    /// The console.
    pub(crate) display: Display,
    /// What this host did so far.
    pub(crate) summary: Summary,
    /// The jobs not yet ended, with their previous build duration when one is known: the
    /// time left shown beside the overall bar.
    left: HashMap<JobKey, Option<f64>>,
    /// This host's slots, which share that work.
    slots: usize,
    /// Builds started and not yet ended.
    running: usize,
}

/// `name version`, and which build of a cycle it is.
pub(crate) fn label(entry: &Entry) -> String {
    let stage = entry
        .cycle_stage
        .map(|s| format!(" (cycle build {s}/2)"))
        .unwrap_or_default();
    format!("{} {}{stage}", entry.name, entry.version_text())
}

impl RunState {
    /// The state of a run about to start on `display`.
    pub(crate) fn new(display: Display) -> RunState {
        RunState {
            display,
            summary: Summary::default(),
            left: HashMap::new(),
            slots: 1,
            running: 0,
        }
    }

    /// The jobs of `prepared` still to build on `slots` slots, with `durations` (per
    /// pkgbase) of earlier builds: from now on the display shows an estimate of the time
    /// left, the sum of the known durations over the slots, or that it is unknown.
    pub(crate) fn plan_eta(
        &mut self,
        prepared: &Prepared,
        durations: &HashMap<String, f64>,
        slots: usize,
    ) {
        self.slots = slots.max(1);
        self.left = prepared
            .jobs
            .iter()
            .map(|job| {
                let entry = prepared.entry(job);
                let key = JobKey::new(entry.name.to_string(), stage_of(entry));
                (key, durations.get(entry.name.as_str()).copied())
            })
            .collect();
        self.show_eta();
    }

    /// `key` needs no more work.
    fn settle(&mut self, key: &JobKey) {
        if self.left.remove(key).is_some() {
            self.show_eta();
        }
    }

    fn show_eta(&mut self) {
        let known: Option<f64> = self.left.values().copied().sum();
        let slots = self.slots as f64;
        self.display
            .eta(known.map(|secs| Duration::from_secs_f64(secs.max(0.0) / slots)));
    }

    /// Says which entries the list skips.
    pub(crate) fn skipped(&mut self, prepared: &Prepared) {
        for entry in prepared.skipped() {
            let reason = entry
                .skip
                .as_ref()
                .map_or("skip", |r| r.text_or("skip"))
                .to_owned();
            self.display.note(&format!(
                "skipping {} {}: {reason}",
                entry.name,
                entry.version_text()
            ));
            self.summary.skipped.push((entry.name.to_string(), reason));
        }
    }

    /// Says what `--continue` found.
    pub(crate) fn resumed(&mut self, resume: &Resume) {
        for key in &resume.already_built {
            self.summary.already_built.push(key.to_string());
            self.settle(key);
        }
        self.display.settled(resume.already_built.len());
        self.display.note(&format!(
            "continuing run {}: {} already built, {} to rebuild after an interruption",
            resume.run,
            resume.already_built.len(),
            resume.interrupted.len()
        ));
    }

    /// A build of `entry` started in `slot` (job `id` on the display).
    pub(crate) fn started(
        &mut self,
        id: usize,
        entry: &Entry,
        slot: u32,
        prepared: Option<&Prepared>,
    ) {
        self.running += 1;
        self.display.started(id, &label(entry), slot);
        let Some(prepared) = prepared else { return };
        let job = prepared.jobs.iter().find(|job| {
            prepared.entry(job).name == entry.name
                && prepared.entry(job).cycle_stage == entry.cycle_stage
        });
        for provider in job
            .map(|job| job.skipped_providers.as_slice())
            .unwrap_or_default()
        {
            self.display.note(&format!(
                "note: {} needs {}, which only {} provides, skipped in this list: the target repos' version is used",
                entry.name, provider.relation, provider.pkgbase
            ));
        }
    }

    /// The job `id` building `entry` (log `log`, working copy `kept` set aside after a
    /// failure) ended as `ending` after `took`; `lost` says why its lease was lost, if it
    /// was.
    // Each argument is one fact about the build; a struct would only name them again.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn ended(
        &mut self,
        id: usize,
        entry: &Entry,
        log: &Path,
        kept: Option<&Path>,
        ending: &Ending,
        lost: Option<&str>,
        took: Duration,
    ) {
        let label = label(entry);
        self.running = self.running.saturating_sub(1);
        if matches!(ending, Ending::Recorded { .. }) {
            self.settle(&JobKey::new(entry.name.to_string(), stage_of(entry)));
        }
        match ending {
            Ending::Recorded {
                result,
                completion,
                published,
                republished,
            } => match result {
                JobResult::Published | JobResult::BuiltNotPublished => {
                    let how = match (republished, published) {
                        (true, Some(target)) => format!(" (published again to {target})"),
                        _ => String::new(),
                    };
                    if let Some(target) = published {
                        *self.summary.uploaded.entry(target.clone()).or_default() += 1;
                    }
                    self.display.finished(
                        id,
                        &format!("built {label} in {}{how}", human_duration(took)),
                        false,
                    );
                    self.summary.built.push(label);
                }
                JobResult::Failed { phase, cause } => {
                    let why = format!("{phase}: {cause}");
                    let kept = kept
                        .map(|dir| format!("; working copy kept in {}", dir.display()))
                        .unwrap_or_default();
                    self.display.finished(
                        id,
                        &format!("FAILED {label} ({why}); log: {}{kept}", log.display()),
                        true,
                    );
                    self.summary.failed.push((label, why, log.to_owned()));
                    if completion.stopped_run && self.running > 0 {
                        let s = if self.running == 1 { "" } else { "s" };
                        self.display.stopping(Some(&format!(
                            "stopping (--stop-on-failure): waiting for {} running build{s}",
                            self.running
                        )));
                    } else if completion.stopped_run {
                        self.display.stopping(None);
                    }
                    self.display.settled(completion.blocked.len());
                    for key in &completion.blocked {
                        self.settle(key);
                        self.display.note(&format!(
                            "blocked {} (needs {}, which failed)",
                            key.pkgbase, entry.name
                        ));
                        self.summary
                            .blocked
                            .push((key.pkgbase.clone(), entry.name.to_string()));
                    }
                }
                JobResult::Interrupted => {
                    let why = lost.map(|why| format!(" ({why})")).unwrap_or_default();
                    self.display
                        .finished(id, &format!("interrupted {label}{why}"), true);
                    self.summary.interrupted.push(label);
                }
            },
            Ending::Refused { what, refusal } => {
                self.display.finished(
                    id,
                    &format!("{what} of {label} refused by the queue: {refusal}; not published"),
                    true,
                );
                self.summary
                    .refused
                    .push((label, format!("{what} refused: {refusal}")));
            }
            Ending::Unrecorded { result, error } => {
                self.display.finished(
                    id,
                    &format!("{label}: {} not recorded: {error}", result.state()),
                    true,
                );
                self.summary
                    .refused
                    .push((label, format!("{} not recorded: {error}", result.state())));
            }
        }
    }
}
