//! The one error type of git operations.

use std::path::PathBuf;

/// A git operation that failed, naming the URL or the path concerned.
///
/// [`GitError::is_remote`] tells the remote side's failures (an existing checkout stays
/// trustworthy) from the local side's (the checkout itself may be damaged).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The remote could not be reached.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        url: String,
        /// libgit2's message.
        message: String,
    },
    /// The remote advertises no default branch (an empty repository).
    #[error("{url} has no default branch")]
    NoDefaultBranch { url: String },
    /// The remote's HEAD could not be resolved to a branch.
    #[error("cannot resolve the default branch of {url}: {message}")]
    DefaultBranch {
        url: String,
        /// What went wrong (libgit2's message, or what HEAD names instead of a branch).
        message: String,
    },
    /// Fetching a ref failed.
    #[error("cannot fetch {what} from {url}: {message}")]
    Fetch {
        url: String,
        /// What was fetched: `tag 1.0-1` or `refs/heads/main`.
        what: String,
        /// libgit2's message.
        message: String,
        /// Whether the transport failed (network, HTTP, TLS, SSH, authentication) rather
        /// than the local repository.
        network: bool,
    },
    /// An operation on a local repository failed.
    #[error("{action} {location}: {message}")]
    Local {
        /// What was being done, worded to precede `location` (`cannot read HEAD of`).
        action: String,
        /// The checkout path or the URL the repository was fetched from.
        location: String,
        /// libgit2's message.
        message: String,
    },
    /// A file-system operation on a checkout or its staging directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The destination cannot hold a clone (it names no directory).
    #[error("{}: cannot clone here: it does not name a directory", path.display())]
    NoDirectoryName {
        /// The destination given.
        path: PathBuf,
    },
}

impl GitError {
    /// Whether the remote side failed: nothing local was touched, and a checkout that was
    /// fine before still is.
    pub fn is_remote(&self) -> bool {
        match self {
            GitError::Connect { .. }
            | GitError::NoDefaultBranch { .. }
            | GitError::DefaultBranch { .. } => true,
            GitError::Fetch { network, .. } => *network,
            GitError::Local { .. } | GitError::Io { .. } | GitError::NoDirectoryName { .. } => {
                false
            }
        }
    }

    /// The message without the remote URL, for a caller whose own error names the URL
    /// already (`state repository <url>: cannot connect: …`).
    pub fn without_url(&self) -> String {
        match self {
            GitError::Connect { message, .. } => format!("cannot connect: {message}"),
            GitError::NoDefaultBranch { .. } => {
                "the remote has no default branch (is it empty?)".to_owned()
            }
            GitError::DefaultBranch { message, .. } => {
                format!("cannot resolve the default branch: {message}")
            }
            GitError::Fetch { what, message, .. } => format!("cannot fetch {what}: {message}"),
            other => other.to_string(),
        }
    }

    /// A local failure: `action` is worded to precede `location`.
    pub fn local(action: impl Into<String>, location: impl Into<String>, e: &git2::Error) -> Self {
        GitError::Local {
            action: action.into(),
            location: location.into(),
            message: e.message().to_owned(),
        }
    }
}
