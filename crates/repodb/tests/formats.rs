//! Archive formats and damaged input: every compression, detection by magic bytes, old
//! `depends` entries, truncation, missing fields, unknown keys, and real `repo-add` output.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::Path;

use archport_repodb::{DbErrorKind, PackageFields, read_db, read_db_bytes};
use common::{filter, gunzip, gzip, realdata, run, tar_archive};

fn core_2024() -> Vec<u8> {
    std::fs::read(realdata("full-2024/x86_64/core.db.tar.gz")).unwrap()
}

fn names(packages: &[archport_repodb::Package]) -> Vec<String> {
    packages.iter().map(|p| p.to_fields().name).collect()
}

#[test]
fn realdata_all_four_compressions_read_alike_whatever_the_file_name() {
    let gz = core_2024();
    let tar = gunzip(&gz);
    let expected = read_db_bytes(&gz, "core.db", "core").unwrap();
    assert_eq!(expected.len(), 261);
    let dir = tempfile::tempdir().unwrap();
    let variants = [
        ("zstd", filter("zstd", &["-q", "-c", "-3"], &tar)),
        ("xz", filter("xz", &["-c", "-1"], &tar)),
        ("plain", tar.clone()),
        ("gzip", gz.clone()),
    ];
    for (compression, bytes) in &variants {
        // Every name lies about the content; only the magic bytes may decide.
        let path = dir.path().join(format!("core-{compression}.db.tar.bz2"));
        std::fs::write(&path, bytes).unwrap();
        let packages = read_db(&path, "core").unwrap();
        assert_eq!(packages, expected, "{compression}");
    }
}

#[test]
fn realdata_unknown_compression_names_the_archive_and_the_magic() {
    let bytes = filter("bzip2", &["-c"], &gunzip(&core_2024()));
    let err = read_db_bytes(&bytes, "/cache/core.db", "core").unwrap_err();
    assert!(matches!(err.kind, DbErrorKind::UnknownCompression { .. }));
    assert!(
        err.to_string()
            .starts_with("/cache/core.db: unknown compression (first bytes: 42 5a 68"),
        "{err}"
    );
}

#[test]
fn realdata_truncated_archive_names_the_archive_and_the_last_good_entry() {
    let gz = core_2024();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("core.db");
    std::fs::write(&path, &gz[..gz.len() / 2]).unwrap();
    let err = read_db(&path, "core").unwrap_err();
    let DbErrorKind::Truncated { after: Some(after) } = &err.kind else {
        panic!("expected a truncation after an entry, got {err}");
    };
    assert_eq!(
        err.to_string(),
        format!("{}: truncated archive after entry {after}", path.display())
    );
    // GNU tar lists the headers it could read from the same damaged file: the last good
    // entry is among the last two it lists (the last may have lost its data).
    let listing = std::process::Command::new("tar")
        .args(["-tzf", path.to_str().unwrap()])
        .output()
        .unwrap();
    let listed: Vec<&str> = std::str::from_utf8(&listing.stdout)
        .unwrap()
        .lines()
        .collect();
    assert!(
        listed.len() > 100,
        "half of core.db lists {} entries",
        listed.len()
    );
    let tail = &listed[listed.len() - 2..];
    assert!(
        tail.iter()
            .any(|e| e.trim_end_matches('/') == after.trim_end_matches('/')),
        "{after} not in {tail:?}"
    );
}

#[test]
fn realdata_truncation_is_found_in_every_compression() {
    let tar = gunzip(&core_2024());
    let variants = [
        ("zstd", filter("zstd", &["-q", "-c"], &tar)),
        ("xz", filter("xz", &["-c", "-1"], &tar)),
        ("plain", tar.clone()),
    ];
    for (compression, bytes) in &variants {
        let cut = &bytes[..bytes.len() / 2];
        let err = read_db_bytes(cut, "core.db", "core").unwrap_err();
        assert!(
            matches!(&err.kind, DbErrorKind::Truncated { after: Some(_) }),
            "{compression}: {err}"
        );
    }
    // Nothing at all, or cut inside the first header.
    let err = read_db_bytes(&[], "empty.db", "core").unwrap_err();
    assert_eq!(
        err.to_string(),
        "empty.db: truncated archive before the first entry"
    );
    let err = read_db_bytes(&gzip(&tar[..300]), "short.db", "core").unwrap_err();
    assert_eq!(
        err.to_string(),
        "short.db: truncated archive before the first entry"
    );
}

#[test]
fn a_damaged_header_is_corruption_after_the_last_good_entry() {
    let mut tar = tar_archive(&[
        ("a-1-1/", ""),
        ("a-1-1/desc", "%NAME%\na\n\n%VERSION%\n1-1\n"),
        ("b-1-1/", ""),
        ("b-1-1/desc", "%NAME%\nb\n\n%VERSION%\n1-1\n"),
    ]);
    // Third header (b-1-1/) starts after a-1-1/ (512) and a-1-1/desc (512 + 512).
    tar[1536 + 10] ^= 0x55;
    let err = read_db_bytes(&tar, "bad.db", "core").unwrap_err();
    assert_eq!(
        err.to_string(),
        "bad.db: corrupt archive after entry a-1-1/desc: bad tar header checksum at offset 1536"
    );
}

#[test]
fn realdata_damaged_compressed_data_is_corruption() {
    let mut gz = core_2024();
    let middle = gz.len() / 2;
    for byte in &mut gz[middle..middle + 64] {
        *byte = !*byte;
    }
    let err = read_db_bytes(&gz, "core.db", "core").unwrap_err();
    assert!(
        matches!(
            &err.kind,
            DbErrorKind::Corrupt { .. } | DbErrorKind::Truncated { .. }
        ),
        "{err}"
    );
    assert!(err.to_string().starts_with("core.db: "), "{err}");
}

#[test]
fn entries_without_version_or_name_are_errors_naming_the_entry() {
    let tar = tar_archive(&[
        ("good-1-1/", ""),
        ("good-1-1/desc", "%NAME%\ngood\n\n%VERSION%\n1-1\n"),
        ("bad-1-1/", ""),
        ("bad-1-1/desc", "%NAME%\nbad\n\n%ARCH%\nany\n"),
    ]);
    let err = read_db_bytes(&gzip(&tar), "test.db", "core").unwrap_err();
    assert_eq!(
        err.to_string(),
        "test.db: entry bad-1-1/desc has no %VERSION%"
    );

    let tar = tar_archive(&[("x-1-1/desc", "%VERSION%\n1-1\n\n%NAME%\n\n")]);
    let err = read_db_bytes(&tar, "test.db", "core").unwrap_err();
    assert_eq!(err.to_string(), "test.db: entry x-1-1/desc has no %NAME%");

    let tar = tar_archive(&[("x-1-1/", ""), ("x-1-1/files", "%FILES%\nusr/\n")]);
    let err = read_db_bytes(&tar, "test.db", "core").unwrap_err();
    assert_eq!(
        err.to_string(),
        "test.db: package directory x-1-1/ has no desc entry"
    );
}

#[test]
fn invalid_package_names_are_rejected_at_the_border() {
    let tar = tar_archive(&[("x-1-1/desc", "%NAME%\n-rf\n\n%VERSION%\n1-1\n")]);
    let err = read_db_bytes(&tar, "test.db", "core").unwrap_err();
    assert!(matches!(err.kind, DbErrorKind::InvalidName { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("test.db: entry x-1-1/desc: invalid package name \"-rf\""),
        "{err}"
    );
    let tar = tar_archive(&[(
        "x-1-1/desc",
        "%NAME%\nx\n\n%BASE%\n../x\n\n%VERSION%\n1-1\n",
    )]);
    let err = read_db_bytes(&tar, "test.db", "core").unwrap_err();
    assert!(matches!(err.kind, DbErrorKind::InvalidName { .. }), "{err}");
}

#[test]
fn unknown_keys_and_files_entries_are_ignored() {
    let tar = tar_archive(&[
        ("README", "a top-level file belongs to no package"),
        ("foo-1.0-1/", ""),
        (
            "foo-1.0-1/desc",
            "%NAME%\nfoo\n\n%SOMETHING-NEW%\nvalue\n%NOT-A-KEY%\n\n%VERSION%\n1.0-1\n\n\
             %XDATA%\npkgtype=pkg\n\n%DEPENDS%\nbar>=2\n",
        ),
        ("foo-1.0-1/files", "%FILES%\nusr/\nusr/bin/foo\n"),
    ]);
    let packages = read_db_bytes(&gzip(&tar), "test.db", "extra").unwrap();
    assert_eq!(packages.len(), 1);
    let foo = &packages[0];
    assert_eq!(
        (foo.name(), foo.version(), foo.base()),
        ("foo", "1.0-1", "foo")
    );
    assert_eq!(foo.depends().collect::<Vec<_>>(), ["bar>=2"]);
    assert_eq!(foo.repo(), "extra");
}

#[test]
fn old_depends_entries_merge_into_their_package() {
    // Databases before pacman 4.2 kept relations in a separate `depends` entry.
    let tar = tar_archive(&[
        ("glibc-2.17-1/", ""),
        (
            "glibc-2.17-1/depends",
            "%DEPENDS%\nlinux-api-headers>=3.7\ntzdata\n\n%PROVIDES%\nlibc.so=6-64\n",
        ),
        (
            "glibc-2.17-1/desc",
            "%FILENAME%\nglibc-2.17-1-x86_64.pkg.tar.xz\n\n%NAME%\nglibc\n\n%VERSION%\n2.17-1\n\n%MD5SUM%\n00\n",
        ),
        ("zlib-1.2.7-1/", ""),
        (
            "zlib-1.2.7-1/desc",
            "%NAME%\nzlib\n\n%VERSION%\n1.2.7-1\n\n%DEPENDS%\nglibc\n",
        ),
        (
            "zlib-1.2.7-1/depends",
            "%DEPENDS%\nextra-dep\n\n%CONFLICTS%\nzlib-ng\n\n%OPTDEPENDS%\nfoo: bar\n\n%REPLACES%\nzlib-old\n",
        ),
    ]);
    let packages = read_db_bytes(&gzip(&tar), "old.db", "core").unwrap();
    assert_eq!(names(&packages), ["glibc", "zlib"]);
    let glibc = packages[0].to_fields();
    assert_eq!(glibc.depends, ["linux-api-headers>=3.7", "tzdata"]);
    assert_eq!(glibc.provides, ["libc.so=6-64"]);
    assert_eq!(glibc.filename, "glibc-2.17-1-x86_64.pkg.tar.xz");
    let zlib = packages[1].to_fields();
    assert_eq!(zlib.depends, ["glibc", "extra-dep"]);
    assert_eq!(zlib.conflicts, ["zlib-ng"]);
    assert_eq!(zlib.optdepends, ["foo: bar"]);
    assert_eq!(zlib.replaces, ["zlib-old"]);
}

/// Writes a minimal package file holding only a `.PKGINFO`, as repo-add reads it.
fn make_package(dir: &Path, pkginfo: &[(&str, &str)]) -> String {
    let get = |key: &str| pkginfo.iter().find(|(k, _)| *k == key).unwrap().1;
    let file = format!(
        "{}-{}-{}.pkg.tar.gz",
        get("pkgname"),
        get("pkgver"),
        get("arch")
    );
    let work = tempfile::tempdir_in(dir).unwrap();
    let text: String = pkginfo
        .iter()
        .map(|(k, v)| format!("{k} = {v}\n"))
        .collect();
    std::fs::write(work.path().join(".PKGINFO"), text).unwrap();
    let target = dir.join(&file);
    run(
        "bsdtar",
        &["-czf", target.to_str().unwrap(), ".PKGINFO"],
        work.path(),
    );
    file
}

#[test]
fn repo_add_output_parses_back_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let long_name = format!("python-{}", "x".repeat(110));
    let packages = [
        vec![
            ("pkgname", "foo-split"),
            ("pkgbase", "foo"),
            ("pkgver", "1:2.0-3"),
            ("pkgdesc", "split package: with a colon"),
            ("url", "https://example.org"),
            ("builddate", "1700000000"),
            ("packager", "Test <t@example.org>"),
            ("size", "1234"),
            ("arch", "x86_64"),
            ("license", "MIT"),
            ("replaces", "oldfoo"),
            ("conflict", "foo-git"),
            ("provides", "libfoo.so=5-64"),
            ("provides", "foo-cli"),
            ("depend", "glibc>=2.40"),
            ("depend", "bash"),
            ("optdepend", "python: for scripts"),
            ("optdepend", "perl>=1:5.3"),
            ("makedepend", "cmake"),
            ("checkdepend", "python-pytest"),
        ],
        vec![
            ("pkgname", "foo-docs"),
            ("pkgbase", "foo"),
            ("pkgver", "1:2.0-3"),
            ("arch", "any"),
            ("size", "1"),
        ],
        vec![
            // Longer than a ustar name field: repo-add writes pax headers.
            ("pkgname", long_name.as_str()),
            ("pkgver", "0.1-1"),
            ("arch", "x86_64"),
            ("size", "1"),
            ("depend", "nginx>=1.26"),
        ],
    ];
    let mut files = Vec::new();
    for pkginfo in &packages {
        files.push(make_package(dir.path(), pkginfo));
    }
    for ext in ["tar.gz", "tar.zst", "tar.xz", "tar"] {
        let db = format!("test.db.{ext}");
        let mut args = vec!["-q", db.as_str()];
        args.extend(files.iter().map(String::as_str));
        run("repo-add", &args, dir.path());

        // Read through the `test.db` symlink repo-add makes: the name says nothing.
        let read = read_db(&dir.path().join("test.db"), "testing").unwrap();
        assert_eq!(read.len(), 3, "{ext}");
        let by_name = |name: &str| read.iter().find(|p| p.name() == name).unwrap().to_fields();
        assert_eq!(
            by_name("foo-split"),
            PackageFields {
                name: "foo-split".into(),
                base: Some("foo".into()),
                version: "1:2.0-3".into(),
                arch: "x86_64".into(),
                filename: "foo-split-1:2.0-3-x86_64.pkg.tar.gz".into(),
                depends: vec!["glibc>=2.40".into(), "bash".into()],
                makedepends: vec!["cmake".into()],
                checkdepends: vec!["python-pytest".into()],
                optdepends: vec!["python: for scripts".into(), "perl>=1:5.3".into()],
                provides: vec!["libfoo.so=5-64".into(), "foo-cli".into()],
                conflicts: vec!["foo-git".into()],
                replaces: vec!["oldfoo".into()],
            },
            "{ext}"
        );
        let docs = by_name("foo-docs");
        assert_eq!(
            (docs.base.as_deref(), docs.arch.as_str()),
            (Some("foo"), "any")
        );
        let long = by_name(&long_name);
        assert_eq!(
            long.base.as_deref(),
            Some(long_name.as_str()),
            "no pkgbase means the name"
        );
        assert_eq!(long.depends, ["nginx>=1.26"]);
        assert_eq!(
            long.filename,
            format!("{long_name}-0.1-1-x86_64.pkg.tar.gz")
        );
        for f in ["test.db", "test.files", &db, &format!("test.files.{ext}")] {
            let _ = std::fs::remove_file(dir.path().join(f));
        }
    }
}
