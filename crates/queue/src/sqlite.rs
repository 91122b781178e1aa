//! The SQLite backend: one database file in the work dir, WAL journal, every commit fsynced.
//! All of the crate's SQL for SQLite lives here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::clock::{Clock, SystemClock};
use crate::error::QueueError;
use crate::fencing::{StoredFence, unmatched_result, why_refused};
use crate::model::{
    JobKey, JobRecord, NewJob, Resume, RunId, RunInfo, Transition, TransitionRecord,
};
use crate::outcome::{
    Effect, INTERRUPTED_REASON, Times, blocked_reason, keeps_slot_and_log, lease_millis,
    result_reason,
};
use crate::publish_lock::{LocalLocks, PublishLock};
use crate::reconcile::{Disposition, plan_resume, validate_new_jobs, validate_work_jobs};
use crate::report::StatusReport;
use crate::rows::{Rows, job_columns};
use crate::store::{StateStore, WorkQueue};
use crate::work::{
    Claim, Completion, Fenced, HostStatus, JobResult, Lease, PkgbuildArchive, RunOptions, WorkJob,
};

/// The schema, embedded from `crates/queue/migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for another process's write lock (a `--status` reader never
/// blocks a writer in WAL mode; two writers only meet if two runs share a work dir).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where build-packages keeps its state under the work dir: `{workdir}/build-state/queue.sqlite`
/// (`{workdir}/state/` is the clone of the Arch state repository).
pub fn default_path(workdir: &Path) -> PathBuf {
    workdir.join("build-state").join("queue.sqlite")
}

/// The build state in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    db: String,
    clock: Arc<dyn Clock>,
    locks: LocalLocks,
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
        Ok(SqliteStore {
            pool,
            db,
            clock,
            locks: LocalLocks::default(),
        })
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

    /// Reads this database's rows.
    fn rows(&self) -> Rows<'_> {
        Rows::new(&self.db)
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
        priority: f64,
        now: i64,
    ) -> Result<(), QueueError> {
        sqlx::query(
            "INSERT INTO jobs (run_id, pkgbase, cycle_stage, seq, version, repo, state, attempt, \
             reason, queued_at, priority) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
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
        .bind(priority)
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
        rows.iter().map(|row| self.rows().job(row)).collect()
    }

    fn now_millis(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }
}

impl StateStore for SqliteStore {
    async fn start_run(&self, info: &RunInfo, jobs: &[NewJob]) -> Result<RunId, QueueError> {
        validate_new_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        let work: Vec<WorkJob> = jobs.iter().map(WorkJob::plain).collect();
        self.create(info, PLAIN_RULES, &work, true).await
    }

    async fn resume_run(
        &self,
        info: &RunInfo,
        jobs: &[NewJob],
    ) -> Result<Option<Resume>, QueueError> {
        validate_new_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        let work: Vec<WorkJob> = jobs.iter().map(WorkJob::plain).collect();
        self.resume(info, PLAIN_RULES, &work, false).await
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
            return Err(QueueError::unknown_job(&self.db, run, key));
        };
        let times = Times::after(
            transition.state,
            self.rows().int(&current, "attempt")?,
            self.rows().optional_int(&current, "started_at")?,
            now,
        );
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
        .bind(times.attempt)
        .bind(times.started_at)
        .bind(times.finished_at)
        .bind(times.duration_ms)
        .bind(now)
        .bind(transition.slot)
        .bind(&transition.log)
        .bind(keeps_slot_and_log(transition.state))
        .bind(&transition.reason)
        .bind(&transition.blocked_by)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        self.append_history(&mut tx, run, key, now).await?;
        let record = self.job_record(&mut *tx, run, key).await?;
        self.commit(tx, &action).await?;
        Ok(record)
    }

    async fn mark_interrupted(&self, run: RunId) -> Result<u64, QueueError> {
        let action = format!("marking the builds of run {run} interrupted");
        let mut tx = self.begin_write(&action).await?;
        if !self.run_exists(&mut *tx, run).await? {
            return Err(QueueError::unknown_run(&self.db, run));
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
            return Err(QueueError::unknown_run(&self.db, run));
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
        rows.iter().map(|row| self.rows().duration(row)).collect()
    }

    async fn status(&self) -> Result<Option<StatusReport>, QueueError> {
        self.report(None).await
    }

    async fn jobs(&self, run: RunId) -> Result<Vec<JobRecord>, QueueError> {
        let jobs = self.load_jobs(&self.pool, run).await?;
        if jobs.is_empty() && !self.run_exists(&self.pool, run).await? {
            return Err(QueueError::unknown_run(&self.db, run));
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
            .map(|row| self.rows().transition(row))
            .collect::<Result<_, _>>()?;
        if history.is_empty() && !self.run_exists(&self.pool, run).await? {
            return Err(QueueError::unknown_run(&self.db, run));
        }
        Ok(history)
    }
}

/// The state of a job that a claim hands out, with its PKGBUILD digest.
const LEASED_COLUMNS: &str = "j.pkgbase, j.cycle_stage, j.version, j.repo, j.attempt, j.token, \
     j.lease_until, p.sha256, j.publishing_at, j.entry";

/// The rules of a run of the single-host state machine: the schema's defaults, which such
/// runs have always had (nothing claims their jobs, so nothing reads them).
const PLAIN_RULES: RunOptions = RunOptions {
    stop_on_failure: false,
    require_publish: true,
};

/// The pull model's SQL for SQLite: the single writer makes every transaction serial
/// (`BEGIN IMMEDIATE`), so a claim needs no row locks.
impl SqliteStore {
    /// The run's rules: `(stop_on_failure, require_publish, stopped, finished)`.
    async fn run_rules(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: RunId,
    ) -> Result<(bool, bool, bool, bool), QueueError> {
        let row = sqlx::query(
            "SELECT stop_on_failure, require_publish, stopped_at IS NOT NULL AS stopped, \
             finished_at IS NOT NULL AS finished FROM runs WHERE id = ?",
        )
        .bind(run.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(self.query_error(format!("reading run {run}")))?;
        let Some(row) = row else {
            return Err(QueueError::unknown_run(&self.db, run));
        };
        let rows = self.rows();
        Ok((
            rows.flag(&row, "stop_on_failure")?,
            rows.flag(&row, "require_publish")?,
            rows.flag(&row, "stopped")?,
            rows.flag(&row, "finished")?,
        ))
    }

    /// Writes the dependencies and archives of `jobs` into `run` (replacing what it had) and
    /// recomputes every job's count of unavailable dependencies.
    async fn write_work(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: RunId,
        jobs: &[WorkJob],
        require_publish: bool,
    ) -> Result<(), QueueError> {
        let action = format!("writing the dependencies of run {run}");
        for table in [
            "DELETE FROM job_deps WHERE run_id = ?",
            "DELETE FROM pkgbuilds WHERE run_id = ?",
        ] {
            sqlx::query(table)
                .bind(run.0)
                .execute(&mut **tx)
                .await
                .map_err(self.query_error(action.as_str()))?;
        }
        for job in jobs {
            let key = &job.job.key;
            for dep in &job.deps {
                sqlx::query(
                    "INSERT OR IGNORE INTO job_deps (run_id, pkgbase, cycle_stage, dep_pkgbase, \
                     dep_cycle_stage) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(run.0)
                .bind(&key.pkgbase)
                .bind(key.cycle_stage)
                .bind(&dep.pkgbase)
                .bind(dep.cycle_stage)
                .execute(&mut **tx)
                .await
                .map_err(self.query_error(format!("recording what {key} waits for")))?;
            }
            sqlx::query(
                "UPDATE jobs SET entry = ? WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
            )
            .bind(&job.entry)
            .bind(run.0)
            .bind(&key.pkgbase)
            .bind(key.cycle_stage)
            .execute(&mut **tx)
            .await
            .map_err(self.query_error(format!("storing the list entry of {key}")))?;
            if let Some(archive) = &job.pkgbuild {
                sqlx::query(
                    "INSERT INTO pkgbuilds (run_id, pkgbase, cycle_stage, sha256, archive) \
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(run.0)
                .bind(&key.pkgbase)
                .bind(key.cycle_stage)
                .bind(archive.sha256())
                .bind(archive.bytes())
                .execute(&mut **tx)
                .await
                .map_err(self.query_error(format!("storing the PKGBUILD archive of {key}")))?;
            }
        }
        // A dependency is available once skipped, or built (and published when required).
        sqlx::query(
            "UPDATE jobs SET pending_deps = (SELECT COUNT(*) FROM job_deps d JOIN jobs p \
             ON p.run_id = d.run_id AND p.pkgbase = d.dep_pkgbase \
             AND p.cycle_stage = d.dep_cycle_stage \
             WHERE d.run_id = jobs.run_id AND d.pkgbase = jobs.pkgbase \
             AND d.cycle_stage = jobs.cycle_stage \
             AND NOT (p.state = 'skipped' OR (p.state = 'built' \
             AND (p.published_at IS NOT NULL OR NOT ?1)))) \
             WHERE run_id = ?2",
        )
        .bind(require_publish)
        .bind(run.0)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        Ok(())
    }

    /// The claimable job of `run` with the highest priority.
    async fn pick(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: RunId,
    ) -> Result<Option<JobKey>, QueueError> {
        let row = sqlx::query(
            "SELECT pkgbase, cycle_stage FROM jobs WHERE run_id = ? \
             AND state IN ('queued', 'interrupted') AND pending_deps = 0 \
             ORDER BY priority DESC, seq LIMIT 1",
        )
        .bind(run.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(self.query_error(format!("choosing a job of run {run}")))?;
        row.map(|row| self.rows().key(&row)).transpose()
    }

    /// Marks the jobs of `run` whose lease ran out interrupted (claimable again).
    async fn reap(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: RunId,
        now: i64,
    ) -> Result<Vec<JobKey>, QueueError> {
        let rows = sqlx::query(
            "UPDATE jobs SET state = 'interrupted', \
             reason = 'the lease of ' || COALESCE(host, '?') || ' expired', \
             finished_at = ?1, duration_ms = ?1 - started_at, lease_until = NULL \
             WHERE run_id = ?2 AND state = 'building' AND lease_until <= ?1 \
             RETURNING pkgbase, cycle_stage, seq",
        )
        .bind(now)
        .bind(run.0)
        .fetch_all(&mut **tx)
        .await
        .map_err(self.query_error(format!("reaping the expired leases of run {run}")))?;
        let mut reaped = Vec::with_capacity(rows.len());
        for row in &rows {
            let key = self.rows().key(row)?;
            self.append_history(tx, run, &key, now).await?;
            reaped.push((self.rows().int(row, "seq")?, key));
        }
        reaped.sort();
        Ok(reaped.into_iter().map(|(_, key)| key).collect())
    }

    /// Blocks every queued job of `run` depending, directly or not, on `failed`.
    async fn cascade(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        run: RunId,
        failed: &JobKey,
        now: i64,
    ) -> Result<Vec<JobKey>, QueueError> {
        let rows = sqlx::query(
            "WITH RECURSIVE down (pkgbase, cycle_stage) AS ( \
               SELECT pkgbase, cycle_stage FROM job_deps \
               WHERE run_id = ?1 AND dep_pkgbase = ?2 AND dep_cycle_stage = ?3 \
               UNION SELECT d.pkgbase, d.cycle_stage FROM job_deps d JOIN down \
               ON d.dep_pkgbase = down.pkgbase AND d.dep_cycle_stage = down.cycle_stage \
               WHERE d.run_id = ?1) \
             UPDATE jobs SET state = 'blocked', reason = ?4, blocked_by = ?2, finished_at = ?5 \
             WHERE run_id = ?1 AND state IN ('queued', 'interrupted') \
             AND (pkgbase, cycle_stage) IN (SELECT pkgbase, cycle_stage FROM down) \
             RETURNING pkgbase, cycle_stage, seq",
        )
        .bind(run.0)
        .bind(&failed.pkgbase)
        .bind(failed.cycle_stage)
        .bind(blocked_reason(&failed.pkgbase))
        .bind(now)
        .fetch_all(&mut **tx)
        .await
        .map_err(self.query_error(format!("blocking what depends on {failed}")))?;
        let mut blocked = Vec::with_capacity(rows.len());
        for row in &rows {
            blocked.push((self.rows().int(row, "seq")?, self.rows().key(row)?));
        }
        blocked.sort();
        let blocked: Vec<JobKey> = blocked.into_iter().map(|(_, key)| key).collect();
        for key in &blocked {
            self.append_history(tx, run, key, now).await?;
        }
        Ok(blocked)
    }

    /// The fencing columns of a job, to say why a fenced statement matched nothing.
    async fn stored_fence(
        &self,
        executor: impl sqlx::SqliteExecutor<'_>,
        run: RunId,
        key: &JobKey,
    ) -> Result<Option<StoredFence>, QueueError> {
        let row = sqlx::query(
            "SELECT state, token, lease_until FROM jobs \
             WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
        )
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .fetch_optional(executor)
        .await
        .map_err(self.query_error(format!("reading the lease of {key}")))?;
        row.map(|row| self.rows().fence(&row)).transpose()
    }

    async fn job_record(
        &self,
        executor: impl sqlx::SqliteExecutor<'_>,
        run: RunId,
        key: &JobKey,
    ) -> Result<JobRecord, QueueError> {
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?"
        ))
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .fetch_optional(executor)
        .await
        .map_err(self.query_error(format!("reading job {key}")))?;
        match row {
            Some(row) => self.rows().job(&row),
            None => Err(QueueError::unknown_job(&self.db, run, key)),
        }
    }

    async fn load_hosts(
        &self,
        executor: impl sqlx::SqliteExecutor<'_>,
        run: RunId,
    ) -> Result<Vec<HostStatus>, QueueError> {
        let rows = sqlx::query(
            "SELECT name, slots, joined_at, last_seen FROM hosts WHERE run_id = ? ORDER BY name",
        )
        .bind(run.0)
        .fetch_all(executor)
        .await
        .map_err(self.query_error(format!("reading the hosts of run {run}")))?;
        rows.iter().map(|row| self.rows().host(row)).collect()
    }

    /// The status of `run` (of the last run when `None`), from one read snapshot of the run,
    /// its jobs and its hosts.
    async fn report(&self, run: Option<RunId>) -> Result<Option<StatusReport>, QueueError> {
        let action = "reading a run's status";
        let mut tx = self.pool.begin().await.map_err(self.query_error(action))?;
        let row = sqlx::query(
            "SELECT id, command, list_path, list_timestamp, host, started_at, resumed_at, \
             resumes, finished_at FROM runs WHERE (?1 IS NULL OR id = ?1) \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(run.map(|run| run.0))
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.query_error(action))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let summary = self.rows().run(&row)?;
        let jobs = self.load_jobs(&mut *tx, summary.id).await?;
        let hosts = self.load_hosts(&mut *tx, summary.id).await?;
        tx.rollback().await.map_err(self.query_error(action))?;
        Ok(Some(StatusReport::with_hosts(
            summary,
            &jobs,
            hosts,
            self.clock.now(),
        )))
    }

    /// Creates a run of `jobs`; with `interrupt_others`, the builds of every earlier run
    /// still marked building are marked interrupted in the same transaction.
    async fn create(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
        interrupt_others: bool,
    ) -> Result<RunId, QueueError> {
        let action = "creating a run";
        let mut tx = self.begin_write(action).await?;
        let now = self.now_millis();
        if interrupt_others {
            self.interrupt_building(&mut tx, None, now).await?;
        }
        let inserted = sqlx::query(
            "INSERT INTO runs (command, list_path, list_timestamp, host, started_at, \
             stop_on_failure, require_publish) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&info.command)
        .bind(&info.list_path)
        .bind(&info.list_timestamp)
        .bind(&info.host)
        .bind(now)
        .bind(options.stop_on_failure)
        .bind(options.require_publish)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action))?;
        let run = RunId(inserted.last_insert_rowid());
        for (seq, job) in (0u32..).zip(jobs) {
            self.insert_job(&mut tx, run, seq, &job.job, job.priority, now)
                .await?;
        }
        self.write_work(&mut tx, run, jobs, options.require_publish)
            .await?;
        self.commit(tx, action).await?;
        Ok(run)
    }

    /// Brings the last run in line with `jobs` and reopens it. With `live`, builds still
    /// under a lease go on (hosts of a shared run); without, they are marked interrupted
    /// first (the single-host state machine, whose builds died with its process).
    async fn resume(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
        live: bool,
    ) -> Result<Option<Resume>, QueueError> {
        let new_jobs: Vec<NewJob> = jobs.iter().map(|job| job.job.clone()).collect();
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
        if !live {
            self.interrupt_building(&mut tx, Some(run), now).await?;
        }
        let existing = self.load_jobs(&mut *tx, run).await?;
        let live_at = live.then(|| self.clock.now());
        let plan = plan_resume(run, &existing, &new_jobs, live_at);
        for key in &plan.summary.dropped {
            sqlx::query("DELETE FROM jobs WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?")
                .bind(run.0)
                .bind(&key.pkgbase)
                .bind(key.cycle_stage)
                .execute(&mut *tx)
                .await
                .map_err(self.query_error(format!("dropping job {key}")))?;
        }
        for (&(seq, job, disposition), work) in plan.jobs.iter().zip(jobs) {
            match disposition {
                Disposition::Keep => {
                    sqlx::query(
                        "UPDATE jobs SET seq = ?, repo = ?, priority = ? \
                         WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
                    )
                    .bind(seq)
                    .bind(&job.repo)
                    .bind(work.priority)
                    .bind(run.0)
                    .bind(&job.key.pkgbase)
                    .bind(job.key.cycle_stage)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.query_error(format!("keeping job {}", job.key)))?;
                }
                Disposition::Reset { attempt } => {
                    sqlx::query(
                        // Numbered throughout: sqlx counts unnumbered parameters apart from
                        // numbered ones, so the two must not be mixed.
                        "UPDATE jobs SET seq = ?1, version = ?2, repo = ?3, state = ?4, \
                         attempt = ?5, slot = NULL, log = NULL, reason = ?6, blocked_by = NULL, \
                         queued_at = ?7, started_at = NULL, finished_at = NULL, \
                         duration_ms = NULL, priority = ?8, host = NULL, lease_until = NULL, \
                         publishing_at = CASE WHEN version = ?2 THEN publishing_at END, \
                         published_at = NULL \
                         WHERE run_id = ?9 AND pkgbase = ?10 AND cycle_stage = ?11",
                    )
                    .bind(seq)
                    .bind(&job.version)
                    .bind(&job.repo)
                    .bind(job.state.as_str())
                    .bind(attempt)
                    .bind(&job.reason)
                    .bind(now)
                    .bind(work.priority)
                    .bind(run.0)
                    .bind(&job.key.pkgbase)
                    .bind(job.key.cycle_stage)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.query_error(format!("requeueing job {}", job.key)))?;
                    self.append_history(&mut tx, run, &job.key, now).await?;
                }
                Disposition::Insert => {
                    self.insert_job(&mut tx, run, seq, job, work.priority, now)
                        .await?;
                }
            }
        }
        self.write_work(&mut tx, run, jobs, options.require_publish)
            .await?;
        sqlx::query(
            "UPDATE runs SET command = ?, list_path = ?, list_timestamp = ?, host = ?, \
             resumed_at = ?, resumes = resumes + 1, finished_at = NULL, stopped_at = NULL, \
             stop_on_failure = ?, require_publish = ? WHERE id = ?",
        )
        .bind(&info.command)
        .bind(&info.list_path)
        .bind(&info.list_timestamp)
        .bind(&info.host)
        .bind(now)
        .bind(options.stop_on_failure)
        .bind(options.require_publish)
        .bind(run.0)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action))?;
        self.commit(tx, action).await?;
        Ok(Some(plan.summary))
    }

    /// The refusal of a fenced heartbeat or publishing start that matched no row.
    async fn refused<T>(&self, lease: &Lease, now: i64) -> Result<Fenced<T>, QueueError> {
        let stored = self.stored_fence(&self.pool, lease.run, &lease.key).await?;
        Ok(Fenced::Refused(why_refused(lease.token, now, stored)))
    }
}

impl WorkQueue for SqliteStore {
    async fn create_run(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
    ) -> Result<RunId, QueueError> {
        validate_work_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        self.create(info, options, jobs, false).await
    }

    async fn resume_work(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
    ) -> Result<Option<Resume>, QueueError> {
        validate_work_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        self.resume(info, options, jobs, true).await
    }

    async fn current_run(&self) -> Result<Option<RunId>, QueueError> {
        let row: Option<(i64, Option<i64>)> =
            sqlx::query_as("SELECT id, finished_at FROM runs ORDER BY id DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(self.query_error("looking for the current run"))?;
        Ok(row.and_then(|(id, finished)| finished.is_none().then_some(RunId(id))))
    }

    async fn host_heartbeat(&self, run: RunId, host: &str, slots: u32) -> Result<(), QueueError> {
        sqlx::query(
            "INSERT INTO hosts (run_id, name, slots, joined_at, last_seen) \
             VALUES (?1, ?2, ?3, ?4, ?4) \
             ON CONFLICT (run_id, name) DO UPDATE SET slots = ?3, last_seen = ?4",
        )
        .bind(run.0)
        .bind(host)
        .bind(slots)
        .bind(self.now_millis())
        .execute(&self.pool)
        .await
        .map_err(self.query_error(format!("recording host {host} in run {run}")))?;
        Ok(())
    }

    async fn claim(
        &self,
        run: RunId,
        host: &str,
        slot: u32,
        lease: Duration,
    ) -> Result<Claim, QueueError> {
        let action = format!("claiming a job of run {run} for {host} slot {slot}");
        let mut tx = self.begin_write(&action).await?;
        let (_, _, stopped, _) = self.run_rules(&mut tx, run).await?;
        if stopped {
            self.commit(tx, &action).await?;
            return Ok(Claim::Stopped);
        }
        let now = self.now_millis();
        let mut picked = self.pick(&mut tx, run).await?;
        if picked.is_none() && !self.reap(&mut tx, run, now).await?.is_empty() {
            picked = self.pick(&mut tx, run).await?;
        }
        let Some(key) = picked else {
            let (building, queued): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE(SUM(state = 'building'), 0), \
                 COALESCE(SUM(state IN ('queued', 'interrupted')), 0) FROM jobs WHERE run_id = ?",
            )
            .bind(run.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(self.query_error(action.as_str()))?;
            // Queued jobs with nothing building can never become ready: the run is over.
            let claim = if building > 0 {
                Claim::Wait {
                    building: u64::try_from(building).unwrap_or(0),
                }
            } else {
                let _ = queued;
                sqlx::query("UPDATE runs SET finished_at = ? WHERE id = ? AND finished_at IS NULL")
                    .bind(now)
                    .bind(run.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(self.query_error(action.as_str()))?;
                Claim::Finished
            };
            self.commit(tx, &action).await?;
            return Ok(claim);
        };
        let token: i64 = sqlx::query_scalar("UPDATE fence SET last = last + 1 RETURNING last")
            .fetch_one(&mut *tx)
            .await
            .map_err(self.query_error(action.as_str()))?;
        sqlx::query(
            "UPDATE jobs SET state = 'building', attempt = attempt + 1, host = ?1, slot = ?2, \
             token = ?3, lease_until = ?4 + ?5, started_at = ?4, finished_at = NULL, \
             duration_ms = NULL, published_at = NULL, reason = NULL, \
             blocked_by = NULL, log = NULL \
             WHERE run_id = ?6 AND pkgbase = ?7 AND cycle_stage = ?8",
        )
        .bind(host)
        .bind(slot)
        .bind(token)
        .bind(now)
        .bind(lease_millis(lease))
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        self.append_history(&mut tx, run, &key, now).await?;
        let row = sqlx::query(&format!(
            "SELECT {LEASED_COLUMNS} FROM jobs j LEFT JOIN pkgbuilds p \
             ON p.run_id = j.run_id AND p.pkgbase = j.pkgbase AND p.cycle_stage = j.cycle_stage \
             WHERE j.run_id = ? AND j.pkgbase = ? AND j.cycle_stage = ?"
        ))
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .fetch_one(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        let claimed = self.rows().lease(&row, run, host, slot, lease)?;
        self.commit(tx, &action).await?;
        Ok(Claim::Claimed(claimed))
    }

    async fn heartbeat(&self, lease: &Lease) -> Result<Fenced<DateTime<Utc>>, QueueError> {
        let now = self.now_millis();
        let renewed: Option<i64> = sqlx::query_scalar(
            "UPDATE jobs SET lease_until = ?1 + ?2, log = COALESCE(?7, log) \
             WHERE run_id = ?3 AND pkgbase = ?4 AND cycle_stage = ?5 AND token = ?6 \
             AND state = 'building' AND lease_until > ?1 RETURNING lease_until",
        )
        .bind(now)
        .bind(lease_millis(lease.duration))
        .bind(lease.run.0)
        .bind(&lease.key.pkgbase)
        .bind(lease.key.cycle_stage)
        .bind(lease.token.0)
        .bind(&lease.log)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(format!("renewing the lease of {}", lease.key)))?;
        match renewed {
            Some(until) => Ok(Fenced::Accepted(
                self.rows().millis_to_time(until, "lease_until")?,
            )),
            None => self.refused(lease, now).await,
        }
    }

    async fn begin_publish(&self, lease: &Lease) -> Result<Fenced<()>, QueueError> {
        let now = self.now_millis();
        let done = sqlx::query(
            "UPDATE jobs SET publishing_at = ?1, log = COALESCE(?6, log) \
             WHERE run_id = ?2 AND pkgbase = ?3 AND cycle_stage = ?4 AND token = ?5 \
             AND state = 'building' AND lease_until > ?1",
        )
        .bind(now)
        .bind(lease.run.0)
        .bind(&lease.key.pkgbase)
        .bind(lease.key.cycle_stage)
        .bind(lease.token.0)
        .bind(&lease.log)
        .execute(&self.pool)
        .await
        .map_err(self.query_error(format!("starting to publish {}", lease.key)))?;
        if done.rows_affected() == 1 {
            return Ok(Fenced::Accepted(()));
        }
        self.refused(lease, now).await
    }

    async fn finish(
        &self,
        lease: &Lease,
        result: &JobResult,
    ) -> Result<Fenced<Completion>, QueueError> {
        let key = &lease.key;
        let run = lease.run;
        let state = result.state();
        let action = format!("recording {key} {state}");
        let mut tx = self.begin_write(&action).await?;
        let (stop_on_failure, require_publish, _, _) = self.run_rules(&mut tx, run).await?;
        let now = self.now_millis();
        let reason = result_reason(result, &lease.host);
        let published = matches!(result, JobResult::Published);
        let done = sqlx::query(
            "UPDATE jobs SET state = ?1, finished_at = ?2, duration_ms = ?2 - started_at, \
             published_at = CASE WHEN ?3 THEN ?2 END, reason = ?4, lease_until = NULL, \
             log = COALESCE(?9, log) \
             WHERE run_id = ?5 AND pkgbase = ?6 AND cycle_stage = ?7 AND token = ?8 \
             AND state = 'building' AND lease_until > ?2",
        )
        .bind(state.as_str())
        .bind(now)
        .bind(published)
        .bind(&reason)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .bind(lease.token.0)
        .bind(&lease.log)
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        if done.rows_affected() == 0 {
            let stored = self.stored_fence(&mut *tx, run, key).await?;
            drop(tx);
            let record = self.job_record(&self.pool, run, key);
            return unmatched_result(lease, now, stored, state, record).await;
        }
        self.append_history(&mut tx, run, key, now).await?;
        let mut blocked = Vec::new();
        let mut stopped_run = false;
        let effect = Effect::of(result, require_publish, stop_on_failure);
        if effect == Effect::Frees {
            sqlx::query(
                "UPDATE jobs SET pending_deps = pending_deps - 1 \
                 WHERE run_id = ?1 AND (pkgbase, cycle_stage) IN (SELECT pkgbase, cycle_stage \
                 FROM job_deps WHERE run_id = ?1 AND dep_pkgbase = ?2 AND dep_cycle_stage = ?3)",
            )
            .bind(run.0)
            .bind(&key.pkgbase)
            .bind(key.cycle_stage)
            .execute(&mut *tx)
            .await
            .map_err(self.query_error(action.as_str()))?;
        } else if let Effect::Blocks { stop_run } = effect {
            blocked = self.cascade(&mut tx, run, key, now).await?;
            if stop_run {
                let stopped = sqlx::query(
                    "UPDATE runs SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL",
                )
                .bind(now)
                .bind(run.0)
                .execute(&mut *tx)
                .await
                .map_err(self.query_error(action.as_str()))?;
                stopped_run = stopped.rows_affected() == 1;
            }
        }
        let record = self.job_record(&mut *tx, run, key).await?;
        self.commit(tx, &action).await?;
        Ok(Fenced::Accepted(Completion {
            record,
            blocked,
            stopped_run,
        }))
    }

    async fn reap_expired(&self, run: RunId) -> Result<Vec<JobKey>, QueueError> {
        let action = format!("reaping the expired leases of run {run}");
        let mut tx = self.begin_write(&action).await?;
        let reaped = self.reap(&mut tx, run, self.now_millis()).await?;
        self.commit(tx, &action).await?;
        Ok(reaped)
    }

    async fn pkgbuild(
        &self,
        run: RunId,
        key: &JobKey,
    ) -> Result<Option<PkgbuildArchive>, QueueError> {
        let row: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT sha256, archive FROM pkgbuilds \
             WHERE run_id = ? AND pkgbase = ? AND cycle_stage = ?",
        )
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(key.cycle_stage)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(format!("reading the PKGBUILD archive of {key}")))?;
        row.map(|(sha256, bytes)| self.rows().pkgbuild(key, &sha256, bytes))
            .transpose()
    }

    async fn publish_lock(&self, repo: &str) -> Result<PublishLock, QueueError> {
        Ok(self.locks.lock(repo).await)
    }

    async fn run_status(&self, run: RunId) -> Result<StatusReport, QueueError> {
        self.report(Some(run))
            .await?
            .ok_or_else(|| QueueError::unknown_run(&self.db, run))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
