//! The work directory's layout: the one place that knows which directory under it holds
//! what, so no crate joins `"pkgbuilds"` or `"state"` onto a path itself.

use std::path::{Path, PathBuf};

/// The work directory (`paths.workdir`) and everything archport keeps under it:
///
/// ```text
/// {workdir}/
///   pkgbuilds/<pkgbase>/     PKGBUILD checkouts, one per pkgbase
///   sources/<pkgbase>/       makepkg's SRCDEST when archport runs as root (the build user's)
///   cache/                   downloaded sync databases
///   state/                   the state repository checkout
///   logs/                    build logs
///   build-state/             durable build state and the work-directory lock
///   status/                  the published status page
///   packages_to_build.json   the build list
///   failed_packages.json     what the last build run could not build
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workdir {
    root: PathBuf,
}

impl Workdir {
    /// The layout under `root` (not created here: each tool creates what it writes).
    pub fn new(root: impl Into<PathBuf>) -> Workdir {
        Workdir { root: root.into() }
    }

    /// The work directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `pkgbuilds/`: the directory holding one PKGBUILD checkout per pkgbase.
    pub fn pkgbuilds(&self) -> PathBuf {
        self.root.join("pkgbuilds")
    }

    /// `pkgbuilds/<pkgbase>/`. `pkgbase` must be a validated package name (no `/`, no
    /// leading `.`), so the path stays inside `pkgbuilds/`.
    pub fn pkgbuild_dir(&self, pkgbase: &str) -> PathBuf {
        self.pkgbuilds().join(pkgbase)
    }

    /// `sources/<pkgbase>/`: makepkg's SRCDEST (the downloaded sources) when archport runs
    /// as root. makepkg runs as the build user and must write SRCDEST, which otherwise is
    /// the checkout, owned by root; this directory is given to the build user instead, so
    /// the checkouts stay root's (git refuses repositories that another user owns).
    /// `pkgbase` must be a validated package name.
    pub fn sources(&self, pkgbase: &str) -> PathBuf {
        self.root.join("sources").join(pkgbase)
    }

    /// `cache/`: the downloaded sync databases (not the pacman package cache, which is
    /// `paths.cache` and shared with the chroots).
    pub fn db_cache(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// `state/`: the state repository checkout.
    pub fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    /// `logs/`: one log per build step.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// `build-state/`: what lets a build run resume (the queue database, the lock).
    pub fn build_state(&self) -> PathBuf {
        self.root.join("build-state")
    }

    /// `status/`: the status page build runs keep current, publishable as it is.
    pub fn status(&self) -> PathBuf {
        self.root.join("status")
    }

    /// `build-state/build.lock`: the lock every tool that builds in this work directory
    /// takes, so two runs never share the checkouts, the chroot or the logs.
    pub fn lock_file(&self) -> PathBuf {
        self.build_state().join("build.lock")
    }

    /// `packages_to_build.json`: where the build list goes unless `--output` says otherwise.
    pub fn build_list(&self) -> PathBuf {
        self.root.join("packages_to_build.json")
    }

    /// `failed_packages.json`: what the last build run could not build.
    pub fn failed_list(&self) -> PathBuf {
        self.root.join("failed_packages.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_directory_is_under_the_root() {
        let w = Workdir::new("/w");
        assert_eq!(w.root(), Path::new("/w"));
        assert_eq!(w.pkgbuild_dir("vim"), Path::new("/w/pkgbuilds/vim"));
        assert_eq!(w.db_cache(), Path::new("/w/cache"));
        assert_eq!(w.state(), Path::new("/w/state"));
        assert_eq!(w.logs(), Path::new("/w/logs"));
        assert_eq!(w.status(), Path::new("/w/status"));
        assert_eq!(w.lock_file(), Path::new("/w/build-state/build.lock"));
        assert_eq!(w.build_list(), Path::new("/w/packages_to_build.json"));
        assert_eq!(w.failed_list(), Path::new("/w/failed_packages.json"));
    }
}
