//! The operations: clone into a staging directory, fetch, check out.

use std::path::{Path, PathBuf};

use git2::build::CheckoutBuilder;
use git2::{AutotagOption, Direction, ErrorClass, ErrorCode, FetchOptions, Oid, Repository};

use crate::error::GitError;

/// The name of the remote every checkout records its URL under.
const ORIGIN: &str = "origin";
/// The reflog message of every ref this crate moves.
const REFLOG: &str = "archport";

/// Where HEAD goes after [`check_out`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head<'a> {
    /// On `refs/heads/<name>`, which is set to the commit (the state repository follows
    /// its branch).
    Branch(&'a str),
    /// Detached at the commit (a PKGBUILD checkout sits at a tag's commit).
    Detached,
}

/// `{parent}/.{name}.partial`: where [`clone_fresh`] builds the clone of `dest`. It is on
/// the same file system as `dest`, so the swap is a rename, and it is one fixed name per
/// destination, so a run killed half-way leaves at most one, which the next run removes.
/// A package name never starts with `.`, so it never collides with a checkout.
pub fn staging_dir(dest: &Path) -> Result<PathBuf, GitError> {
    let Some(name) = dest.file_name() else {
        return Err(GitError::NoDirectoryName {
            path: dest.to_owned(),
        });
    };
    let mut staging = std::ffi::OsString::from(".");
    staging.push(name);
    staging.push(".partial");
    Ok(dest.with_file_name(staging))
}

/// Makes a fresh clone at `dest`: a repository is initialised in [`staging_dir`]`(dest)`,
/// `fill` fetches into it and checks out (with [`fetch_tag`] or [`fetch_default_branch`],
/// then [`check_out`]), and only when it succeeds is whatever was at `dest` removed and the
/// staging directory renamed into place. On failure the staging directory is removed and
/// `dest` is as it was, so an interruption or a failed clone never leaves less than there
/// was, nor anything that passes for a clone.
///
/// The caller decides that whatever is at `dest` may go (a damaged clone of its own).
pub fn clone_fresh<T, E: From<GitError>>(
    dest: &Path,
    fill: impl FnOnce(&Repository) -> Result<T, E>,
) -> Result<T, E> {
    let staging = staging_dir(dest)?;
    remove_path(&staging)?;
    if let Some(parent) = staging.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| GitError::Io {
            path: parent.to_owned(),
            source,
        })?;
    }
    let filled = Repository::init(&staging)
        .map_err(|e| {
            E::from(GitError::local(
                "cannot create a repository in",
                staging.display().to_string(),
                &e,
            ))
        })
        .and_then(|repo| fill(&repo));
    let value = match filled {
        Ok(value) => value,
        Err(error) => {
            // Best effort: the next clone removes a leftover staging directory anyway.
            let _ = remove_path(&staging);
            return Err(error);
        }
    };
    remove_path(dest)?;
    std::fs::rename(&staging, dest).map_err(|source| GitError::Io {
        path: dest.to_owned(),
        source,
    })?;
    Ok(value)
}

/// The `origin` remote of `repo`, pointed at `url`: the caller's URL is authoritative, so
/// a changed configuration (or a mangled remote URL) needs no re-clone.
pub fn set_origin<'r>(repo: &'r Repository, url: &str) -> Result<git2::Remote<'r>, GitError> {
    let location = || repo_location(repo);
    match repo.find_remote(ORIGIN) {
        Ok(remote) if remote.url().ok() == Some(url) => Ok(remote),
        Ok(_) => {
            repo.remote_set_url(ORIGIN, url)
                .map_err(|e| GitError::local("cannot set the origin URL of", location(), &e))?;
            repo.find_remote(ORIGIN)
                .map_err(|e| GitError::local("cannot read the origin of", location(), &e))
        }
        Err(e) if e.code() == ErrorCode::NotFound => repo
            .remote(ORIGIN, url)
            .map_err(|e| GitError::local("cannot add the origin remote to", location(), &e)),
        Err(e) => Err(GitError::local("cannot read the origin of", location(), &e)),
    }
}

/// Fetches the remote's default branch (the branch its HEAD names, whatever it is called)
/// into `refs/remotes/origin/<branch>`, shallow where the transport allows it, and returns
/// the branch name and its newest commit.
pub fn fetch_default_branch(repo: &Repository, url: &str) -> Result<(String, Oid), GitError> {
    let mut remote = set_origin(repo, url)?;
    let mut connection = remote
        .connect_auth(Direction::Fetch, None, None)
        .map_err(|e| GitError::Connect {
            url: url.to_owned(),
            message: e.message().to_owned(),
        })?;
    let default = connection.default_branch().map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            // libgit2 leaves the message empty here.
            GitError::NoDefaultBranch {
                url: url.to_owned(),
            }
        } else {
            GitError::DefaultBranch {
                url: url.to_owned(),
                message: e.message().to_owned(),
            }
        }
    })?;
    let default = default.as_str().map_err(|_| GitError::DefaultBranch {
        url: url.to_owned(),
        message: "the branch name is not UTF-8".to_owned(),
    })?;
    let Some(branch) = default.strip_prefix("refs/heads/") else {
        return Err(GitError::DefaultBranch {
            url: url.to_owned(),
            message: format!("HEAD names {default}, not a branch"),
        });
    };
    let branch = branch.to_owned();
    let tracking = format!("refs/remotes/{ORIGIN}/{branch}");
    fetch_shallow(
        connection.remote(),
        &format!("+refs/heads/{branch}:{tracking}"),
        url,
        &format!("refs/heads/{branch}"),
    )?;
    drop(connection);

    let location = || repo_location(repo);
    let oid = repo.refname_to_id(&tracking).map_err(|e| {
        GitError::local(format!("no {tracking} after fetching into"), location(), &e)
    })?;
    repo.reference_symbolic(
        &format!("refs/remotes/{ORIGIN}/HEAD"),
        &tracking,
        true,
        REFLOG,
    )
    .map_err(|e| GitError::local("cannot record the remote HEAD in", location(), &e))?;
    Ok((branch, oid))
}

/// Fetches the remote's branch `branch` into `refs/remotes/origin/<branch>`, shallow where
/// the transport allows it, and returns its newest commit, or `None` when the remote has no
/// such branch (for a checkout that follows a named branch rather than the default one).
pub fn fetch_branch(repo: &Repository, url: &str, branch: &str) -> Result<Option<Oid>, GitError> {
    let tracking = format!("refs/remotes/{ORIGIN}/{branch}");
    let location = || repo_location(repo);
    // A tracking ref left from an earlier fetch must not stand in for a deleted branch.
    if let Ok(mut stale) = repo.find_reference(&tracking) {
        stale
            .delete()
            .map_err(|e| GitError::local("cannot delete the old branch ref in", location(), &e))?;
    }
    let mut remote = set_origin(repo, url)?;
    fetch_shallow(
        &mut remote,
        &format!("+refs/heads/{branch}:{tracking}"),
        url,
        &format!("branch {branch}"),
    )?;
    Ok(repo.refname_to_id(&tracking).ok())
}

/// Fetches `refs/tags/<tag>` only, shallow where the transport allows it, and returns the
/// commit it points at, or `None` when the remote has no such tag. A tag left from an
/// earlier fetch is deleted first, so it never stands in for one the remote lacks.
pub fn fetch_tag(repo: &Repository, url: &str, tag: &str) -> Result<Option<Oid>, GitError> {
    let local_ref = format!("refs/tags/{tag}");
    let location = || repo_location(repo);
    if let Ok(mut stale) = repo.find_reference(&local_ref) {
        stale
            .delete()
            .map_err(|e| GitError::local("cannot delete the old tag in", location(), &e))?;
    }
    let mut remote = set_origin(repo, url)?;
    fetch_shallow(
        &mut remote,
        &format!("+{local_ref}:{local_ref}"),
        url,
        &format!("tag {tag}"),
    )?;
    let Ok(reference) = repo.find_reference(&local_ref) else {
        return Ok(None);
    };
    let commit = reference
        .peel_to_commit()
        .map_err(|e| GitError::local(format!("tag {tag} is not a commit in"), url, &e))?;
    Ok(Some(commit.id()))
}

/// Makes the work tree and the index exactly `oid`'s tree, removing untracked and ignored
/// files, and moves HEAD as `head` says. The checkout runs before HEAD moves, so that its
/// baseline is the old commit: files the new commit deletes are removed too.
pub fn check_out(repo: &Repository, oid: Oid, head: Head<'_>) -> Result<(), GitError> {
    let location = repo_location(repo);
    let fail = |action: &str| {
        let location = location.clone();
        let action = action.to_owned();
        move |e: git2::Error| GitError::local(action, location, &e)
    };
    let commit = repo
        .find_commit(oid)
        .map_err(fail("cannot read the fetched commit in"))?;
    let tree = commit
        .tree()
        .map_err(fail("cannot read the fetched tree in"))?;
    let mut options = CheckoutBuilder::new();
    options.force().remove_untracked(true).remove_ignored(true);
    repo.checkout_tree(tree.as_object(), Some(&mut options))
        .map_err(fail("cannot check out the fetched commit in"))?;
    match head {
        Head::Branch(branch) => {
            let local = format!("refs/heads/{branch}");
            repo.reference(&local, oid, true, REFLOG)
                .map_err(fail("cannot move the branch in"))?;
            repo.set_head(&local).map_err(fail("cannot move HEAD of"))?;
        }
        Head::Detached => repo
            .set_head_detached(oid)
            .map_err(fail("cannot move HEAD of"))?,
    }
    let mut index = repo.index().map_err(fail("cannot read the index of"))?;
    index
        .read_tree(&tree)
        .map_err(fail("cannot reset the index of"))?;
    index.write().map_err(fail("cannot write the index of"))
}

/// HEAD's commit in `dir`, read locally (no remote is contacted); `None` if `dir` is not a
/// git checkout or HEAD is unborn.
pub fn head_commit(dir: &Path) -> Option<String> {
    let repo = Repository::open(dir).ok()?;
    let commit = repo.head().ok()?.peel_to_commit().ok()?;
    Some(commit.id().to_string())
}

/// Fetches `refspec` with depth 1, or in full when the transport refuses shallow fetches
/// (libgit2's local transport, used for `file://` URLs and plain paths, does).
fn fetch_shallow(
    remote: &mut git2::Remote<'_>,
    refspec: &str,
    url: &str,
    what: &str,
) -> Result<(), GitError> {
    let fetched = match fetch(remote, refspec, true) {
        Err(e) if e.raw_code() == libgit2_sys::GIT_ENOTSUPPORTED => {
            tracing::debug!(
                url,
                reason = e.message(),
                "shallow fetch unsupported; fetching everything"
            );
            fetch(remote, refspec, false)
        }
        other => other,
    };
    fetched.map_err(|e| GitError::Fetch {
        url: url.to_owned(),
        what: what.to_owned(),
        message: e.message().to_owned(),
        network: is_network_error(&e),
    })
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

/// The work tree (or, bare, the git directory) of `repo`, for error messages.
fn repo_location(repo: &Repository) -> String {
    repo.workdir()
        .unwrap_or_else(|| repo.path())
        .display()
        .to_string()
}

/// Removes whatever is at `path` (directory tree, file or symlink); absent is fine.
fn remove_path(path: &Path) -> Result<(), GitError> {
    let io = |source| GitError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => std::fs::remove_dir_all(path).map_err(io),
        Ok(_) => std::fs::remove_file(path).map_err(io),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io(error)),
    }
}

#[cfg(test)]
mod tests;
