use std::path::Path;

use git2::{Repository, Signature};

use super::*;

/// An upstream repository at `dir` on branch `trunk` with one commit holding `file`, and
/// the tag `v1` on it; returns the commit.
fn upstream(dir: &Path, content: &str) -> Oid {
    let repo = Repository::init(dir).unwrap();
    repo.set_head("refs/heads/trunk").unwrap();
    std::fs::write(dir.join("file"), content).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("file")).unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("t", "t@example.org").unwrap();
    let oid = repo
        .commit(Some("HEAD"), &sig, &sig, "one", &tree, &[])
        .unwrap();
    repo.tag_lightweight("v1", &repo.find_object(oid, None).unwrap(), false)
        .unwrap();
    oid
}

fn url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

#[test]
fn staging_dir_is_a_hidden_sibling() {
    assert_eq!(
        staging_dir(Path::new("/w/pkgbuilds/vim")).unwrap(),
        Path::new("/w/pkgbuilds/.vim.partial")
    );
    assert!(matches!(
        staging_dir(Path::new("/")),
        Err(GitError::NoDirectoryName { .. })
    ));
}

#[test]
fn fresh_clone_of_the_default_branch_lands_on_it() {
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up");
    let commit = upstream(&up, "hello");
    let dest = work.path().join("clone");
    let (branch, oid) = clone_fresh(&dest, |repo| -> Result<_, GitError> {
        let (branch, oid) = fetch_default_branch(repo, &url(&up))?;
        check_out(repo, oid, Head::Branch(&branch))?;
        Ok((branch, oid))
    })
    .unwrap();
    assert_eq!((branch.as_str(), oid), ("trunk", commit));
    assert_eq!(std::fs::read_to_string(dest.join("file")).unwrap(), "hello");
    assert_eq!(head_commit(&dest), Some(commit.to_string()));
    let repo = Repository::open(&dest).unwrap();
    assert_eq!(repo.head().unwrap().shorthand().unwrap(), "trunk");
    assert!(!work.path().join(".clone.partial").exists());
}

#[test]
fn a_tag_is_fetched_alone_and_a_missing_one_is_none() {
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up");
    let commit = upstream(&up, "x");
    let dest = work.path().join("clone");
    let oid = clone_fresh(&dest, |repo| -> Result<_, GitError> {
        let oid = fetch_tag(repo, &url(&up), "v1")?.unwrap();
        check_out(repo, oid, Head::Detached)?;
        Ok(oid)
    })
    .unwrap();
    assert_eq!(oid, commit);
    let repo = Repository::open(&dest).unwrap();
    assert!(repo.head_detached().unwrap());
    assert_eq!(fetch_tag(&repo, &url(&up), "v2").unwrap(), None);
}

#[test]
fn a_failed_clone_keeps_what_was_there_and_leaves_no_staging() {
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("clone");
    std::fs::create_dir(&dest).unwrap();
    std::fs::write(dest.join("keep"), "old").unwrap();
    let missing = url(&work.path().join("nowhere"));
    let err = clone_fresh(&dest, |repo| fetch_default_branch(repo, &missing)).unwrap_err();
    assert!(err.is_remote(), "{err}");
    assert!(
        err.to_string().starts_with("cannot connect to file://"),
        "{err}"
    );
    assert!(err.without_url().starts_with("cannot connect: "), "{err}");
    assert_eq!(std::fs::read_to_string(dest.join("keep")).unwrap(), "old");
    assert!(!work.path().join(".clone.partial").exists());
}

#[test]
fn a_hard_reset_removes_untracked_files_and_local_edits() {
    let work = tempfile::tempdir().unwrap();
    let up = work.path().join("up");
    let commit = upstream(&up, "upstream");
    let dest = work.path().join("clone");
    clone_fresh(&dest, |repo| -> Result<_, GitError> {
        let (branch, oid) = fetch_default_branch(repo, &url(&up))?;
        check_out(repo, oid, Head::Branch(&branch))
    })
    .unwrap();
    std::fs::write(dest.join("file"), "edited").unwrap();
    std::fs::write(dest.join("stray"), "untracked").unwrap();
    let repo = Repository::open(&dest).unwrap();
    check_out(&repo, commit, Head::Branch("trunk")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dest.join("file")).unwrap(),
        "upstream"
    );
    assert!(!dest.join("stray").exists());
}
