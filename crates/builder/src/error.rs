//! Why a build-packages run could not go on.

use std::path::PathBuf;

use archport_runner::{LockError, RootError};

/// Why a run could not go on (package failures are not errors: see [`Summary`]).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The build list is missing or invalid.
    #[error(transparent)]
    List(#[from] archport_buildlist::ListError),
    /// The blacklist is unusable.
    #[error(transparent)]
    Blacklist(#[from] archport_blacklist::BlacklistError),
    /// The durable state failed.
    #[error(transparent)]
    Queue(#[from] archport_queue::QueueError),
    /// Another run holds the work directory.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The root chroot could not be created.
    #[error(transparent)]
    Root(#[from] RootError),
    /// The job graph is inconsistent.
    #[error(transparent)]
    Schedule(#[from] archport_schedule::ScheduleError),
    /// The chroot could not be set up.
    #[error("{0}")]
    Chroot(String),
    /// A working copy left by an earlier run is still locked by a build running in it, or
    /// the chroot directory could not be read.
    #[error(transparent)]
    StaleCopy(#[from] archport_runner::StaleCopyError),
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}
