//! Shallow fetches over a network transport: `git daemon` serves the upstream on 127.0.0.1
//! (libgit2's `file://` transport refuses shallow fetches, so the other tests fetch in full).

mod common;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use archport_pkgsrc::{FetchMode, current_version};
use common::{Pkgbuilds, Upstream, head_of};

/// A `git daemon` child serving one directory; killed (by its pid, via `Child`) on drop.
struct GitDaemon {
    child: Child,
    port: u16,
}

impl GitDaemon {
    fn serve(base: &std::path::Path) -> GitDaemon {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("addr")
            .port();
        let child = Command::new("git")
            .arg("daemon")
            .arg("--reuseaddr")
            .arg("--export-all")
            .arg("--listen=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts (the git package must be installed)");
        let daemon = GitDaemon { child, port };
        // Bounded wait for the listener.
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return daemon;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("git daemon did not listen on 127.0.0.1:{port}");
    }

    fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn network_fetches_are_shallow_and_update_by_tag() {
    let upstream = Upstream::new("vim", "main");
    upstream.release("9.1.1720-1", &[]);
    upstream.release("9.1.1730-1", &[]);
    let base = upstream.path.parent().expect("parent").to_path_buf();
    let daemon = GitDaemon::serve(&base);
    let url = daemon.url("vim.git");
    let pkgbuilds = Pkgbuilds::new();

    let first = pkgbuilds
        .fetch("vim", "9.1.1730-1", None, FetchMode::Tag, &url)
        .expect("shallow fetch");
    let repo = git2::Repository::open(&first.dir).expect("checkout");
    assert!(repo.is_shallow(), "depth 1 over git://");
    assert!(
        repo.revparse_single("HEAD~1").is_err(),
        "the parent commit was not fetched"
    );
    assert_eq!(current_version(&first.dir).as_deref(), Some("9.1.1730-1"));

    let newer = upstream.release("9.1.1734-1", &[]);
    let update = pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Tag, &url)
        .expect("shallow update");
    assert_eq!(
        update.progress.to_string(),
        "Processing vim (updating 9.1.1730-1 -> 9.1.1734-1)..."
    );
    assert_eq!(head_of(&update.dir), newer.to_string());

    let newest = upstream.commit("9.1.1735-1", &[]);
    let latest = pkgbuilds
        .fetch("vim", "9.1.1734-1", None, FetchMode::Latest, &url)
        .expect("latest over git://");
    assert_eq!(latest.commit, Some(newest.to_string()));
    assert_eq!(current_version(&latest.dir).as_deref(), Some("9.1.1735-1"));
}
