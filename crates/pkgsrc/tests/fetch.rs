//! `fetch` against real git repositories made with git2 in temporary directories and served
//! over `file://`.

mod common;

use std::path::Path;

use archport_pkgsrc::{FetchError, FetchMode, FetchWarning, Progress, current_version};
use common::{Pkgbuilds, Upstream, head_of};
use git2::{Oid, Repository, Signature};

#[test]
fn first_fetch_checks_out_the_tag_of_the_version() {
    let upstream = Upstream::new("vim", "main");
    let plain = upstream.release("9.1.1730-1", &[]);
    let epoch = upstream.release("1:2.0~rc1-1", &[]);
    upstream.commit("1:2.0-1", &[]); // newer, untagged: must not be used
    let pkgbuilds = Pkgbuilds::new();

    let outcome = pkgbuilds
        .fetch(
            "vim",
            "1:2.0~rc1-1",
            Some(&epoch.to_string()),
            FetchMode::Tag,
            &upstream.url(),
        )
        .expect("fetch");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing vim (fetching 1:2.0~rc1-1)..."
    );
    assert_eq!(outcome.commit, Some(epoch.to_string()));
    assert_eq!(outcome.warnings, []);
    assert_eq!(outcome.dir, pkgbuilds.root().join("vim"));
    assert_eq!(head_of(&outcome.dir), epoch.to_string());
    assert_eq!(
        current_version(&outcome.dir).as_deref(),
        Some("1:2.0~rc1-1")
    );
    assert!(
        Repository::open(&outcome.dir)
            .expect("repo")
            .find_reference("refs/tags/1-2.0.rc1-1")
            .is_ok(),
        "the tag derived from the version was fetched"
    );
    assert_eq!(pkgbuilds.entries(), ["vim"], "no temporary directory left");

    let other = Pkgbuilds::new();
    let outcome = other
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &upstream.url())
        .expect("fetch");
    assert_eq!(outcome.commit, Some(plain.to_string()));
    assert_eq!(current_version(&outcome.dir).as_deref(), Some("9.1.1730-1"));
}

#[test]
fn up_to_date_checkout_runs_no_git_operation() {
    let upstream = Upstream::new("vim", "main");
    let oid = upstream.release("9.1.1734-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Tag, &upstream.url())
        .expect("first fetch");

    // With the upstream gone and an unreachable URL, any fetch or remote would fail.
    std::fs::remove_dir_all(&upstream.path).expect("remove upstream");
    for url in [
        upstream.url(),
        "https://unreachable.invalid/vim.git".to_owned(),
    ] {
        let outcome = pkgbuilds
            .fetch(
                "vim",
                "9.1.1734-1",
                Some(&oid.to_string()),
                FetchMode::Tag,
                &url,
            )
            .expect("no git needed");
        assert_eq!(
            outcome.progress.to_string(),
            "Processing vim (already up to date: 9.1.1734-1)..."
        );
        assert_eq!(outcome.commit, Some(oid.to_string()));
        assert_eq!(outcome.warnings, []);
    }
}

#[test]
fn newer_version_updates_the_checkout_to_its_tag() {
    let upstream = Upstream::new("vim", "main");
    upstream.release("9.1.1730-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    pkgbuilds
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &upstream.url())
        .expect("first fetch");
    let newer = upstream.release("9.1.1734-1", &[("vim.install", "post_install() { :; }\n")]);

    let outcome = pkgbuilds
        .fetch(
            "vim",
            "9.1.1734-1",
            Some(&newer.to_string()),
            FetchMode::Tag,
            &upstream.url(),
        )
        .expect("update");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing vim (updating 9.1.1730-1 -> 9.1.1734-1)..."
    );
    assert_eq!(outcome.commit, Some(newer.to_string()));
    assert_eq!(head_of(&outcome.dir), newer.to_string());
    assert_eq!(current_version(&outcome.dir).as_deref(), Some("9.1.1734-1"));
    assert!(outcome.dir.join("vim.install").is_file());
    assert_eq!(outcome.carried_changes, Vec::<String>::new());
}

#[test]
fn tag_not_at_the_recorded_commit_warns() {
    let upstream = Upstream::new("vim", "main");
    let old = upstream.release("9.1.1730-1", &[]);
    let tagged = upstream.release("9.1.1734-1", &[]);
    let pkgbuilds = Pkgbuilds::new();

    let outcome = pkgbuilds
        .fetch(
            "vim",
            "9.1.1734-1",
            Some(&old.to_string()),
            FetchMode::Tag,
            &upstream.url(),
        )
        .expect("fetch despite the mismatch");
    assert_eq!(outcome.commit, Some(tagged.to_string()));
    assert_eq!(
        outcome.warnings,
        [FetchWarning::CommitMismatch {
            pkgbase: "vim".to_owned(),
            tag: "9.1.1734-1".to_owned(),
            expected: old.to_string(),
            actual: tagged.to_string(),
        }]
    );
    assert_eq!(
        outcome.warnings[0].to_string(),
        format!(
            "vim: tag 9.1.1734-1 is at commit {tagged}, but the state repository records {old}"
        )
    );

    // An abbreviated recorded commit that matches is no mismatch.
    let again = Pkgbuilds::new();
    let outcome = again
        .fetch(
            "vim",
            "9.1.1734-1",
            Some(&tagged.to_string()[..12]),
            FetchMode::Tag,
            &upstream.url(),
        )
        .expect("fetch");
    assert_eq!(outcome.warnings, []);
}

#[test]
fn latest_mode_takes_the_default_branch_head() {
    let upstream = Upstream::new("vim", "main");
    upstream.release("9.1.1730-1", &[]);
    let untagged = upstream.commit("9.1.1731-1", &[]);
    let pkgbuilds = Pkgbuilds::new();

    let outcome = pkgbuilds
        .fetch(
            "vim",
            "9.1.1730-1",
            None,
            FetchMode::Latest,
            &upstream.url(),
        )
        .expect("fetch latest");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing vim (fetching 9.1.1730-1)..."
    );
    assert_eq!(outcome.commit, Some(untagged.to_string()));
    assert_eq!(current_version(&outcome.dir).as_deref(), Some("9.1.1731-1"));

    let newest = upstream.commit("9.1.1732-1", &[]);
    let outcome = pkgbuilds
        .fetch(
            "vim",
            "9.1.1730-1",
            None,
            FetchMode::Latest,
            &upstream.url(),
        )
        .expect("update to latest");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing vim (updating to latest commit)..."
    );
    assert_eq!(outcome.commit, Some(newest.to_string()));
    assert_eq!(head_of(&outcome.dir), newest.to_string());
}

#[test]
fn aur_mode_takes_the_newest_commit() {
    let aur = Upstream::new("yay", "master");
    aur.commit("12.4.2-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    let outcome = pkgbuilds
        .fetch("yay", "", None, FetchMode::Aur, &aur.url())
        .expect("fetch from AUR");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing yay (fetching from AUR)..."
    );
    assert_eq!(current_version(&outcome.dir).as_deref(), Some("12.4.2-1"));

    let newest = aur.commit("12.5.0-1", &[]);
    let outcome = pkgbuilds
        .fetch("yay", "", None, FetchMode::Aur, &aur.url())
        .expect("update from AUR");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing yay (fetching from AUR)..."
    );
    assert_eq!(outcome.commit, Some(newest.to_string()));
    assert_eq!(current_version(&outcome.dir).as_deref(), Some("12.5.0-1"));
}

#[test]
fn local_mode_uses_the_directory_without_git() {
    let pkgbuilds = Pkgbuilds::new();
    let dir = pkgbuilds.root().join("mytool");
    std::fs::create_dir(&dir).expect("mkdir");
    let err = pkgbuilds
        .fetch("mytool", "1-1", None, FetchMode::Local, "file:///unused")
        .expect_err("no PKGBUILD yet");
    assert!(matches!(err, FetchError::NoPkgbuild { .. }));
    assert_eq!(
        err.to_string(),
        format!("mytool: no PKGBUILD in {}", dir.display())
    );

    std::fs::write(dir.join("PKGBUILD"), "pkgname=mytool\npkgver=1\npkgrel=1\n").expect("write");
    let outcome = pkgbuilds
        .fetch("mytool", "1-1", None, FetchMode::Local, "file:///unused")
        .expect("local");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing mytool (using local PKGBUILD)..."
    );
    assert_eq!(outcome.commit, None);
    assert!(!dir.join(".git").exists(), "no git at all");
}

#[test]
fn no_update_mode_keeps_the_existing_checkout() {
    let upstream = Upstream::new("vim", "main");
    let old = upstream.release("9.1.1730-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    let err = pkgbuilds
        .fetch(
            "vim",
            "9.1.1734-1",
            None,
            FetchMode::NoUpdate,
            &upstream.url(),
        )
        .expect_err("nothing to keep yet");
    assert!(matches!(err, FetchError::NoPkgbuild { .. }), "{err:?}");

    pkgbuilds
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &upstream.url())
        .expect("fetch");
    upstream.release("9.1.1734-1", &[]);
    let outcome = pkgbuilds
        .fetch(
            "vim",
            "9.1.1734-1",
            None,
            FetchMode::NoUpdate,
            &upstream.url(),
        )
        .expect("no update");
    assert_eq!(
        outcome.progress.to_string(),
        "Processing vim (no update, current: 9.1.1730-1)..."
    );
    assert_eq!(head_of(&outcome.dir), old.to_string());
}

#[test]
fn local_changes_are_carried_over_an_update() {
    let upstream = Upstream::new("vim", "main");
    upstream.release("9.1.1730-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    let dir = pkgbuilds
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &upstream.url())
        .expect("fetch")
        .dir;

    // The operator's port patch: an edit at the end of the PKGBUILD and a new patch file.
    let pkgbuild = std::fs::read_to_string(dir.join("PKGBUILD")).expect("read");
    let patched = format!("{pkgbuild}\n# aarch64: apply fix-arm.patch\n");
    std::fs::write(dir.join("PKGBUILD"), &patched).expect("edit");
    std::fs::write(dir.join("fix-arm.patch"), "--- a/x\n+++ b/x\n").expect("new file");

    let newer = upstream.release("9.1.1734-1", &[]);
    let outcome = pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Tag, &upstream.url())
        .expect("update keeps the patch");
    assert_eq!(head_of(&dir), newer.to_string());
    let mut carried = outcome.carried_changes.clone();
    carried.sort();
    assert_eq!(carried, ["PKGBUILD", "fix-arm.patch"]);

    let now = std::fs::read_to_string(dir.join("PKGBUILD")).expect("read");
    assert!(
        now.contains("pkgver=9.1.1734"),
        "upstream change applied:\n{now}"
    );
    assert!(
        now.ends_with("\n# aarch64: apply fix-arm.patch\n"),
        "local change kept:\n{now}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("fix-arm.patch")).expect("patch kept"),
        "--- a/x\n+++ b/x\n"
    );
    assert_eq!(current_version(&dir).as_deref(), Some("9.1.1734-1"));
    assert!(
        !dir.join(".git/archport-local-changes.patch").exists(),
        "the safety copy goes once the changes are re-applied"
    );
}

#[test]
fn conflicting_local_changes_fail_naming_the_files_and_keep_everything() {
    let upstream = Upstream::new("vim", "main");
    let old = upstream.release("9.1.1730-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    let dir = pkgbuilds
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &upstream.url())
        .expect("fetch")
        .dir;

    // The operator bumped pkgrel on the very line upstream changes, and wrote a patch file
    // that upstream now ships with other content.
    let pkgbuild = std::fs::read_to_string(dir.join("PKGBUILD")).expect("read");
    let edited = pkgbuild.replace("pkgrel=1", "pkgrel=1.1");
    std::fs::write(dir.join("PKGBUILD"), &edited).expect("edit");
    std::fs::write(dir.join("fix-arm.patch"), "local\n").expect("new file");
    upstream.release("9.1.1734-1", &[("fix-arm.patch", "upstream\n")]);

    let err = pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Tag, &upstream.url())
        .expect_err("conflict");
    match &err {
        FetchError::LocalChangesConflict { pkgbase, files, .. } => {
            assert_eq!(pkgbase, "vim");
            assert_eq!(files, &["PKGBUILD", "fix-arm.patch"]);
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "vim: local changes in {} conflict with 9.1.1734-1: PKGBUILD, fix-arm.patch",
            dir.display()
        )
    );
    assert_eq!(head_of(&dir), old.to_string(), "checkout not moved");
    assert_eq!(
        std::fs::read_to_string(dir.join("PKGBUILD")).expect("read"),
        edited
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("fix-arm.patch")).expect("read"),
        "local\n"
    );
}

#[test]
fn local_commits_are_not_left_behind() {
    let upstream = Upstream::new("vim", "main");
    upstream.release("9.1.1730-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    let dir = pkgbuilds
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &upstream.url())
        .expect("fetch")
        .dir;
    // The operator commits a change on the detached HEAD.
    let repo = Repository::open(&dir).expect("open");
    std::fs::write(dir.join("fix-arm.patch"), "x\n").expect("write");
    let mut index = repo.index().expect("index");
    index.add_path(Path::new("fix-arm.patch")).expect("add");
    index.write().expect("write");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("tree");
    let parent = repo.head().expect("head").peel_to_commit().expect("commit");
    let signature = Signature::now("Operator", "op@example.org").expect("sig");
    let local = repo
        .commit(
            Some("HEAD"),
            &signature,
            &signature,
            "arm fix",
            &tree,
            &[&parent],
        )
        .expect("commit");

    upstream.release("9.1.1734-1", &[]);
    let err = pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Tag, &upstream.url())
        .expect_err("local commit");
    assert!(
        matches!(&err, FetchError::LocalCommits { commit, .. } if *commit == local.to_string()),
        "{err:?}"
    );
    assert_eq!(head_of(&dir), local.to_string());
}

#[test]
fn failed_first_fetch_leaves_no_checkout() {
    let pkgbuilds = Pkgbuilds::new();
    let missing = pkgbuilds.root().join("no-such-upstream.git");
    let url = format!("file://{}", missing.display());
    let err = pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Tag, &url)
        .expect_err("repository missing");
    assert!(matches!(err, FetchError::Git { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("vim: cannot fetch tag 9.1.1734-1 from "),
        "{text}"
    );
    assert!(text.contains(&url), "{text}");
    assert_eq!(
        pkgbuilds.entries(),
        Vec::<String>::new(),
        "nothing left behind"
    );
}

#[test]
fn missing_tag_fails_naming_tag_and_url() {
    let upstream = Upstream::new("vim", "main");
    upstream.release("9.1.1730-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    let err = pkgbuilds
        .fetch("vim", "1:9.1.1734-1", None, FetchMode::Tag, &upstream.url())
        .expect_err("no such tag");
    assert_eq!(
        err.to_string(),
        format!(
            "vim: tag 1-9.1.1734-1 (version 1:9.1.1734-1) not found in {}",
            upstream.url()
        )
    );
    assert_eq!(
        pkgbuilds.entries(),
        Vec::<String>::new(),
        "nothing left behind"
    );

    // An existing checkout stays as it was.
    let old = pkgbuilds
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &upstream.url())
        .expect("fetch")
        .commit;
    let err = pkgbuilds
        .fetch("vim", "9.1.1799-1", None, FetchMode::Tag, &upstream.url())
        .expect_err("no such tag");
    assert!(matches!(err, FetchError::TagMissing { .. }), "{err:?}");
    assert_eq!(Some(head_of(&pkgbuilds.root().join("vim"))), old);
}

#[test]
fn directory_that_is_not_a_checkout_is_left_alone() {
    let upstream = Upstream::new("vim", "main");
    upstream.release("9.1.1734-1", &[]);
    let pkgbuilds = Pkgbuilds::new();
    let dir = pkgbuilds.root().join("vim");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("notes.txt"), "mine\n").expect("write");
    let err = pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Tag, &upstream.url())
        .expect_err("not a checkout");
    assert!(matches!(err, FetchError::NotACheckout { .. }), "{err:?}");
    assert!(dir.join("notes.txt").is_file());
}

#[test]
fn different_pkgbases_fetch_concurrently() {
    let names = ["alpha", "alpha-libs", "beta", "gamma"];
    let upstreams: Vec<(Upstream, Oid)> = names
        .iter()
        .map(|name| {
            let upstream = Upstream::new(name, "main");
            let oid = upstream.release("1.0-1", &[]);
            (upstream, oid)
        })
        .collect();
    let pkgbuilds = Pkgbuilds::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = upstreams
            .iter()
            .zip(names)
            .map(|((upstream, _), name)| {
                let pkgbuilds = &pkgbuilds;
                let url = upstream.url();
                scope.spawn(move || pkgbuilds.fetch(name, "1.0-1", None, FetchMode::Tag, &url))
            })
            .collect();
        for (handle, (_, oid)) in handles.into_iter().zip(&upstreams) {
            let outcome = handle.join().expect("thread").expect("fetch");
            assert_eq!(outcome.commit, Some(oid.to_string()));
            assert!(matches!(outcome.progress, Progress::Fetching { .. }));
        }
    });
    assert_eq!(pkgbuilds.entries(), names);
}

#[test]
fn staged_binary_and_deleted_changes_are_carried_too() {
    let upstream = Upstream::new("fw", "main");
    let logo: &str = "\u{89}PNG\r\n\u{1a}\n\0\0\0\rIHDR";
    upstream.release("1-1", &[("logo.png", logo), ("obsolete.patch", "old\n")]);
    let pkgbuilds = Pkgbuilds::new();
    let dir = pkgbuilds
        .fetch("fw", "1-1", None, FetchMode::Tag, &upstream.url())
        .expect("fetch")
        .dir;

    // A replaced binary, a removed patch, and a new file staged with `git add`.
    let port_logo = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-aarch64\0\x01";
    std::fs::write(dir.join("logo.png"), port_logo).expect("binary edit");
    std::fs::remove_file(dir.join("obsolete.patch")).expect("delete");
    std::fs::write(dir.join("arm.patch"), "staged\n").expect("write");
    let repo = Repository::open(&dir).expect("open");
    let mut index = repo.index().expect("index");
    index.add_path(Path::new("arm.patch")).expect("stage");
    index.write().expect("write index");

    upstream.release("2-1", &[]);
    let outcome = pkgbuilds
        .fetch("fw", "2-1", None, FetchMode::Tag, &upstream.url())
        .expect("update");
    let mut carried = outcome.carried_changes.clone();
    carried.sort();
    assert_eq!(carried, ["arm.patch", "logo.png", "obsolete.patch"]);
    assert_eq!(current_version(&dir).as_deref(), Some("2-1"));
    assert_eq!(
        std::fs::read(dir.join("logo.png")).expect("read"),
        port_logo
    );
    assert!(!dir.join("obsolete.patch").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("arm.patch")).expect("read"),
        "staged\n"
    );
}
