//! What the status is built from besides the queue's report: the inputs only the caller
//! has. Options module: imported by the builder, imports nothing that imports it.

use std::collections::HashMap;

use archport_queue::JobKey;
use archport_schedule::Job;
use archport_triage::Classification;

use crate::history::History;

/// Everything [`crate::build_status`] needs beyond the queue's report and jobs. Every field
/// has a neutral default, so a caller fills in what it has.
#[derive(Debug, Clone)]
pub struct Extras {
    /// The category and cause of each failed job (from [`crate::classify_failures`], or
    /// recorded by the runner when the build failed); a failure missing here is classified
    /// from its recorded reason alone.
    pub classifications: HashMap<JobKey, Classification>,
    /// The previous build duration per pkgbase (the store's `durations()`): the ETA and the
    /// running builds' "elapsed against previous".
    pub durations: HashMap<String, f64>,
    /// The run's job graph (`archport_schedule::jobs_from_list` of its build list), for the
    /// ETA; `None` gives an ETA of `null` ("job graph unknown").
    pub graph: Option<Vec<Job>>,
    /// Build slots over all hosts: the ETA's parallelism.
    pub slots: usize,
    /// The runner's current phase of each running build (`setup`, `build`, `upload`).
    pub phases: HashMap<JobKey, String>,
    /// Earlier runs (the status directory's `history.json`): last runs, failing since.
    pub history: History,
    /// How many earlier runs the page lists.
    pub last_runs: usize,
    /// Appended to a job's repository to name where it was published (`core` ->
    /// `core-testing`, as repo-upload publishes).
    pub published_suffix: String,
    /// Why the run never got to build (its set-up failed), when the caller knows it; the
    /// report's own `start_failure` is used otherwise.
    pub start_failure: Option<String>,
}

impl Default for Extras {
    fn default() -> Self {
        Extras {
            classifications: HashMap::new(),
            durations: HashMap::new(),
            graph: None,
            slots: 1,
            phases: HashMap::new(),
            history: History::default(),
            last_runs: 10,
            published_suffix: "-testing".to_owned(),
            start_failure: None,
        }
    }
}
