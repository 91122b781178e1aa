//! Shallow clones over a transport that supports them.
//!
//! libgit2's local transport (`file://`) refuses `depth` (see `local_transport_fetches_
//! everything` in tests/sync.rs), so shallowness is checked over the git protocol: a
//! listener on 127.0.0.1 hands each connection to `git daemon --inetd`, which serves the
//! upstream repository from a temp dir. Needs the `git` executable.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Command, Stdio};

use archport_state::{SyncAction, sync_state_repo};
use common::{Upstream, Workdir, line};
use git2::Repository;

/// Serves the repositories under `base` as `git://127.0.0.1:<port>/<dir>`; returns the port.
fn serve_git(base: &Path) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let base_path = format!("--base-path={}", base.display());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let stream = stream.unwrap();
            let input = OwnedFd::from(stream.try_clone().unwrap());
            let status = Command::new("git")
                .args(["daemon", "--inetd", "--export-all", &base_path])
                .stdin(Stdio::from(input))
                .stdout(Stdio::from(OwnedFd::from(stream)))
                .stderr(Stdio::inherit())
                .status()
                .unwrap();
            assert!(status.success(), "git daemon: {status}");
        }
    });
    port
}

fn commit_count(repo: &Repository) -> usize {
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.count()
}

#[test]
fn clone_and_update_are_shallow_over_the_git_protocol() {
    let upstream = Upstream::standard();
    for version in ["1:1.3.1-3", "1:1.3.1-4"] {
        upstream.write("core-x86_64/zlib", &line("zlib", version));
        upstream.commit(version);
    }
    let served = upstream.path();
    let port = serve_git(served.parent().unwrap());
    let url = format!(
        "git://127.0.0.1:{port}/{}",
        served.file_name().unwrap().to_str().unwrap()
    );
    let work = Workdir::new();

    let outcome = sync_state_repo(&url, &work.state()).unwrap();

    assert_eq!(outcome.action, SyncAction::Cloned);
    assert!(outcome.shallow);
    assert_eq!(outcome.checkout.commit, upstream.head());
    let repo = Repository::open(work.state()).unwrap();
    assert!(repo.is_shallow());
    assert_eq!(commit_count(&repo), 1, "history beyond depth 1 was fetched");
    assert_eq!(
        std::fs::read_to_string(work.state().join(".git/shallow")).unwrap(),
        format!("{}\n", upstream.head())
    );
    assert_eq!(
        std::fs::read_to_string(work.state().join("core-x86_64/zlib")).unwrap(),
        line("zlib", "1:1.3.1-4")
    );

    upstream.write("core-x86_64/zlib", &line("zlib", "1:1.3.1-5"));
    upstream.remove("extra-x86_64/python");
    upstream.commit("zlib 1:1.3.1-5, python gone");

    let outcome = sync_state_repo(&url, &work.state()).unwrap();

    assert!(
        matches!(outcome.action, SyncAction::Updated { .. }),
        "{outcome:?}"
    );
    assert!(outcome.changed());
    assert!(outcome.shallow);
    assert_eq!(outcome.checkout.commit, upstream.head());
    assert_eq!(
        std::fs::read_to_string(work.state().join("core-x86_64/zlib")).unwrap(),
        line("zlib", "1:1.3.1-5")
    );
    assert!(!work.state().join("extra-x86_64/python").exists());
    let repo = Repository::open(work.state()).unwrap();
    assert!(repo.is_shallow());
    assert!(repo.statuses(None).unwrap().is_empty());
}
