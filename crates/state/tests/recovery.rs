//! A damaged clone is replaced by a fresh one, with a warning; the outcome says why.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::path::Path;

use archport_state::{StateError, SyncAction, open_existing, sync_state_repo};
use common::{Upstream, Workdir, capture_warnings, line};
use git2::{Oid, Repository, Signature};

/// Clones, damages the clone with `damage`, syncs again and checks that the result is a
/// correct fresh clone reported as such with a warning. Returns the reason given.
fn assert_recloned(damage: impl FnOnce(&Path, &Upstream)) -> String {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    damage(&work.state(), &upstream);

    let (outcome, logs) = capture_warnings(|| sync_state_repo(&upstream.url(), &work.state()));
    let outcome = outcome.unwrap();

    let SyncAction::Recloned { reason } = &outcome.action else {
        panic!("expected a re-clone, got {outcome:?}");
    };
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("replacing it with a fresh clone"), "{logs}");
    assert!(logs.contains(reason.as_str()), "{logs}");
    assert_eq!(outcome.checkout.commit, upstream.head());
    assert_eq!(
        std::fs::read_to_string(work.state().join("core-x86_64/zlib")).unwrap(),
        line("zlib", "1:1.3.1-2")
    );
    assert_eq!(open_existing(&work.state()).unwrap(), outcome.checkout);
    assert!(!work.staging().exists());
    // And the fresh clone is healthy: the next sync is a plain update.
    let next = sync_state_repo(&upstream.url(), &work.state()).unwrap();
    assert!(
        matches!(next.action, SyncAction::Updated { .. }),
        "{next:?}"
    );
    reason.clone()
}

#[test]
fn missing_head_file() {
    let reason = assert_recloned(|dest, _| std::fs::remove_file(dest.join(".git/HEAD")).unwrap());
    assert!(
        reason.contains("cannot open it as a git repository"),
        "{reason}"
    );
}

#[test]
fn head_naming_a_missing_branch() {
    let reason = assert_recloned(|dest, _| {
        std::fs::write(dest.join(".git/HEAD"), "ref: refs/heads/nowhere\n").unwrap();
    });
    assert!(reason.contains("HEAD does not resolve"), "{reason}");
}

#[test]
fn head_detached_at_a_missing_commit() {
    let reason = assert_recloned(|dest, _| {
        std::fs::write(dest.join(".git/HEAD"), format!("{}\n", common::SHA)).unwrap();
    });
    assert!(
        reason.contains("HEAD does not point at a readable commit"),
        "{reason}"
    );
}

#[test]
fn deleted_pack_file() {
    let reason = assert_recloned(|dest, _| {
        let mut deleted = 0;
        for item in std::fs::read_dir(dest.join(".git/objects/pack")).unwrap() {
            let path = item.unwrap().path();
            if path.extension().is_some_and(|e| e == "pack") {
                std::fs::remove_file(path).unwrap();
                deleted += 1;
            }
        }
        assert!(deleted > 0, "the clone has no pack file");
    });
    assert!(
        reason.contains("HEAD does not point at a readable commit"),
        "{reason}"
    );
}

#[test]
fn deleted_loose_object() {
    // Commit a new blob in the clone (stored loose), then delete its object file: the
    // commit and trees are intact, only one blob is gone.
    let reason = assert_recloned(|dest, _| {
        let repo = Repository::open(dest).unwrap();
        let blob = repo.blob(line("ghost", "1.0-1").as_bytes()).unwrap();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let tree = head.tree().unwrap();
        let core = repo
            .find_tree(tree.get_name("core-x86_64").unwrap().id())
            .unwrap();
        let mut core = repo.treebuilder(Some(&core)).unwrap();
        core.insert("ghost", blob, 0o100644).unwrap();
        let core = core.write().unwrap();
        let mut root = repo.treebuilder(Some(&tree)).unwrap();
        root.insert("core-x86_64", core, 0o040000).unwrap();
        let root = repo.find_tree(root.write().unwrap()).unwrap();
        let signature = Signature::now("test", "test@example.org").unwrap();
        repo.commit(
            Some("HEAD"),
            &signature,
            &signature,
            "ghost",
            &root,
            &[&head],
        )
        .unwrap();
        std::fs::remove_file(loose_object_path(dest, blob)).unwrap();
    });
    assert!(
        reason.contains("(core-x86_64/ghost) is missing"),
        "{reason}"
    );
}

fn loose_object_path(dest: &Path, oid: Oid) -> std::path::PathBuf {
    let hex = oid.to_string();
    dest.join(".git/objects").join(&hex[..2]).join(&hex[2..])
}

#[test]
fn garbage_config() {
    // An interrupted config write: libgit2 cannot even open the repository.
    let reason = assert_recloned(|dest, _| {
        std::fs::write(dest.join(".git/config"), "[core\n\u{0}garbage = = =\n").unwrap();
    });
    assert!(
        reason.contains("cannot open it as a git repository"),
        "{reason}"
    );
}

#[test]
fn garbage_index() {
    // A truncated index from an interrupted checkout: the reset cannot read it.
    let reason = assert_recloned(|dest, _| {
        std::fs::write(dest.join(".git/index"), b"DIRC\0\0\0\x02garbage").unwrap();
    });
    assert!(reason.contains("checkout failed"), "{reason}");
}

#[test]
fn stale_ref_lock_fails_the_fetch() {
    // A lock file left by an interrupted run: the fetch cannot move the tracking ref. That
    // is a fetch failing for a local reason, so the clone is replaced.
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    std::fs::write(work.state().join(".git/refs/remotes/origin/main.lock"), "").unwrap();
    upstream.write("core-x86_64/zlib", &line("zlib", "1:1.3.1-3"));
    let new_head = upstream.commit("zlib 1:1.3.1-3");

    let (outcome, logs) = capture_warnings(|| sync_state_repo(&upstream.url(), &work.state()));
    let outcome = outcome.unwrap();

    let SyncAction::Recloned { reason } = &outcome.action else {
        panic!("expected a re-clone, got {outcome:?}");
    };
    assert!(reason.contains("fetch failed"), "{reason}");
    assert!(logs.contains(reason.as_str()), "{logs}");
    assert_eq!(outcome.checkout.commit, new_head.to_string());
    assert!(
        !work
            .state()
            .join(".git/refs/remotes/origin/main.lock")
            .exists()
    );
}

#[test]
fn not_a_git_repository_at_all() {
    // A copy of a state tree without any git metadata.
    let reason = assert_recloned(|dest, _| {
        std::fs::remove_dir_all(dest).unwrap();
        std::fs::create_dir_all(dest.join("core-any")).unwrap();
        std::fs::write(dest.join("core-any/iana-etc"), "leftover\n").unwrap();
    });
    assert!(
        reason.contains("cannot open it as a git repository"),
        "{reason}"
    );
}

#[test]
fn git_directory_deleted() {
    let reason = assert_recloned(|dest, _| {
        std::fs::remove_dir_all(dest.join(".git")).unwrap();
    });
    assert!(
        reason.contains("cannot open it as a git repository"),
        "{reason}"
    );
}

#[test]
fn git_directory_emptied() {
    // What an interruption right after `git init` could leave.
    let reason = assert_recloned(|dest, _| {
        std::fs::remove_dir_all(dest).unwrap();
        std::fs::create_dir_all(dest.join(".git")).unwrap();
    });
    assert!(
        reason.contains("cannot open it as a git repository"),
        "{reason}"
    );
}

#[test]
fn a_foreign_directory_is_never_deleted() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    std::fs::create_dir(work.state()).unwrap();
    std::fs::write(work.state().join("notes.txt"), "precious\n").unwrap();

    let error = sync_state_repo(&upstream.url(), &work.state()).unwrap_err();

    assert!(matches!(error, StateError::Unusable { .. }), "{error:?}");
    assert!(
        error.to_string().contains("refusing to delete it"),
        "{error}"
    );
    assert!(work.state().join("notes.txt").is_file());
    assert!(!work.staging().exists());
    let error = open_existing(&work.state()).unwrap_err();
    assert!(matches!(error, StateError::Unusable { .. }), "{error:?}");
}

#[test]
fn a_file_where_the_checkout_should_be_is_never_deleted() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    std::fs::write(work.state(), "precious\n").unwrap();

    let error = sync_state_repo(&upstream.url(), &work.state()).unwrap_err();

    assert!(matches!(error, StateError::Unusable { .. }), "{error:?}");
    assert!(error.to_string().contains("not a directory"), "{error}");
    assert_eq!(std::fs::read_to_string(work.state()).unwrap(), "precious\n");
}

#[test]
fn a_leftover_staging_directory_is_replaced() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    std::fs::create_dir_all(work.staging().join(".git")).unwrap();
    std::fs::write(work.staging().join("junk"), "interrupted clone").unwrap();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert_eq!(outcome.action, SyncAction::Cloned);
    assert!(!work.staging().exists());
    assert!(!work.state().join("junk").exists());
}

#[test]
fn garbage_remote_url_is_overwritten_not_a_reason_to_reclone() {
    // The caller's URL is authoritative, so a mangled `remote.origin.url` is simply
    // replaced: the sync is an ordinary update.
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    Repository::open(work.state())
        .unwrap()
        .remote_set_url("origin", "::garbage::")
        .unwrap();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert!(
        matches!(outcome.action, SyncAction::Updated { .. }),
        "{outcome:?}"
    );
}

#[test]
fn a_damaged_clone_is_kept_when_the_remote_is_unreachable() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    std::fs::remove_file(work.state().join(".git/HEAD")).unwrap();

    let error = sync_state_repo("file:///nonexistent", &work.state()).unwrap_err();

    assert!(error.to_string().contains("file:///nonexistent"), "{error}");
    // Nothing better was obtained, so nothing was deleted.
    assert!(work.state().join("core-x86_64/zlib").is_file());
    assert!(work.state().join(".git/objects").is_dir());
    assert!(!work.staging().exists());
}
