//! The git operations behind [`crate::fetch`] for one pkgbase: fetching one tag or the
//! default branch and first clones through archport-git, and what only PKGBUILD checkouts
//! need, moving a checkout while keeping the operator's local changes.

use std::path::Path;

use archport_git::{GitError, Head};
use git2::build::CheckoutBuilder;
use git2::{
    ApplyLocation, ApplyOptions, Diff, DiffFormat, DiffOptions, Oid, Repository, Status,
    StatusOptions, Tree,
};

use crate::error::FetchError;

/// Where (inside `.git/`) local changes wait while the checkout moves.
const SAVED_PATCH: &str = "archport-local-changes.patch";

/// A first clone's failure: archport-git's own (staging, check-out, rename), which still
/// needs the pkgbase, or the caller's fetch, which has it.
enum CloneFailure {
    Git(GitError),
    Fetch(FetchError),
}

impl From<GitError> for CloneFailure {
    fn from(e: GitError) -> CloneFailure {
        CloneFailure::Git(e)
    }
}

/// git operations for one pkgbase; carries what every error must name.
pub(crate) struct Git<'a> {
    pkgbase: &'a str,
    url: &'a str,
    dir: &'a Path,
}

impl<'a> Git<'a> {
    pub(crate) fn new(pkgbase: &'a str, url: &'a str, dir: &'a Path) -> Self {
        Git { pkgbase, url, dir }
    }

    fn git_error(&self, source: GitError) -> FetchError {
        FetchError::Git {
            pkgbase: self.pkgbase.to_owned(),
            source,
        }
    }

    fn local_error(&self, action: &str, source: git2::Error) -> FetchError {
        self.git_error(GitError::local(
            action,
            self.dir.display().to_string(),
            &source,
        ))
    }

    fn io_error(&self, path: &Path, source: std::io::Error) -> FetchError {
        FetchError::Io {
            pkgbase: self.pkgbase.to_owned(),
            path: path.to_path_buf(),
            source,
        }
    }

    /// Opens the existing checkout.
    pub(crate) fn open_checkout(&self) -> Result<Repository, FetchError> {
        if !self.dir.join(".git").exists() {
            return Err(FetchError::NotACheckout {
                pkgbase: self.pkgbase.to_owned(),
                dir: self.dir.to_path_buf(),
            });
        }
        Repository::open(self.dir).map_err(|e| self.local_error("cannot open checkout", e))
    }

    /// Refuses to move a checkout whose HEAD is a commit made locally: only uncommitted
    /// changes are carried over, so such a commit would silently drop out of sight.
    pub(crate) fn ensure_no_local_commits(&self, repo: &Repository) -> Result<(), FetchError> {
        let Ok(head) = repo.head() else {
            // Unborn HEAD: nothing checked out, nothing to lose.
            return Ok(());
        };
        let head = head
            .peel_to_commit()
            .map_err(|e| self.local_error("cannot read HEAD of", e))?
            .id();
        for pattern in ["refs/tags/*", "refs/remotes/*"] {
            let refs = repo
                .references_glob(pattern)
                .map_err(|e| self.local_error("cannot list references of", e))?;
            for reference in refs.flatten() {
                if reference.peel_to_commit().is_ok_and(|c| c.id() == head) {
                    return Ok(());
                }
            }
        }
        Err(FetchError::LocalCommits {
            pkgbase: self.pkgbase.to_owned(),
            dir: self.dir.to_path_buf(),
            commit: head.to_string(),
        })
    }

    /// Fetches `refs/tags/<tag>` only and returns the commit it points at.
    pub(crate) fn fetch_tag(
        &self,
        repo: &Repository,
        tag: &str,
        version: &str,
    ) -> Result<Oid, FetchError> {
        archport_git::fetch_tag(repo, self.url, tag)
            .map_err(|e| self.git_error(e))?
            .ok_or_else(|| FetchError::TagMissing {
                pkgbase: self.pkgbase.to_owned(),
                version: version.to_owned(),
                tag: tag.to_owned(),
                url: self.url.to_owned(),
            })
    }

    /// Fetches the remote's default branch and returns its newest commit.
    pub(crate) fn fetch_default_branch(&self, repo: &Repository) -> Result<Oid, FetchError> {
        archport_git::fetch_default_branch(repo, self.url)
            .map(|(_, oid)| oid)
            .map_err(|e| self.git_error(e))
    }

    /// Fetches the remote's `branch` and returns its newest commit.
    pub(crate) fn fetch_branch(&self, repo: &Repository, branch: &str) -> Result<Oid, FetchError> {
        archport_git::fetch_branch(repo, self.url, branch)
            .map_err(|e| self.git_error(e))?
            .ok_or_else(|| FetchError::BranchMissing {
                pkgbase: self.pkgbase.to_owned(),
                branch: branch.to_owned(),
                url: self.url.to_owned(),
            })
    }

    /// A first checkout through [`archport_git::clone_fresh`]: `fetch_commit` fetches into the
    /// staging repository, the commit it returns is checked out detached, and only then does
    /// the checkout directory appear. On any failure no checkout directory exists.
    pub(crate) fn clone_fresh(
        &self,
        fetch_commit: impl FnOnce(&Repository) -> Result<Oid, FetchError>,
    ) -> Result<Oid, FetchError> {
        archport_git::clone_fresh(self.dir, |repo| -> Result<Oid, CloneFailure> {
            let oid = fetch_commit(repo).map_err(CloneFailure::Fetch)?;
            archport_git::check_out(repo, oid, Head::Detached)?;
            Ok(oid)
        })
        .map_err(|failure| match failure {
            CloneFailure::Git(e) => self.git_error(e),
            CloneFailure::Fetch(e) => e,
        })
    }

    /// Moves the checkout to `oid`, carrying the operator's uncommitted changes over: the diff
    /// of tracked files against HEAD is re-applied after the checkout, and untracked files
    /// stay where they are. Nothing is touched unless all of it fits on the new tree; when it
    /// does not, the error names the files. Returns the carried paths.
    pub(crate) fn switch_to(
        &self,
        repo: &Repository,
        oid: Oid,
        target: &str,
    ) -> Result<Vec<String>, FetchError> {
        let head_tree = match repo.head().and_then(|h| h.peel_to_tree()) {
            Ok(tree) => Some(tree),
            Err(err) if err.code() == git2::ErrorCode::UnbornBranch => None,
            Err(err) => return Err(self.local_error("cannot read HEAD of", err)),
        };
        let new_commit = repo
            .find_commit(oid)
            .map_err(|e| self.local_error("cannot read the fetched commit in", e))?;
        let new_tree = new_commit
            .tree()
            .map_err(|e| self.local_error("cannot read the fetched tree in", e))?;

        // Compare the working files with HEAD's tree directly (not through the index), so
        // staged and unstaged edits are both captured as content.
        let mut diff_options = DiffOptions::new();
        diff_options.show_binary(true);
        let live = repo
            .diff_tree_to_workdir(head_tree.as_ref(), Some(&mut diff_options))
            .map_err(|e| self.local_error("cannot diff the working files of", e))?;
        // A workdir diff reads file contents lazily; the checkout below rewrites those files,
        // so the changes are captured as patch text first.
        let patch = patch_text(&live)
            .map_err(|e| self.local_error("cannot record the local changes of", e))?;
        let diff = Diff::from_buffer(&patch)
            .map_err(|e| self.local_error("cannot record the local changes of", e))?;
        let changed = delta_paths(&diff);
        let untracked = self.untracked_files(repo)?;

        let mut conflicts = self.unappliable(repo, &new_tree, &diff, &changed);
        conflicts.extend(
            untracked
                .iter()
                .filter(|path| self.collides(&new_tree, path))
                .cloned(),
        );
        if !conflicts.is_empty() {
            return Err(FetchError::LocalChangesConflict {
                pkgbase: self.pkgbase.to_owned(),
                dir: self.dir.to_path_buf(),
                target: target.to_owned(),
                files: conflicts,
            });
        }

        // Kept until re-applied, so the changes survive even a failure half-way through.
        let saved_patch = repo.path().join(SAVED_PATCH);
        if !changed.is_empty() {
            std::fs::write(&saved_patch, &patch).map_err(|e| self.io_error(&saved_patch, e))?;
        }

        // The index goes back to HEAD's tree so files staged as new count as untracked and
        // the checkout below leaves them alone; their content is unaffected.
        if let Some(tree) = &head_tree {
            let mut index = repo
                .index()
                .map_err(|e| self.local_error("cannot read the index of", e))?;
            index
                .read_tree(tree)
                .and_then(|()| index.write())
                .map_err(|e| self.local_error("cannot reset the index of", e))?;
        }
        repo.checkout_tree(new_commit.as_object(), Some(CheckoutBuilder::new().force()))
            .map_err(|e| self.local_error("cannot check out the new commit in", e))?;
        repo.set_head_detached(oid)
            .map_err(|e| self.local_error("cannot move HEAD of", e))?;
        if !changed.is_empty() {
            repo.apply(&diff, ApplyLocation::WorkDir, None)
                .map_err(|e| {
                    let action = format!(
                        "cannot re-apply local changes (saved in {}) to",
                        saved_patch.display()
                    );
                    self.local_error(&action, e)
                })?;
            // The changes are in the working files again; the saved copy is only a fallback.
            let _ = std::fs::remove_file(&saved_patch);
        }

        // An untracked file the new tree now holds with the same content is upstream's now.
        let mut carried = changed;
        carried.extend(
            untracked
                .into_iter()
                .filter(|path| new_tree.get_path(Path::new(path)).is_err()),
        );
        if !carried.is_empty() {
            const SHOWN: usize = 10;
            let more = carried.len().saturating_sub(SHOWN);
            let shown = carried
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            tracing::info!(
                pkgbase = self.pkgbase,
                "carried local changes over the update: {shown}{tail}"
            );
        }
        Ok(carried)
    }

    /// Files in the working directory that HEAD's tree does not hold (new, or staged as new),
    /// ignored files excepted.
    fn untracked_files(&self, repo: &Repository) -> Result<Vec<String>, FetchError> {
        let mut options = StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false);
        let statuses = repo
            .statuses(Some(&mut options))
            .map_err(|e| self.local_error("cannot read the status of", e))?;
        let mut files = Vec::new();
        for entry in statuses.iter() {
            let status = entry.status();
            let Ok(path) = entry.path() else { continue };
            // INDEX_NEW: staged with `git add` but in no commit; WT_NEW: never added.
            let staged_new =
                status.contains(Status::INDEX_NEW) && !status.contains(Status::WT_DELETED);
            if status.contains(Status::WT_NEW) || staged_new {
                files.push(path.to_owned());
            }
        }
        Ok(files)
    }

    /// The changed paths whose changes do not apply to `new_tree` (checked in memory).
    fn unappliable(
        &self,
        repo: &Repository,
        new_tree: &Tree<'_>,
        diff: &Diff<'_>,
        changed: &[String],
    ) -> Vec<String> {
        if changed.is_empty() || repo.apply_to_tree(new_tree, diff, None).is_ok() {
            return Vec::new();
        }
        // Try each file alone to name the ones that fail.
        let mut failing = Vec::new();
        for path in changed {
            let mut options = ApplyOptions::new();
            options.delta_callback(|delta| {
                delta.is_some_and(|d| delta_path(&d).as_deref() == Some(path))
            });
            if repo
                .apply_to_tree(new_tree, diff, Some(&mut options))
                .is_err()
            {
                failing.push(path.clone());
            }
        }
        if failing.is_empty() {
            // Each applies alone but not together: name them all rather than guess.
            failing = changed.to_vec();
        }
        failing
    }

    /// Whether an untracked file would be overwritten by (or sits where) the new tree puts
    /// something different.
    fn collides(&self, new_tree: &Tree<'_>, path: &str) -> bool {
        let path = Path::new(path);
        if let Ok(entry) = new_tree.get_path(path) {
            // Only a regular file inside the checkout is compared: an untracked symbolic
            // link (to /dev/zero, say) counts as different, without being followed.
            let on_disk = archport_fs::read_untrusted(self.dir, path, MAX_COMPARED_BYTES);
            let same = entry.kind() == Some(git2::ObjectType::Blob)
                && on_disk.is_ok_and(|bytes| {
                    Oid::hash_object(git2::ObjectType::Blob, &bytes).ok() == Some(entry.id())
                });
            return !same;
        }
        // A file of the new tree where this path needs a directory.
        path.ancestors()
            .skip(1)
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| {
                new_tree
                    .get_path(a)
                    .is_ok_and(|e| e.kind() == Some(git2::ObjectType::Blob))
            })
    }
}

/// The largest untracked file compared with the new tree's blob; a larger one counts as
/// different (packaging repositories hold no file near this size).
const MAX_COMPARED_BYTES: u64 = 64 << 20;

/// `diff` as `git diff` patch text (binary files included as binary patches).
fn patch_text(diff: &Diff<'_>) -> Result<Vec<u8>, git2::Error> {
    let mut patch = Vec::new();
    diff.print(DiffFormat::Patch, |_, _, line| {
        // Content, addition and deletion lines carry their marker separately.
        if matches!(line.origin(), ' ' | '+' | '-') {
            patch.push(line.origin() as u8);
        }
        patch.extend_from_slice(line.content());
        true
    })?;
    Ok(patch)
}

/// The path each delta of `diff` touches.
fn delta_paths(diff: &Diff<'_>) -> Vec<String> {
    diff.deltas().filter_map(|d| delta_path(&d)).collect()
}

fn delta_path(delta: &git2::DiffDelta<'_>) -> Option<String> {
    delta
        .new_file()
        .path()
        .or_else(|| delta.old_file().path())
        .map(|p| p.to_string_lossy().into_owned())
}
