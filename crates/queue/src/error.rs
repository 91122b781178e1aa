//! The error type of every state-store operation.

use crate::model::{JobKey, JobState, RunId};

/// What went wrong in the build-state store. Every variant names the database (`db`: the
/// SQLite file's path, or a backend's redacted location) so the one-line message says where.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The directory that holds the database could not be created.
    #[error("{db}: cannot create the build-state directory: {source}")]
    CreateDir {
        /// Database location.
        db: String,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The database could not be opened or created.
    #[error("{db}: cannot open the build-state database: {source}")]
    Open {
        /// Database location.
        db: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The embedded schema migrations could not be applied.
    #[error("{db}: cannot migrate the build-state schema: {source}")]
    Migrate {
        /// Database location.
        db: String,
        /// The migrator's error.
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed; `action` says what the store was doing.
    #[error("{db}: {action}: {source}")]
    Query {
        /// Database location.
        db: String,
        /// What the store was doing, e.g. "recording gcc (stage 1) building".
        action: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A transition named a job the run does not have.
    #[error("{db}: run {run} has no job {key}")]
    UnknownJob {
        /// Database location.
        db: String,
        /// The run.
        run: RunId,
        /// The job that was asked for.
        key: JobKey,
    },
    /// An operation named a run that does not exist.
    #[error("{db}: there is no run {run}")]
    UnknownRun {
        /// Database location.
        db: String,
        /// The run that was asked for.
        run: RunId,
    },
    /// A new job was given a state other than queued or skipped.
    #[error("{db}: job {key} cannot enter a run as {state}: only queued or skipped")]
    InvalidNewJob {
        /// Database location.
        db: String,
        /// The job.
        key: JobKey,
        /// The state it was given.
        state: JobState,
    },
    /// The same (pkgbase, cycle stage) appeared twice in the jobs given for a run.
    #[error("{db}: job {key} is listed twice")]
    DuplicateJob {
        /// Database location.
        db: String,
        /// The repeated job.
        key: JobKey,
    },
    /// A stored value could not be read back (an unknown state name, a time out of range):
    /// the database was written by something else or damaged.
    #[error("{db}: unreadable stored value: {what}")]
    Corrupt {
        /// Database location.
        db: String,
        /// Which value, and what it held.
        what: String,
    },
    /// A job's PKGBUILD archive is over the cap.
    #[error(
        "{db}: the PKGBUILD archive of {key} is {size} bytes, over the cap of {max} bytes: \
         remove build outputs and stray files from its pkgbuilds/ directory"
    )]
    PkgbuildTooLarge {
        /// Database location.
        db: String,
        /// The job.
        key: JobKey,
        /// The archive's size.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// A job depends on a job that is not in the run.
    #[error("{db}: job {key} depends on {dep}, which is not in the run")]
    UnknownDependency {
        /// Database location.
        db: String,
        /// The job.
        key: JobKey,
        /// The missing dependency.
        dep: JobKey,
    },
}

impl QueueError {
    /// `run` is not in the database `db`.
    pub(crate) fn unknown_run(db: &str, run: RunId) -> Self {
        QueueError::UnknownRun {
            db: db.to_owned(),
            run,
        }
    }

    /// `key` is not a job of `run` in the database `db`.
    pub(crate) fn unknown_job(db: &str, run: RunId, key: &JobKey) -> Self {
        QueueError::UnknownJob {
            db: db.to_owned(),
            run,
            key: key.clone(),
        }
    }
}

/// What went wrong packing or unpacking a PKGBUILD tree.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// A file of the tree (or the destination) could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The packed tree is over the cap.
    #[error(
        "{pkgbase}: the PKGBUILD tree {} packs to {size} bytes, over the cap of {max} bytes: \
         remove downloaded sources and stray files from it",
        dir.display()
    )]
    TooLarge {
        /// The pkgbase.
        pkgbase: String,
        /// Its tree.
        dir: std::path::PathBuf,
        /// The archive's size.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// An entry would land outside the destination.
    #[error("{}: refusing archive entry {entry:?}, which points outside", dest.display())]
    Unsafe {
        /// Where the archive was unpacked.
        dest: std::path::PathBuf,
        /// The entry.
        entry: String,
    },
}
