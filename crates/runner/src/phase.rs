//! Where a build step is.

use std::fmt;

/// The phase of a build step: what a failure is reported against, what the console shows
/// for a running build. Both tools use a subset, in this order or close to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Before anything runs: the log, the checkout.
    Prepare,
    /// Emptying the pacman cache, so nothing stale is installed into the build.
    Cache,
    /// Importing the PGP keys makepkg verifies sources with.
    Keys,
    /// Refreshing the root chroot's package databases (bootstrap).
    Refresh,
    /// Installing what was built so far into the root chroot (bootstrap).
    Install,
    /// Preparing the working copy with the checkdepends (build-packages).
    Checkdepends,
    /// makechrootpkg, and collecting the packages it built.
    Build,
    /// Publishing the packages.
    Upload,
    /// Removing or setting aside the working copy; never fails a step.
    Cleanup,
}

impl Phase {
    /// The phase's name, as logs, the console and the records show it.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Prepare => "prepare",
            Phase::Cache => "cache",
            Phase::Keys => "keys",
            Phase::Refresh => "refresh",
            Phase::Install => "install",
            Phase::Checkdepends => "checkdepends",
            Phase::Build => "build",
            Phase::Upload => "upload",
            Phase::Cleanup => "cleanup",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
