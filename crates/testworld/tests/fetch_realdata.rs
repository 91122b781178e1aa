//! `scripts/fetch-realdata` against the loopback world: the x86_64 mirror on 127.0.0.1, the
//! state repository and the packaging repositories over file://, and an "archive" served by
//! the same server. What it writes is checked against the world itself; a failed run must
//! leave the previous data as it was.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use archport_testworld::{Compression, PkgbaseSpec, Repo, Side, World, demo};
use common::{bsdtar_descs, git, run};

/// The repositories of the 2019 snapshot, as `shared/realdata/arch-2019` holds them.
const ARCHIVE_REPOS: [&str; 6] = [
    "core",
    "extra",
    "multilib",
    "testing",
    "community-testing",
    "multilib-testing",
];

/// The demo world, plus pkgbases whose GitLab path differs from their name.
fn world() -> World {
    let spec = demo()
        .pkgbase(PkgbaseSpec::new("libsigc++", "3.6.0-1"))
        .pkgbase(PkgbaseSpec::new("tree", "2.1.3-1").repo(Repo::Core));
    let world = World::build(spec).unwrap();
    for repo in ARCHIVE_REPOS {
        world.server().mount(
            &format!("archive/{repo}/os/x86_64/{repo}.db"),
            &world.db_path(Side::X86, Repo::Core),
        );
    }
    world
}

fn fetch(world: &World, dest: &Path, extra: &[&str]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/fetch-realdata");
    let archive = world.server().url("archive");
    let state = world.state_url();
    let mirror = world.mirror_x86_url();
    let packaging = world.packaging_url_template();
    let mut args = vec![
        "--mirror",
        mirror.as_str(),
        "--state-repo",
        state.as_str(),
        "--packaging-url",
        packaging.as_str(),
        "--archive",
        archive.as_str(),
        "--dest",
        dest.to_str().unwrap(),
        "--jobs",
        "3",
    ];
    args.extend(extra);
    Command::new(script)
        .args(&args)
        .env_remove("ARCHPORT_FETCH_MIRROR")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

/// Only the destination is left in its parent: no temporary directory stays behind.
fn assert_only_dest(parent: &Path) {
    let names: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["realdata"]);
}

fn assert_matches_world(world: &World, dest: &Path) {
    for repo in Repo::ALL {
        let fetched = dest.join(format!("full-2024/x86_64/{repo}.db.tar.gz"));
        let bytes = std::fs::read(&fetched).unwrap();
        assert_eq!(
            bytes[..2],
            [0x1f, 0x8b],
            "{repo}: gzip, as the tests read it"
        );
        assert_eq!(
            bsdtar_descs(&fetched),
            bsdtar_descs(&world.db_path(Side::X86, repo)),
            "{repo}"
        );
    }
    let core = std::fs::read(world.db_path(Side::X86, Repo::Core)).unwrap();
    for repo in ARCHIVE_REPOS {
        let fetched = std::fs::read(dest.join(format!("arch-2019/{repo}.db"))).unwrap();
        assert!(
            fetched == core,
            "arch-2019/{repo}.db differs from what was served"
        );
    }

    // The .SRCINFO of every core and extra pkgbase of the state repository, at its tag.
    let unpacked = tempfile::tempdir().unwrap();
    run(
        "tar",
        &[
            "--zstd".as_ref(),
            "-xf".as_ref(),
            dest.join("full-2024/srcinfo.tar.zst").as_os_str(),
            "-C".as_ref(),
            unpacked.path().as_os_str(),
        ],
    );
    let entries = world.state_entries();
    assert!(entries.len() > 5, "{} state entries", entries.len());
    let mut expected = Vec::new();
    for entry in &entries {
        let repo_dir = world.packaging_repo_path(&entry.pkgbase);
        let text = git(&[
            "--git-dir",
            repo_dir.to_str().unwrap(),
            "show",
            &format!("{}:.SRCINFO", entry.tag),
        ]);
        assert!(
            text.contains(&format!("pkgbase = {}", entry.pkgbase)),
            "{text}"
        );
        let path = PathBuf::from(format!("{}/{}/.SRCINFO", entry.repo, entry.pkgbase));
        expected.push((path, text.into_bytes()));
    }
    expected.sort();
    assert_eq!(tree(unpacked.path()), expected);
    let source = std::fs::read_to_string(dest.join("SOURCE")).unwrap();
    assert!(source.contains(&world.state_url()), "{source}");
}

#[test]
fn fetches_the_databases_the_srcinfo_snapshot_and_the_archive() {
    let mut world = world();
    let parent = tempfile::tempdir().unwrap();
    let dest = parent.path().join("realdata");
    let output = fetch(&world, &dest, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_matches_world(&world, &dest);
    assert_only_dest(parent.path());
    // libsigc++ and tree were fetched under their GitLab paths (checked just above).
    assert!(
        ["libsigc++", "tree"]
            .iter()
            .all(|p| world.state_entries().iter().any(|e| e.pkgbase == *p))
    );

    // Upstream moves on and serves zstd: a second run replaces the data, still as gzip.
    world.bump("zlib", "1:1.3.2-1").unwrap();
    world
        .set_db_compression(Side::X86, Repo::Extra, Compression::Zstd)
        .unwrap();
    let output = fetch(&world, &dest, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_matches_world(&world, &dest);
    assert_only_dest(parent.path());
}

#[test]
fn a_failed_fetch_leaves_the_previous_data_as_it_was() {
    let world = world();
    let parent = tempfile::tempdir().unwrap();
    let dest = parent.path().join("realdata");
    let output = fetch(&world, &dest, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let before = tree(&dest);

    // A broken mirror.
    world
        .server()
        .fail("mirror-x86/extra/os/x86_64/extra.db", 500);
    let output = fetch(&world, &dest, &[]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "fetch-realdata: cannot download {}/extra/os/x86_64/extra.db",
            world.mirror_x86_url()
        )),
        "{message}"
    );
    assert_eq!(tree(&dest), before);
    assert_only_dest(parent.path());
    world.server().clear_failures();

    // A packaging repository that is not there: the other pkgbases are fetched, the run
    // fails naming it, and nothing changes.
    let moved = world.packaging_repo_path("zlib").with_extension("moved");
    std::fs::rename(world.packaging_repo_path("zlib"), &moved).unwrap();
    let output = fetch(&world, &dest, &[]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("pkgbases failed, nothing changed"),
        "{message}"
    );
    assert!(message.contains("zlib: cannot fetch tag "), "{message}");
    assert_eq!(tree(&dest), before);
    assert_only_dest(parent.path());
    std::fs::rename(&moved, world.packaging_repo_path("zlib")).unwrap();

    // Bad options are refused before anything is fetched.
    world.server().take_requests();
    let output = fetch(
        &world,
        &dest,
        &["--packaging-url", "file:///x/{pkgbase}.git"],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("--packaging-url must contain {path}"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(&dest), before);
    assert_eq!(world.server().requests(), []);
}
