//! Keeping the checkout in step with the remote: a shallow clone the first time, then a
//! shallow fetch and a hard reset to the remote's default branch.
//!
//! A damaged clone is replaced by a fresh one; a remote that cannot be reached is an error
//! and leaves the clone alone. The fresh clone is made next to the checkout (in
//! `.<name>.partial`) and swapped in only once complete, so neither an interruption nor a
//! failed re-clone ever leaves less than there was.

use std::path::Path;

use archport_git::{GitError, Head, check_out, fetch_default_branch};
use git2::Repository;

use crate::checkout::{Checkout, Found, describe, inspect};
use crate::error::StateError;

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
        Err(error) if error.is_remote() => return Err(git_error(url, dest, error)),
        Err(error) => return Ok(Err(format!("fetch failed: {error}"))),
    };
    if let Err(error) = check_out(repo, oid, Head::Branch(&branch)) {
        return Ok(Err(format!("checkout failed: {error}")));
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

/// Clones the default branch fresh (archport-git swaps it in only once complete), replacing
/// whatever is at `dest`: [`inspect`] has made sure it is a clone of ours.
fn clone_fresh(url: &str, dest: &Path, action: SyncAction) -> Result<SyncOutcome, StateError> {
    archport_git::clone_fresh(dest, |repo| -> Result<(), GitError> {
        let (branch, oid) = fetch_default_branch(repo, url)?;
        check_out(repo, oid, Head::Branch(&branch))
    })
    .map_err(|error| git_error(url, dest, error))?;

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

/// A git failure as the state repository's error: the remote's failures name the URL once.
fn git_error(url: &str, dest: &Path, error: GitError) -> StateError {
    if error.is_remote() {
        return StateError::Remote {
            url: url.to_owned(),
            message: error.without_url(),
        };
    }
    match error {
        GitError::Io { path, source } => StateError::Io {
            path,
            error: source,
        },
        GitError::NoDirectoryName { path } => StateError::Unusable {
            path,
            message: "it does not name a directory".to_owned(),
        },
        other => StateError::Clone {
            url: url.to_owned(),
            path: dest.to_owned(),
            message: other.to_string(),
        },
    }
}
