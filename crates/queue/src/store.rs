//! The backend-neutral interface of the durable build state.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::QueueError;
use crate::model::{
    JobKey, JobRecord, NewJob, Resume, RunId, RunInfo, Transition, TransitionRecord,
};
use crate::publish_lock::PublishLock;
use crate::report::StatusReport;
use crate::work::{
    Claim, Completion, Fenced, JobResult, Lease, PkgbuildArchive, RunOptions, WorkJob,
};

/// Durable build state: runs, the state of each job in a run, and the history of every
/// transition. Each write is committed (durable, on SQLite: fsynced) before its future
/// completes, so a caller that awaits [`record`](Self::record) before starting the next build
/// loses nothing to `kill -9` or a power cut.
///
/// The store keeps state; it makes no scheduling decision (what to build next, what a failure
/// blocks): the build orchestration does that and records the outcome here. The rules for
/// resuming (what counts as already built) are shared by all backends.
///
/// # Calling it
///
/// Methods return `impl Future + Send` (implementations write plain `async fn`), so the trait
/// is not object-safe: callers are generic over `S: StateStore`, and the binary picks the
/// backend once (`match config { Sqlite => run(SqliteStore::open(..)), Postgres => ... }`).
/// The `Send` bound lets the orchestrator move store calls into spawned tasks.
///
/// # Backends
///
/// [`SqliteStore`](crate::SqliteStore) (one host) and [`PostgresStore`](crate::PostgresStore)
/// (many hosts) implement it over the same tables. For a run shared by several hosts the
/// orchestration uses [`WorkQueue`] instead of [`record`](Self::record): there the store
/// also chooses the next job (the one claim that must be atomic across hosts), records which
/// host holds it, and refuses results from a host that lost it. [`status`](Self::status)
/// then lists the hosts too.
pub trait StateStore: Send + Sync {
    /// Starts a new run over `jobs` (in build-list order; each queued or skipped) and makes it
    /// the current run. Builds still marked building in earlier runs are marked interrupted:
    /// their process is gone.
    fn start_run(
        &self,
        info: &RunInfo,
        jobs: &[NewJob],
    ) -> impl Future<Output = Result<RunId, QueueError>> + Send;

    /// Resumes the last run (`--continue`) with the current build list: jobs built at the
    /// version the list asks for stay built; building or interrupted ones are queued again
    /// (their next build is attempt + 1); failed and blocked ones are queued again; jobs at a
    /// new version start afresh; new jobs are added and jobs no longer listed are dropped
    /// (their history stays). `info` replaces the run's command, list and host. `None` when
    /// there is no run to resume.
    fn resume_run(
        &self,
        info: &RunInfo,
        jobs: &[NewJob],
    ) -> impl Future<Output = Result<Option<Resume>, QueueError>> + Send;

    /// Records one transition of one job and returns the job as stored afterwards. Entering
    /// building starts a new attempt (attempt + 1, start time now); built, failed and
    /// interrupted set the finish time and the build's duration; blocked and skipped set the
    /// finish time; queued clears the times, slot and log of a previous attempt. Transitions
    /// are not checked against a state machine: the orchestrator owns the order.
    fn record(
        &self,
        run: RunId,
        transition: &Transition,
    ) -> impl Future<Output = Result<JobRecord, QueueError>> + Send;

    /// Marks every job of `run` still building as interrupted (on a signal, or at start-up
    /// for a run that crashed) and returns how many there were.
    fn mark_interrupted(&self, run: RunId) -> impl Future<Output = Result<u64, QueueError>> + Send;

    /// Marks `run` finished (every job reached a terminal state, or the orchestrator gave up).
    fn finish_run(&self, run: RunId) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// The duration in seconds of the last successful build of each pkgbase, across all runs:
    /// weights for scheduling long builds first.
    fn durations(&self) -> impl Future<Output = Result<HashMap<String, f64>, QueueError>> + Send;

    /// The status of the current or last run; `None` when no run was ever started.
    fn status(&self) -> impl Future<Output = Result<Option<StatusReport>, QueueError>> + Send;

    /// Every job of `run` in build-list order.
    fn jobs(&self, run: RunId) -> impl Future<Output = Result<Vec<JobRecord>, QueueError>> + Send;

    /// Every transition recorded in `run`, oldest first.
    fn history(
        &self,
        run: RunId,
    ) -> impl Future<Output = Result<Vec<TransitionRecord>, QueueError>> + Send;
}

/// The pull model on top of [`StateStore`]: the database hands out work to the slots of one
/// or many hosts. A slot [`claim`](Self::claim)s the highest-priority ready job under a lease
/// with a new fencing token; heartbeats, the start of publishing and the result are accepted
/// only with that token while the lease runs, checked in the very statement that records
/// them. Every transition is one transaction. The same rules hold for every backend (one
/// shared test suite checks them): SQLite for one host, PostgreSQL for many.
///
/// Times come from the store's [`Clock`](crate::Clock): hosts sharing a run need synchronized
/// clocks (NTP); a skew shortens or lengthens leases by as much.
pub trait WorkQueue: Send + Sync {
    /// Creates a run over `jobs` (in build-list order) with their dependencies, priorities
    /// and PKGBUILD archives, and makes it the newest run. Fails naming the job when a
    /// dependency is not in the run or an archive is over [`MAX_PKGBUILD_ARCHIVE_BYTES`].
    ///
    /// [`MAX_PKGBUILD_ARCHIVE_BYTES`]: crate::MAX_PKGBUILD_ARCHIVE_BYTES
    fn create_run(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
    ) -> impl Future<Output = Result<RunId, QueueError>> + Send;

    /// `--continue` on the newest run, with the current list: the rules of
    /// [`StateStore::resume_run`] (built at the same version stays built, failed, blocked and
    /// interrupted are queued again, new versions start afresh), except that a job building
    /// under a live lease at the same version is left to its host. Dependencies, priorities
    /// and archives are replaced by `jobs`'; the stop after a failure is lifted.
    fn resume_work(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
    ) -> impl Future<Output = Result<Option<Resume>, QueueError>> + Send;

    /// The newest run that is not finished: the run a `--worker` joins.
    fn current_run(&self) -> impl Future<Output = Result<Option<RunId>, QueueError>> + Send;

    /// Registers `host` with `slots` in `run`, or renews its heartbeat (last seen = now).
    fn host_heartbeat(
        &self,
        run: RunId,
        host: &str,
        slots: u32,
    ) -> impl Future<Output = Result<(), QueueError>> + Send;

    /// Claims for `slot` of `host` the highest-priority ready job (ties: list order), in one
    /// transaction: it becomes building under a lease until now + `lease`, with a new
    /// fencing token and attempt + 1. Ready: queued or interrupted, every dependency
    /// available. When nothing is ready, expired leases are reaped first (their jobs become
    /// claimable as a new attempt).
    fn claim(
        &self,
        run: RunId,
        host: &str,
        slot: u32,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, QueueError>> + Send;

    /// Renews `lease` to now + its duration, only if its token is current and it has not
    /// expired; returns the new expiry.
    fn heartbeat(
        &self,
        lease: &Lease,
    ) -> impl Future<Output = Result<Fenced<DateTime<Utc>>, QueueError>> + Send;

    /// Records that the holder of `lease` starts publishing, under the same check. A worker
    /// publishes only after this was accepted (and under [`publish_lock`](Self::publish_lock)).
    fn begin_publish(
        &self,
        lease: &Lease,
    ) -> impl Future<Output = Result<Fenced<()>, QueueError>> + Send;

    /// Records the `result` of the job held by `lease`, under the same check. A failure (or
    /// a build a publishing run cannot use) blocks every job depending on it, and stops the
    /// run when it was created with `stop_on_failure`. A retried call whose first attempt was
    /// recorded (the connection dropped before the answer) is accepted again, without effect.
    fn finish(
        &self,
        lease: &Lease,
        result: &JobResult,
    ) -> impl Future<Output = Result<Fenced<Completion>, QueueError>> + Send;

    /// Makes every job of `run` whose lease expired claimable again (recorded as
    /// interrupted, its host's token no longer accepted); returns them.
    fn reap_expired(
        &self,
        run: RunId,
    ) -> impl Future<Output = Result<Vec<JobKey>, QueueError>> + Send;

    /// The PKGBUILD archive stored with a job, checked against its sha256.
    fn pkgbuild(
        &self,
        run: RunId,
        key: &JobKey,
    ) -> impl Future<Output = Result<Option<PkgbuildArchive>, QueueError>> + Send;

    /// Waits for and takes the publishing lock of repository `repo`: two holders (on any
    /// host) never publish to the same repository database at once. Released when the guard
    /// is released or dropped.
    fn publish_lock(
        &self,
        repo: &str,
    ) -> impl Future<Output = Result<PublishLock, QueueError>> + Send;

    /// The status of `run`: counts, running builds with their host, every host with its
    /// slots, last heartbeat and builds, failures and blocked jobs.
    fn run_status(
        &self,
        run: RunId,
    ) -> impl Future<Output = Result<StatusReport, QueueError>> + Send;
}
