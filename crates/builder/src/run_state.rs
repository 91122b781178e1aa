//! Where this host's part of a run stands, kept in step with every job it claims and every
//! result it records: the console and the summary. The queue holds the run itself (and
//! decides what is ready, blocked or finished); this is what the operator of this host sees.

use std::path::Path;

use archport_buildlist::Entry;
use archport_queue::{JobResult, Resume};

use crate::display::Display;
use crate::prepare::Prepared;
use crate::summary::Summary;
use crate::task::Ending;

/// This host's view of the run.
pub(crate) struct RunState {
    /// The console.
    pub(crate) display: Display,
    /// What this host did so far.
    pub(crate) summary: Summary,
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
        }
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
    /// failure) ended as `ending`; `lost` says why its lease was lost, if it was.
    pub(crate) fn ended(
        &mut self,
        id: usize,
        entry: &Entry,
        log: &Path,
        kept: Option<&Path>,
        ending: &Ending,
        lost: Option<&str>,
    ) {
        let label = label(entry);
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
                    self.display
                        .finished(id, &format!("built {label}{how}"), false);
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
                    self.display.settled(completion.blocked.len());
                    for key in &completion.blocked {
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
