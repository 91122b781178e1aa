//! Errors of publishing.

use std::path::PathBuf;

/// A package that could not be found, published or cleaned up.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The build list's repository has no entry in `upload.repo_map`.
    #[error("repository {repo:?} has no upload target in upload.repo_map (mapped: {mapped})")]
    UnmappedRepo {
        /// The repository.
        repo: String,
        /// The repositories that are mapped, comma separated.
        mapped: String,
    },
    /// A file or directory could not be read, written or removed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        source: std::io::Error,
    },
    /// The local repository's lock could not be taken.
    #[error("locking {path}: {source}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        source: std::io::Error,
    },
    /// A publishing command failed or could not run.
    #[error("{files}: `{command}`: {problem}")]
    Command {
        /// The package file(s) being published.
        files: String,
        /// The command line.
        command: String,
        /// What went wrong: the exit status and the command's last error line.
        problem: String,
    },
    /// A build reported success but left no package file for one of its pkgnames.
    #[error("{dir}: no package file for {pkgname} {version}")]
    MissingPackage {
        /// The package name.
        pkgname: String,
        /// The version built.
        version: String,
        /// The build directory.
        dir: PathBuf,
    },
}

impl UploadError {
    /// Whether this is a file that could not be read, written or removed for lack of
    /// permission (EACCES, EPERM): the pacman cache, which pacman in the container writes
    /// as root, is then cleaned through sudo.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, UploadError::Io { source, .. }
            if source.kind() == std::io::ErrorKind::PermissionDenied)
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> UploadError {
        let path = path.into();
        move |source| UploadError::Io { path, source }
    }
}
