//! Errors of the devtools driver.

use std::path::PathBuf;

/// A command sequence that cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ChrootError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        source: std::io::Error,
    },
    /// A checkdepends entry is not a package relation, so it must not reach pacman.
    #[error("{pkgbase}: checkdepends entry {entry:?}: {problem}")]
    BadCheckdepend {
        /// The pkgbase being built.
        pkgbase: String,
        /// The offending entry.
        entry: String,
        /// Why it was rejected.
        problem: String,
    },
}

impl ChrootError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> ChrootError {
        let path = path.into();
        move |source| ChrootError::Io { path, source }
    }
}

/// A command that could not be run to completion.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The log file could not be opened or written.
    #[error("log {path}: {source}")]
    Log {
        /// The log file.
        path: PathBuf,
        source: std::io::Error,
    },
    /// The program could not be started.
    #[error("cannot start `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        source: std::io::Error,
    },
    /// Waiting for the program failed.
    #[error("waiting for `{command}`: {source}")]
    Wait {
        /// The command line.
        command: String,
        source: std::io::Error,
    },
    /// The run was cancelled; its process group has been terminated.
    #[error("`{command}` was interrupted")]
    Cancelled {
        /// The command line.
        command: String,
    },
}
