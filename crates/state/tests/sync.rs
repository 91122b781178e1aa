//! Cloning and updating the state repository over `file://`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use archport_state::{StateError, SyncAction, open_existing, sync_state_repo};
use common::{Upstream, Workdir, line};
use git2::Repository;

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn first_sync_clones_the_default_branch() {
    let upstream = Upstream::standard();
    let work = Workdir::new();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert_eq!(outcome.action, SyncAction::Cloned);
    assert!(outcome.changed());
    assert_eq!(outcome.checkout.commit, upstream.head());
    assert_eq!(outcome.checkout.branch.as_deref(), Some("main"));
    assert_eq!(outcome.checkout.root, work.state());
    assert_eq!(
        read(&work.state().join("core-x86_64/zlib")),
        line("zlib", "1:1.3.1-2")
    );
    assert!(work.state().join("extra-any/python-setuptools").is_file());
    assert!(!work.staging().exists());
    let repo = Repository::open(work.state()).unwrap();
    assert_eq!(
        repo.find_remote("origin").unwrap().url().unwrap(),
        upstream.url().as_str()
    );
}

#[test]
fn default_branch_is_whatever_remote_head_names() {
    let upstream = Upstream::with_files("trunk", &[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
    // A stale `main` that must not be picked.
    let first = upstream.repo.head().unwrap().peel_to_commit().unwrap();
    upstream.repo.branch("main", &first, false).unwrap();
    upstream.write("core-x86_64/zlib", &line("zlib", "1.3-2"));
    let trunk_head = upstream.commit("zlib 1.3-2");
    let work = Workdir::new();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert_eq!(outcome.checkout.branch.as_deref(), Some("trunk"));
    assert_eq!(outcome.checkout.commit, trunk_head.to_string());
    assert_eq!(
        read(&work.state().join("core-x86_64/zlib")),
        line("zlib", "1.3-2")
    );

    // The remote switches its default branch: the next sync follows it.
    upstream.repo.set_head("refs/heads/main").unwrap();
    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();
    assert_eq!(outcome.checkout.branch.as_deref(), Some("main"));
    assert_eq!(outcome.checkout.commit, first.id().to_string());
    assert_eq!(
        read(&work.state().join("core-x86_64/zlib")),
        line("zlib", "1.3-1")
    );
}

#[test]
fn second_sync_fetches_and_resets_the_work_tree() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    let first = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    upstream.write("core-x86_64/zlib", &line("zlib", "1:1.3.1-3"));
    upstream.remove("extra-x86_64/python");
    upstream.write("extra-x86_64/python3", &line("python3", "3.13.0-1"));
    let new_head = upstream.commit("update");
    // Local damage to the work tree that a hard reset must undo.
    std::fs::write(work.state().join("core-any/iana-etc"), "edited\n").unwrap();
    std::fs::remove_file(work.state().join("extra-any/python-setuptools")).unwrap();
    std::fs::write(
        work.state().join("extra-x86_64/stray"),
        line("stray", "1-1"),
    )
    .unwrap();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert_eq!(
        outcome.action,
        SyncAction::Updated {
            previous: first.checkout.commit.clone()
        }
    );
    assert!(outcome.changed());
    assert_eq!(outcome.checkout.commit, new_head.to_string());
    let state = work.state();
    assert_eq!(
        read(&state.join("core-x86_64/zlib")),
        line("zlib", "1:1.3.1-3")
    );
    assert!(
        !state.join("extra-x86_64/python").exists(),
        "deleted upstream"
    );
    assert_eq!(
        read(&state.join("extra-x86_64/python3")),
        line("python3", "3.13.0-1")
    );
    assert_eq!(
        read(&state.join("core-any/iana-etc")),
        line("iana-etc", "20240612-1")
    );
    assert!(state.join("extra-any/python-setuptools").is_file());
    assert!(
        !state.join("extra-x86_64/stray").exists(),
        "untracked file left"
    );
    let repo = Repository::open(&state).unwrap();
    assert!(
        repo.statuses(None).unwrap().is_empty(),
        "work tree not clean"
    );
    assert_eq!(
        repo.refname_to_id("refs/remotes/origin/main").unwrap(),
        new_head
    );
}

#[test]
fn sync_without_upstream_changes_reports_no_change() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    let first = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert_eq!(
        outcome.action,
        SyncAction::Updated {
            previous: first.checkout.commit.clone()
        }
    );
    assert!(!outcome.changed());
    assert_eq!(outcome.checkout, first.checkout);
}

#[test]
fn an_empty_existing_directory_is_cloned_into() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    std::fs::create_dir(work.state()).unwrap();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert_eq!(outcome.action, SyncAction::Cloned);
    assert!(work.state().join("core-x86_64/zlib").is_file());
}

#[test]
fn unreachable_url_is_an_error_naming_it_and_keeps_the_clone() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    let first = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    let error = sync_state_repo("file:///nonexistent", &work.state()).unwrap_err();

    assert!(matches!(error, StateError::Remote { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("file:///nonexistent"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    let kept = open_existing(&work.state()).unwrap();
    assert_eq!(kept, first.checkout);
    assert!(work.state().join("core-x86_64/zlib").is_file());
    assert!(!work.staging().exists());
}

#[test]
fn refused_connection_is_an_error_and_keeps_the_clone() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    let first = sync_state_repo(&upstream.url(), &work.state()).unwrap();
    // A port that was just free on 127.0.0.1: connecting to it is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for url in [
        format!("git://127.0.0.1:{port}/state"),
        format!("http://127.0.0.1:{port}/state.git"),
    ] {
        let error = sync_state_repo(&url, &work.state()).unwrap_err();
        assert!(matches!(error, StateError::Remote { .. }), "{error:?}");
        assert!(error.to_string().contains(&url), "{error}");
        assert_eq!(open_existing(&work.state()).unwrap(), first.checkout);
    }
}

#[test]
fn unreachable_url_on_first_sync_leaves_nothing_behind() {
    let work = Workdir::new();

    let error = sync_state_repo("file:///nonexistent", &work.state()).unwrap_err();

    assert!(error.to_string().contains("file:///nonexistent"), "{error}");
    assert!(!work.state().exists());
    assert!(!work.staging().exists());
}

#[test]
fn an_empty_remote_is_an_error_not_a_reason_to_reclone() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    let first = sync_state_repo(&upstream.url(), &work.state()).unwrap();
    let empty = tempfile::tempdir().unwrap();
    Repository::init(empty.path()).unwrap();
    let url = format!("file://{}", empty.path().display());

    let error = sync_state_repo(&url, &work.state()).unwrap_err();

    assert!(matches!(error, StateError::Remote { .. }), "{error:?}");
    assert!(error.to_string().contains(&url), "{error}");
    assert!(error.to_string().contains("no default branch"), "{error}");
    assert_eq!(open_existing(&work.state()).unwrap(), first.checkout);
}

#[test]
fn a_changed_url_is_followed_without_recloning() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    let mirror = Upstream::with_files("main", &[("core-x86_64/zlib", &line("zlib", "2.0-1"))]);

    let outcome = sync_state_repo(&mirror.url(), &work.state()).unwrap();

    assert!(
        matches!(outcome.action, SyncAction::Updated { .. }),
        "{outcome:?}"
    );
    assert_eq!(outcome.checkout.commit, mirror.head());
    assert!(!work.state().join("extra-x86_64/python").exists());
    let repo = Repository::open(work.state()).unwrap();
    assert_eq!(
        repo.find_remote("origin").unwrap().url().unwrap(),
        mirror.url().as_str()
    );
}

#[test]
fn local_transport_fetches_everything() {
    // libgit2 1.9's local transport refuses `depth` (GIT_ENOTSUPPORTED, "shallow fetch is
    // not supported by the local transport"); the sync falls back to a full fetch. If a
    // libgit2 upgrade starts honouring depth here, this test says so.
    let upstream = Upstream::standard();
    upstream.write("core-x86_64/zlib", &line("zlib", "1:1.3.1-3"));
    upstream.commit("second");
    let work = Workdir::new();

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert!(!outcome.shallow);
    let repo = Repository::open(work.state()).unwrap();
    assert!(!repo.is_shallow());
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.parent_count(), 1);
    assert!(head.parent(0).is_ok(), "parent commit fetched");
}

#[test]
fn open_existing_reads_a_checkout_offline() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    let first = sync_state_repo(&upstream.url(), &work.state()).unwrap();
    drop(upstream); // no remote any more: nothing may touch it

    assert_eq!(open_existing(&work.state()).unwrap(), first.checkout);
}

#[test]
fn open_existing_without_checkout_is_an_error() {
    let work = Workdir::new();
    let error = open_existing(&work.state()).unwrap_err();
    assert!(matches!(error, StateError::NoCheckout { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&work.state().display().to_string())
    );

    std::fs::create_dir(work.state()).unwrap();
    let error = open_existing(&work.state()).unwrap_err();
    assert!(matches!(error, StateError::NoCheckout { .. }), "{error:?}");
}

#[test]
fn open_existing_reports_a_damaged_checkout_and_leaves_it() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    std::fs::remove_file(work.state().join(".git/HEAD")).unwrap();

    let error = open_existing(&work.state()).unwrap_err();

    assert!(
        matches!(error, StateError::BrokenCheckout { .. }),
        "{error:?}"
    );
    assert!(work.state().join("core-x86_64/zlib").is_file());
    assert!(work.state().join(".git").is_dir());
}

#[test]
fn open_existing_refuses_a_work_tree_that_differs_from_head() {
    // What an interrupted sync leaves: some files of the new commit, HEAD still old.
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    std::fs::write(
        work.state().join("core-x86_64/zlib"),
        line("zlib", "1:1.3.1-9"),
    )
    .unwrap();

    let error = open_existing(&work.state()).unwrap_err();

    assert!(
        matches!(error, StateError::BrokenCheckout { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("core-x86_64/zlib"), "{error}");
    // A sync puts it right without a re-clone.
    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();
    assert!(
        matches!(outcome.action, SyncAction::Updated { .. }),
        "{outcome:?}"
    );
    assert_eq!(open_existing(&work.state()).unwrap(), outcome.checkout);
}

#[test]
fn a_symlinked_checkout_is_updated_in_place() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    let elsewhere = work.dir.path().join("elsewhere");
    sync_state_repo(&upstream.url(), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, work.state()).unwrap();
    upstream.write("core-x86_64/zlib", &line("zlib", "1:1.3.1-3"));
    upstream.commit("zlib 1:1.3.1-3");

    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    assert!(
        matches!(outcome.action, SyncAction::Updated { .. }),
        "{outcome:?}"
    );
    assert!(
        std::fs::symlink_metadata(work.state())
            .unwrap()
            .is_symlink()
    );
    assert_eq!(
        read(&elsewhere.join("core-x86_64/zlib")),
        line("zlib", "1:1.3.1-3")
    );
}
