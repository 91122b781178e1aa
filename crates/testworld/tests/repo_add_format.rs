//! The generated sync database entries are what real `repo-add` writes for packages that
//! real `makepkg` builds from the generated PKGBUILDs.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use archport_testworld::{
    Compression, DescEntry, PACKAGER, PKGEXT, PackageSpec, PkgbaseSpec, Repo, SYNTHETIC_BUILDDATE,
    compress, db_tar_of,
};
use common::{BuildDir, bsdtar_descs, run};

fn specs() -> Vec<PkgbaseSpec> {
    vec![
        // Split, with a cleared depends, a '+' in a name and a different pkgdesc.
        PkgbaseSpec::new("foo", "1.0-1")
            .repo(Repo::Core)
            .depends(["glibc"])
            .provides(["libfoo.so=1-64"])
            .package(PackageSpec::new("foo-docs").desc("Foo documentation"))
            .package(
                PackageSpec::new("foo+extra")
                    .depends(["foo", "bar>=2"])
                    .conflicts(["foo-extra"]),
            ),
        // Epoch, ~rc, decimal pkgrel and every relation list.
        PkgbaseSpec::new("rc-thing", "2:1.2~rc1-1.1")
            .desc("It's got a 'quote'")
            .license(["GPL-2.0-or-later", "MIT"])
            .groups(["thing-suite"])
            .makedepends(["cmake>=3.20"])
            .checkdepends(["python"])
            .depends(["glibc", "zlib"])
            .optdepends(["python: scripting support"])
            .provides(["thing=1.2"])
            .conflicts(["rc-thing-git"])
            .replaces(["old-thing"]),
        // arch=(any).
        PkgbaseSpec::new("data-any", "20241015-1").any(),
    ]
}

/// The values only the package file determines.
fn file_fields(desc: &str) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut lines = desc.lines();
    while let Some(line) = lines.next() {
        if ["%CSIZE%", "%ISIZE%", "%MD5SUM%", "%SHA256SUM%"].contains(&line) {
            fields.insert(line.to_owned(), lines.next().unwrap().to_owned());
        }
    }
    fields
}

/// `bsdtar -tv` lines without the size and date: mode, links, owner, group, name.
fn listing(db: &std::path::Path) -> Vec<String> {
    let text = run("bsdtar", &["-tvf".as_ref(), db.as_os_str()]);
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            format!(
                "{} {} {} {}",
                fields[0],
                fields[2],
                fields[3],
                fields[fields.len() - 1]
            )
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn desc_entries_match_real_repo_add() {
    let specs = specs();
    let builds: Vec<BuildDir> = specs.iter().map(BuildDir::new).collect();
    // Same packager and build date as the synthetic entries; zstd like the world's FILENAMEs.
    let builddate = SYNTHETIC_BUILDDATE.to_string();
    let env = [
        ("PKGEXT", PKGEXT),
        ("PACKAGER", PACKAGER),
        ("SOURCE_DATE_EPOCH", builddate.as_str()),
    ];
    std::thread::scope(|scope| {
        for build in &builds {
            scope.spawn(|| build.makepkg(&["--nodeps", "--nocheck", "--noconfirm"], &env));
        }
    });
    let repo_dir = tempfile::tempdir().unwrap();
    let real_db = repo_dir.path().join("test.db.tar.gz");
    let mut packages: Vec<PathBuf> = Vec::new();
    for build in &builds {
        for entry in std::fs::read_dir(&build.dir).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(PKGEXT) {
                packages.push(path);
            }
        }
    }
    assert_eq!(packages.len(), 5, "{packages:?}");
    let mut args = vec!["-q".as_ref(), real_db.as_os_str()];
    args.extend(packages.iter().map(|p| p.as_os_str()));
    run("repo-add", &args);
    let real = bsdtar_descs(&real_db);

    let mut ours: Vec<DescEntry> = specs
        .iter()
        .flat_map(|s| DescEntry::for_pkgbase(s, "x86_64"))
        .collect();
    assert_eq!(
        ours.iter()
            .map(DescEntry::dir_name)
            .collect::<std::collections::BTreeSet<_>>(),
        real.keys().cloned().collect()
    );
    for entry in &mut ours {
        let real_desc = &real[&entry.dir_name()];
        let file = file_fields(real_desc);
        entry.csize = file["%CSIZE%"].parse().unwrap();
        entry.isize = file["%ISIZE%"].parse().unwrap();
        entry.md5sum = Some(file["%MD5SUM%"].clone());
        entry.sha256sum = Some(file["%SHA256SUM%"].clone());
        assert_eq!(&entry.render(), real_desc, "desc of {}", entry.dir_name());
    }

    // The archive around the entries: same names, types, modes and owners.
    let our_db = repo_dir.path().join("ours.db.tar.gz");
    std::fs::write(
        &our_db,
        compress(&db_tar_of(&ours).unwrap(), Compression::Gzip).unwrap(),
    )
    .unwrap();
    assert_eq!(listing(&our_db), listing(&real_db));
    assert_eq!(bsdtar_descs(&our_db), real);
}
