//! One state file's content: a leaf module, so the parser and the [`crate::State`] that
//! holds its results do not import each other.

use archport_vercmp::PkgName;

/// One state file: the pkgbase at `version`, released as git `tag` at `commit`, found in
/// `<repo>-<arch>/` (or `<repo>-any/` when `any`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateEntry {
    /// The pkgbase (also the file name).
    pub pkgbase: PkgName,
    /// `[epoch:]pkgver-pkgrel`.
    pub version: String,
    /// The git tag of the packaging repository for this version.
    pub tag: String,
    /// The packaging repository commit the tag points at (40 lowercase hex digits).
    pub commit: String,
    /// The repository (`core`, `extra`, ...).
    pub repo: String,
    /// Whether the entry lives in `<repo>-any/` (ARCH=any) rather than `<repo>-<arch>/`.
    pub any: bool,
}

impl StateEntry {
    /// The directory the entry was read from, for `arch` (`core-x86_64`, `extra-any`).
    pub fn dir_name(&self, arch: &str) -> String {
        if self.any {
            format!("{}-any", self.repo)
        } else {
            format!("{}-{arch}", self.repo)
        }
    }
}
