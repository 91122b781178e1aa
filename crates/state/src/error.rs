//! Errors of this crate: each names the URL, directory or state file that went wrong.

use std::path::PathBuf;

/// Everything that can go wrong while syncing or reading the state repository.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The remote could not be reached or read (unreachable host, refused, not found, no
    /// default branch). The existing clone, if any, is left untouched.
    #[error("state repository {url}: {message}")]
    Remote {
        /// The remote URL as given by the caller.
        url: String,
        /// What libgit2 reported.
        message: String,
    },
    /// A fresh clone failed for a reason that is not the network (disk full, permissions).
    #[error("state repository {url}: cloning into {} failed: {message}", path.display())]
    Clone {
        /// The remote URL as given by the caller.
        url: String,
        /// The checkout directory the clone was meant for.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The checkout directory is refused as a whole: it cannot hold a clone (no parent
    /// directory) or git refuses to open it (owned by another user).
    #[error("{}: cannot use it as the state repository checkout: {message}", path.display())]
    Unusable {
        /// The checkout directory.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Offline mode found no checkout to read.
    #[error("{}: no state repository checkout here (sync it once with network access)", path.display())]
    NoCheckout {
        /// The checkout directory that is absent or empty.
        path: PathBuf,
    },
    /// Offline mode found a checkout it cannot trust; a sync would replace it.
    #[error("{}: broken state repository checkout: {reason}", path.display())]
    BrokenCheckout {
        /// The checkout directory.
        path: PathBuf,
        /// What is broken.
        reason: String,
    },
    /// A file-system operation failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// A state file does not hold one valid `pkgbase version tag commit` line.
    #[error("state file {}: {problem}", printable(file))]
    Malformed {
        /// The file, relative to the checkout root (`core-x86_64/zlib`).
        file: PathBuf,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// Neither `<repo>-<arch>/` nor `<repo>-any/` exists: most likely a misspelt repo name.
    #[error("{}: neither {repo}-{arch}/ nor {repo}-any/ exists", root.display())]
    UnknownRepo {
        /// The checkout root.
        root: PathBuf,
        /// The repository name asked for.
        repo: String,
        /// The architecture asked for.
        arch: String,
    },
    /// A repository or architecture name that cannot name a state directory.
    #[error("invalid {what} name {name:?}")]
    InvalidName {
        /// `"repository"` or `"architecture"`.
        what: &'static str,
        /// The rejected name.
        name: String,
    },
}

/// What is wrong with one state file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// The file name is not a valid pkgbase (or not UTF-8).
    #[error("file name is not a valid pkgbase")]
    InvalidFileName,
    /// A directory where a state file was expected.
    #[error("a directory, expected a state file")]
    UnexpectedDirectory,
    /// The file is far larger than one state line.
    #[error("file is larger than 4096 bytes, not a state line")]
    TooLarge,
    /// The content is not UTF-8.
    #[error("content is not UTF-8")]
    NotUtf8,
    /// The file holds no line.
    #[error("file is empty")]
    Empty,
    /// The file holds more than one line.
    #[error("expected one line, found {0}")]
    SeveralLines(usize),
    /// The line does not have four fields.
    #[error("expected 4 fields `pkgbase version tag commit`, found {0}")]
    FieldCount(usize),
    /// The first field is not a valid package name. The field is not quoted: a state file
    /// comes from someone else's repository, and nothing of its content is echoed.
    #[error("the first field is not a valid pkgbase")]
    InvalidPkgbase,
    /// The first field differs from the file name.
    #[error("the pkgbase field does not match the file name")]
    NameMismatch,
    /// The version is not `[epoch:]pkgver-pkgrel`.
    #[error("the version field is not [epoch:]pkgver-pkgrel")]
    InvalidVersion,
    /// The commit is not 40 lowercase hex digits.
    #[error("the commit field is not a 40-digit lowercase hex sha1")]
    InvalidCommit,
    /// The file, or its directory, is a symbolic link: it may point anywhere on this host,
    /// so it is not followed.
    #[error("a symbolic link, expected a regular file inside the checkout")]
    Symlink,
    /// A FIFO, device or socket where a state file was expected.
    #[error("{0}, expected a regular file")]
    NotRegularFile(&'static str),
}

/// A path from the checkout with control characters shown as `?`: file names come from git,
/// and a carriage return or newline in one must not forge a line of the log.
fn printable(path: &std::path::Path) -> String {
    path.display()
        .to_string()
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
