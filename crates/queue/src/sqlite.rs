//! The SQLite backend: one database file in the work dir, WAL journal, every commit fsynced.
//! All of the crate's SQL for SQLite lives here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use crate::clock::{Clock, SystemClock};
use crate::error::QueueError;
use crate::model::{
    JobKey, JobRecord, JobState, NewJob, Resume, RunId, RunInfo, Transition, TransitionRecord,
};
use crate::reconcile::{Disposition, NewJobProblem, plan_resume, validate_new_jobs};
use crate::report::{RunSummary, StatusReport};
use crate::store::StateStore;

/// The schema, embedded from `crates/queue/migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a writer waits for another process's write lock (a `--status` reader never
/// blocks a writer in WAL mode; two writers only meet if two runs share a work dir).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The reason stored on a job whose build was cut short.
const INTERRUPTED_REASON: &str = "the run stopped during the build";

/// Where build-packages keeps its state under the work dir: `{workdir}/build-state/queue.sqlite`
/// (`{workdir}/state/` is the clone of the Arch state repository).
pub fn default_path(workdir: &Path) -> PathBuf {
    workdir.join("build-state").join("queue.sqlite")
}

/// The columns of `jobs` that make a [`JobRecord`], in [`job_from_row`]'s order.
macro_rules! job_columns {
    () => {
        "pkgbase, cycle_stage, version, repo, state, attempt, slot, log, reason, blocked_by, \
         queued_at, started_at, finished_at, duration_ms"
    };
}

/// The build state in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    db: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("db", &self.db).finish()
    }
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) the database at `path`, applies the
    /// embedded migrations, and sets WAL journaling with `synchronous = FULL`: a commit is on
    /// disk before it returns, so even a power cut keeps every recorded transition.
    pub async fn open(path: &Path) -> Result<Self, QueueError> {
        Self::open_with_clock(path, Arc::new(SystemClock)).await
    }

    /// [`open`](Self::open), taking times from `clock` (tests and demos use a
    /// [`ManualClock`](crate::ManualClock)).
    pub async fn open_with_clock(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, QueueError> {
        let db = path.display().to_string();
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| QueueError::CreateDir {
                db: db.clone(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // A few connections: reads (status) proceed beside a write in WAL mode; writes
        // serialize on BEGIN IMMEDIATE.
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| QueueError::Open {
                db: db.clone(),
                source,
            })?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| QueueError::Migrate {
                db: db.clone(),
                source,
            })?;
        Ok(SqliteStore { pool, db, clock })
    }

    /// The database file, as shown in errors.
    pub fn location(&self) -> &str {
        &self.db
    }

    /// Closes every connection, checkpointing the WAL into the main file.
    pub async fn close(self) {
        self.pool.close().await;
    }

    fn query_error(&self, action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> QueueError {
        let db = self.db.clone();
        let action = action.into();
        move |source| QueueError::Query { db, action, source }
    }

    fn corrupt(&self, what: String) -> QueueError {
        QueueError::Corrupt {
            db: self.db.clone(),
            what,
        }
    }

    fn new_job_error(&self, problem: NewJobProblem) -> QueueError {
        match problem {
            NewJobProblem::Duplicate(key) => QueueError::DuplicateJob {
                db: self.db.clone(),
                key,
            },
            NewJobProblem::BadState(key, state) => QueueError::InvalidNewJob {
                db: self.db.clone(),
                key,
                state,
            },
        }
    }

    /// A write transaction that holds the database's write lock from the start, so it never
    /// fails half-way on lock upgrade; waits up to the busy timeout for another writer.
    async fn begin_write(&self, action: &str) -> Result<Transaction<'static, Sqlite>, QueueError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(self.query_error(format!("{action}: starting a write")))
    }

    async fn commit(
        &self,
        tx: Transaction<'static, Sqlite>,
        action: &str,
    ) -> Result<(), QueueError> {
        tx.commit()
            .await
            .map_err(self.query_error(format!("{action}: committing")))
    }

    /// Marks the building jobs of `run` (of every run when `None`) interrupted, history first.
    async fn interrupt_building(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: Option<RunId>,
        now: i64,
    ) -> Result<u64, QueueError> {
        let run = run.map(|run| run.0);
        sqlx::query(
            "INSERT INTO transitions (run_id, pkgbase, cycle_stage, state, version, attempt, \
             slot, log, reason, blocked_by, at, duration_ms) \
             SELECT run_id, pkgbase, cycle_stage, 'interrupted', version, attempt, slot, log, \
             ?1, NULL, ?2, ?2 - started_at FROM jobs \
             WHERE state = 'building' AND (?3 IS NULL OR run_id = ?3) \
             ORDER BY run_id, seq",
        )
        .bind(INTERRUPTED_REASON)
        .bind(now)
        .bind(run)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error("recording interrupted builds"))?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'interrupted', reason = ?1, blocked_by = NULL, \
             finished_at = ?2, duration_ms = ?2 - started_at \
             WHERE state = 'building' AND (?3 IS NULL OR run_id = ?3)",
        )
        .bind(INTERRUPTED_REASON)
        .bind(now)
        .bind(run)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error("marking builds interrupted"))?;
        Ok(done.rows_affected())
    }

    /// Appends the job's row, as it stands now, to the history.
    async fn append_history(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: RunId,
        key: &JobKey,
        now: i64,
    ) -> Result<(), QueueError> {
        sqlx::query(
            "INSERT INTO transitions (run_id, pkgbase, cycle_stage, state, version, attempt, \
             slot, log, reason, blocked_by, at, duration_ms) \
             SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
             blocked_by, ?, duration_ms FROM jobs \
             WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
        )
        .bind(now)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error(format!("recording the history of {key}")))?;
        Ok(())
    }

    async fn insert_job(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: RunId,
        seq: u32,
        job: &NewJob,
        now: i64,
    ) -> Result<(), QueueError> {
        sqlx::query(
            "INSERT INTO jobs (run_id, pkgbase, cycle_stage, seq, version, repo, state, attempt, \
             reason, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(run.0)
        .bind(&job.key.pkgbase)
        .bind(job.key.cycle_stage)
        .bind(seq)
        .bind(&job.version)
        .bind(&job.repo)
        .bind(job.state.as_str())
        .bind(&job.reason)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error(format!("adding job {}", job.key)))?;
        self.append_history(tx, run, &job.key, now).await
    }

    async fn run_exists(
        &self,
        executor: impl sqlx::SqliteExecutor<'_>,
        run: RunId,
    ) -> Result<bool, QueueError> {
        let found = sqlx::query("SELECT 1 FROM runs WHERE id = ?")
            .bind(run.0)
            .fetch_optional(executor)
            .await
            .map_err(self.query_error(format!("looking up run {run}")))?;
        Ok(found.is_some())
    }

    async fn load_jobs(
        &self,
        executor: impl sqlx::SqliteExecutor<'_>,
        run: RunId,
    ) -> Result<Vec<JobRecord>, QueueError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE run_id = ? ORDER BY seq, pkgbase, cycle_stage"
        ))
        .bind(run.0)
        .fetch_all(executor)
        .await
        .map_err(self.query_error(format!("reading the jobs of run {run}")))?;
        rows.iter().map(|row| self.job_from_row(row)).collect()
    }

    fn job_from_row(&self, row: &SqliteRow) -> Result<JobRecord, QueueError> {
        let key = JobKey {
            pkgbase: self.column(row, "pkgbase")?,
            cycle_stage: self.small(row, "cycle_stage")?,
        };
        Ok(JobRecord {
            version: self.column(row, "version")?,
            repo: self.column(row, "repo")?,
            state: self.state(row)?,
            attempt: self.small(row, "attempt")?,
            slot: self.optional_small(row, "slot")?,
            log: self.column(row, "log")?,
            reason: self.column(row, "reason")?,
            blocked_by: self.column(row, "blocked_by")?,
            queued_at: self.time(row, "queued_at")?,
            started_at: self.optional_time(row, "started_at")?,
            finished_at: self.optional_time(row, "finished_at")?,
            duration_secs: self.seconds(row, "duration_ms")?,
            key,
        })
    }

    fn transition_from_row(&self, row: &SqliteRow) -> Result<TransitionRecord, QueueError> {
        Ok(TransitionRecord {
            key: JobKey {
                pkgbase: self.column(row, "pkgbase")?,
                cycle_stage: self.small(row, "cycle_stage")?,
            },
            state: self.state(row)?,
            version: self.column(row, "version")?,
            attempt: self.small(row, "attempt")?,
            slot: self.optional_small(row, "slot")?,
            log: self.column(row, "log")?,
            reason: self.column(row, "reason")?,
            blocked_by: self.column(row, "blocked_by")?,
            at: self.time(row, "at")?,
            duration_secs: self.seconds(row, "duration_ms")?,
        })
    }

    fn column<'r, T>(&self, row: &'r SqliteRow, name: &str) -> Result<T, QueueError>
    where
        T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
    {
        row.try_get(name)
            .map_err(|source| self.corrupt(format!("column {name}: {source}")))
    }

    fn small<T: TryFrom<i64>>(&self, row: &SqliteRow, name: &str) -> Result<T, QueueError> {
        let value: i64 = self.column(row, name)?;
        T::try_from(value)
            .map_err(|_| self.corrupt(format!("column {name}: {value} is out of range")))
    }

    fn optional_small<T: TryFrom<i64>>(
        &self,
        row: &SqliteRow,
        name: &str,
    ) -> Result<Option<T>, QueueError> {
        let value: Option<i64> = self.column(row, name)?;
        value
            .map(|value| {
                T::try_from(value)
                    .map_err(|_| self.corrupt(format!("column {name}: {value} is out of range")))
            })
            .transpose()
    }

    fn state(&self, row: &SqliteRow) -> Result<JobState, QueueError> {
        let name: String = self.column(row, "state")?;
        JobState::from_str(&name).map_err(|error| self.corrupt(format!("column state: {error}")))
    }

    fn time(&self, row: &SqliteRow, name: &str) -> Result<DateTime<Utc>, QueueError> {
        let millis: i64 = self.column(row, name)?;
        self.millis_to_time(millis, name)
    }

    fn optional_time(
        &self,
        row: &SqliteRow,
        name: &str,
    ) -> Result<Option<DateTime<Utc>>, QueueError> {
        let millis: Option<i64> = self.column(row, name)?;
        millis
            .map(|millis| self.millis_to_time(millis, name))
            .transpose()
    }

    fn millis_to_time(&self, millis: i64, name: &str) -> Result<DateTime<Utc>, QueueError> {
        DateTime::from_timestamp_millis(millis)
            .ok_or_else(|| self.corrupt(format!("column {name}: time {millis} is out of range")))
    }

    fn seconds(&self, row: &SqliteRow, name: &str) -> Result<Option<f64>, QueueError> {
        let millis: Option<i64> = self.column(row, name)?;
        Ok(millis.map(|millis| millis as f64 / 1000.0))
    }

    fn run_from_row(&self, row: &SqliteRow) -> Result<RunSummary, QueueError> {
        Ok(RunSummary {
            id: RunId(self.column(row, "id")?),
            command: self.column(row, "command")?,
            list_path: self.column(row, "list_path")?,
            list_timestamp: self.column(row, "list_timestamp")?,
            host: self.column(row, "host")?,
            started_at: self.time(row, "started_at")?,
            resumed_at: self.optional_time(row, "resumed_at")?,
            resumes: self.small(row, "resumes")?,
            finished_at: self.optional_time(row, "finished_at")?,
        })
    }

    fn now_millis(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}

impl StateStore for SqliteStore {
    async fn start_run(&self, info: &RunInfo, jobs: &[NewJob]) -> Result<RunId, QueueError> {
        validate_new_jobs(jobs).map_err(|problem| self.new_job_error(problem))?;
        let action = "starting a run";
        let mut tx = self.begin_write(action).await?;
        let now = self.now_millis();
        self.interrupt_building(&mut tx, None, now).await?;
        let inserted = sqlx::query(
            "INSERT INTO runs (command, list_path, list_timestamp, host, started_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&info.command)
        .bind(&info.list_path)
        .bind(&info.list_timestamp)
        .bind(&info.host)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action))?;
        let run = RunId(inserted.last_insert_rowid());
        for (seq, job) in (0u32..).zip(jobs) {
            self.insert_job(&mut tx, run, seq, job, now).await?;
        }
        self.commit(tx, action).await?;
        Ok(run)
    }

    async fn resume_run(
        &self,
        info: &RunInfo,
        jobs: &[NewJob],
    ) -> Result<Option<Resume>, QueueError> {
        validate_new_jobs(jobs).map_err(|problem| self.new_job_error(problem))?;
        let action = "resuming the last run";
        let mut tx = self.begin_write(action).await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM runs")
            .fetch_one(&mut *tx)
            .await
            .map_err(self.query_error(action))?;
        let Some(run) = last.map(RunId) else {
            return Ok(None);
        };
        let now = self.now_millis();
        self.interrupt_building(&mut tx, Some(run), now).await?;
        let existing = self.load_jobs(&mut *tx, run).await?;
        let plan = plan_resume(run, &existing, jobs);

        for key in &plan.summary.dropped {
            sqlx::query("DELETE FROM jobs WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?")
                .bind(run.0)
                .bind(&key.pkgbase)
                .bind(key.cycle_stage)
                .execute(&mut *tx)
                .await
                .map_err(self.query_error(format!("dropping job {key}")))?;
        }
        for &(seq, job, disposition) in &plan.jobs {
            match disposition {
                Disposition::Keep => {
                    sqlx::query(
                        "UPDATE jobs SET seq = ?, repo = ? \
                         WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
                    )
                    .bind(seq)
                    .bind(&job.repo)
                    .bind(run.0)
                    .bind(&job.key.pkgbase)
                    .bind(job.key.cycle_stage)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.query_error(format!("keeping job {}", job.key)))?;
                }
                Disposition::Reset { attempt } => {
                    sqlx::query(
                        "UPDATE jobs SET seq = ?, version = ?, repo = ?, state = ?, attempt = ?, \
                         slot = NULL, log = NULL, reason = ?, blocked_by = NULL, queued_at = ?, \
                         started_at = NULL, finished_at = NULL, duration_ms = NULL \
                         WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
                    )
                    .bind(seq)
                    .bind(&job.version)
                    .bind(&job.repo)
                    .bind(job.state.as_str())
                    .bind(attempt)
                    .bind(&job.reason)
                    .bind(now)
                    .bind(run.0)
                    .bind(&job.key.pkgbase)
                    .bind(job.key.cycle_stage)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.query_error(format!("requeueing job {}", job.key)))?;
                    self.append_history(&mut tx, run, &job.key, now).await?;
                }
                Disposition::Insert => self.insert_job(&mut tx, run, seq, job, now).await?,
            }
        }
        sqlx::query(
            "UPDATE runs SET command = ?, list_path = ?, list_timestamp = ?, host = ?, \
             resumed_at = ?, resumes = resumes + 1, finished_at = NULL WHERE id = ?",
        )
        .bind(&info.command)
        .bind(&info.list_path)
        .bind(&info.list_timestamp)
        .bind(&info.host)
        .bind(now)
        .bind(run.0)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action))?;
        self.commit(tx, action).await?;
        Ok(Some(plan.summary))
    }

    async fn record(&self, run: RunId, transition: &Transition) -> Result<JobRecord, QueueError> {
        let key = &transition.key;
        let action = format!("recording {key} {}", transition.state);
        let mut tx = self.begin_write(&action).await?;
        let now = self.now_millis();
        let current = sqlx::query(
            "SELECT attempt, started_at FROM jobs \
             WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
        )
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        let Some(current) = current else {
            return Err(QueueError::UnknownJob {
                db: self.db.clone(),
                run,
                key: key.clone(),
            });
        };
        let attempt: i64 = self.column(&current, "attempt")?;
        let started_at: Option<i64> = self.column(&current, "started_at")?;

        // What each state does to the job's times and attempt count.
        let (attempt, started_at, finished_at, duration_ms) = match transition.state {
            JobState::Building => (attempt + 1, Some(now), None, None),
            JobState::Queued => (attempt, None, None, None),
            JobState::Built | JobState::Failed | JobState::Interrupted => (
                attempt,
                started_at,
                Some(now),
                started_at.map(|start| now - start),
            ),
            JobState::Blocked | JobState::Skipped => (attempt, started_at, Some(now), None),
        };
        // A new attempt (or a requeue) starts with a clean slot and log; later transitions
        // keep them unless given new ones.
        let keep_slot_and_log = !matches!(transition.state, JobState::Building | JobState::Queued);
        sqlx::query(
            "UPDATE jobs SET state = ?1, attempt = ?2, started_at = ?3, finished_at = ?4, \
             duration_ms = ?5, \
             queued_at = CASE WHEN ?1 = 'queued' THEN ?6 ELSE queued_at END, \
             slot = COALESCE(?7, CASE WHEN ?9 THEN slot END), \
             log = COALESCE(?8, CASE WHEN ?9 THEN log END), \
             reason = ?10, blocked_by = ?11 \
             WHERE run_id = ?12 AND pkgbase = ?13 AND cycle_stage = ?14",
        )
        .bind(transition.state.as_str())
        .bind(attempt)
        .bind(started_at)
        .bind(finished_at)
        .bind(duration_ms)
        .bind(now)
        .bind(transition.slot)
        .bind(&transition.log)
        .bind(keep_slot_and_log)
        .bind(&transition.reason)
        .bind(&transition.blocked_by)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        self.append_history(&mut tx, run, key, now).await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?"
        ))
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .fetch_one(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        let record = self.job_from_row(&row)?;
        self.commit(tx, &action).await?;
        Ok(record)
    }

    async fn mark_interrupted(&self, run: RunId) -> Result<u64, QueueError> {
        let action = format!("marking the builds of run {run} interrupted");
        let mut tx = self.begin_write(&action).await?;
        if !self.run_exists(&mut *tx, run).await? {
            return Err(QueueError::UnknownRun {
                db: self.db.clone(),
                run,
            });
        }
        let now = self.now_millis();
        let count = self.interrupt_building(&mut tx, Some(run), now).await?;
        self.commit(tx, &action).await?;
        Ok(count)
    }

    async fn finish_run(&self, run: RunId) -> Result<(), QueueError> {
        let done = sqlx::query("UPDATE runs SET finished_at = ? WHERE id = ?")
            .bind(self.now_millis())
            .bind(run.0)
            .execute(&self.pool)
            .await
            .map_err(self.query_error(format!("finishing run {run}")))?;
        if done.rows_affected() == 0 {
            return Err(QueueError::UnknownRun {
                db: self.db.clone(),
                run,
            });
        }
        Ok(())
    }

    async fn durations(&self) -> Result<HashMap<String, f64>, QueueError> {
        // SQLite takes the bare columns from the row that holds MAX(id): the latest build.
        let rows = sqlx::query(
            "SELECT pkgbase, duration_ms, MAX(id) FROM transitions \
             WHERE state = 'built' AND duration_ms IS NOT NULL GROUP BY pkgbase",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error("reading build durations"))?;
        rows.iter()
            .map(|row| {
                let pkgbase: String = self.column(row, "pkgbase")?;
                let millis: i64 = self.column(row, "duration_ms")?;
                Ok((pkgbase, millis as f64 / 1000.0))
            })
            .collect()
    }

    async fn status(&self) -> Result<Option<StatusReport>, QueueError> {
        let action = "reading the last run";
        // One read transaction: the run and its jobs from the same snapshot.
        let mut tx = self.pool.begin().await.map_err(self.query_error(action))?;
        let row = sqlx::query(
            "SELECT id, command, list_path, list_timestamp, host, started_at, resumed_at, \
             resumes, finished_at FROM runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.query_error(action))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let run = self.run_from_row(&row)?;
        let jobs = self.load_jobs(&mut *tx, run.id).await?;
        tx.rollback().await.map_err(self.query_error(action))?;
        Ok(Some(StatusReport::from_jobs(run, &jobs, self.clock.now())))
    }

    async fn jobs(&self, run: RunId) -> Result<Vec<JobRecord>, QueueError> {
        let jobs = self.load_jobs(&self.pool, run).await?;
        if jobs.is_empty() && !self.run_exists(&self.pool, run).await? {
            return Err(QueueError::UnknownRun {
                db: self.db.clone(),
                run,
            });
        }
        Ok(jobs)
    }

    async fn history(&self, run: RunId) -> Result<Vec<TransitionRecord>, QueueError> {
        let rows = sqlx::query(
            "SELECT pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
             blocked_by, at, duration_ms FROM transitions WHERE run_id = ? ORDER BY id",
        )
        .bind(run.0)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(format!("reading the history of run {run}")))?;
        let history: Vec<TransitionRecord> = rows
            .iter()
            .map(|row| self.transition_from_row(row))
            .collect::<Result<_, _>>()?;
        if history.is_empty() && !self.run_exists(&self.pool, run).await? {
            return Err(QueueError::UnknownRun {
                db: self.db.clone(),
                run,
            });
        }
        Ok(history)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
