//! The status page (`{workdir}/status/index.html` and `status.json`, or `[status] dir`),
//! brought up to date at every transition of a run: started or resumed, a build started,
//! built, published, failed, blocked or interrupted, and the end. The page is a view: a
//! failure to write it is noted on the console and the run goes on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use archport_queue::{JobKey, StateStore};
use archport_schedule::Job;
use archport_status::Extras;
use archport_triage::Classification;

use crate::display::Display;

/// What the page shows beyond the queue: the failures' classifications (from their logs,
/// made once when the build failed), the run's job graph (for the ETA, when this host has
/// the list) and its slots, and the running builds' phases.
pub(crate) struct StatusPage {
    dir: PathBuf,
    classifications: HashMap<JobKey, Classification>,
    graph: Option<Vec<Job>>,
    slots: usize,
    phases: HashMap<JobKey, String>,
    start_failure: Option<String>,
}

impl StatusPage {
    /// The page in `dir`, for a run of `graph` (none on a worker) on `slots` slots.
    pub(crate) fn new(dir: &Path, graph: Option<Vec<Job>>, slots: usize) -> StatusPage {
        StatusPage {
            dir: dir.to_owned(),
            classifications: HashMap::new(),
            graph,
            slots: slots.max(1),
            phases: HashMap::new(),
            start_failure: None,
        }
    }

    /// The run could not start building, for `reason` (its set-up failed).
    pub(crate) fn start_failed(&mut self, reason: String) {
        self.start_failure = Some(reason);
    }

    /// Remembers why `key` failed (see [`archport_triage::classify_failure`]).
    pub(crate) fn classified(&mut self, key: JobKey, classification: Classification) {
        self.classifications.insert(key, classification);
    }

    /// The classification recorded for `key`, if its build failed on this host.
    pub(crate) fn classification(&self, key: &JobKey) -> Option<&Classification> {
        self.classifications.get(key)
    }

    /// `key`'s build is now in `phase` (`None`: it ended).
    pub(crate) fn phase(&mut self, key: JobKey, phase: Option<&str>) {
        match phase {
            Some(phase) => {
                self.phases.insert(key, phase.to_owned());
            }
            None => {
                self.phases.remove(&key);
            }
        }
    }

    /// Writes the page and `status.json` from `store`'s current run; a failure is only
    /// noted on `display`.
    pub(crate) async fn refresh<S: StateStore>(&self, store: &S, display: &Display) {
        let extras = Extras {
            classifications: self.classifications.clone(),
            graph: self.graph.clone(),
            slots: self.slots,
            phases: self.phases.clone(),
            start_failure: self.start_failure.clone(),
            ..Extras::default()
        };
        if let Err(e) = archport_status::refresh_status_dir(store, &self.dir, extras).await {
            display.note(&format!("warning: status page {}: {e}", self.dir.display()));
        }
    }
}
