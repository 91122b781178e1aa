//! The full-size world from the real Arch databases. Every test needs the real data: their
//! names start with `realdata_` (see `archport_realdata`).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::io::Read;

use archport_testworld::{RealDataOptions, RealDataWorld, Repo, TargetChange, gitlab_path};
use archport_vercmp::vercmp;
use common::{git, http_get, run};

/// NAME -> (BASE, VERSION, ARCH) of a gzip database, read independently of the crate
/// (decompressed by the system gzip, which is fast even in test builds).
fn read_db(gz: &[u8]) -> BTreeMap<String, (String, String, String)> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), gz).unwrap();
    let tar = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(file.path())
        .output()
        .unwrap()
        .stdout;
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut out = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if !entry.path().unwrap().to_string_lossy().ends_with("/desc") {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        let field = |key: &str| {
            let marker = format!("%{key}%\n");
            text.split(&marker)
                .nth(1)
                .map(|rest| rest.lines().next().unwrap().to_owned())
        };
        let name = field("NAME").unwrap();
        let base = field("BASE").unwrap_or_else(|| name.clone());
        out.insert(
            name,
            (base, field("VERSION").unwrap(), field("ARCH").unwrap()),
        );
    }
    out
}

#[test]
fn realdata_world_serves_real_x86_data_and_a_derived_target() {
    archport_realdata::require("full-2024/x86_64");
    let world = RealDataWorld::build(&RealDataOptions::default()).unwrap();
    let pkgbases = world.pkgbases();
    assert_eq!(
        pkgbases.values().filter(|p| p.repo == Repo::Core).count(),
        199
    );
    assert_eq!(
        pkgbases.values().filter(|p| p.repo == Repo::Extra).count(),
        11_266
    );

    // Both x86 databases are the real files, byte for byte.
    for repo in Repo::ALL {
        let served = http_get(
            &format!("{}/{repo}/os/x86_64/{repo}.db", world.mirror_x86_url()),
            &[],
        );
        assert_eq!(served.status, 200);
        assert_eq!(served.body, std::fs::read(world.x86_db_file(repo)).unwrap());
    }

    // Roughly 2% missing and 5% older, as promised, and the target db agrees.
    let changes = world.target_changes();
    let missing = changes
        .values()
        .filter(|c| **c == TargetChange::Missing)
        .count();
    let older = changes.len() - missing;
    let total = pkgbases.len();
    assert!(
        (total / 100..=total * 3 / 100).contains(&missing),
        "{missing} missing of {total}"
    );
    assert!(
        (total * 4 / 100..=total * 6 / 100).contains(&older),
        "{older} older of {total}"
    );
    for repo in Repo::ALL {
        let x86 = read_db(&std::fs::read(world.x86_db_file(repo)).unwrap());
        let served = http_get(
            &format!("{}/{repo}/os/aarch64/{repo}.db", world.mirror_target_url()),
            &[],
        );
        let target = read_db(&served.body);
        for (name, (base, version, arch)) in &x86 {
            match changes.get(base) {
                Some(TargetChange::Missing) => assert!(!target.contains_key(name), "{name}"),
                Some(TargetChange::Older(older)) => {
                    let (_, target_version, _) = &target[name];
                    assert_eq!(target_version, older);
                    assert!(
                        vercmp(target_version, version).is_lt(),
                        "{name} {target_version} {version}"
                    );
                }
                None => {
                    let (target_base, target_version, target_arch) = &target[name];
                    assert_eq!((target_base, target_version), (base, version), "{name}");
                    let want_arch = if arch == "any" { "any" } else { "aarch64" };
                    assert_eq!(target_arch, want_arch, "{name}");
                }
            }
        }
        assert!(target.keys().all(|name| x86.contains_key(name)));
    }

    // One state file per pkgbase, in one commit (cloned bare: no 11k-file checkout).
    let clones = tempfile::tempdir().unwrap();
    let state = clones.path().join("state.git");
    let state = state.to_str().unwrap();
    git(&[
        "clone",
        "--quiet",
        "--bare",
        "--depth",
        "1",
        &world.state_url(),
        state,
    ]);
    let files = git(&["-C", state, "ls-tree", "-r", "--name-only", "HEAD"]);
    assert_eq!(files.lines().count(), total);
    let zlib = git(&["-C", state, "show", "HEAD:core-x86_64/zlib"]);
    let fields: Vec<&str> = zlib.split_whitespace().collect();
    assert_eq!(
        fields[..3],
        ["zlib", pkgbases["zlib"].version.as_str(), "1-1.3.1-2"]
    );
    assert_eq!(fields[3].len(), 40);
    assert!(files.lines().any(|f| f.starts_with("extra-any/")));
}

#[test]
fn realdata_gitlab_path_agrees_with_devtools_sed_on_every_real_pkgbase() {
    archport_realdata::require("full-2024/x86_64");
    let options = RealDataOptions::default();
    let mut names = Vec::new();
    for repo in Repo::ALL {
        let db = options.data_dir.join(format!("x86_64/{repo}.db.tar.gz"));
        let entries = read_db(&std::fs::read(db).unwrap());
        names.extend(entries.into_values().map(|(base, _, _)| base));
    }
    names.sort();
    names.dedup();
    assert!(names.iter().any(|n| n.contains('+')));
    let input = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(input.path(), names.join("\n") + "\n").unwrap();
    let mut args: Vec<&std::ffi::OsStr> = vec!["-E".as_ref()];
    for expr in [
        r"s/([a-zA-Z0-9]+)\+([a-zA-Z]+)/\1-\2/g",
        r"s/\+/plus/g",
        r"s/[^a-zA-Z0-9_\-\.]/-/g",
        r"s/[_\-]{2,}/-/g",
        r"s/^tree$/unix-tree/g",
    ] {
        args.push("-e".as_ref());
        args.push(expr.as_ref());
    }
    args.push(input.path().as_os_str());
    let expected = run("sed", &args);
    let ours: Vec<String> = names.iter().map(|n| gitlab_path(n)).collect();
    assert_eq!(ours, expected.lines().collect::<Vec<_>>());
}
