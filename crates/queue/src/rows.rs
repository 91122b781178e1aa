//! Reading the crate's tables back into its types, the same way for every backend: both
//! schemas store keys and counts as integers, times as unix milliseconds and states by
//! name, so only the driver's row type differs. A value the types cannot hold is reported
//! as a corrupt database, naming the column.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Row, Type};

use crate::error::QueueError;
use crate::fencing::StoredFence;
use crate::model::{JobKey, JobRecord, JobState, RunId, TransitionRecord};
use crate::report::RunSummary;
use crate::work::{FenceToken, HostStatus, Lease, PkgbuildArchive};

/// The columns of `jobs` that make a [`JobRecord`] (see [`Rows::job`]), for both backends'
/// `SELECT`s.
macro_rules! job_columns {
    () => {
        "pkgbase, cycle_stage, version, repo, state, attempt, slot, log, reason, blocked_by, \
         queued_at, started_at, finished_at, duration_ms, host, lease_until"
    };
}
pub(crate) use job_columns;

/// A row of either backend, read by column name as the few types the schemas use. Any
/// driver row that decodes those types has it, so the backends need no glue of their own.
pub(crate) trait StoredRow {
    /// An integer column.
    fn int(&self, name: &str) -> Result<i64, sqlx::Error>;
    /// A nullable integer column.
    fn optional_int(&self, name: &str) -> Result<Option<i64>, sqlx::Error>;
    /// A text column.
    fn text(&self, name: &str) -> Result<String, sqlx::Error>;
    /// A nullable text column.
    fn optional_text(&self, name: &str) -> Result<Option<String>, sqlx::Error>;
    /// A boolean column (an integer 0 or 1 in SQLite).
    fn flag(&self, name: &str) -> Result<bool, sqlx::Error>;
}

impl<R> StoredRow for R
where
    R: Row,
    for<'n> &'n str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
{
    fn int(&self, name: &str) -> Result<i64, sqlx::Error> {
        self.try_get(name)
    }

    fn optional_int(&self, name: &str) -> Result<Option<i64>, sqlx::Error> {
        self.try_get(name)
    }

    fn text(&self, name: &str) -> Result<String, sqlx::Error> {
        self.try_get(name)
    }

    fn optional_text(&self, name: &str) -> Result<Option<String>, sqlx::Error> {
        self.try_get(name)
    }

    fn flag(&self, name: &str) -> Result<bool, sqlx::Error> {
        self.try_get(name)
    }
}

/// Reads rows of the database `db`, whose name every corruption error carries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    db: &'a str,
}

impl<'a> Rows<'a> {
    /// A reader for the database shown as `db` in errors.
    pub(crate) fn new(db: &'a str) -> Self {
        Rows { db }
    }

    /// The error for a stored value the crate's types cannot hold.
    pub(crate) fn corrupt(&self, what: String) -> QueueError {
        QueueError::Corrupt {
            db: self.db.to_owned(),
            what,
        }
    }

    fn read<T>(&self, name: &str, value: Result<T, sqlx::Error>) -> Result<T, QueueError> {
        value.map_err(|source| self.corrupt(format!("column {name}: {source}")))
    }

    /// An integer column.
    pub(crate) fn int(&self, row: &impl StoredRow, name: &str) -> Result<i64, QueueError> {
        self.read(name, row.int(name))
    }

    /// A nullable integer column.
    pub(crate) fn optional_int(
        &self,
        row: &impl StoredRow,
        name: &str,
    ) -> Result<Option<i64>, QueueError> {
        self.read(name, row.optional_int(name))
    }

    /// A text column.
    pub(crate) fn text(&self, row: &impl StoredRow, name: &str) -> Result<String, QueueError> {
        self.read(name, row.text(name))
    }

    /// A nullable text column.
    pub(crate) fn optional_text(
        &self,
        row: &impl StoredRow,
        name: &str,
    ) -> Result<Option<String>, QueueError> {
        self.read(name, row.optional_text(name))
    }

    /// A boolean column.
    pub(crate) fn flag(&self, row: &impl StoredRow, name: &str) -> Result<bool, QueueError> {
        self.read(name, row.flag(name))
    }

    /// An integer column that must fit a narrower type (a stage, an attempt, a slot).
    pub(crate) fn small<T: TryFrom<i64>>(
        &self,
        row: &impl StoredRow,
        name: &str,
    ) -> Result<T, QueueError> {
        let value = self.int(row, name)?;
        self.narrow(value, name)
    }

    /// A nullable [`small`](Self::small) column.
    pub(crate) fn optional_small<T: TryFrom<i64>>(
        &self,
        row: &impl StoredRow,
        name: &str,
    ) -> Result<Option<T>, QueueError> {
        self.optional_int(row, name)?
            .map(|value| self.narrow(value, name))
            .transpose()
    }

    fn narrow<T: TryFrom<i64>>(&self, value: i64, name: &str) -> Result<T, QueueError> {
        T::try_from(value)
            .map_err(|_| self.corrupt(format!("column {name}: {value} is out of range")))
    }

    /// The `state` column.
    pub(crate) fn state(&self, row: &impl StoredRow) -> Result<JobState, QueueError> {
        let name = self.text(row, "state")?;
        JobState::from_str(&name).map_err(|error| self.corrupt(format!("column state: {error}")))
    }

    /// A time column (unix milliseconds).
    pub(crate) fn time(
        &self,
        row: &impl StoredRow,
        name: &str,
    ) -> Result<DateTime<Utc>, QueueError> {
        let millis = self.int(row, name)?;
        self.millis_to_time(millis, name)
    }

    /// A nullable time column.
    pub(crate) fn optional_time(
        &self,
        row: &impl StoredRow,
        name: &str,
    ) -> Result<Option<DateTime<Utc>>, QueueError> {
        self.optional_int(row, name)?
            .map(|millis| self.millis_to_time(millis, name))
            .transpose()
    }

    /// `millis` (unix milliseconds, read from `name`) as a time.
    pub(crate) fn millis_to_time(
        &self,
        millis: i64,
        name: &str,
    ) -> Result<DateTime<Utc>, QueueError> {
        DateTime::from_timestamp_millis(millis)
            .ok_or_else(|| self.corrupt(format!("column {name}: time {millis} is out of range")))
    }

    /// A nullable duration column (milliseconds) in seconds.
    pub(crate) fn seconds(
        &self,
        row: &impl StoredRow,
        name: &str,
    ) -> Result<Option<f64>, QueueError> {
        Ok(self
            .optional_int(row, name)?
            .map(|millis| millis as f64 / 1000.0))
    }

    /// The `pkgbase` and `cycle_stage` columns.
    pub(crate) fn key(&self, row: &impl StoredRow) -> Result<JobKey, QueueError> {
        Ok(JobKey {
            pkgbase: self.text(row, "pkgbase")?,
            cycle_stage: self.small(row, "cycle_stage")?,
        })
    }

    /// A job, from the columns of [`job_columns!`].
    pub(crate) fn job(&self, row: &impl StoredRow) -> Result<JobRecord, QueueError> {
        Ok(JobRecord {
            key: self.key(row)?,
            version: self.text(row, "version")?,
            repo: self.text(row, "repo")?,
            state: self.state(row)?,
            attempt: self.small(row, "attempt")?,
            slot: self.optional_small(row, "slot")?,
            log: self.optional_text(row, "log")?,
            reason: self.optional_text(row, "reason")?,
            blocked_by: self.optional_text(row, "blocked_by")?,
            queued_at: self.time(row, "queued_at")?,
            started_at: self.optional_time(row, "started_at")?,
            finished_at: self.optional_time(row, "finished_at")?,
            duration_secs: self.seconds(row, "duration_ms")?,
            host: self.optional_text(row, "host")?,
            lease_until: self.optional_time(row, "lease_until")?,
        })
    }

    /// One entry of a run's history, from a row of `transitions`.
    pub(crate) fn transition(&self, row: &impl StoredRow) -> Result<TransitionRecord, QueueError> {
        Ok(TransitionRecord {
            key: self.key(row)?,
            state: self.state(row)?,
            version: self.text(row, "version")?,
            attempt: self.small(row, "attempt")?,
            slot: self.optional_small(row, "slot")?,
            log: self.optional_text(row, "log")?,
            reason: self.optional_text(row, "reason")?,
            blocked_by: self.optional_text(row, "blocked_by")?,
            at: self.time(row, "at")?,
            duration_secs: self.seconds(row, "duration_ms")?,
        })
    }

    /// A run, from a row of `runs`.
    pub(crate) fn run(&self, row: &impl StoredRow) -> Result<RunSummary, QueueError> {
        Ok(RunSummary {
            id: RunId(self.int(row, "id")?),
            command: self.text(row, "command")?,
            list_path: self.text(row, "list_path")?,
            list_timestamp: self.text(row, "list_timestamp")?,
            host: self.text(row, "host")?,
            started_at: self.time(row, "started_at")?,
            resumed_at: self.optional_time(row, "resumed_at")?,
            resumes: self.small(row, "resumes")?,
            finished_at: self.optional_time(row, "finished_at")?,
        })
    }

    /// A host of a run, from a row of `hosts` (what it builds is filled in from the jobs).
    pub(crate) fn host(&self, row: &impl StoredRow) -> Result<HostStatus, QueueError> {
        Ok(HostStatus {
            name: self.text(row, "name")?,
            slots: self.small(row, "slots")?,
            joined_at: self.time(row, "joined_at")?,
            last_seen: self.time(row, "last_seen")?,
            building: Vec::new(),
        })
    }

    /// The fencing columns of a job (`state`, `token`, `lease_until`).
    pub(crate) fn fence(&self, row: &impl StoredRow) -> Result<StoredFence, QueueError> {
        Ok(StoredFence {
            state: self.state(row)?,
            token: self.optional_int(row, "token")?,
            lease_until: self.optional_int(row, "lease_until")?,
        })
    }

    /// A pkgbase's last build duration in seconds, from its `pkgbase` and `duration_ms`.
    pub(crate) fn duration(&self, row: &impl StoredRow) -> Result<(String, f64), QueueError> {
        let pkgbase = self.text(row, "pkgbase")?;
        let millis = self.int(row, "duration_ms")?;
        Ok((pkgbase, millis as f64 / 1000.0))
    }

    /// The stored PKGBUILD archive of `key`, checked against its stored `sha256`: a
    /// mismatch means the database was damaged, and a worker must not build from it.
    pub(crate) fn pkgbuild(
        &self,
        key: &JobKey,
        sha256: &str,
        bytes: Vec<u8>,
    ) -> Result<PkgbuildArchive, QueueError> {
        PkgbuildArchive::verified(bytes, sha256).ok_or_else(|| {
            self.corrupt(format!(
                "the PKGBUILD archive of {key} does not match its sha256 {sha256}"
            ))
        })
    }

    /// The lease of a job just claimed by `host`'s `slot` for `duration`, from the job's
    /// claim columns and its PKGBUILD archive's `sha256`.
    pub(crate) fn lease(
        &self,
        row: &impl StoredRow,
        run: RunId,
        host: &str,
        slot: u32,
        duration: Duration,
    ) -> Result<Lease, QueueError> {
        Ok(Lease {
            run,
            key: self.key(row)?,
            version: self.text(row, "version")?,
            repo: self.text(row, "repo")?,
            token: FenceToken(self.int(row, "token")?),
            attempt: self.small(row, "attempt")?,
            host: host.to_owned(),
            slot,
            duration,
            expires_at: self.time(row, "lease_until")?,
            pkgbuild_sha256: self.optional_text(row, "sha256")?,
            publish_started: self.optional_int(row, "publishing_at")?.is_some(),
            entry: self.optional_text(row, "entry")?,
            log: None,
        })
    }
}
