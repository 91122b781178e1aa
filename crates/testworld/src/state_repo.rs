//! The state repository: a bare git repo holding `<repo>-<arch>/<pkgbase>` files, each one
//! line `pkgbase version tag commit`, as Arch's `packaging/state` does.

use std::path::{Path, PathBuf};

use git2::Oid;

use crate::error::WorldError;
use crate::git_util::{Clock, Storage, TreeSpec, commit_tree, open_or_init_bare};
use crate::spec::Repo;

/// One pkgbase's record in the state repository.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StateEntry {
    /// The repository it is published in.
    pub repo: Repo,
    /// Whether it is `arch=(any)` (stored under `<repo>-any`).
    pub any: bool,
    /// The pkgbase.
    pub pkgbase: String,
    /// The full version.
    pub version: String,
    /// The packaging repository's tag for that version.
    pub tag: String,
    /// The commit that tag points to (40 hex digits).
    pub commit: String,
}

impl StateEntry {
    /// The directory holding the file: `core-x86_64`, `extra-any`, ...
    pub fn dir(&self) -> String {
        format!("{}-{}", self.repo, if self.any { "any" } else { "x86_64" })
    }

    /// The file's path inside the repository: `<dir>/<pkgbase>`.
    pub fn file_path(&self) -> String {
        format!("{}/{}", self.dir(), self.pkgbase)
    }

    /// The file's content: `pkgbase version tag commit` and a newline.
    pub fn line(&self) -> String {
        format!(
            "{} {} {} {}\n",
            self.pkgbase, self.version, self.tag, self.commit
        )
    }
}

/// The state repository under `root`: `{root}/git/state`.
pub fn state_repo_path(root: &Path) -> PathBuf {
    root.join("git/state")
}

/// Commits the full state (`entries`, replacing whatever the previous commit held) on
/// branch `main` of the state repository at `path`, created on first use. The tree is
/// built in memory, so one commit of ten thousand files costs one tree write per directory.
pub(crate) fn commit_state<'a>(
    path: &Path,
    entries: impl IntoIterator<Item = &'a StateEntry>,
    message: &str,
    clock: &mut Clock,
) -> Result<Oid, WorldError> {
    let repo = open_or_init_bare(path, "main")?;
    let mut tree = TreeSpec::default();
    // git stores no empty directory: a `<repo>-<arch>` directory appears once it has a file.
    for entry in entries {
        tree.dirs
            .entry(entry.dir())
            .or_default()
            .files
            .insert(entry.pkgbase.clone(), entry.line().into_bytes());
    }
    commit_tree(&repo, Storage::Packed, "main", &tree, message, clock)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn entry_layout_matches_the_state_repository() {
        let entry = StateEntry {
            repo: Repo::Core,
            any: false,
            pkgbase: "zlib".to_owned(),
            version: "1:1.3.1-2".to_owned(),
            tag: "1-1.3.1-2".to_owned(),
            commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        };
        assert_eq!(entry.file_path(), "core-x86_64/zlib");
        assert_eq!(
            entry.line(),
            "zlib 1:1.3.1-2 1-1.3.1-2 0123456789abcdef0123456789abcdef01234567\n"
        );
        let any = StateEntry {
            repo: Repo::Extra,
            any: true,
            ..entry
        };
        assert_eq!(any.dir(), "extra-any");
    }
}
