//! The backend-neutral interface of the durable build state.

use std::collections::HashMap;
use std::future::Future;

use crate::error::QueueError;
use crate::model::{JobRecord, NewJob, Resume, RunId, RunInfo, Transition, TransitionRecord};
use crate::report::StatusReport;

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
/// # A PostgreSQL backend
///
/// Several build hosts sharing one run implement the same trait over the same tables, with
/// these differences: `BIGSERIAL`/`BIGINT` ids and times, `$n` placeholders, `SELECT ... FOR
/// UPDATE` (or `SERIALIZABLE`) in place of SQLite's `BEGIN IMMEDIATE` write lock,
/// `DISTINCT ON (pkgbase)` in place of SQLite's bare-column `MAX()` in
/// [`durations`](Self::durations), and a `host` on each building job so that
/// [`mark_interrupted`](Self::mark_interrupted) and resuming only interrupt the builds of the
/// host that stopped, never another host's live builds. Claiming the next job atomically
/// (`UPDATE ... WHERE state = 'queued' ... FOR UPDATE SKIP LOCKED`) would be a new method
/// there; the choice of job stays in the orchestrator.
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
