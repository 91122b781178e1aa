//! Why a fetch failed: a leaf module, so the fetch steps and the git operations behind them
//! do not import each other.

use std::path::PathBuf;

/// Why a fetch failed. Each names the pkgbase and the URL or path involved.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A git operation failed (clone of a missing repository, network, corrupt checkout...).
    #[error("{pkgbase}: {source}")]
    Git {
        pkgbase: String,
        /// What failed, naming the URL or checkout path.
        source: archport_git::GitError,
    },
    /// The repository has no tag for the wanted version.
    #[error("{pkgbase}: tag {tag} (version {version}) not found in {url}")]
    TagMissing {
        pkgbase: String,
        /// The version asked for.
        version: String,
        /// The tag derived from it.
        tag: String,
        url: String,
    },
    /// The repository has no such branch (a per-package source's `branch`).
    #[error("{pkgbase}: branch {branch} not found in {url}")]
    BranchMissing {
        pkgbase: String,
        branch: String,
        url: String,
    },
    /// The version does not give a valid git tag name.
    #[error("{pkgbase}: version {version:?} does not give a valid git tag name")]
    InvalidVersion {
        pkgbase: String,
        /// The version asked for.
        version: String,
    },
    /// The checkout directory exists but is not a git checkout.
    #[error("{pkgbase}: {} exists but is not a git checkout (move it away or use local mode)", dir.display())]
    NotACheckout { pkgbase: String, dir: PathBuf },
    /// Local or no-update mode, and the directory holds no PKGBUILD.
    #[error("{pkgbase}: no PKGBUILD in {}", dir.display())]
    NoPkgbuild { pkgbase: String, dir: PathBuf },
    /// The operator's local changes would not survive the update.
    #[error("{pkgbase}: local changes in {} conflict with {target}: {}", dir.display(), files.join(", "))]
    LocalChangesConflict {
        pkgbase: String,
        /// The checkout.
        dir: PathBuf,
        /// The tag or commit being moved to.
        target: String,
        /// The files whose changes do not apply.
        files: Vec<String>,
    },
    /// HEAD is a local commit that no tag or remote branch holds: moving would orphan it.
    #[error("{pkgbase}: {} is at local commit {commit} that no tag or remote branch contains; refusing to move it", dir.display())]
    LocalCommits {
        pkgbase: String,
        /// The checkout.
        dir: PathBuf,
        /// The local commit.
        commit: String,
    },
    /// A filesystem operation failed.
    #[error("{pkgbase}: {}: {source}", path.display())]
    Io {
        pkgbase: String,
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
