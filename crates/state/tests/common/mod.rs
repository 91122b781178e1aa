//! Test support: upstream state repositories made with git2 in a temp dir and served as
//! `file://` URLs, and a capture of tracing output.

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses its own subset; tests may panic

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use git2::{IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature};

/// A commit sha1 to put in state lines.
pub const SHA: &str = "4a5b6c7d8e9f00112233445566778899aabbccdd";

/// A state line for `pkgbase` at `version`, with the tag devtools derives from it.
pub fn line(pkgbase: &str, version: &str) -> String {
    let tag = version.replacen(':', "-", 1).replace('~', ".");
    format!("{pkgbase} {version} {tag} {SHA}\n")
}

/// A non-bare upstream repository whose HEAD is on `branch`.
pub struct Upstream {
    pub dir: tempfile::TempDir,
    pub repo: Repository,
}

impl Upstream {
    /// An upstream with one commit holding `files` (path relative to the root, content).
    pub fn with_files(branch: &str, files: &[(&str, &str)]) -> Upstream {
        let dir = tempfile::tempdir().unwrap();
        let mut options = RepositoryInitOptions::new();
        options.initial_head(branch);
        let repo = Repository::init_opts(dir.path(), &options).unwrap();
        let upstream = Upstream { dir, repo };
        for (path, content) in files {
            upstream.write(path, content);
        }
        upstream.commit("initial");
        upstream
    }

    /// The usual small state repo: zlib in core, python in extra, and two ARCH=any.
    pub fn standard() -> Upstream {
        Upstream::with_files(
            "main",
            &[
                ("core-x86_64/zlib", &line("zlib", "1:1.3.1-2")),
                ("core-any/iana-etc", &line("iana-etc", "20240612-1")),
                ("extra-x86_64/python", &line("python", "3.12.4-1")),
                (
                    "extra-any/python-setuptools",
                    &line("python-setuptools", "1:69.5.1-1"),
                ),
            ],
        )
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    pub fn write(&self, path: &str, content: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).unwrap();
    }

    /// Commits the whole work tree (additions, changes, deletions) on HEAD's branch.
    pub fn commit(&self, message: &str) -> Oid {
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let signature = Signature::now("test", "test@example.org").unwrap();
        let parent = self.repo.head().ok().map(|h| h.peel_to_commit().unwrap());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        self.repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .unwrap()
    }

    pub fn head(&self) -> String {
        self.repo.head().unwrap().target().unwrap().to_string()
    }
}

/// A work dir with the checkout path `{workdir}/state` inside it (not created).
pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn staging(&self) -> PathBuf {
        self.dir.path().join(".state.partial")
    }
}

/// Runs `f` with a subscriber that records everything logged on this thread at WARN.
pub fn capture_warnings<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    (result, text)
}
