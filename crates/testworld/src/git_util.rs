//! Writing commits into bare repositories with git2, with a deterministic author and clock so
//! that the same world always gets the same commit ids.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use git2::{ObjectType, Oid, Repository, RepositoryInitOptions, Signature, Time};

use crate::error::WorldError;

/// The author and committer of every commit in the world.
const AUTHOR: (&str, &str) = ("archport testworld", "testworld@archport.invalid");

/// Commit times: a fixed start, one minute further for each commit of the world.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    next: i64,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            next: 1_700_000_000,
        }
    }

    pub(crate) fn signature(&mut self) -> Result<Signature<'static>, git2::Error> {
        let time = Time::new(self.next, 0);
        self.next += 60;
        Signature::new(AUTHOR.0, AUTHOR.1, &time)
    }
}

/// Opens the bare repository at `path`, creating it with `HEAD` on `branch` if absent.
pub(crate) fn open_or_init_bare(path: &Path, branch: &str) -> Result<Repository, WorldError> {
    if path.exists() {
        return Repository::open_bare(path).map_err(WorldError::git(path));
    }
    let mut opts = RepositoryInitOptions::new();
    opts.bare(true).initial_head(branch).mkpath(true);
    Repository::init_opts(path, &opts).map_err(WorldError::git(path))
}

/// A tree to commit: file name to content, and subdirectory name to subtree.
#[derive(Debug, Default, Clone)]
pub(crate) struct TreeSpec {
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    pub(crate) dirs: BTreeMap<String, TreeSpec>,
}

impl TreeSpec {
    /// Writes the blobs and trees, built in memory, and returns the root tree id.
    pub(crate) fn write(&self, repo: &Repository) -> Result<Oid, git2::Error> {
        let mut builder = repo.treebuilder(None)?;
        for (name, content) in &self.files {
            let blob = repo.blob(content)?;
            builder.insert(name, blob, 0o100644)?;
        }
        for (name, dir) in &self.dirs {
            let tree = dir.write(repo)?;
            builder.insert(name, tree, 0o040000)?;
        }
        builder.write()
    }
}

/// How a commit's new objects are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Storage {
    /// One file per object: cheapest for a handful of objects.
    Loose,
    /// One packfile for all: ten thousand state files cost one file instead of ten thousand.
    Packed,
}

/// Runs `write`; with [`Storage::Packed`], every new object goes to memory first and is then
/// stored as one packfile.
fn store<T>(
    repo: &Repository,
    storage: Storage,
    write: impl FnOnce() -> Result<T, git2::Error>,
) -> Result<T, git2::Error> {
    if storage == Storage::Loose {
        return write();
    }
    let odb = repo.odb()?;
    let mempack = odb.add_new_mempack_backend(1000)?;
    let result = write()?;
    let mut pack = git2::Buf::new();
    mempack.dump(repo, &mut pack)?;
    let mut writer = odb.packwriter()?;
    writer
        .write_all(&pack)
        .map_err(|e| git2::Error::from_str(&format!("writing pack: {e}")))?;
    writer.commit()?;
    mempack.reset()?;
    Ok(result)
}

/// Commits `tree` on `branch` (parent: the branch's current commit, if any). The branch
/// moves only once the objects are on disk.
pub(crate) fn commit_tree(
    repo: &Repository,
    storage: Storage,
    branch: &str,
    tree: &TreeSpec,
    message: &str,
    clock: &mut Clock,
) -> Result<Oid, WorldError> {
    let path = repo.path().to_path_buf();
    let refname = format!("refs/heads/{branch}");
    let mut inner = || -> Result<Oid, git2::Error> {
        let parent = match repo.find_reference(&refname) {
            Ok(reference) => Some(reference.peel_to_commit()?.id()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => return Err(e),
        };
        let signature = clock.signature()?;
        let commit = store(repo, storage, || {
            let tree = repo.find_tree(tree.write(repo)?)?;
            let parent = parent.map(|id| repo.find_commit(id)).transpose()?;
            let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
            repo.commit(None, &signature, &signature, message, &tree, &parents)
        })?;
        repo.reference(&refname, commit, true, message)?;
        Ok(commit)
    };
    inner().map_err(WorldError::git(path))
}

/// Creates the annotated tag `name` on `commit`, as the Arch packaging repositories do
/// (so consumers have to peel the tag to reach the commit). An existing tag is an error.
pub(crate) fn tag_commit(
    repo: &Repository,
    name: &str,
    commit: Oid,
    clock: &mut Clock,
) -> Result<(), WorldError> {
    let path = repo.path().to_path_buf();
    let mut inner = || -> Result<(), git2::Error> {
        let target = repo.find_object(commit, Some(ObjectType::Commit))?;
        let signature = clock.signature()?;
        repo.tag(name, &target, &signature, name, false)?;
        Ok(())
    };
    inner().map_err(WorldError::git(path))
}
