//! Command-line options that replace configured paths, applied in one place for every tool.

use std::path::{Path, PathBuf};

use crate::Config;

/// Paths given on the command line in place of the configured ones (`--chroot`, `--cache`,
/// `--blacklist`). `None` keeps the configuration's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--chroot DIR`: the devtools chroot directory.
    pub chroot: Option<PathBuf>,
    /// `--cache DIR`: the pacman package cache shared with the chroots.
    pub cache: Option<PathBuf>,
    /// `--blacklist FILE`: a blacklist that must exist (the configured default may be absent).
    pub blacklist: Option<PathBuf>,
}

impl Config {
    /// Puts the command line's paths in place of the configured ones.
    ///
    /// A relative `--chroot` or `--cache` resolves against `cwd`, the directory the command
    /// runs in, and becomes absolute: builds run elsewhere (makechrootpkg in
    /// `pkgbuilds/<pkgbase>/`), where a relative path would name another directory. The
    /// blacklist is read at once, from `cwd`, so its path stays as given and messages name
    /// it as the user wrote it. A `--blacklist` file must exist, unlike the default
    /// `blacklist.txt`, so it sets `paths.blacklist_required`.
    pub fn apply_overrides(&mut self, overrides: &Overrides, cwd: &Path) {
        if let Some(chroot) = &overrides.chroot {
            self.paths.chroot = cwd.join(chroot);
        }
        if let Some(cache) = &overrides.cache {
            self.paths.cache = cwd.join(cache);
        }
        if let Some(blacklist) = &overrides.blacklist {
            self.paths.blacklist = blacklist.clone();
            self.paths.blacklist_required = true;
        }
    }
}
