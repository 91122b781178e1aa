//! Errors of the runner's plumbing. A step that fails is no error: it ends with an
//! [`crate::Outcome`] naming its phase.

use std::path::PathBuf;

use crate::lock::Holder;

/// Why the work-directory lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// A live process holds it.
    #[error("{}: the work directory is in use by {holder}", path.display())]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// Who holds it, as the file says.
        holder: Holder,
    },
    /// The lock file cannot be created, locked or written.
    #[error("lock file {}: {source}", path.display())]
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
