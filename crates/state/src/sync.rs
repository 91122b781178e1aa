//! Keeping the checkout in step with the remote: a shallow clone the first time, then a
//! shallow fetch and a hard reset to the remote's default branch.
//!
//! A damaged clone is replaced by a fresh one; a remote that cannot be reached is an error
//! and leaves the clone alone. The fresh clone is made next to the checkout (in
//! `.<name>.partial`) and swapped in only once complete, so neither an interruption nor a
//! failed re-clone ever leaves less than there was.

use std::path::{Path, PathBuf};

use git2::{
    AutotagOption, Direction, ErrorClass, ErrorCode, FetchOptions, Oid, Repository,
    build::CheckoutBuilder,
};

use crate::checkout::{Checkout, Found, describe, inspect};
use crate::error::StateError;

/// The name of the remote in the clone's configuration.
const REMOTE: &str = "origin";
/// The reflog message of every ref this module moves.
const REFLOG: &str = "archport: sync state repository";

/// What [`sync_state_repo`] did and where the checkout now is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    /// The checkout, at the remote's default branch.
    pub checkout: Checkout,
    /// How it got there.
    pub action: SyncAction,
    /// Whether the clone is shallow. libgit2's local transport (`file://`, plain paths)
    /// cannot fetch shallow, so such clones are complete.
    pub shallow: bool,
}

impl SyncOutcome {
    /// Whether the checkout moved (always true for a clone).
    pub fn changed(&self) -> bool {
        match &self.action {
            SyncAction::Updated { previous } => *previous != self.checkout.commit,
            SyncAction::Cloned | SyncAction::Recloned { .. } => true,
        }
    }
}

/// How [`sync_state_repo`] brought the checkout up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncAction {
    /// There was no checkout; it was cloned.
    Cloned,
    /// The existing checkout was fetched and reset; it was at `previous` before.
    Updated {
        /// The commit checked out before the sync.
        previous: String,
    },
    /// The existing checkout was damaged, so it was deleted and cloned again.
    Recloned {
        /// What was wrong with it.
        reason: String,
    },
}

/// Brings the checkout at `dest` (the caller passes `{workdir}/state`) in step with the
/// state repository at `url`.
///
/// The first run clones with depth 1. Later runs fetch the remote's default branch (the
/// branch its HEAD names, whatever it is called) with depth 1 and hard-reset the work tree
/// to it, removing untracked files, so the work tree is exactly the remote's tree.
///
/// A checkout that cannot be trusted (not a repository, HEAD missing or pointing nowhere,
/// objects missing, a fetch or checkout failing for a reason other than the network) is
/// replaced by a fresh clone, with a warning, and the outcome says so. A network failure
/// is a [`StateError::Remote`] naming `url` and leaves the checkout as it was. Something
/// at `dest` that was never a clone of ours (a regular file, a directory with neither
/// `.git` nor a `<repo>-any/` directory) is refused with [`StateError::Unusable`], never
/// deleted.
pub fn sync_state_repo(url: &str, dest: &Path) -> Result<SyncOutcome, StateError> {
    let reason = match inspect(dest)? {
        Found::Absent => {
            tracing::info!(url, dest = %dest.display(), "cloning the state repository");
            return clone_fresh(url, dest, SyncAction::Cloned);
        }
        Found::Damaged(reason) => reason,
        Found::Healthy(repo) => match update(&repo, url, dest)? {
            Ok(outcome) => return Ok(outcome),
            Err(reason) => reason,
        },
    };
    tracing::warn!(
        url,
        dest = %dest.display(),
        %reason,
        "the state repository clone is damaged; replacing it with a fresh clone"
    );
    clone_fresh(url, dest, SyncAction::Recloned { reason })
}

/// Why a fetch failed: the remote side (keep the clone) or the local one (replace it).
enum FetchFailure {
    Remote(String),
    Local(String),
}

/// Fetches and resets an existing, verified clone. The inner `Err` is a local failure that
/// calls for a fresh clone.
fn update(
    repo: &Repository,
    url: &str,
    dest: &Path,
) -> Result<Result<SyncOutcome, String>, StateError> {
    let previous = match describe(repo, dest) {
        Ok(checkout) => checkout.commit,
        Err(reason) => return Ok(Err(reason)),
    };
    let (branch, oid) = match fetch_default_branch(repo, url) {
        Ok(fetched) => fetched,
        Err(FetchFailure::Remote(message)) => {
            return Err(StateError::Remote {
                url: url.to_owned(),
                message,
            });
        }
        Err(FetchFailure::Local(message)) => return Ok(Err(format!("fetch failed: {message}"))),
    };
    if let Err(message) = check_out(repo, &branch, oid) {
        return Ok(Err(format!("checkout failed: {message}")));
    }
    let checkout = match describe(repo, dest) {
        Ok(checkout) => checkout,
        Err(reason) => return Ok(Err(reason)),
    };
    tracing::debug!(url, %previous, commit = %checkout.commit, "updated the state repository");
    Ok(Ok(SyncOutcome {
        checkout,
        action: SyncAction::Updated { previous },
        shallow: repo.is_shallow(),
    }))
}

/// Clones into a sibling staging directory, then swaps it in for whatever is at `dest`.
fn clone_fresh(url: &str, dest: &Path, action: SyncAction) -> Result<SyncOutcome, StateError> {
    let staging = staging_path(dest)?;
    remove_path(&staging)?;
    if let Some(parent) = staging.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| StateError::Io {
            path: parent.to_owned(),
            error,
        })?;
    }
    if let Err(error) = clone_into(url, &staging, dest) {
        // Best effort: a leftover staging directory is removed by the next run anyway.
        let _ = remove_path(&staging);
        return Err(error);
    }
    remove_path(dest)?;
    std::fs::rename(&staging, dest).map_err(|error| StateError::Io {
        path: dest.to_owned(),
        error,
    })?;

    let clone_error = |message: String| StateError::Clone {
        url: url.to_owned(),
        path: dest.to_owned(),
        message,
    };
    let repo = Repository::open(dest).map_err(|e| clone_error(e.message().to_owned()))?;
    let checkout = describe(&repo, dest).map_err(clone_error)?;
    Ok(SyncOutcome {
        checkout,
        action,
        shallow: repo.is_shallow(),
    })
}

fn clone_into(url: &str, staging: &Path, dest: &Path) -> Result<(), StateError> {
    let clone_error = |message: String| StateError::Clone {
        url: url.to_owned(),
        path: dest.to_owned(),
        message,
    };
    let repo = Repository::init(staging).map_err(|e| clone_error(e.message().to_owned()))?;
    let (branch, oid) = fetch_default_branch(&repo, url).map_err(|failure| match failure {
        FetchFailure::Remote(message) => StateError::Remote {
            url: url.to_owned(),
            message,
        },
        FetchFailure::Local(message) => clone_error(message),
    })?;
    check_out(&repo, &branch, oid).map_err(clone_error)
}

/// Fetches the remote's default branch with depth 1 into `refs/remotes/origin/<branch>`
/// and returns the branch name and its commit.
fn fetch_default_branch(repo: &Repository, url: &str) -> Result<(String, Oid), FetchFailure> {
    let local = |e: git2::Error| FetchFailure::Local(e.message().to_owned());
    // The caller's URL is authoritative: whatever the clone's config says is replaced, so
    // a changed configuration (or a mangled remote URL) needs no re-clone.
    let mut remote = match repo.find_remote(REMOTE) {
        Ok(remote) if remote.url().ok() == Some(url) => remote,
        Ok(_) => {
            repo.remote_set_url(REMOTE, url).map_err(local)?;
            repo.find_remote(REMOTE).map_err(local)?
        }
        Err(e) if e.code() == ErrorCode::NotFound => repo.remote(REMOTE, url).map_err(local)?,
        Err(e) => return Err(local(e)),
    };
    let mut connection = remote
        .connect_auth(Direction::Fetch, None, None)
        .map_err(|e| FetchFailure::Remote(format!("cannot connect: {}", e.message())))?;
    let default = connection.default_branch().map_err(|e| {
        FetchFailure::Remote(if e.code() == ErrorCode::NotFound {
            // libgit2 leaves the message empty here.
            "the remote has no default branch (is it empty?)".to_owned()
        } else {
            format!("cannot resolve the default branch: {}", e.message())
        })
    })?;
    let default = default
        .as_str()
        .map_err(|_| FetchFailure::Remote("the default branch name is not UTF-8".to_owned()))?;
    let Some(branch) = default.strip_prefix("refs/heads/") else {
        return Err(FetchFailure::Remote(format!(
            "HEAD names {default}, not a branch"
        )));
    };
    let branch = branch.to_owned();
    let tracking = format!("refs/remotes/{REMOTE}/{branch}");
    let refspec = format!("+refs/heads/{branch}:{tracking}");

    let fetched = match fetch(connection.remote(), &refspec, true) {
        // libgit2's local transport refuses shallow fetches outright: fetch it all.
        Err(e) if e.raw_code() == libgit2_sys::GIT_ENOTSUPPORTED => {
            tracing::debug!(
                url,
                reason = e.message(),
                "shallow fetch unsupported; fetching everything"
            );
            fetch(connection.remote(), &refspec, false)
        }
        other => other,
    };
    fetched.map_err(|e| {
        let message = format!("fetching {branch} failed: {}", e.message());
        if is_network_error(&e) {
            FetchFailure::Remote(message)
        } else {
            FetchFailure::Local(message)
        }
    })?;
    drop(connection);

    let oid = repo.refname_to_id(&tracking).map_err(local)?;
    repo.reference_symbolic(
        &format!("refs/remotes/{REMOTE}/HEAD"),
        &tracking,
        true,
        REFLOG,
    )
    .map_err(local)?;
    Ok((branch, oid))
}

fn fetch(remote: &mut git2::Remote<'_>, refspec: &str, shallow: bool) -> Result<(), git2::Error> {
    let mut options = FetchOptions::new();
    options
        .download_tags(AutotagOption::None)
        .update_fetchhead(false);
    if shallow {
        options.depth(1);
    }
    remote.fetch(&[refspec], Some(&mut options), Some(REFLOG))
}

/// Errors from the transport rather than from the local repository.
fn is_network_error(e: &git2::Error) -> bool {
    matches!(
        e.class(),
        ErrorClass::Net | ErrorClass::Http | ErrorClass::Ssl | ErrorClass::Ssh
    ) || matches!(e.code(), ErrorCode::Auth | ErrorCode::Certificate)
}

/// Makes the work tree, index and `refs/heads/<branch>` exactly `oid`, with HEAD on the
/// branch. The checkout runs before HEAD moves so that its baseline is the old commit:
/// files the new commit deletes are removed, and untracked files go too.
fn check_out(repo: &Repository, branch: &str, oid: Oid) -> Result<(), String> {
    let msg = |e: git2::Error| e.message().to_owned();
    let commit = repo.find_commit(oid).map_err(msg)?;
    let tree = commit.tree().map_err(msg)?;
    let mut options = CheckoutBuilder::new();
    options.force().remove_untracked(true).remove_ignored(true);
    repo.checkout_tree(tree.as_object(), Some(&mut options))
        .map_err(msg)?;
    let local = format!("refs/heads/{branch}");
    repo.reference(&local, oid, true, REFLOG).map_err(msg)?;
    repo.set_head(&local).map_err(msg)?;
    let mut index = repo.index().map_err(msg)?;
    index.read_tree(&tree).map_err(msg)?;
    index.write().map_err(msg)
}

/// `{parent}/.{name}.partial`: on the same file system as `dest`, so the swap is a rename.
fn staging_path(dest: &Path) -> Result<PathBuf, StateError> {
    let Some(name) = dest.file_name() else {
        return Err(StateError::Unusable {
            path: dest.to_owned(),
            message: "it does not name a directory".to_owned(),
        });
    };
    let mut staging_name = std::ffi::OsString::from(".");
    staging_name.push(name);
    staging_name.push(".partial");
    Ok(dest.with_file_name(staging_name))
}

/// Removes whatever is at `path` (directory tree, file or symlink); absent is fine.
fn remove_path(path: &Path) -> Result<(), StateError> {
    let io = |error| StateError::Io {
        path: path.to_owned(),
        error,
    };
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => std::fs::remove_dir_all(path).map_err(io),
        Ok(_) => std::fs::remove_file(path).map_err(io),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io(error)),
    }
}
