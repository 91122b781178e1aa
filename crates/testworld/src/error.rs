//! The one error type of the test world: every variant names the file, repository,
//! package or tool that went wrong.

use std::path::PathBuf;

/// Why building or changing a test world failed.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// The world description is inconsistent (bad name, bad version, duplicate, ...).
    #[error("world spec: {subject}: {problem}")]
    Spec {
        /// The pkgbase, package or value at fault.
        subject: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A change names a pkgbase the world does not hold on that side.
    #[error("no pkgbase {pkgbase:?} on the {side} side of the world")]
    UnknownPkgbase {
        /// The requested pkgbase.
        pkgbase: String,
        /// `x86_64` or the target side.
        side: String,
    },
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A tar archive could not be written or read.
    #[error("archive entry {entry}: {source}")]
    Archive {
        /// The entry (or archive part) being processed.
        entry: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A git operation on one of the world's repositories failed.
    #[error("git repository {}: {source}", repo.display())]
    Git {
        /// The repository directory.
        repo: PathBuf,
        /// The underlying libgit2 error.
        source: git2::Error,
    },
    /// An external tool (zstd, xz, useradd, ...) could not be started or failed.
    #[error("{tool}: {problem}")]
    Tool {
        /// The program that was run.
        tool: String,
        /// How it failed (spawn error or exit status with its stderr).
        problem: String,
    },
    /// The world's root path cannot be written into a `file://` URL or a TOML string.
    #[error("world root {}: {problem}", path.display())]
    Root {
        /// The requested root.
        path: PathBuf,
        /// Why it cannot be used.
        problem: String,
    },
    /// The HTTP mirror server could not start.
    #[error("mirror server on 127.0.0.1: {0}")]
    Server(std::io::Error),
    /// A real sync database could not be read.
    #[error("real database {}: {problem}", path.display())]
    RealData {
        /// The database file.
        path: PathBuf,
        /// What is wrong with it (entry name included where known).
        problem: String,
    },
}

impl WorldError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> WorldError {
        let path = path.into();
        move |source| WorldError::Io { path, source }
    }

    /// Wraps a libgit2 error with the repository it concerns.
    pub(crate) fn git(repo: impl Into<PathBuf>) -> impl FnOnce(git2::Error) -> WorldError {
        let repo = repo.into();
        move |source| WorldError::Git { repo, source }
    }

    /// A spec problem about `subject`.
    pub(crate) fn spec(subject: impl Into<String>, problem: impl Into<String>) -> WorldError {
        WorldError::Spec {
            subject: subject.into(),
            problem: problem.into(),
        }
    }
}
