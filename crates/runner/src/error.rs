//! Errors of the runner's plumbing. A step that fails is no error: it ends with an
//! [`crate::Outcome`] naming its phase.

use std::path::PathBuf;

/// Why the work-directory lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("{}: the chroot is in use by another run in this work directory ({holder})", path.display())]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// What the lock file says about its holder.
        holder: String,
    },
    /// The lock file cannot be created, locked or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Why the root chroot could not be created.
#[derive(Debug, thiserror::Error)]
pub enum RootError {
    /// mkarchroot did not succeed; what it made was removed.
    #[error("creating the root chroot failed: {problem}; see {}", log.display())]
    Failed {
        /// The failure, as [`crate::exit_text`] says it, or why it could not run.
        problem: String,
        /// The log holding mkarchroot's output.
        log: PathBuf,
    },
}
