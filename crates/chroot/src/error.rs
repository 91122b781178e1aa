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
    /// The program could not be started: `cannot start mkarchroot (/usr/bin/mkarchroot): No
    /// such file or directory`, with the hint to run the preflight check.
    #[error(
        "cannot start {} ({}): {source}; `--check` lists what is missing",
        program_name(program),
        program_place(program)
    )]
    Spawn {
        /// The command line.
        command: String,
        /// The program as configured: a path, or a name looked up in `PATH`.
        program: String,
        source: std::io::Error,
    },
    /// The command ran longer than its [`crate::Cmd::timeout`]; its process group has been
    /// stopped.
    #[error("`{command}` timed out after {} s", after.as_secs())]
    TimedOut {
        /// The command line.
        command: String,
        /// The limit it ran into.
        after: std::time::Duration,
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

/// The file name of a configured program (`/usr/bin/mkarchroot` -> `mkarchroot`).
fn program_name(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Where a program was looked for: its path, or `PATH` for a bare name.
fn program_place(program: &str) -> String {
    if program.contains('/') {
        program.to_owned()
    } else {
        "looked up in PATH".to_owned()
    }
}
