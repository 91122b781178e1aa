//! Why a bootstrap run could not start or go on. A package that fails to build is not an
//! error here: it ends the run with a [`crate::Summary`] naming it.

use std::path::PathBuf;

use archport_runner::{LockError, RootError, StaleCopyError};

/// A bootstrap run that could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// `--start-from` names a package that stage 1 does not build (a usage error).
    #[error("--start-from {pkgbase}: not a stage-1 package (stage 1: {stage1})")]
    UnknownStartFrom {
        /// The package given.
        pkgbase: String,
        /// Stage 1's packages, space separated.
        stage1: String,
    },
    /// gcc or glibc, which come from special repositories, are not checked out.
    #[error(
        "{}: missing; gcc and glibc come from special repositories and must be checked out by hand before bootstrapping",
        .missing.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    MissingHandCheckouts {
        /// The checkout directories without a PKGBUILD.
        missing: Vec<PathBuf>,
    },
    /// A checkout exists but holds no PKGBUILD: it is left alone, so it cannot be built.
    #[error("{pkgbase}: {} exists but holds no PKGBUILD (it is left as it is; fix or remove it)", dir.display())]
    NoPkgbuild {
        /// The package the problem is about.
        pkgbase: String,
        /// The checkout directory.
        dir: PathBuf,
    },
    /// A package to fetch has no entry in the state repository.
    #[error("{pkgbase}: not in the state repository ({repos}); check it out into {} by hand", dir.display())]
    NotInState {
        /// The package the problem is about.
        pkgbase: String,
        /// The repositories read, comma separated.
        repos: String,
        /// Where the checkout is expected.
        dir: PathBuf,
    },
    /// A stage names something that is not a package name.
    #[error("{pkgbase:?}: {problem}")]
    BadName {
        /// The name.
        pkgbase: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The state repository could not be synced or read.
    #[error("state repository: {0}")]
    State(#[from] archport_state::StateError),
    /// A missing checkout could not be fetched.
    #[error(transparent)]
    Fetch(#[from] archport_pkgsrc::FetchError),
    /// A checkout's `.SRCINFO` could not be read or describes another pkgbase, or its
    /// clone URL could not be made.
    #[error("{pkgbase}: {problem}")]
    Checkout {
        /// The package the problem is about.
        pkgbase: String,
        /// What went wrong.
        problem: String,
    },
    /// Another run (a bootstrap, build-packages) holds the work directory, or the lock file
    /// is unusable.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The root chroot could not be created.
    #[error(transparent)]
    Root(#[from] RootError),
    /// The step record (`build-state/bootstrap.json`) could not be read or written.
    #[error("{}: {problem}", path.display())]
    Record {
        /// The record file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// The working copy an earlier run left is still in use by the build that run left
    /// running (after `kill -9`), so it is not removed.
    #[error(transparent)]
    CopyInUse(#[from] StaleCopyError),
    /// The status page could not be read or written (`--status --html`).
    #[error(transparent)]
    Status(#[from] archport_status::StatusError),
    /// The chroot could not be set up (stale working copy, root chroot).
    #[error("{0}")]
    Chroot(String),
    /// A file or directory could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory, or what it stands for (`signal handlers`).
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl BootstrapError {
    /// Whether this is a usage error (exit code 2) rather than a failure (exit code 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, BootstrapError::UnknownStartFrom { .. })
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> BootstrapError {
        let path = path.into();
        move |source| BootstrapError::Io { path, source }
    }
}
