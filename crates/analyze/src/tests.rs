use std::path::Path;

use archport_blacklist::Blacklist;
use archport_repodb::{Index, Package, PackageFields};
use archport_state::State;

use super::*;

fn pkg(
    repo: &str,
    name: &str,
    base: &str,
    version: &str,
    arch: &str,
    depends: &[&str],
    provides: &[&str],
) -> Package {
    Package::new(
        repo,
        &PackageFields {
            name: name.into(),
            base: Some(base.into()),
            version: version.into(),
            arch: arch.into(),
            filename: format!("{name}-{version}-{arch}.pkg.tar.zst"),
            depends: depends.iter().map(|s| s.to_string()).collect(),
            provides: provides.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        },
    )
    .unwrap()
}

fn state(dir: &Path, entries: &[(&str, &str, &str)]) -> State {
    for (subdir, base, version) in entries {
        let d = dir.join(subdir);
        std::fs::create_dir_all(&d).unwrap();
        let tag = archport_vercmp::tag_for_version(version);
        std::fs::write(
            d.join(base),
            format!("{base} {version} {tag} {}\n", "a".repeat(40)),
        )
        .unwrap();
    }
    State::read(dir, &["core", "extra"], "x86_64").unwrap()
}

struct World {
    _dir: tempfile::TempDir,
    state: State,
    x86: Index,
    target: Index,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let state = state(
        dir.path(),
        &[
            ("core-x86_64", "glibc", "2.40-1"),
            ("core-x86_64", "zlib", "1:1.3.1-2"),
            ("extra-x86_64", "vim", "9.1.1734-1"),
            ("extra-x86_64", "moved", "1.0-1"),
            ("extra-x86_64", "gone", "2.0-1"),
            ("extra-x86_64", "linux-zen", "6.1-1"),
            ("extra-x86_64", "newer", "1.0-1"),
            ("extra-x86_64", "split", "1.0-1"),
            ("extra-x86_64", "both", "1.0-1"),
            ("core-x86_64", "both", "1.0-1"),
            ("extra-any", "docs", "3.0-1"),
            ("extra-any", "fonts", "1.0-1"),
        ],
    );
    let x86 = Index::new(vec![
        pkg("core", "glibc", "glibc", "2.40-1", "x86_64", &[], &[]),
        pkg(
            "core",
            "zlib",
            "zlib",
            "1:1.3.1-2",
            "x86_64",
            &[],
            &["libz.so=1-64"],
        ),
        pkg(
            "extra",
            "vim",
            "vim",
            "9.1.1734-1",
            "x86_64",
            &["glibc"],
            &[],
        ),
        pkg("extra", "moved", "moved", "1.0-1", "x86_64", &[], &[]),
        pkg("extra", "gone", "gone", "2.0-1", "x86_64", &[], &[]),
        pkg(
            "extra",
            "linux-zen",
            "linux-zen",
            "6.1-1",
            "x86_64",
            &[],
            &[],
        ),
        pkg("extra", "newer", "newer", "1.0-1", "x86_64", &[], &[]),
        pkg("extra", "split-a", "split", "1.0-1", "x86_64", &[], &[]),
        pkg("extra", "docs", "docs", "3.0-1", "any", &[], &[]),
        pkg("extra", "fonts", "fonts", "1.0-1", "any", &[], &[]),
        pkg(
            "extra",
            "renamed",
            "renamed",
            "1.0-1",
            "x86_64",
            &[],
            &["oldname"],
        ),
    ]);
    let target = Index::new(vec![
        pkg("core", "glibc", "glibc", "2.40-1", "aarch64", &[], &[]),
        pkg(
            "core",
            "zlib",
            "zlib",
            "1:1.3.1-1",
            "aarch64",
            &[],
            &["libz.so=1-64"],
        ),
        pkg(
            "extra",
            "vim",
            "vim",
            "9.1.1730-1",
            "aarch64",
            &["glibc>=2.41", "libz.so=2-64", "nothere", "zlib"],
            &[],
        ),
        pkg("core", "moved", "moved", "1.0-1", "aarch64", &[], &[]),
        pkg("extra", "newer", "newer", "1.1-1", "aarch64", &[], &[]),
        pkg("extra", "split-a", "split", "1.0-1", "aarch64", &[], &[]),
        pkg("extra", "split-old", "split", "1.0-1", "aarch64", &[], &[]),
        pkg("extra", "docs", "docs", "2.9-1", "any", &[], &[]),
        pkg("extra", "armonly", "armonly", "1.0-1", "aarch64", &[], &[]),
        pkg("extra", "oldname", "oldname", "0.9-1", "aarch64", &[], &[]),
        pkg("extra", "glibc", "glibc", "2.40-1", "aarch64", &[], &[]),
        pkg("extra", "both", "both", "1.0-1", "aarch64", &[], &[]),
    ]);
    World {
        _dir: dir,
        state,
        x86,
        target,
    }
}

#[test]
fn every_section() {
    let w = world();
    let blacklist = Blacklist::parse("linux-*\n", Path::new("bl")).unwrap();
    let r = analyze(&Inputs {
        state: &w.state,
        x86: &w.x86,
        target: &w.target,
        blacklist: &blacklist,
        target_testing: &Default::default(),
        port_repos: &[],
        x86_testing: None,
    });
    let bases = |v: &[OneSided]| v.iter().map(|o| o.pkgbase.clone()).collect::<Vec<_>>();
    assert_eq!(
        r.repo_mismatches
            .iter()
            .map(|m| (m.pkgbase.as_str(), m.target_repo.as_str()))
            .collect::<Vec<_>>(),
        // x86_64 "both" resolves to core (the state's precedence); glibc is in core on both.
        [("both", "extra"), ("moved", "core")]
    );
    assert_eq!(
        r.target_newer
            .iter()
            .map(|p| p.pkgbase.as_str())
            .collect::<Vec<_>>(),
        ["newer"]
    );
    assert_eq!(bases(&r.target_only), ["armonly"]);
    // linux-zen is blacklisted; zlib and vim are outdated, not missing; renamed is known
    // from the x86_64 database alone.
    assert_eq!(bases(&r.missing_pkgbases), ["gone", "renamed"]);
    assert_eq!(
        r.outdated_any
            .iter()
            .map(|p| p.pkgbase.as_str())
            .collect::<Vec<_>>(),
        ["docs"]
    );
    assert_eq!(bases(&r.missing_any), ["fonts"]);
    let dups: Vec<(&str, &str)> = r
        .duplicates
        .iter()
        .map(|d| (d.name.as_str(), d.kind))
        .collect();
    assert_eq!(dups, [("both", "x86_pkgbase"), ("glibc", "target_pkgname")]);
    assert_eq!(
        r.broken_deps
            .iter()
            .map(|b| b.dependency.as_str())
            .collect::<Vec<_>>(),
        ["nothere"]
    );
    let unsat: Vec<(&str, bool)> = r
        .unsatisfied_deps
        .iter()
        .map(|u| (u.dependency.as_str(), u.soname_drift))
        .collect();
    assert_eq!(unsat, [("glibc>=2.41", false), ("libz.so=2-64", true)]);
    assert_eq!(
        r.orphaned
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>(),
        ["split-old"]
    );
}

#[test]
fn json_has_exactly_the_sections_and_filters() {
    let w = world();
    let r = analyze(&Inputs {
        state: &w.state,
        x86: &w.x86,
        target: &w.target,
        blacklist: &Blacklist::default(),
        target_testing: &Default::default(),
        port_repos: &[],
        x86_testing: None,
    });
    let json = r.to_json(&[]);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want: Vec<&str> = Section::ALL.iter().map(|s| s.key()).collect();
    want.sort();
    let mut keys_sorted = keys.clone();
    keys_sorted.sort();
    assert_eq!(keys_sorted, want);
    // Without the blacklist linux-zen is missing too.
    assert!(
        json["missing_pkgbases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["pkgbase"] == "linux-zen")
    );
    let only = r.to_json(&[Section::BrokenDeps]);
    assert_eq!(only.as_object().unwrap().len(), 1);

    let text = render_human(&r, &[Section::TargetNewer, Section::MissingAny], false);
    assert_eq!(
        text,
        "Newer on the target than on x86_64 (1)\n  newer (extra): x86_64 1.0-1, target 1.1-1\n\n\
         ARCH=any packages missing from the target (1)\n  fonts 1.0-1 (extra)\n\n"
    );
    assert!(!text.contains('\u{1b}'));
    assert!(render_human(&r, &[Section::TargetNewer], true).contains('\u{1b}'));
}
