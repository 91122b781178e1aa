//! A checkout of the state repository on disk, and the checks that decide whether it can
//! be trusted.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, ObjectType, Repository, StatusOptions, Tree};

use crate::error::StateError;

/// A verified checkout: its work tree is `root` and it is at `commit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The work tree root, as the caller named it.
    pub root: PathBuf,
    /// The commit checked out (40 lowercase hex digits).
    pub commit: String,
    /// The local branch HEAD is on (`main`), or `None` when HEAD is detached.
    pub branch: Option<String>,
}

/// Opens the checkout at `dest` without any network access, for offline runs.
///
/// Fails with [`StateError::NoCheckout`] when `dest` is absent or empty, and with
/// [`StateError::BrokenCheckout`] when it is damaged (not a repository, HEAD pointing
/// nowhere, objects missing) or its work tree differs from HEAD (an interrupted sync); it
/// never modifies anything.
pub fn open_existing(dest: &Path) -> Result<Checkout, StateError> {
    match inspect(dest)? {
        Found::Absent => Err(StateError::NoCheckout {
            path: dest.to_owned(),
        }),
        Found::Damaged(reason) => Err(StateError::BrokenCheckout {
            path: dest.to_owned(),
            reason,
        }),
        Found::Healthy(repo) => check_clean(&repo)
            .and_then(|()| describe(&repo, dest))
            .map_err(|reason| StateError::BrokenCheckout {
                path: dest.to_owned(),
                reason,
            }),
    }
}

/// Checks that the work tree is exactly HEAD's tree. Offline runs read the work tree
/// as it is, and an interrupted sync leaves it half-way between two commits.
fn check_clean(repo: &Repository) -> Result<(), String> {
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = repo
        .statuses(Some(&mut options))
        .map_err(|e| format!("cannot compare the work tree with HEAD: {}", e.message()))?;
    match statuses.iter().next() {
        None => Ok(()),
        Some(first) => Err(format!(
            "the work tree differs from HEAD in {} file(s), first {} (an interrupted sync? a sync resets it)",
            statuses.len(),
            String::from_utf8_lossy(first.path_bytes())
        )),
    }
}

/// What is at the checkout path.
pub(crate) enum Found {
    /// Nothing, or an empty directory: a plain clone will do.
    Absent,
    /// Something that cannot be used as it is; the reason says why.
    Damaged(String),
    /// A repository whose HEAD commit and whole tree are present.
    Healthy(Repository),
}

/// Looks at `dest` and decides whether it holds a usable clone.
pub(crate) fn inspect(dest: &Path) -> Result<Found, StateError> {
    // Follows a symlink: a checkout kept elsewhere and linked here is fine.
    let metadata = match std::fs::metadata(dest) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(error) => {
            return Err(StateError::Io {
                path: dest.to_owned(),
                error,
            });
        }
    };
    if !metadata.is_dir() {
        return Err(StateError::Unusable {
            path: dest.to_owned(),
            message: "it is not a directory; refusing to delete it".to_owned(),
        });
    }
    let is_empty = std::fs::read_dir(dest)
        .map_err(|error| StateError::Io {
            path: dest.to_owned(),
            error,
        })?
        .next()
        .is_none();
    if is_empty {
        return Ok(Found::Absent);
    }
    // `open` does not search parent directories, so a plain directory inside some other
    // repository is never mistaken for the clone.
    let repo = match Repository::open(dest) {
        Ok(repo) => repo,
        // Another user's directory: git is right to refuse, and it is not ours to delete.
        Err(e) if e.code() == ErrorCode::Owner => {
            return Err(StateError::Unusable {
                path: dest.to_owned(),
                message: e.message().to_owned(),
            });
        }
        // Only what looks like our own clone is deleted: a configuration mistake pointing
        // the checkout at someone's directory must not cost them its content.
        Err(e) if looks_like_a_state_clone(dest) => {
            return Ok(Found::Damaged(format!(
                "cannot open it as a git repository: {}",
                e.message()
            )));
        }
        Err(e) => {
            return Err(StateError::Unusable {
                path: dest.to_owned(),
                message: format!(
                    "not a git repository ({}) and nothing in it looks like a state checkout; \
                     refusing to delete it",
                    e.message()
                ),
            });
        }
    };
    match verify(&repo, dest) {
        Ok(()) => Ok(Found::Healthy(repo)),
        Err(reason) => Ok(Found::Damaged(reason)),
    }
}

/// A directory that held a clone of ours: it has a `.git` entry, or a `<repo>-any`
/// directory as every state repository has.
fn looks_like_a_state_clone(dest: &Path) -> bool {
    if std::fs::symlink_metadata(dest.join(".git")).is_ok() {
        return true;
    }
    let Ok(listing) = std::fs::read_dir(dest) else {
        return false;
    };
    listing.flatten().any(|item| {
        item.file_type().is_ok_and(|t| t.is_dir())
            && item
                .file_name()
                .to_str()
                .is_some_and(|name| name.ends_with("-any"))
    })
}

/// Checks that the repository's work tree is `dest` and that HEAD resolves to a commit
/// whose every tree and blob is present: a missing object would otherwise go unnoticed
/// until a later checkout needs it, as fetching only negotiates commits.
fn verify(repo: &Repository, dest: &Path) -> Result<(), String> {
    let Some(workdir) = repo.workdir() else {
        return Err("a bare repository, expected a work tree".to_owned());
    };
    let same_dir = match (workdir.canonicalize(), dest.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same_dir {
        return Err(format!(
            "its work tree is elsewhere ({})",
            workdir.display()
        ));
    }
    let head = repo
        .head()
        .map_err(|e| format!("HEAD does not resolve: {}", e.message()))?;
    let commit = head
        .peel_to_commit()
        .map_err(|e| format!("HEAD does not point at a readable commit: {}", e.message()))?;
    let tree = commit.tree().map_err(|e| {
        format!(
            "commit {} has no readable tree: {}",
            commit.id(),
            e.message()
        )
    })?;
    let odb = repo
        .odb()
        .map_err(|e| format!("cannot open the object database: {}", e.message()))?;
    verify_tree(repo, &odb, &tree, "")
}

fn verify_tree(
    repo: &Repository,
    odb: &git2::Odb<'_>,
    tree: &Tree<'_>,
    prefix: &str,
) -> Result<(), String> {
    for entry in tree.iter() {
        let path = || format!("{prefix}{}", String::from_utf8_lossy(entry.name_bytes()));
        match entry.kind() {
            Some(ObjectType::Tree) => {
                let subtree = repo.find_tree(entry.id()).map_err(|e| {
                    format!(
                        "tree {} ({}) is unreadable: {}",
                        entry.id(),
                        path(),
                        e.message()
                    )
                })?;
                verify_tree(repo, odb, &subtree, &format!("{}/", path()))?;
            }
            Some(ObjectType::Blob) if !odb.exists(entry.id()) => {
                return Err(format!("object {} ({}) is missing", entry.id(), path()));
            }
            // Submodule commits live in other repositories.
            _ => {}
        }
    }
    Ok(())
}

/// The checkout facts of a verified repository.
pub(crate) fn describe(repo: &Repository, dest: &Path) -> Result<Checkout, String> {
    let head = repo
        .head()
        .map_err(|e| format!("HEAD does not resolve: {}", e.message()))?;
    let commit = head
        .peel_to_commit()
        .map_err(|e| format!("HEAD does not point at a readable commit: {}", e.message()))?;
    let branch = if head.is_branch() {
        head.shorthand().ok().map(str::to_owned)
    } else {
        None
    };
    Ok(Checkout {
        root: dest.to_owned(),
        commit: commit.id().to_string(),
        branch,
    })
}
