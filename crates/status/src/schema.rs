//! `status.json`: the stable, documented shape of a run's status, for scripts and for the
//! page. Leaf module: plain serde types, no logic.
//!
//! Stability: [`SCHEMA_VERSION`] is 1. Within a version fields are only ever added, never
//! renamed, removed or retyped; a script reading version 1 keeps working. Times are RFC 3339
//! in UTC, durations are seconds (floating point), log links are relative to the status
//! directory (`logs/<file>`), and optional values are `null`, never missing.

use std::collections::BTreeMap;

use archport_triage::Category;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The `schema` field of `status.json`: bumped only for an incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything `status.json` holds, and everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// [`SCHEMA_VERSION`] of the writer.
    pub schema: u32,
    /// When this status was made: the reference time of every `elapsed_secs`.
    pub generated_at: DateTime<Utc>,
    /// The run.
    pub run: Run,
    /// Number of jobs in the run.
    pub total: usize,
    /// Jobs per state (`queued`, `building`, `built`, `failed`, `blocked`, `skipped`,
    /// `interrupted`); every state is present, zero included.
    pub counts: BTreeMap<String, usize>,
    /// Jobs in a terminal state (built, failed, blocked, skipped, interrupted): the progress
    /// bar's numerator, `total` its denominator.
    pub done: usize,
    /// Failed jobs per category; every category is present, zero included.
    pub categories: BTreeMap<Category, usize>,
    /// When the run will end, if the durations allow saying.
    pub eta: Eta,
    /// Builds in progress, by host and slot.
    pub running: Vec<Running>,
    /// Failed builds, in build-list order.
    pub failed: Vec<Failed>,
    /// Jobs not built because a failure blocks them, grouped by that failure.
    pub blocked: Vec<BlockedGroup>,
    /// Built jobs, in build-list order.
    pub built: Vec<Built>,
    /// Jobs skipped by decision, with the reason.
    pub skipped: Vec<Skipped>,
    /// Earlier runs, newest first (this run excluded).
    pub last_runs: Vec<PastRun>,
}

/// A run's identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The run's id in the state store.
    pub id: i64,
    /// The command line that started (or last resumed) it.
    pub command: String,
    /// The build list it works through.
    pub list_path: String,
    /// The build list's `_timestamp`.
    pub list_timestamp: String,
    /// The hosts building it (one entry on a single host).
    pub hosts: Vec<String>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it was last resumed.
    pub resumed_at: Option<DateTime<Utc>>,
    /// When it finished; `null` while it runs or after it was stopped.
    pub finished_at: Option<DateTime<Utc>>,
    /// Seconds from start to finish, or to `generated_at` when not finished.
    pub elapsed_secs: f64,
    /// Why the run never got to build (its root chroot could not be created); `null`
    /// otherwise. Added within schema 1: older files lack it.
    #[serde(default)]
    pub start_failure: Option<String>,
}

/// The estimated end of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eta {
    /// Seconds from `generated_at` until the last remaining job should finish; `null` when
    /// that cannot be said (see `reason`).
    pub seconds: Option<f64>,
    /// `generated_at` + `seconds`.
    pub finish_at: Option<DateTime<Utc>>,
    /// Why `seconds` is `null` (`durations unknown for 3 of 12 remaining builds: ...`).
    pub reason: Option<String>,
    /// Jobs still to build, running ones included.
    pub remaining: usize,
    /// Remaining pkgbases with no previous build duration.
    pub unknown_durations: Vec<String>,
}

/// A build in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Running {
    /// The host building it.
    pub host: String,
    /// The slot (working copy) on that host.
    pub slot: Option<u32>,
    /// The pkgbase.
    pub pkgbase: String,
    /// 0, or 1 and 2 for the two builds of a dependency cycle.
    pub cycle_stage: u8,
    /// The version being built.
    pub version: String,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
    /// The runner's phase (`setup`, `build`, `upload`), when known.
    pub phase: Option<String>,
    /// When the build started.
    pub started_at: Option<DateTime<Utc>>,
    /// Seconds since it started.
    pub elapsed_secs: f64,
    /// How long its last successful build took, if it was ever built.
    pub previous_secs: Option<f64>,
    /// The log, relative to the status directory (`logs/<file>`).
    pub log: Option<String>,
    /// The log where the runner writes it.
    pub log_path: Option<String>,
}

/// A failed build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failed {
    /// The pkgbase.
    pub pkgbase: String,
    /// 0, or 1 and 2 for the two builds of a dependency cycle.
    pub cycle_stage: u8,
    /// The version that failed.
    pub version: String,
    /// What kind of failure it is.
    pub category: Category,
    /// The log line (or runner fact) that shows it.
    pub cause: String,
    /// The runner's phase that failed (`build`, `upload`, ...), when recorded.
    pub phase: Option<String>,
    /// The runner's own reason (`build: makechrootpkg exited with 255`).
    pub reason: Option<String>,
    /// Which attempt failed.
    pub attempt: u32,
    /// When it failed.
    pub failed_at: Option<DateTime<Utc>>,
    /// When it first failed the same way, counting earlier runs in a row; `null` when this
    /// is the first such failure.
    pub failing_since: Option<DateTime<Utc>>,
    /// How many jobs this failure blocks.
    pub blocks: usize,
    /// The log, relative to the status directory (`logs/<file>`).
    pub log: Option<String>,
    /// The log where the runner wrote it.
    pub log_path: Option<String>,
}

/// A job named without state details: a member of a blocked group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// The pkgbase.
    pub pkgbase: String,
    /// 0, or 1 and 2 for the two builds of a dependency cycle.
    pub cycle_stage: u8,
    /// Its version in the build list.
    pub version: String,
}

/// Jobs blocked by one failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockedGroup {
    /// The pkgbase whose failure blocks them (`unknown` when not recorded).
    pub blocker: String,
    /// The blocker's failure category, when the blocker failed in this run.
    pub category: Option<Category>,
    /// The blocked jobs, in build-list order.
    pub packages: Vec<Package>,
}

/// A built job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Built {
    /// The pkgbase.
    pub pkgbase: String,
    /// 0, or 1 and 2 for the two builds of a dependency cycle.
    pub cycle_stage: u8,
    /// The version built.
    pub version: String,
    /// How long the build took.
    pub duration_secs: Option<f64>,
    /// The repository it was published to (`core-testing`).
    pub repo: String,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// The log, relative to the status directory (`logs/<file>`).
    pub log: Option<String>,
    /// The log where the runner wrote it.
    pub log_path: Option<String>,
}

/// A job skipped by decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    /// The pkgbase.
    pub pkgbase: String,
    /// 0, or 1 and 2 for the two builds of a dependency cycle.
    pub cycle_stage: u8,
    /// Its version in the build list.
    pub version: String,
    /// Why it is skipped.
    pub reason: Option<String>,
}

/// An earlier run, as the history remembers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PastRun {
    /// The run's id.
    pub id: i64,
    /// The command line.
    pub command: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished; `null` when it was stopped.
    pub finished_at: Option<DateTime<Utc>>,
    /// Seconds it ran (to its finish, or to its last status).
    pub elapsed_secs: f64,
    /// Jobs per state at its end.
    pub counts: BTreeMap<String, usize>,
}

/// How one job ended in one run: what "failing since" is computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastOutcome {
    /// The run.
    pub run: i64,
    /// The pkgbase.
    pub pkgbase: String,
    /// When it ended.
    pub at: DateTime<Utc>,
    /// The failure's category; `null` when it was built.
    pub failed: Option<Category>,
}
