//! The git2 operations behind [`crate::fetch`]: fetching one tag or the default branch,
//! first clones that appear atomically, and moving a checkout while keeping local changes.

use std::path::{Path, PathBuf};

use git2::build::CheckoutBuilder;
use git2::{
    ApplyLocation, ApplyOptions, AutotagOption, Diff, DiffFormat, DiffOptions, Direction,
    FetchOptions, Oid, Repository, Status, StatusOptions, Tree,
};

use crate::fetch::FetchError;

/// The remote every checkout records its URL under.
const ORIGIN: &str = "origin";

/// Where (inside `.git/`) local changes wait while the checkout moves.
const SAVED_PATCH: &str = "archport-local-changes.patch";

/// git operations for one pkgbase; carries what every error must name.
pub(crate) struct Git<'a> {
    pkgbase: &'a str,
    url: &'a str,
    dir: &'a Path,
}

/// HEAD's commit in `dir`, read locally (no remote is contacted); `None` if `dir` is not a
/// git checkout or HEAD is unborn.
pub(crate) fn local_head(dir: &Path) -> Option<String> {
    let repo = Repository::open(dir).ok()?;
    let commit = repo.head().ok()?.peel_to_commit().ok()?;
    Some(commit.id().to_string())
}

impl<'a> Git<'a> {
    pub(crate) fn new(pkgbase: &'a str, url: &'a str, dir: &'a Path) -> Self {
        Git { pkgbase, url, dir }
    }

    fn error(&self, action: impl Into<String>, location: &str, source: git2::Error) -> FetchError {
        FetchError::Git {
            pkgbase: self.pkgbase.to_owned(),
            url: location.to_owned(),
            action: action.into(),
            source,
        }
    }

    fn local_error(&self, action: &str, source: git2::Error) -> FetchError {
        self.error(action, &self.dir.display().to_string(), source)
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

    /// Points `origin` at the requested URL (templates may change between runs).
    fn origin<'r>(&self, repo: &'r Repository) -> Result<git2::Remote<'r>, FetchError> {
        match repo.find_remote(ORIGIN) {
            Ok(remote) if remote.url().ok() == Some(self.url) => Ok(remote),
            Ok(_) => {
                repo.remote_set_url(ORIGIN, self.url)
                    .map_err(|e| self.local_error("cannot set the origin URL of", e))?;
                repo.find_remote(ORIGIN)
                    .map_err(|e| self.local_error("cannot read the origin of", e))
            }
            Err(_) => repo
                .remote(ORIGIN, self.url)
                .map_err(|e| self.local_error("cannot add the origin remote to", e)),
        }
    }

    /// Fetch options: no tags beyond those asked for, and depth 1 unless the transport is
    /// libgit2's local one, which refuses shallow fetches.
    fn fetch_options(&self) -> FetchOptions<'static> {
        let mut options = FetchOptions::new();
        options.download_tags(AutotagOption::None);
        if !is_local_transport(self.url) {
            options.depth(1);
        }
        options
    }

    /// Fetches `refs/tags/<tag>` only and returns the commit it points at.
    pub(crate) fn fetch_tag(
        &self,
        repo: &Repository,
        tag: &str,
        version: &str,
    ) -> Result<Oid, FetchError> {
        let local_ref = format!("refs/tags/{tag}");
        // A tag left from an earlier fetch must not stand in for one the remote lacks.
        if let Ok(mut stale) = repo.find_reference(&local_ref) {
            stale
                .delete()
                .map_err(|e| self.local_error("cannot delete the old tag in", e))?;
        }
        let mut remote = self.origin(repo)?;
        remote
            .fetch(
                &[format!("+{local_ref}:{local_ref}")],
                Some(&mut self.fetch_options()),
                None,
            )
            .map_err(|e| self.error(format!("cannot fetch tag {tag} from"), self.url, e))?;
        let reference = repo
            .find_reference(&local_ref)
            .map_err(|_| FetchError::TagMissing {
                pkgbase: self.pkgbase.to_owned(),
                version: version.to_owned(),
                tag: tag.to_owned(),
                url: self.url.to_owned(),
            })?;
        let commit = reference
            .peel_to_commit()
            .map_err(|e| self.error(format!("tag {tag} is not a commit in"), self.url, e))?;
        Ok(commit.id())
    }

    /// Fetches the remote's default branch and returns its newest commit.
    pub(crate) fn fetch_default_branch(&self, repo: &Repository) -> Result<Oid, FetchError> {
        let mut remote = self.origin(repo)?;
        remote
            .connect(Direction::Fetch)
            .map_err(|e| self.error("cannot connect to", self.url, e))?;
        let branch = remote
            .default_branch()
            .ok()
            .and_then(|buf| buf.as_str().ok().map(str::to_owned))
            .ok_or_else(|| FetchError::NoDefaultBranch {
                pkgbase: self.pkgbase.to_owned(),
                url: self.url.to_owned(),
            })?;
        let short = branch.strip_prefix("refs/heads/").unwrap_or(&branch);
        let local_ref = format!("refs/remotes/{ORIGIN}/{short}");
        remote
            .fetch(
                &[format!("+{branch}:{local_ref}")],
                Some(&mut self.fetch_options()),
                None,
            )
            .map_err(|e| self.error(format!("cannot fetch {branch} from"), self.url, e))?;
        let _ = remote.disconnect();
        let commit = repo
            .find_reference(&local_ref)
            .and_then(|r| r.peel_to_commit())
            .map_err(|e| self.error(format!("no {branch} after fetching"), self.url, e))?;
        Ok(commit.id())
    }

    /// A first checkout: init and fetch into a temporary directory beside the final one, check
    /// out the commit `fetch_commit` returns, then rename into place. On any failure the
    /// temporary directory is removed and no checkout directory exists.
    pub(crate) fn clone_fresh(
        &self,
        dest_root: &Path,
        fetch_commit: impl FnOnce(&Repository) -> Result<Oid, FetchError>,
    ) -> Result<Oid, FetchError> {
        std::fs::create_dir_all(dest_root).map_err(|e| self.io_error(dest_root, e))?;
        // `,` cannot occur in a pkgname, so this prefix never matches another pkgbase's.
        let prefix = format!(".archport-fetch,{},", self.pkgbase);
        remove_stale_temporaries(dest_root, &prefix);
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(dest_root)
            .map_err(|e| self.io_error(dest_root, e))?;

        let repo = Repository::init(temp.path())
            .map_err(|e| self.error("cannot create a repository for", self.url, e))?;
        self.origin(&repo)?;
        let oid = fetch_commit(&repo)?;
        let commit = repo
            .find_commit(oid)
            .map_err(|e| self.error("cannot read the fetched commit from", self.url, e))?;
        repo.checkout_tree(commit.as_object(), Some(CheckoutBuilder::new().force()))
            .map_err(|e| self.error("cannot check out the fetched commit from", self.url, e))?;
        repo.set_head_detached(oid)
            .map_err(|e| self.error("cannot set HEAD after fetching", self.url, e))?;
        drop(commit);
        drop(repo);

        let kept = temp.keep();
        if let Err(err) = std::fs::rename(&kept, self.dir) {
            let _ = std::fs::remove_dir_all(&kept);
            return Err(self.io_error(self.dir, err));
        }
        Ok(oid)
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
            let on_disk = std::fs::read(self.dir.join(path));
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

/// libgit2 uses its local transport (which refuses shallow fetches) for `file://` URLs and
/// plain paths.
fn is_local_transport(url: &str) -> bool {
    url.starts_with("file://") || !url.contains("://") && Path::new(url).exists()
}

/// Removes temporary clone directories a killed earlier run left for this pkgbase. Only this
/// pkgbase's prefix is touched, and callers never fetch one pkgbase twice at once.
fn remove_stale_temporaries(dest_root: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dest_root) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let path: PathBuf = entry.path();
            if let Err(err) = std::fs::remove_dir_all(&path) {
                tracing::warn!(
                    "cannot remove stale temporary clone {}: {err}",
                    path.display()
                );
            }
        }
    }
}
