//! Reading a checkout's `<repo>-<arch>/` and `<repo>-any/` directories.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};

use archport_state::{Inconsistency, LineProblem, State, StateError, sync_state_repo};
use archport_vercmp::PkgName;
use common::{SHA, Upstream, Workdir, line};

fn name(s: &str) -> PkgName {
    PkgName::new(s).unwrap()
}

/// A work tree holding `files`, without git: reading needs only the files.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

fn core_extra(root: &Path) -> Result<State, StateError> {
    State::read(root, &["core", "extra"], "x86_64")
}

#[test]
fn reads_arch_and_any_directories_of_each_repo() {
    let dir = tree(&[
        ("core-x86_64/zlib", &line("zlib", "1:1.3.1-2")),
        ("core-any/iana-etc", &line("iana-etc", "20240612-1")),
        ("extra-x86_64/python", &line("python", "3.12.4-1")),
        (
            "extra-any/python-setuptools",
            &line("python-setuptools", "1:69.5.1-1"),
        ),
        // Not asked for: must not be read.
        ("core-testing-x86_64/zlib", &line("zlib", "1:1.3.1-3")),
        ("extra-aarch64/python", &line("python", "9.9-9")),
        ("multilib-x86_64/lib32-zlib", &line("lib32-zlib", "1.3.1-1")),
    ]);

    let state = core_extra(dir.path()).unwrap();

    assert_eq!(state.len(), 4);
    assert_eq!(state.arch(), "x86_64");
    assert_eq!(state.repos(), ["core", "extra"]);
    let zlib = state.get(&name("zlib")).unwrap();
    assert_eq!(zlib.pkgbase, name("zlib"));
    assert_eq!(zlib.version, "1:1.3.1-2");
    assert_eq!(zlib.tag, "1-1.3.1-2");
    assert_eq!(zlib.commit, SHA);
    assert_eq!(zlib.repo, "core");
    assert!(!zlib.any);
    assert_eq!(zlib.dir_name("x86_64"), "core-x86_64");
    let setuptools = state.get(&name("python-setuptools")).unwrap();
    assert_eq!((setuptools.repo.as_str(), setuptools.any), ("extra", true));
    assert_eq!(setuptools.dir_name("x86_64"), "extra-any");
    let iana = state.get(&name("iana-etc")).unwrap();
    assert_eq!((iana.repo.as_str(), iana.any), ("core", true));
    assert!(state.get(&name("lib32-zlib")).is_none());
    assert!(!state.contains(&name("lib32-zlib")));
    assert!(state.all(&name("lib32-zlib")).is_empty());
    let names: Vec<&str> = state.pkgbases().map(PkgName::as_str).collect();
    assert_eq!(names, ["iana-etc", "python", "python-setuptools", "zlib"]);
    assert!(
        state.inconsistencies().is_empty(),
        "{:?}",
        state.inconsistencies()
    );
}

#[test]
fn a_repo_with_only_one_of_its_directories_is_fine() {
    let dir = tree(&[
        ("core-x86_64/zlib", &line("zlib", "1.3-1")),
        ("extra-any/python-six", &line("python-six", "1.16.0-1")),
    ]);
    let state = core_extra(dir.path()).unwrap();
    assert_eq!(state.len(), 2);
}

#[test]
fn a_repo_with_neither_directory_is_an_error() {
    let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
    let error = State::read(dir.path(), &["core", "extar"], "x86_64").unwrap_err();
    assert!(matches!(error, StateError::UnknownRepo { .. }), "{error:?}");
    assert!(error.to_string().contains("extar-x86_64/"), "{error}");
}

#[test]
fn bad_repo_or_arch_names_are_rejected() {
    let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
    for (repos, arch) in [
        (&["../core"][..], "x86_64"),
        (&["core/x"][..], "x86_64"),
        (&[""][..], "x86_64"),
        (&["core"][..], "any"),
        (&["core"][..], "x86/64"),
    ] {
        let error = State::read(dir.path(), repos, arch).unwrap_err();
        assert!(matches!(error, StateError::InvalidName { .. }), "{error:?}");
    }
}

/// Reads a tree with one good file and `bad` at `path`; returns the error.
fn malformed(path: &str, bad: &str) -> (PathBuf, LineProblem, String) {
    let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1")), (path, bad)]);
    match core_extra(dir.path()) {
        Err(error @ StateError::Malformed { .. }) => {
            let text = error.to_string();
            let StateError::Malformed { file, problem } = error else {
                unreachable!()
            };
            (file, problem, text)
        }
        other => panic!("expected a malformed-file error, got {other:?}"),
    }
}

#[test]
fn malformed_files_are_errors_naming_the_file() {
    let cases: Vec<(&str, String, LineProblem)> = vec![
        (
            "extra-x86_64/python",
            "python 3.12.4-1 3.12.4-1\n".to_owned(),
            LineProblem::FieldCount(3),
        ),
        (
            "extra-x86_64/python",
            format!("python 3.12.4-1 3.12.4-1 {SHA} x\n"),
            LineProblem::FieldCount(5),
        ),
        (
            "extra-x86_64/python",
            "python 3.12.4-1 3.12.4-1 deadbeef\n".to_owned(),
            LineProblem::InvalidCommit,
        ),
        (
            "extra-any/python",
            line("python3", "3.12.4-1"),
            LineProblem::NameMismatch,
        ),
        (
            "extra-x86_64/python",
            format!("python 3.12.4 3.12.4 {SHA}\n"),
            LineProblem::InvalidVersion,
        ),
        (
            "extra-x86_64/.python",
            line(".python", "3.12.4-1"),
            LineProblem::InvalidFileName,
        ),
        ("extra-x86_64/python", String::new(), LineProblem::Empty),
        (
            "extra-x86_64/python",
            "x".repeat(5000),
            LineProblem::TooLarge,
        ),
        (
            "extra-x86_64/python",
            format!("{}{}", line("python", "1-1"), line("python", "1-2")),
            LineProblem::SeveralLines(2),
        ),
        (
            "core-x86_64/python/nested",
            "x".to_owned(),
            LineProblem::UnexpectedDirectory,
        ),
    ];
    for (path, content, expected) in cases {
        let (file, problem, text) = malformed(path, &content);
        let expected_file = if expected == LineProblem::UnexpectedDirectory {
            "core-x86_64/python"
        } else {
            path
        };
        assert_eq!(file, Path::new(expected_file), "{path}");
        assert_eq!(problem, expected, "{path}");
        assert!(text.contains(expected_file), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }
}

#[test]
fn the_first_malformed_file_by_name_is_reported() {
    // Directory listing order is arbitrary; the report must not be.
    let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
    for i in (0..40).rev() {
        std::fs::write(dir.path().join(format!("core-x86_64/bad{i:02}")), "bad\n").unwrap();
    }
    let error = core_extra(dir.path()).unwrap_err();
    let StateError::Malformed { file, .. } = error else {
        panic!("{error:?}")
    };
    assert_eq!(file, Path::new("core-x86_64/bad00"));
}

#[test]
fn the_first_malformed_file_by_name_is_reported_in_a_large_directory() {
    // Large enough for the directory to be split between reader threads (when the
    // machine has several cores): the earlier of two bad files must win.
    let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
    let extra = dir.path().join("extra-x86_64");
    std::fs::create_dir(&extra).unwrap();
    for i in 0..4200 {
        let pkgbase = format!("pkg{i:04}");
        let content = if i == 1000 || i == 3500 {
            "bad\n".to_owned()
        } else {
            line(&pkgbase, "1.0-1")
        };
        std::fs::write(extra.join(&pkgbase), content).unwrap();
    }
    let error = core_extra(dir.path()).unwrap_err();
    let StateError::Malformed { file, .. } = error else {
        panic!("{error:?}")
    };
    assert_eq!(file, Path::new("extra-x86_64/pkg1000"));

    std::fs::write(extra.join("pkg1000"), line("pkg1000", "1.0-1")).unwrap();
    std::fs::write(extra.join("pkg3500"), line("pkg3500", "1.0-1")).unwrap();
    let state = core_extra(dir.path()).unwrap();
    assert_eq!(state.len(), 4201);
    let names: Vec<&str> = state.pkgbases().map(PkgName::as_str).collect();
    assert_eq!(names[0], "pkg0000");
    assert_eq!(names[4199], "pkg4199");
}

#[test]
fn a_pkgbase_in_core_and_extra_is_an_inconsistency() {
    let dir = tree(&[
        ("core-x86_64/zlib", &line("zlib", "1:1.3.1-2")),
        ("extra-x86_64/zlib", &line("zlib", "1:1.3.1-1")),
        ("extra-x86_64/python", &line("python", "3.12.4-1")),
    ]);

    let state = core_extra(dir.path()).unwrap();

    assert_eq!(
        state.inconsistencies(),
        [Inconsistency::SeveralRepos {
            pkgbase: name("zlib"),
            repos: vec!["core".to_owned(), "extra".to_owned()],
        }]
    );
    assert_eq!(
        state.inconsistencies()[0].to_string(),
        "zlib is in several repositories: core, extra"
    );
    // Precedence follows the caller's order.
    assert_eq!(state.get(&name("zlib")).unwrap().repo, "core");
    let all: Vec<&str> = state
        .all(&name("zlib"))
        .iter()
        .map(|e| e.repo.as_str())
        .collect();
    assert_eq!(all, ["core", "extra"]);
    let reversed = State::read(dir.path(), &["extra", "core"], "x86_64").unwrap();
    assert_eq!(reversed.get(&name("zlib")).unwrap().repo, "extra");
    assert_eq!(state.entries().count(), 2);
    assert_eq!(state.all_entries().count(), 3);
}

#[test]
fn a_pkgbase_in_arch_and_any_directories_is_an_inconsistency() {
    let dir = tree(&[
        ("extra-x86_64/python-six", &line("python-six", "1.16.0-2")),
        ("extra-any/python-six", &line("python-six", "1.16.0-1")),
        ("core-any/zlib", &line("zlib", "1.3-1")),
        ("extra-x86_64/zlib", &line("zlib", "1.3-1")),
    ]);

    let state = core_extra(dir.path()).unwrap();

    assert_eq!(
        state.inconsistencies(),
        [
            Inconsistency::ArchAndAny {
                pkgbase: name("python-six"),
                repo: "extra".to_owned(),
            },
            Inconsistency::SeveralRepos {
                pkgbase: name("zlib"),
                repos: vec!["core".to_owned(), "extra".to_owned()],
            },
        ]
    );
    let six = state.get(&name("python-six")).unwrap();
    assert!(!six.any, "the arch directory takes precedence");
    assert_eq!(six.version, "1.16.0-2");
}

#[test]
fn a_tag_that_does_not_match_the_version_is_an_inconsistency() {
    let dir = tree(&[
        (
            "core-x86_64/zlib",
            &format!("zlib 1:1.3.1-2 1.3.1-2 {SHA}\n"),
        ),
        (
            "core-x86_64/gcc",
            &format!("gcc 14.1.1~rc1-1 14.1.1.rc1-1 {SHA}\n"),
        ),
    ]);

    let state = State::read(dir.path(), &["core"], "x86_64").unwrap();

    assert_eq!(
        state.inconsistencies(),
        [Inconsistency::TagMismatch {
            pkgbase: name("zlib"),
            dir: "core-x86_64".to_owned(),
            version: "1:1.3.1-2".to_owned(),
            tag: "1.3.1-2".to_owned(),
            expected: "1-1.3.1-2".to_owned(),
        }]
    );
}

#[test]
fn reads_a_synced_checkout() {
    let upstream = Upstream::standard();
    let work = Workdir::new();
    sync_state_repo(&upstream.url(), &work.state()).unwrap();
    upstream.remove("extra-x86_64/python");
    upstream.write("extra-x86_64/zlib", &line("zlib", "1:1.3.1-2"));
    upstream.commit("python gone, zlib moved to extra too");
    let outcome = sync_state_repo(&upstream.url(), &work.state()).unwrap();

    let state = core_extra(&outcome.checkout.root).unwrap();

    assert_eq!(state.root(), work.state());
    assert!(state.get(&name("python")).is_none());
    assert_eq!(state.len(), 3);
    assert_eq!(state.inconsistencies().len(), 1);
    assert_eq!(state.inconsistencies()[0].pkgbase(), &name("zlib"));
}

/// The state repository is someone else's git repository: a state file that is a symbolic
/// link to a secret on this host must not be followed, and the error must not quote it.
#[test]
fn a_state_file_linked_to_a_secret_is_refused_without_echoing_it() {
    let secret = tempfile::tempdir().unwrap();
    let secret_file = secret.path().join("secret");
    std::fs::write(&secret_file, "db_password=hunter2 1-1 1-1 x\n").unwrap();
    let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
    std::os::unix::fs::symlink(&secret_file, dir.path().join("core-x86_64/secret")).unwrap();
    let error = core_extra(dir.path()).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(
            &error,
            StateError::Malformed { file, problem: LineProblem::Symlink }
                if file == Path::new("core-x86_64/secret")
        ),
        "{error:?}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

/// A bad field of a regular state file is named, not quoted.
#[test]
fn a_bad_field_is_not_quoted() {
    let (_, problem, text) = malformed(
        "extra-x86_64/python",
        &format!("db_password=hunter2 1-1 1-1 {SHA}\n"),
    );
    assert_eq!(problem, LineProblem::InvalidPkgbase);
    assert!(!text.contains("hunter2"), "{text}");
}

/// A directory that is a symbolic link (`extra-x86_64 -> elsewhere`) is not listed.
#[test]
fn a_linked_state_directory_is_refused() {
    let elsewhere = tree(&[("python", &line("python", "3.12.4-1"))]);
    let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("extra-x86_64")).unwrap();
    let error = core_extra(dir.path()).unwrap_err();
    assert!(
        matches!(
            &error,
            StateError::Malformed { file, problem: LineProblem::Symlink }
                if file == Path::new("extra-x86_64")
        ),
        "{error:?}"
    );
}

/// A FIFO (directly, or through a link) must give an error, not block the reader forever.
/// The read runs on a thread so that a regression fails after a minute instead of hanging.
#[test]
fn a_fifo_or_a_link_to_one_is_refused_without_blocking() {
    let outside = tempfile::tempdir().unwrap();
    let outside_fifo = outside.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&outside_fifo)
            .status()
            .unwrap()
            .success()
    );
    for linked in [false, true] {
        let dir = tree(&[("core-x86_64/zlib", &line("zlib", "1.3-1"))]);
        let fifo = dir.path().join("core-x86_64/python");
        if linked {
            std::os::unix::fs::symlink(&outside_fifo, &fifo).unwrap();
        } else {
            assert!(
                std::process::Command::new("mkfifo")
                    .arg(&fifo)
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let root = dir.path().to_owned();
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(core_extra(&root).map(|_| ()));
        });
        let result = receive
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("reading the state blocked on a FIFO");
        let error = result.unwrap_err();
        let expected = if linked {
            LineProblem::Symlink
        } else {
            LineProblem::NotRegularFile("a FIFO")
        };
        assert!(
            matches!(&error, StateError::Malformed { problem, .. } if *problem == expected),
            "{error:?}"
        );
    }
}
