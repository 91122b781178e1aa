//! The values of the pull model, where the database hands out work to the slots of one or
//! many hosts: jobs with their dependencies and priority, claims, leases, fencing tokens,
//! results, refusals and hosts. Backend-neutral: no SQL here.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{JobKey, JobRecord, JobState, NewJob, RunId};

/// The largest PKGBUILD tree archive a job may carry. A PKGBUILD directory holds the
/// PKGBUILD, patches and small files; sources are downloaded by makepkg, not stored. Larger
/// archives point at a directory polluted with build outputs, and would bloat the database.
pub const MAX_PKGBUILD_ARCHIVE_BYTES: usize = 16 * 1024 * 1024;

/// A fencing token: a number the store hands out with every claim, larger than every token
/// handed out before (PostgreSQL: a sequence; SQLite: a counter row). Heartbeats, the start
/// of publishing and results are accepted only with the job's current token, so a worker
/// whose lease was taken over can no longer change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct FenceToken(pub i64);

impl fmt::Display for FenceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The compressed archive of a job's `pkgbuilds/<pkgbase>` tree, with its sha256, stored in
/// the queue so workers build exactly what was planned without git access. The digest is
/// computed here, never taken from outside, so a stored archive always matches it.
#[derive(Clone, PartialEq, Eq)]
pub struct PkgbuildArchive {
    bytes: Vec<u8>,
    sha256: String,
}

impl fmt::Debug for PkgbuildArchive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkgbuildArchive")
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl PkgbuildArchive {
    /// The archive `bytes` (as the caller packed them) with their sha256.
    pub fn new(bytes: Vec<u8>) -> Self {
        let sha256 = sha256_hex(&bytes);
        PkgbuildArchive { bytes, sha256 }
    }

    /// An archive read back from a store: `None` when `bytes` do not match `sha256` (the
    /// stored archive was damaged).
    pub(crate) fn verified(bytes: Vec<u8>, sha256: &str) -> Option<Self> {
        let archive = PkgbuildArchive::new(bytes);
        (archive.sha256 == sha256).then_some(archive)
    }

    /// The archive's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The lowercase hex sha256 of [`bytes`](Self::bytes).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        use fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// A job as it enters a run of the pull model: the build-list job, what it waits for, its
/// critical-path priority (computed by the caller with archport-schedule) and, optionally,
/// its PKGBUILD tree.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkJob {
    /// Key, version, repo, and queued or skipped.
    pub job: NewJob,
    /// The jobs of the same run that must be built (and, when the run requires it,
    /// published) before this one may be claimed. A skipped dependency counts as available.
    pub deps: Vec<JobKey>,
    /// Higher is claimed first: the weight of the heaviest chain of builds hanging on it.
    pub priority: f64,
    /// The `pkgbuilds/<pkgbase>` tree; capped at [`MAX_PKGBUILD_ARCHIVE_BYTES`].
    pub pkgbuild: Option<PkgbuildArchive>,
    /// The job's build-list entry as the list's JSON, handed to the claiming host with the
    /// lease: a worker on another host has no list, and needs the pkgnames, checkdepends and
    /// options of what it builds.
    pub entry: Option<String>,
}

impl WorkJob {
    /// A job of the single-host state machine ([`StateStore`](crate::StateStore)) as the
    /// pull model stores it: no dependencies, no priority, no PKGBUILD archive, no entry. Both
    /// backends keep one path for creating and resuming runs.
    pub(crate) fn plain(job: &NewJob) -> Self {
        WorkJob {
            job: job.clone(),
            deps: Vec::new(),
            priority: 0.0,
            pkgbuild: None,
            entry: None,
        }
    }
}

/// How a run of the pull model behaves, fixed when it is created or resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunOptions {
    /// `--stop-on-failure`: after the first failure no slot of any host claims a new job;
    /// builds already running finish.
    pub stop_on_failure: bool,
    /// A dependency counts as available only once it is published (other hosts install it
    /// from the repository). Off for `--no-upload` runs, where built is enough.
    pub require_publish: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            stop_on_failure: false,
            require_publish: true,
        }
    }
}

/// A job claimed by one slot of one host, until [`expires_at`](Self::expires_at) unless
/// renewed. Every later call about the job presents this lease; the store checks its token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lease {
    /// The run.
    pub run: RunId,
    /// The job.
    pub key: JobKey,
    /// The version to build.
    pub version: String,
    /// The target repository (the publishing lock's name).
    pub repo: String,
    /// This claim's fencing token.
    pub token: FenceToken,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
    /// The claiming host.
    pub host: String,
    /// The claiming slot of that host.
    pub slot: u32,
    /// How long each renewal extends the lease.
    pub duration: Duration,
    /// The lease ends here unless a heartbeat renews it: past it the worker must stop the
    /// build and never publish.
    pub expires_at: DateTime<Utc>,
    /// The sha256 of the job's PKGBUILD archive, if the run stored one.
    pub pkgbuild_sha256: Option<String>,
    /// An earlier attempt at this version got as far as publishing (it was stopped or
    /// failed while publishing): its packages were built. A host that still holds them
    /// publishes them again instead of building (publishing twice leaves the repository as
    /// one publish does); any other host builds.
    pub publish_started: bool,
    /// The job's build-list entry (JSON), when the run stored one.
    pub entry: Option<String>,
    /// The build log the holder writes, set by the holder once it knows it: recorded with
    /// the next heartbeat, the start of publishing and the result, so the status shows it.
    pub log: Option<String>,
}

/// What a claim gave the slot.
// One claim per build, moved once: the lease's size costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Claim {
    /// A job to build under this lease.
    Claimed(Lease),
    /// Nothing is ready now, but builds are running (or waiting for their dependencies): ask
    /// again later.
    Wait {
        /// Jobs being built right now, on every host.
        building: u64,
    },
    /// The run stopped after a failure (`--stop-on-failure`): claim nothing more.
    Stopped,
    /// Every job reached its end: the run is finished.
    Finished,
}

/// How a claimed job ended, reported with its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobResult {
    /// Built and published: its dependents may be claimed.
    Published,
    /// Built, not published (`--no-upload`). In a run that requires publishing, its
    /// dependents can never be built and are blocked.
    BuiltNotPublished,
    /// Failed in `phase` (fetch, build, checkdepends, upload, ...) because of `cause`; every
    /// job depending on it is blocked, on every host.
    Failed {
        /// The phase that failed.
        phase: String,
        /// What went wrong.
        cause: String,
    },
    /// Stopped before it ended (signal, shutdown): claimable again as a new attempt.
    Interrupted,
}

impl JobResult {
    /// The state the job is recorded in.
    pub fn state(&self) -> JobState {
        match self {
            JobResult::Published | JobResult::BuiltNotPublished => JobState::Built,
            JobResult::Failed { .. } => JobState::Failed,
            JobResult::Interrupted => JobState::Interrupted,
        }
    }
}

/// Why a fenced call was refused: nothing was recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Refusal {
    /// Another claim took the job over: its token is newer.
    StaleToken {
        /// The token presented.
        presented: FenceToken,
        /// The job's current token.
        current: Option<FenceToken>,
    },
    /// The lease ran out before the call; the job is claimable by others.
    LeaseExpired {
        /// When it ran out.
        expired_at: DateTime<Utc>,
    },
    /// The job is no longer being built under this token (it was reaped, or its result is
    /// already recorded).
    NotBuilding {
        /// Where the job stands.
        state: JobState,
    },
    /// The job is no longer in the run (dropped by a resume).
    Gone,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::StaleToken { presented, current } => match current {
                Some(current) => write!(
                    f,
                    "stale fencing token {presented}: the job was claimed again (token {current})"
                ),
                None => write!(f, "stale fencing token {presented}: the job holds none"),
            },
            Refusal::LeaseExpired { expired_at } => write!(
                f,
                "the lease expired at {}",
                expired_at.format("%Y-%m-%d %H:%M:%S%.3f UTC")
            ),
            Refusal::NotBuilding { state } => write!(f, "the job is {state}, not building"),
            Refusal::Gone => f.write_str("the job is no longer in the run"),
        }
    }
}

/// The answer to a fenced call: accepted (and recorded), or refused (and nothing recorded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Fenced<T> {
    /// Recorded.
    Accepted(T),
    /// Refused: the caller lost the job and must stop (and log why).
    Refused(Refusal),
}

impl<T> Fenced<T> {
    /// Whether the call was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Fenced::Accepted(_))
    }
}

/// What recording a result did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completion {
    /// The job as stored afterwards.
    pub record: JobRecord,
    /// Jobs blocked by this result (the failure cascade), on every host.
    pub blocked: Vec<JobKey>,
    /// Whether this result stopped the run (`--stop-on-failure`).
    pub stopped_run: bool,
}

/// A host taking part in a run, for `--status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostStatus {
    /// The host's name (`[queue] host`, default the hostname).
    pub name: String,
    /// Its build slots (`--parallel-jobs`).
    pub slots: u32,
    /// When it joined the run.
    pub joined_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub last_seen: DateTime<Utc>,
    /// What it is building now, by slot.
    pub building: Vec<(u32, JobKey)>,
}
