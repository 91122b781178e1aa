//! The PostgreSQL backend: one database shared by every build host of a run. All of the
//! crate's SQL for PostgreSQL lives here.
//!
//! Claims lock the chosen row with `FOR UPDATE SKIP LOCKED`, so concurrent slots never wait
//! on each other and never get the same job. Every fenced statement checks the token and the
//! lease in its `WHERE`. A dropped connection (a PostgreSQL restart) is retried with backoff:
//! the pool opens new connections, and each transition is one transaction, so a retry either
//! repeats a transaction that never committed or finds its effect (see
//! [`WorkQueue::finish`]).

use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, Transaction};

use crate::clock::{Clock, SystemClock};
use crate::error::QueueError;
use crate::fencing::{StoredFence, unmatched_result, why_refused};
use crate::model::{
    JobKey, JobRecord, JobState, NewJob, Resume, RunId, RunInfo, Transition, TransitionRecord,
};
use crate::outcome::{
    Effect, INTERRUPTED_REASON, Times, blocked_reason, keeps_slot_and_log, lease_millis,
    result_reason,
};
use crate::publish_lock::{ADVISORY_CLASS, PublishLock};
use crate::reconcile::{Disposition, plan_resume, validate_new_jobs, validate_work_jobs};
use crate::report::StatusReport;
use crate::rows::{Rows, job_columns};
use crate::store::{StateStore, WorkQueue};
use crate::work::{
    Claim, Completion, Fenced, HostStatus, JobResult, Lease, PkgbuildArchive, RunOptions, WorkJob,
};

/// The schema, embedded from `crates/queue/migrations/postgres/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a store keeps retrying an operation whose connection dropped (a PostgreSQL
/// restart, a network blip) before giving up with the error.
const RECONNECT_FOR: Duration = Duration::from_secs(120);

/// The first pause between retries; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The columns of `transitions` the history is appended from, and their sources in `jobs`.
macro_rules! history_insert {
    () => {
        "INSERT INTO transitions (run_id, pkgbase, cycle_stage, state, version, attempt, slot, \
         log, reason, blocked_by, at, duration_ms, host, token) "
    };
}

/// `url` with its password (in the userinfo or a `password=` parameter) replaced by `***`,
/// for every message that names the database.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    }
}

/// Whether `error` is worth retrying: the connection dropped or the server is restarting,
/// or the transaction lost a deadlock or serialization race and was rolled back whole.
fn transient(error: &QueueError) -> bool {
    let source = match error {
        QueueError::Query { source, .. } | QueueError::Open { source, .. } => source,
        _ => return false,
    };
    match source {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => matches!(
            db.code().as_deref(),
            // serialization_failure, deadlock_detected, admin_shutdown, crash_shutdown,
            // cannot_connect_now, connection_exception, connection_does_not_exist,
            // connection_failure
            Some("40001" | "40P01" | "57P01" | "57P02" | "57P03" | "08000" | "08003" | "08006")
        ),
        _ => false,
    }
}

/// The build state in a PostgreSQL database.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    options: PgConnectOptions,
    db: String,
    clock: Arc<dyn Clock>,
    round_trips: Arc<AtomicU64>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("db", &self.db)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host/db`; the password from the
    /// URL, `PGPASSWORD` or `~/.pgpass`; TLS as the URL's `sslmode` asks) and applies the
    /// embedded migrations (serialized across hosts by the migrator's advisory lock).
    pub async fn connect(url: &str) -> Result<Self, QueueError> {
        Self::connect_with(url, Arc::new(SystemClock), 10).await
    }

    /// [`connect`](Self::connect), taking times from `clock` and keeping up to
    /// `max_connections` connections (one per concurrent call; publishing locks hold one
    /// more each, outside the pool).
    pub async fn connect_with(
        url: &str,
        clock: Arc<dyn Clock>,
        max_connections: u32,
    ) -> Result<Self, QueueError> {
        let db = redact_url(url);
        let options = PgConnectOptions::from_str(url).map_err(|source| QueueError::Open {
            db: db.clone(),
            source,
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            // No ping before each use (a round trip per statement): a connection that died
            // with a server restart fails its next statement, which is retried.
            .test_before_acquire(false)
            .connect_lazy_with(options.clone());
        let store = PostgresStore {
            pool,
            options,
            db,
            clock,
            round_trips: Arc::new(AtomicU64::new(0)),
        };
        store
            .retrying(|| async {
                MIGRATOR
                    .run(&store.pool)
                    .await
                    .map_err(|source| match source {
                        sqlx::migrate::MigrateError::Execute(source) => QueueError::Open {
                            db: store.db.clone(),
                            source,
                        },
                        source => QueueError::Migrate {
                            db: store.db.clone(),
                            source,
                        },
                    })
            })
            .await?;
        Ok(store)
    }

    /// The database, as shown in errors (password masked).
    pub fn location(&self) -> &str {
        &self.db
    }

    /// How many statements (transaction control included) this store sent so far: each one
    /// is a round trip to the server.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// Closes every pooled connection.
    pub async fn close(self) {
        self.pool.close().await;
    }

    fn trip(&self, count: u64) {
        self.round_trips.fetch_add(count, Ordering::Relaxed);
    }

    /// Runs `op` until it succeeds, fails for good, or [`RECONNECT_FOR`] has passed,
    /// pausing with exponential backoff between attempts that failed transiently.
    async fn retrying<T, F, Fut>(&self, mut op: F) -> Result<T, QueueError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, QueueError>>,
    {
        let started = std::time::Instant::now();
        let mut pause = FIRST_BACKOFF;
        loop {
            match op().await {
                Err(error) if transient(&error) && started.elapsed() < RECONNECT_FOR => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_BACKOFF);
                }
                result => return result,
            }
        }
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

    async fn begin(&self, action: &str) -> Result<Transaction<'static, Postgres>, QueueError> {
        self.trip(1);
        self.pool
            .begin()
            .await
            .map_err(self.query_error(format!("{action}: starting a transaction")))
    }

    async fn commit(
        &self,
        tx: Transaction<'static, Postgres>,
        action: &str,
    ) -> Result<(), QueueError> {
        self.trip(1);
        tx.commit()
            .await
            .map_err(self.query_error(format!("{action}: committing")))
    }

    fn now_millis(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    // ---- shared steps ----

    async fn append_history(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        run: RunId,
        key: &JobKey,
        now: i64,
    ) -> Result<(), QueueError> {
        self.trip(1);
        sqlx::query(concat!(
            history_insert!(),
            "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
             blocked_by, $1, duration_ms, host, token FROM jobs \
             WHERE run_id = $2 AND pkgbase = $3 AND cycle_stage = $4"
        ))
        .bind(now)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(i64::from(key.cycle_stage))
        .execute(&mut **tx)
        .await
        .map_err(self.query_error(format!("recording the history of {key}")))?;
        Ok(())
    }

    async fn insert_job(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        run: RunId,
        seq: u32,
        job: &NewJob,
        priority: f64,
        now: i64,
    ) -> Result<(), QueueError> {
        self.trip(1);
        sqlx::query(concat!(
            "WITH added AS (INSERT INTO jobs (run_id, pkgbase, cycle_stage, seq, version, repo, \
             state, attempt, reason, queued_at, priority) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10) RETURNING *) ",
            history_insert!(),
            "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
             blocked_by, $9, duration_ms, host, token FROM added"
        ))
        .bind(run.0)
        .bind(&job.key.pkgbase)
        .bind(i64::from(job.key.cycle_stage))
        .bind(i64::from(seq))
        .bind(&job.version)
        .bind(&job.repo)
        .bind(job.state.as_str())
        .bind(&job.reason)
        .bind(now)
        .bind(priority)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error(format!("adding job {}", job.key)))?;
        Ok(())
    }

    async fn interrupt_building(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        run: Option<RunId>,
        now: i64,
    ) -> Result<u64, QueueError> {
        self.trip(1);
        let rows = sqlx::query(concat!(
            "WITH stopped AS (UPDATE jobs SET state = 'interrupted', reason = $1, \
             blocked_by = NULL, finished_at = $2, duration_ms = $2 - started_at, \
             lease_until = NULL \
             WHERE state = 'building' AND ($3::BIGINT IS NULL OR run_id = $3) RETURNING *) ",
            history_insert!(),
            "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
             blocked_by, $2, duration_ms, host, token FROM stopped ORDER BY run_id, seq"
        ))
        .bind(INTERRUPTED_REASON)
        .bind(now)
        .bind(run.map(|run| run.0))
        .execute(&mut **tx)
        .await
        .map_err(self.query_error("marking builds interrupted"))?;
        Ok(rows.rows_affected())
    }

    async fn run_exists(
        &self,
        executor: impl sqlx::PgExecutor<'_>,
        run: RunId,
    ) -> Result<bool, QueueError> {
        self.trip(1);
        let found = sqlx::query("SELECT 1 FROM runs WHERE id = $1")
            .bind(run.0)
            .fetch_optional(executor)
            .await
            .map_err(self.query_error(format!("looking up run {run}")))?;
        Ok(found.is_some())
    }

    async fn load_jobs(
        &self,
        executor: impl sqlx::PgExecutor<'_>,
        run: RunId,
    ) -> Result<Vec<JobRecord>, QueueError> {
        self.trip(1);
        let rows = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE run_id = $1 ORDER BY seq, pkgbase, cycle_stage"
        ))
        .bind(run.0)
        .fetch_all(executor)
        .await
        .map_err(self.query_error(format!("reading the jobs of run {run}")))?;
        rows.iter().map(|row| self.rows().job(row)).collect()
    }

    async fn load_hosts(
        &self,
        executor: impl sqlx::PgExecutor<'_>,
        run: RunId,
    ) -> Result<Vec<HostStatus>, QueueError> {
        self.trip(1);
        let rows = sqlx::query(
            "SELECT name, slots, joined_at, last_seen FROM hosts WHERE run_id = $1 ORDER BY name",
        )
        .bind(run.0)
        .fetch_all(executor)
        .await
        .map_err(self.query_error(format!("reading the hosts of run {run}")))?;
        rows.iter().map(|row| self.rows().host(row)).collect()
    }

    async fn report(&self, run: Option<RunId>) -> Result<Option<StatusReport>, QueueError> {
        let action = "reading a run's status";
        // One snapshot for the run, its jobs and its hosts.
        let mut tx = self.begin(action).await?;
        self.trip(2);
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(self.query_error(action))?;
        let row = sqlx::query(
            "SELECT id, command, list_path, list_timestamp, host, started_at, resumed_at, \
             resumes, finished_at FROM runs WHERE ($1::BIGINT IS NULL OR id = $1) \
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
        self.commit(tx, action).await?;
        Ok(Some(StatusReport::with_hosts(
            summary,
            &jobs,
            hosts,
            self.clock.now(),
        )))
    }

    // ---- the pull model's steps ----

    async fn write_work(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        run: RunId,
        jobs: &[WorkJob],
        require_publish: bool,
    ) -> Result<(), QueueError> {
        let action = format!("writing the dependencies of run {run}");
        self.trip(2);
        for statement in [
            "DELETE FROM job_deps WHERE run_id = $1",
            "DELETE FROM pkgbuilds WHERE run_id = $1",
        ] {
            sqlx::query(statement)
                .bind(run.0)
                .execute(&mut **tx)
                .await
                .map_err(self.query_error(action.as_str()))?;
        }
        // One statement for all edges: arrays of columns, unnested server-side.
        let mut pkgbases = Vec::new();
        let mut stages = Vec::new();
        let mut dep_pkgbases = Vec::new();
        let mut dep_stages = Vec::new();
        for job in jobs {
            for dep in &job.deps {
                pkgbases.push(job.job.key.pkgbase.clone());
                stages.push(i64::from(job.job.key.cycle_stage));
                dep_pkgbases.push(dep.pkgbase.clone());
                dep_stages.push(i64::from(dep.cycle_stage));
            }
        }
        self.trip(1);
        sqlx::query(
            "INSERT INTO job_deps (run_id, pkgbase, cycle_stage, dep_pkgbase, dep_cycle_stage) \
             SELECT $1, * FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::TEXT[], $5::BIGINT[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(run.0)
        .bind(&pkgbases)
        .bind(&stages)
        .bind(&dep_pkgbases)
        .bind(&dep_stages)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        let (mut entry_pkgbases, mut entry_stages, mut entries) =
            (Vec::new(), Vec::new(), Vec::new());
        for job in jobs {
            if let Some(entry) = &job.entry {
                entry_pkgbases.push(job.job.key.pkgbase.clone());
                entry_stages.push(i64::from(job.job.key.cycle_stage));
                entries.push(entry.clone());
            }
        }
        if !entries.is_empty() {
            self.trip(1);
            sqlx::query(
                "UPDATE jobs j SET entry = e.entry \
                 FROM UNNEST($2::TEXT[], $3::BIGINT[], $4::TEXT[]) AS e (pkgbase, cycle_stage, entry) \
                 WHERE j.run_id = $1 AND j.pkgbase = e.pkgbase AND j.cycle_stage = e.cycle_stage",
            )
            .bind(run.0)
            .bind(&entry_pkgbases)
            .bind(&entry_stages)
            .bind(&entries)
            .execute(&mut **tx)
            .await
            .map_err(self.query_error(format!("storing the list entries of run {run}")))?;
        }
        for job in jobs {
            let Some(archive) = &job.pkgbuild else {
                continue;
            };
            let key = &job.job.key;
            self.trip(1);
            sqlx::query(
                "INSERT INTO pkgbuilds (run_id, pkgbase, cycle_stage, sha256, archive) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(run.0)
            .bind(&key.pkgbase)
            .bind(i64::from(key.cycle_stage))
            .bind(archive.sha256())
            .bind(archive.bytes())
            .execute(&mut **tx)
            .await
            .map_err(self.query_error(format!("storing the PKGBUILD archive of {key}")))?;
        }
        // A dependency is available once skipped, or built (and published when required).
        self.trip(1);
        sqlx::query(
            "UPDATE jobs j SET pending_deps = COALESCE(( \
               SELECT COUNT(*) FROM job_deps d JOIN jobs p \
               ON p.run_id = d.run_id AND p.pkgbase = d.dep_pkgbase \
               AND p.cycle_stage = d.dep_cycle_stage \
               WHERE d.run_id = j.run_id AND d.pkgbase = j.pkgbase \
               AND d.cycle_stage = j.cycle_stage \
               AND NOT (p.state = 'skipped' OR (p.state = 'built' \
               AND (p.published_at IS NOT NULL OR NOT $1)))), 0) \
             WHERE j.run_id = $2",
        )
        .bind(require_publish)
        .bind(run.0)
        .execute(&mut **tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        Ok(())
    }

    /// Marks the jobs of `run` whose lease ran out interrupted (claimable again); rows
    /// another transaction holds are left for the next reaper.
    async fn reap(&self, run: RunId, now: i64) -> Result<Vec<JobKey>, QueueError> {
        self.trip(1);
        let rows = sqlx::query(concat!(
            "WITH expired AS (SELECT run_id, pkgbase, cycle_stage FROM jobs \
               WHERE run_id = $2 AND state = 'building' AND lease_until <= $1 \
               FOR UPDATE SKIP LOCKED), \
             reaped AS (UPDATE jobs j SET state = 'interrupted', \
               reason = 'the lease of ' || COALESCE(j.host, '?') || ' expired', \
               finished_at = $1, duration_ms = $1 - j.started_at, lease_until = NULL \
               FROM expired e WHERE j.run_id = e.run_id AND j.pkgbase = e.pkgbase \
               AND j.cycle_stage = e.cycle_stage RETURNING j.*), \
             history AS (",
            history_insert!(),
            "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
               blocked_by, $1, duration_ms, host, token FROM reaped) \
             SELECT pkgbase, cycle_stage FROM reaped ORDER BY seq"
        ))
        .bind(now)
        .bind(run.0)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(format!("reaping the expired leases of run {run}")))?;
        rows.iter().map(|row| self.rows().key(row)).collect()
    }

    async fn stored_fence(
        &self,
        executor: impl sqlx::PgExecutor<'_>,
        run: RunId,
        key: &JobKey,
    ) -> Result<Option<StoredFence>, QueueError> {
        self.trip(1);
        let row = sqlx::query(
            "SELECT state, token, lease_until FROM jobs \
             WHERE run_id = $1 AND pkgbase = $2 AND cycle_stage = $3",
        )
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(i64::from(key.cycle_stage))
        .fetch_optional(executor)
        .await
        .map_err(self.query_error(format!("reading the lease of {key}")))?;
        row.map(|row| self.rows().fence(&row)).transpose()
    }

    async fn job_record(
        &self,
        executor: impl sqlx::PgExecutor<'_>,
        run: RunId,
        key: &JobKey,
    ) -> Result<JobRecord, QueueError> {
        self.trip(1);
        let row = sqlx::query(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE run_id = $1 AND pkgbase = $2 AND cycle_stage = $3"
        ))
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(i64::from(key.cycle_stage))
        .fetch_optional(executor)
        .await
        .map_err(self.query_error(format!("reading job {key}")))?;
        match row {
            Some(row) => self.rows().job(&row),
            None => Err(QueueError::unknown_job(&self.db, run, key)),
        }
    }

    async fn refused<T>(&self, lease: &Lease, now: i64) -> Result<Fenced<T>, QueueError> {
        let stored = self.stored_fence(&self.pool, lease.run, &lease.key).await?;
        Ok(Fenced::Refused(why_refused(lease.token, now, stored)))
    }

    async fn try_claim(
        &self,
        run: RunId,
        host: &str,
        slot: u32,
        lease: Duration,
    ) -> Result<Claim, QueueError> {
        let action = format!("claiming a job of run {run} for {host} slot {slot}");
        for round in 0..2 {
            let now = self.now_millis();
            // One statement, so one transaction: lock the best ready row nobody else holds,
            // take it with a new token, record the history.
            self.trip(1);
            let row = sqlx::query(concat!(
                "WITH pick AS (SELECT j.run_id, j.pkgbase, j.cycle_stage FROM jobs j \
                   WHERE j.run_id = $1 AND j.state IN ('queued', 'interrupted') \
                   AND j.pending_deps = 0 \
                   AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = $1 \
                     AND r.stopped_at IS NOT NULL) \
                   ORDER BY j.priority DESC, j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED), \
                 claimed AS (UPDATE jobs j SET state = 'building', attempt = j.attempt + 1, \
                   host = $2, slot = $3, token = nextval('fence_tokens'), \
                   lease_until = $4 + $5, started_at = $4, finished_at = NULL, \
                   duration_ms = NULL, published_at = NULL, \
                   reason = NULL, blocked_by = NULL, log = NULL \
                   FROM pick WHERE j.run_id = pick.run_id AND j.pkgbase = pick.pkgbase \
                   AND j.cycle_stage = pick.cycle_stage RETURNING j.*), \
                 history AS (",
                history_insert!(),
                "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, \
                   reason, blocked_by, $4, duration_ms, host, token FROM claimed) \
                 SELECT c.pkgbase, c.cycle_stage, c.version, c.repo, c.attempt, c.token, \
                   c.lease_until, p.sha256, c.publishing_at, c.entry FROM claimed c LEFT JOIN pkgbuilds p \
                   ON p.run_id = c.run_id AND p.pkgbase = c.pkgbase \
                   AND p.cycle_stage = c.cycle_stage"
            ))
            .bind(run.0)
            .bind(host)
            .bind(i64::from(slot))
            .bind(now)
            .bind(lease_millis(lease))
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_error(action.as_str()))?;
            if let Some(row) = row {
                return Ok(Claim::Claimed(
                    self.rows().lease(&row, run, host, slot, lease)?,
                ));
            }
            self.trip(1);
            let row = sqlx::query(
                "SELECT r.stopped_at IS NOT NULL AS stopped, \
                 (SELECT COUNT(*) FROM jobs WHERE run_id = $1 AND state = 'building') \
                   AS building, \
                 (SELECT COUNT(*) FROM jobs WHERE run_id = $1 \
                   AND state IN ('queued', 'interrupted') AND pending_deps = 0) AS claimable, \
                 (SELECT COUNT(*) FROM jobs WHERE run_id = $1 AND state = 'building' \
                   AND lease_until <= $2) AS expired \
                 FROM runs r WHERE r.id = $1",
            )
            .bind(run.0)
            .bind(now)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.query_error(action.as_str()))?;
            let Some(row) = row else {
                return Err(QueueError::unknown_run(&self.db, run));
            };
            let rows = self.rows();
            if rows.flag(&row, "stopped")? {
                return Ok(Claim::Stopped);
            }
            let building = rows.int(&row, "building")?;
            let claimable = rows.int(&row, "claimable")?;
            let expired = rows.int(&row, "expired")?;
            if expired > 0 && round == 0 && !self.reap(run, now).await?.is_empty() {
                continue;
            }
            if building > 0 || claimable > 0 {
                // Claimable rows locked by other slots' claims in flight count as building.
                return Ok(Claim::Wait {
                    building: u64::try_from(building.max(claimable)).unwrap_or(0),
                });
            }
            self.trip(1);
            sqlx::query("UPDATE runs SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL")
                .bind(now)
                .bind(run.0)
                .execute(&self.pool)
                .await
                .map_err(self.query_error(action.as_str()))?;
            return Ok(Claim::Finished);
        }
        Ok(Claim::Wait { building: 0 })
    }

    async fn try_finish(
        &self,
        lease: &Lease,
        result: &JobResult,
    ) -> Result<Fenced<Completion>, QueueError> {
        let key = &lease.key;
        let run = lease.run;
        let state = result.state();
        let action = format!("recording {key} {state}");
        let now = self.now_millis();
        let reason = result_reason(result, &lease.host);
        if matches!(result, JobResult::Published) {
            return self.try_publish(lease, now, &action).await;
        }
        let mut tx = self.begin(&action).await?;
        // The fenced statement records the result, its history and the run's rules at once.
        self.trip(1);
        let row = sqlx::query(concat!(
            "WITH done AS (UPDATE jobs SET state = $1, finished_at = $2, \
               duration_ms = $2 - started_at, \
               published_at = CASE WHEN $3 THEN $2 END, reason = $4, lease_until = NULL, \
               log = COALESCE($9, log) \
               WHERE run_id = $5 AND pkgbase = $6 AND cycle_stage = $7 AND token = $8 \
               AND state = 'building' AND lease_until > $2 RETURNING *), \
             history AS (",
            history_insert!(),
            "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
               blocked_by, $2, duration_ms, host, token FROM done) \
             SELECT r.stop_on_failure, r.require_publish FROM done JOIN runs r ON r.id = done.run_id"
        ))
        .bind(state.as_str())
        .bind(now)
        .bind(matches!(result, JobResult::Published))
        .bind(&reason)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(i64::from(key.cycle_stage))
        .bind(lease.token.0)
        .bind(&lease.log)
        .fetch_optional(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        let Some(row) = row else {
            let stored = self.stored_fence(&mut *tx, run, key).await?;
            self.trip(1);
            tx.rollback()
                .await
                .map_err(self.query_error(action.as_str()))?;
            let record = self.job_record(&self.pool, run, key);
            return unmatched_result(lease, now, stored, state, record).await;
        };
        let effect = Effect::of(
            result,
            self.rows().flag(&row, "require_publish")?,
            self.rows().flag(&row, "stop_on_failure")?,
        );
        let mut blocked = Vec::new();
        let mut stopped_run = false;
        if effect == Effect::Frees {
            // Lock the dependents in one order, so two completions never deadlock.
            self.trip(1);
            sqlx::query(
                "WITH dependents AS (SELECT j.run_id, j.pkgbase, j.cycle_stage FROM jobs j \
                   JOIN job_deps d ON j.run_id = d.run_id AND j.pkgbase = d.pkgbase \
                   AND j.cycle_stage = d.cycle_stage \
                   WHERE d.run_id = $1 AND d.dep_pkgbase = $2 AND d.dep_cycle_stage = $3 \
                   ORDER BY j.pkgbase, j.cycle_stage FOR UPDATE OF j) \
                 UPDATE jobs j SET pending_deps = j.pending_deps - 1 FROM dependents x \
                 WHERE j.run_id = x.run_id AND j.pkgbase = x.pkgbase \
                 AND j.cycle_stage = x.cycle_stage",
            )
            .bind(run.0)
            .bind(&key.pkgbase)
            .bind(i64::from(key.cycle_stage))
            .execute(&mut *tx)
            .await
            .map_err(self.query_error(action.as_str()))?;
        } else if let Effect::Blocks { stop_run } = effect {
            self.trip(1);
            let rows = sqlx::query(concat!(
                "WITH RECURSIVE down (pkgbase, cycle_stage) AS ( \
                   SELECT pkgbase, cycle_stage FROM job_deps \
                   WHERE run_id = $1 AND dep_pkgbase = $2 AND dep_cycle_stage = $3 \
                   UNION SELECT d.pkgbase, d.cycle_stage FROM job_deps d JOIN down \
                   ON d.dep_pkgbase = down.pkgbase AND d.dep_cycle_stage = down.cycle_stage \
                   WHERE d.run_id = $1), \
                 blocked AS (UPDATE jobs SET state = 'blocked', reason = $4, blocked_by = $2, \
                   finished_at = $5 \
                   WHERE run_id = $1 AND state IN ('queued', 'interrupted') \
                   AND (pkgbase, cycle_stage) IN (SELECT pkgbase, cycle_stage FROM down) \
                   RETURNING *), \
                 history AS (",
                history_insert!(),
                "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, \
                   reason, blocked_by, $5, duration_ms, host, token FROM blocked) \
                 SELECT pkgbase, cycle_stage FROM blocked ORDER BY seq"
            ))
            .bind(run.0)
            .bind(&key.pkgbase)
            .bind(i64::from(key.cycle_stage))
            .bind(blocked_reason(&key.pkgbase))
            .bind(now)
            .fetch_all(&mut *tx)
            .await
            .map_err(self.query_error(format!("blocking what depends on {key}")))?;
            blocked = rows
                .iter()
                .map(|row| self.rows().key(row))
                .collect::<Result<_, _>>()?;
            if stop_run {
                self.trip(1);
                let stopped = sqlx::query(
                    "UPDATE runs SET stopped_at = $1 WHERE id = $2 AND stopped_at IS NULL",
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

    /// The hot path of a run: a published result in one statement (so one implicit
    /// transaction and one round trip) that records it under the fence, appends the history
    /// and makes the dependents one dependency closer to ready, locking them in one order so
    /// that two completions never deadlock. Row locks are held for that one statement only.
    async fn try_publish(
        &self,
        lease: &Lease,
        now: i64,
        action: &str,
    ) -> Result<Fenced<Completion>, QueueError> {
        let key = &lease.key;
        let run = lease.run;
        self.trip(1);
        let row = sqlx::query(concat!(
            "WITH done AS (UPDATE jobs SET state = 'built', finished_at = $1, \
               duration_ms = $1 - started_at, published_at = $1, reason = NULL, \
               lease_until = NULL \
               WHERE run_id = $2 AND pkgbase = $3 AND cycle_stage = $4 AND token = $5 \
               AND state = 'building' AND lease_until > $1 RETURNING *), \
             history AS (",
            history_insert!(),
            "SELECT run_id, pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
               blocked_by, $1, duration_ms, host, token FROM done), \
             dependents AS (SELECT j.run_id, j.pkgbase, j.cycle_stage FROM jobs j \
               JOIN job_deps d ON j.run_id = d.run_id AND j.pkgbase = d.pkgbase \
               AND j.cycle_stage = d.cycle_stage \
               JOIN done ON d.run_id = done.run_id AND d.dep_pkgbase = done.pkgbase \
               AND d.dep_cycle_stage = done.cycle_stage \
               ORDER BY j.pkgbase, j.cycle_stage FOR UPDATE OF j), \
             freed AS (UPDATE jobs j SET pending_deps = j.pending_deps - 1 FROM dependents x \
               WHERE j.run_id = x.run_id AND j.pkgbase = x.pkgbase \
               AND j.cycle_stage = x.cycle_stage RETURNING 1) \
             SELECT ",
            job_columns!(),
            " FROM done"
        ))
        .bind(now)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(i64::from(key.cycle_stage))
        .bind(lease.token.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error(action))?;
        if let Some(row) = row {
            return Ok(Fenced::Accepted(Completion {
                record: self.rows().job(&row)?,
                blocked: Vec::new(),
                stopped_run: false,
            }));
        }
        let stored = self.stored_fence(&self.pool, run, key).await?;
        let record = self.job_record(&self.pool, run, key);
        unmatched_result(lease, now, stored, JobState::Built, record).await
    }

    async fn try_resume_work(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
        live: bool,
    ) -> Result<Option<Resume>, QueueError> {
        let new_jobs: Vec<NewJob> = jobs.iter().map(|job| job.job.clone()).collect();
        let action = "resuming the last run";
        let mut tx = self.begin(action).await?;
        self.trip(1);
        // Resumes serialize with each other and with run creation.
        let last: Option<i64> =
            sqlx::query_scalar("SELECT id FROM runs ORDER BY id DESC LIMIT 1 FOR UPDATE")
                .fetch_optional(&mut *tx)
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
            self.trip(1);
            sqlx::query("DELETE FROM jobs WHERE run_id = $1 AND pkgbase = $2 AND cycle_stage = $3")
                .bind(run.0)
                .bind(&key.pkgbase)
                .bind(i64::from(key.cycle_stage))
                .execute(&mut *tx)
                .await
                .map_err(self.query_error(format!("dropping job {key}")))?;
        }
        for (&(seq, job, disposition), work) in plan.jobs.iter().zip(jobs) {
            match disposition {
                Disposition::Keep => {
                    self.trip(1);
                    sqlx::query(
                        "UPDATE jobs SET seq = $1, repo = $2, priority = $3 \
                         WHERE run_id = $4 AND pkgbase = $5 AND cycle_stage = $6",
                    )
                    .bind(i64::from(seq))
                    .bind(&job.repo)
                    .bind(work.priority)
                    .bind(run.0)
                    .bind(&job.key.pkgbase)
                    .bind(i64::from(job.key.cycle_stage))
                    .execute(&mut *tx)
                    .await
                    .map_err(self.query_error(format!("keeping job {}", job.key)))?;
                }
                Disposition::Reset { attempt } => {
                    self.trip(1);
                    sqlx::query(
                        "UPDATE jobs SET seq = $1, version = $2, repo = $3, state = $4, \
                         attempt = $5, slot = NULL, log = NULL, reason = $6, blocked_by = NULL, \
                         queued_at = $7, started_at = NULL, finished_at = NULL, \
                         duration_ms = NULL, priority = $8, host = NULL, lease_until = NULL, \
                         publishing_at = CASE WHEN version = $2 THEN publishing_at END, \
                         published_at = NULL \
                         WHERE run_id = $9 AND pkgbase = $10 AND cycle_stage = $11",
                    )
                    .bind(i64::from(seq))
                    .bind(&job.version)
                    .bind(&job.repo)
                    .bind(job.state.as_str())
                    .bind(i64::from(attempt))
                    .bind(&job.reason)
                    .bind(now)
                    .bind(work.priority)
                    .bind(run.0)
                    .bind(&job.key.pkgbase)
                    .bind(i64::from(job.key.cycle_stage))
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
        self.trip(1);
        sqlx::query(
            "UPDATE runs SET command = $1, list_path = $2, list_timestamp = $3, host = $4, \
             resumed_at = $5, resumes = resumes + 1, finished_at = NULL, stopped_at = NULL, \
             stop_on_failure = $6, require_publish = $7 WHERE id = $8",
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

    async fn try_create_run(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
        interrupt_others: bool,
    ) -> Result<RunId, QueueError> {
        let action = "creating a run";
        let mut tx = self.begin(action).await?;
        let now = self.now_millis();
        if interrupt_others {
            self.interrupt_building(&mut tx, None, now).await?;
        }
        self.trip(1);
        let run: i64 = sqlx::query_scalar(
            "INSERT INTO runs (command, list_path, list_timestamp, host, started_at, \
             stop_on_failure, require_publish) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&info.command)
        .bind(&info.list_path)
        .bind(&info.list_timestamp)
        .bind(&info.host)
        .bind(now)
        .bind(options.stop_on_failure)
        .bind(options.require_publish)
        .fetch_one(&mut *tx)
        .await
        .map_err(self.query_error(action))?;
        let run = RunId(run);
        for (seq, job) in (0u32..).zip(jobs) {
            self.insert_job(&mut tx, run, seq, &job.job, job.priority, now)
                .await?;
        }
        self.write_work(&mut tx, run, jobs, options.require_publish)
            .await?;
        self.commit(tx, action).await?;
        Ok(run)
    }

    async fn try_record(
        &self,
        run: RunId,
        transition: &Transition,
    ) -> Result<JobRecord, QueueError> {
        let key = &transition.key;
        let action = format!("recording {key} {}", transition.state);
        let mut tx = self.begin(&action).await?;
        let now = self.now_millis();
        self.trip(1);
        let current = sqlx::query(
            "SELECT attempt, started_at FROM jobs \
             WHERE run_id = $1 AND pkgbase = $2 AND cycle_stage = $3 FOR UPDATE",
        )
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(i64::from(key.cycle_stage))
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
        self.trip(1);
        sqlx::query(
            "UPDATE jobs SET state = $1, attempt = $2, started_at = $3, finished_at = $4, \
             duration_ms = $5, \
             queued_at = CASE WHEN $1 = 'queued' THEN $6 ELSE queued_at END, \
             slot = COALESCE($7, CASE WHEN $9 THEN slot END), \
             log = COALESCE($8, CASE WHEN $9 THEN log END), \
             reason = $10, blocked_by = $11 \
             WHERE run_id = $12 AND pkgbase = $13 AND cycle_stage = $14",
        )
        .bind(transition.state.as_str())
        .bind(times.attempt)
        .bind(times.started_at)
        .bind(times.finished_at)
        .bind(times.duration_ms)
        .bind(now)
        .bind(transition.slot.map(i64::from))
        .bind(&transition.log)
        .bind(keeps_slot_and_log(transition.state))
        .bind(&transition.reason)
        .bind(&transition.blocked_by)
        .bind(run.0)
        .bind(&key.pkgbase)
        .bind(i64::from(key.cycle_stage))
        .execute(&mut *tx)
        .await
        .map_err(self.query_error(action.as_str()))?;
        self.append_history(&mut tx, run, key, now).await?;
        let record = self.job_record(&mut *tx, run, key).await?;
        self.commit(tx, &action).await?;
        Ok(record)
    }

    async fn try_mark_interrupted(&self, run: RunId) -> Result<u64, QueueError> {
        let action = format!("marking the builds of run {run} interrupted");
        let mut tx = self.begin(&action).await?;
        if !self.run_exists(&mut *tx, run).await? {
            return Err(QueueError::unknown_run(&self.db, run));
        }
        let count = self
            .interrupt_building(&mut tx, Some(run), self.now_millis())
            .await?;
        self.commit(tx, &action).await?;
        Ok(count)
    }

    async fn try_history(&self, run: RunId) -> Result<Vec<TransitionRecord>, QueueError> {
        self.trip(1);
        let rows = sqlx::query(
            "SELECT pkgbase, cycle_stage, state, version, attempt, slot, log, reason, \
             blocked_by, at, duration_ms FROM transitions WHERE run_id = $1 ORDER BY id",
        )
        .bind(run.0)
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error(format!("reading the history of run {run}")))?;
        let history: Vec<TransitionRecord> = rows
            .iter()
            .map(|row| self.rows().transition(row))
            .collect::<Result<_, QueueError>>()?;
        if history.is_empty() && !self.run_exists(&self.pool, run).await? {
            return Err(QueueError::unknown_run(&self.db, run));
        }
        Ok(history)
    }
}

impl StateStore for PostgresStore {
    async fn start_run(&self, info: &RunInfo, jobs: &[NewJob]) -> Result<RunId, QueueError> {
        validate_new_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        let work: Vec<WorkJob> = jobs.iter().map(WorkJob::plain).collect();
        let options = RunOptions {
            stop_on_failure: false,
            require_publish: false,
        };
        self.retrying(|| self.try_create_run(info, options, &work, true))
            .await
    }

    async fn resume_run(
        &self,
        info: &RunInfo,
        jobs: &[NewJob],
    ) -> Result<Option<Resume>, QueueError> {
        validate_new_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        let work: Vec<WorkJob> = jobs.iter().map(WorkJob::plain).collect();
        let options = RunOptions {
            stop_on_failure: false,
            require_publish: false,
        };
        self.retrying(|| self.try_resume_work(info, options, &work, false))
            .await
    }

    async fn record(&self, run: RunId, transition: &Transition) -> Result<JobRecord, QueueError> {
        self.retrying(|| self.try_record(run, transition)).await
    }

    async fn mark_interrupted(&self, run: RunId) -> Result<u64, QueueError> {
        self.retrying(|| self.try_mark_interrupted(run)).await
    }

    async fn finish_run(&self, run: RunId) -> Result<(), QueueError> {
        let done = self
            .retrying(|| async {
                self.trip(1);
                sqlx::query("UPDATE runs SET finished_at = $1 WHERE id = $2")
                    .bind(self.now_millis())
                    .bind(run.0)
                    .execute(&self.pool)
                    .await
                    .map_err(self.query_error(format!("finishing run {run}")))
            })
            .await?;
        if done.rows_affected() == 0 {
            return Err(QueueError::unknown_run(&self.db, run));
        }
        Ok(())
    }

    async fn durations(&self) -> Result<HashMap<String, f64>, QueueError> {
        let rows = self
            .retrying(|| async {
                self.trip(1);
                sqlx::query(
                    "SELECT DISTINCT ON (pkgbase) pkgbase, duration_ms FROM transitions \
                     WHERE state = 'built' AND duration_ms IS NOT NULL \
                     ORDER BY pkgbase, id DESC",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(self.query_error("reading build durations"))
            })
            .await?;
        rows.iter().map(|row| self.rows().duration(row)).collect()
    }

    async fn status(&self) -> Result<Option<StatusReport>, QueueError> {
        self.retrying(|| self.report(None)).await
    }

    async fn jobs(&self, run: RunId) -> Result<Vec<JobRecord>, QueueError> {
        let jobs = self.retrying(|| self.load_jobs(&self.pool, run)).await?;
        if jobs.is_empty() && !self.run_exists(&self.pool, run).await? {
            return Err(QueueError::unknown_run(&self.db, run));
        }
        Ok(jobs)
    }

    async fn history(&self, run: RunId) -> Result<Vec<TransitionRecord>, QueueError> {
        self.retrying(|| self.try_history(run)).await
    }
}

impl WorkQueue for PostgresStore {
    async fn create_run(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
    ) -> Result<RunId, QueueError> {
        validate_work_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        self.retrying(|| self.try_create_run(info, options, jobs, false))
            .await
    }

    async fn resume_work(
        &self,
        info: &RunInfo,
        options: RunOptions,
        jobs: &[WorkJob],
    ) -> Result<Option<Resume>, QueueError> {
        validate_work_jobs(jobs).map_err(|problem| problem.into_error(&self.db))?;
        self.retrying(|| self.try_resume_work(info, options, jobs, true))
            .await
    }

    async fn current_run(&self) -> Result<Option<RunId>, QueueError> {
        let row: Option<(i64, Option<i64>)> = self
            .retrying(|| async {
                self.trip(1);
                sqlx::query_as("SELECT id, finished_at FROM runs ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(self.query_error("looking for the current run"))
            })
            .await?;
        Ok(row.and_then(|(id, finished)| finished.is_none().then_some(RunId(id))))
    }

    async fn host_heartbeat(&self, run: RunId, host: &str, slots: u32) -> Result<(), QueueError> {
        self.retrying(|| async {
            self.trip(1);
            sqlx::query(
                "INSERT INTO hosts (run_id, name, slots, joined_at, last_seen) \
                 VALUES ($1, $2, $3, $4, $4) \
                 ON CONFLICT (run_id, name) DO UPDATE SET slots = $3, last_seen = $4",
            )
            .bind(run.0)
            .bind(host)
            .bind(i64::from(slots))
            .bind(self.now_millis())
            .execute(&self.pool)
            .await
            .map_err(self.query_error(format!("recording host {host} in run {run}")))
        })
        .await?;
        Ok(())
    }

    async fn claim(
        &self,
        run: RunId,
        host: &str,
        slot: u32,
        lease: Duration,
    ) -> Result<Claim, QueueError> {
        self.retrying(|| self.try_claim(run, host, slot, lease))
            .await
    }

    async fn heartbeat(&self, lease: &Lease) -> Result<Fenced<DateTime<Utc>>, QueueError> {
        let now = self.now_millis();
        let renewed: Option<i64> = self
            .retrying(|| async {
                self.trip(1);
                sqlx::query_scalar(
                    "UPDATE jobs SET lease_until = $1 + $2, log = COALESCE($7, log) \
                     WHERE run_id = $3 AND pkgbase = $4 AND cycle_stage = $5 AND token = $6 \
                     AND state = 'building' AND lease_until > $1 RETURNING lease_until",
                )
                .bind(now)
                .bind(lease_millis(lease.duration))
                .bind(lease.run.0)
                .bind(&lease.key.pkgbase)
                .bind(i64::from(lease.key.cycle_stage))
                .bind(lease.token.0)
                .bind(&lease.log)
                .fetch_optional(&self.pool)
                .await
                .map_err(self.query_error(format!("renewing the lease of {}", lease.key)))
            })
            .await?;
        match renewed {
            Some(until) => Ok(Fenced::Accepted(
                self.rows().millis_to_time(until, "lease_until")?,
            )),
            None => self.refused(lease, now).await,
        }
    }

    async fn begin_publish(&self, lease: &Lease) -> Result<Fenced<()>, QueueError> {
        let now = self.now_millis();
        let done = self
            .retrying(|| async {
                self.trip(1);
                sqlx::query(
                    "UPDATE jobs SET publishing_at = $1, log = COALESCE($6, log) \
                     WHERE run_id = $2 AND pkgbase = $3 AND cycle_stage = $4 AND token = $5 \
                     AND state = 'building' AND lease_until > $1",
                )
                .bind(now)
                .bind(lease.run.0)
                .bind(&lease.key.pkgbase)
                .bind(i64::from(lease.key.cycle_stage))
                .bind(lease.token.0)
                .bind(&lease.log)
                .execute(&self.pool)
                .await
                .map_err(self.query_error(format!("starting to publish {}", lease.key)))
            })
            .await?;
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
        self.retrying(|| self.try_finish(lease, result)).await
    }

    async fn reap_expired(&self, run: RunId) -> Result<Vec<JobKey>, QueueError> {
        self.retrying(|| self.reap(run, self.now_millis())).await
    }

    async fn pkgbuild(
        &self,
        run: RunId,
        key: &JobKey,
    ) -> Result<Option<PkgbuildArchive>, QueueError> {
        let row: Option<(String, Vec<u8>)> = self
            .retrying(|| async {
                self.trip(1);
                sqlx::query_as(
                    "SELECT sha256, archive FROM pkgbuilds \
                     WHERE run_id = $1 AND pkgbase = $2 AND cycle_stage = $3",
                )
                .bind(run.0)
                .bind(&key.pkgbase)
                .bind(i64::from(key.cycle_stage))
                .fetch_optional(&self.pool)
                .await
                .map_err(self.query_error(format!("reading the PKGBUILD archive of {key}")))
            })
            .await?;
        row.map(|(sha256, bytes)| self.rows().pkgbuild(key, &sha256, bytes))
            .transpose()
    }

    async fn publish_lock(&self, repo: &str) -> Result<PublishLock, QueueError> {
        let action = format!("taking the publishing lock of {repo}");
        // A dedicated connection: the advisory lock lives as long as its session, and must
        // not go back to the pool while held.
        self.retrying(|| async {
            self.trip(2);
            let mut connection = PgConnection::connect_with(&self.options)
                .await
                .map_err(self.query_error(action.as_str()))?;
            sqlx::query("SELECT pg_advisory_lock($1, hashtext($2))")
                .bind(ADVISORY_CLASS)
                .bind(repo)
                .execute(&mut connection)
                .await
                .map_err(self.query_error(action.as_str()))?;
            Ok(PublishLock::postgres(repo, connection))
        })
        .await
    }

    async fn run_status(&self, run: RunId) -> Result<StatusReport, QueueError> {
        self.retrying(|| self.report(Some(run)))
            .await?
            .ok_or_else(|| QueueError::unknown_run(&self.db, run))
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("postgres://builder:s3cret@db.example:5432/archport?sslmode=require"),
            "postgres://builder:***@db.example:5432/archport?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://db.example/archport?user=b&password=s3cret"),
            "postgres://db.example/archport?user=b&password=***"
        );
        assert_eq!(
            redact_url("postgres://builder@db.example/archport"),
            "postgres://builder@db.example/archport"
        );
    }
}
