//! The values a state store takes and gives back: job states, job keys, runs, transitions
//! and stored job rows. Backend-neutral: no SQL here.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a job stands. Declaration order is lifecycle order, which is also the order
/// reports list the states in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for its turn (its dependencies, or a free slot).
    Queued,
    /// Being built in a slot right now.
    Building,
    /// Built (and published).
    Built,
    /// The build (or a phase around it: fetch, checkdepends, upload) failed.
    Failed,
    /// Not built because something it needs failed.
    Blocked,
    /// Not built by decision: skipped in the build list, or not needed.
    Skipped,
    /// Was building when the run was stopped (signal, crash, power cut); rebuilt on resume.
    Interrupted,
}

impl JobState {
    /// Every state, in lifecycle order.
    pub const ALL: [JobState; 7] = [
        JobState::Queued,
        JobState::Building,
        JobState::Built,
        JobState::Failed,
        JobState::Blocked,
        JobState::Skipped,
        JobState::Interrupted,
    ];

    /// The lowercase name used in the database, in JSON and on the console.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Building => "building",
            JobState::Built => "built",
            JobState::Failed => "failed",
            JobState::Blocked => "blocked",
            JobState::Skipped => "skipped",
            JobState::Interrupted => "interrupted",
        }
    }

    /// Whether the job is done with for this run (nothing more happens to it unless the run
    /// is resumed): built, failed, blocked, skipped or interrupted.
    pub fn is_terminal(self) -> bool {
        !matches!(self, JobState::Queued | JobState::Building)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`JobState`]'s lowercase names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown job state {0:?} (expected queued, building, built, failed, blocked, skipped or interrupted)"
)]
pub struct UnknownState(pub String);

impl FromStr for JobState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

/// Identifies a job within a run: a pkgbase, and which build of a dependency cycle it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct JobKey {
    /// The pkgbase (the build list's `name`).
    pub pkgbase: String,
    /// 0 for a package built once; 1 or 2 for the two builds of a dependency cycle.
    pub cycle_stage: u8,
}

impl JobKey {
    /// A key for `pkgbase` at `cycle_stage` (0 = single build).
    pub fn new(pkgbase: impl Into<String>, cycle_stage: u8) -> Self {
        JobKey {
            pkgbase: pkgbase.into(),
            cycle_stage,
        }
    }
}

impl fmt::Display for JobKey {
    /// `gcc` for a single build, `gcc (stage 1)` for a cycle build.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cycle_stage == 0 {
            f.write_str(&self.pkgbase)
        } else {
            write!(f, "{} (stage {})", self.pkgbase, self.cycle_stage)
        }
    }
}

/// A run's identifier, unique within one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a run is: recorded when it starts (and refreshed when it is resumed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The command line that started the run, for the status report.
    pub command: String,
    /// The build list the run works through.
    pub list_path: String,
    /// The build list's `_timestamp`.
    pub list_timestamp: String,
    /// The host running the builds.
    pub host: String,
}

/// A job as it enters a run, from the build list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Which job.
    pub key: JobKey,
    /// The version to build.
    pub version: String,
    /// The target repository (core, extra).
    pub repo: String,
    /// [`JobState::Queued`], or [`JobState::Skipped`] for an entry the list skips.
    pub state: JobState,
    /// Why it is skipped, when it is.
    pub reason: Option<String>,
}

/// A change of one job's state, to be recorded durably before the caller goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Which job.
    pub key: JobKey,
    /// Its new state.
    pub state: JobState,
    /// The build slot (working-copy index) for a build; kept across later transitions when
    /// `None`, so a finished job still says where it ran.
    pub slot: Option<u32>,
    /// The build log; kept across later transitions when `None`, so a failure keeps its log.
    pub log: Option<String>,
    /// For failed: the phase and reason (`build: makechrootpkg exited with 2`); for blocked:
    /// `blocked by X`; replaced at every transition.
    pub reason: Option<String>,
    /// For blocked: the pkgbase of the failure that blocks it; replaced at every transition.
    pub blocked_by: Option<String>,
}

impl Transition {
    /// A transition of `key` to `state` with no slot, log or reason.
    pub fn new(key: JobKey, state: JobState) -> Self {
        Transition {
            key,
            state,
            slot: None,
            log: None,
            reason: None,
            blocked_by: None,
        }
    }
}

/// A job's stored state within a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    /// Which job.
    pub key: JobKey,
    /// The version being (or to be) built.
    pub version: String,
    /// The target repository.
    pub repo: String,
    /// Where it stands.
    pub state: JobState,
    /// How many builds of this version were started in this run (0 before the first).
    pub attempt: u32,
    /// The slot of the current or last build.
    pub slot: Option<u32>,
    /// The log of the current or last build.
    pub log: Option<String>,
    /// Why it failed, is blocked or is skipped.
    pub reason: Option<String>,
    /// The failed pkgbase that blocks it.
    pub blocked_by: Option<String>,
    /// When it was (last) queued.
    pub queued_at: DateTime<Utc>,
    /// When the current or last build started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it reached its terminal state.
    pub finished_at: Option<DateTime<Utc>>,
    /// How long the build took (set when a started build ends).
    pub duration_secs: Option<f64>,
    /// The host that claimed the current or last build (pull model only), so every job
    /// shows the host that built it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// While building under a lease (pull model only): when the lease ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<DateTime<Utc>>,
}

/// One recorded transition, from the append-only history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionRecord {
    /// Which job.
    pub key: JobKey,
    /// The state it entered.
    pub state: JobState,
    /// Its version at the time.
    pub version: String,
    /// Its attempt number at the time.
    pub attempt: u32,
    /// Slot, log, reason and blocker as stored after the transition.
    pub slot: Option<u32>,
    /// The log path stored after the transition.
    pub log: Option<String>,
    /// The reason given with the transition.
    pub reason: Option<String>,
    /// The blocker given with the transition.
    pub blocked_by: Option<String>,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The build's duration, for a transition that ends a started build.
    pub duration_secs: Option<f64>,
}

/// What resuming a run (`--continue`) did to its jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resume {
    /// The resumed run.
    pub run: RunId,
    /// Built at the version the list asks for: not rebuilt.
    pub already_built: Vec<JobKey>,
    /// Were building or interrupted: queued again; their next build is attempt + 1.
    pub interrupted: Vec<JobKey>,
    /// Had failed or been blocked at the same version: queued again (attempt kept).
    pub retried: Vec<JobKey>,
    /// Were in the run at another version: queued afresh at the list's version (attempt 0).
    pub version_changed: Vec<JobKey>,
    /// New in the list: added to the run.
    pub added: Vec<JobKey>,
    /// No longer in the list: removed from the run (their history stays).
    pub dropped: Vec<JobKey>,
}
