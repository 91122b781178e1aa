//! Every `.SRCINFO` of the 2024 Arch repository (11,467 pkgbases) through `parse_srcinfo`.
//!
//! `alpm-srcinfo` 0.7.0 rejects 24 of them although makepkg wrote them; they are listed below
//! with the reason, and must still be read (by the fallback reader). The merged x86_64 data is
//! checked against the x86_64 sync database built from the same PKGBUILDs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use archport_pkgsrc::{SrcInfo, parse_srcinfo};

// Every test here needs the real data: their names start with `realdata_` (see
// `archport_realdata`), and they fail with its message when it is missing.
const SRCINFO_TAR: &str = "full-2024/srcinfo.tar.zst";
const CORE_DB: &str = "full-2024/x86_64/core.db.tar.gz";
const EXTRA_DB: &str = "full-2024/x86_64/extra.db.tar.gz";

/// Why alpm-srcinfo 0.7.0 rejects a real file, and a phrase of its error that shows it.
const EMPTY_VERSION: &str = "expected end of input after version requirement";
const VCS_QUERY: &str = "invalid or duplicate query parameter for detected VCS";
const EMPTY_PGP_KEY: &str = "OpenPGP identifier";

/// The files alpm-srcinfo 0.7.0 rejects: relations with an empty version (`nginx=`, `perl=`,
/// `php-interpreter<`), git sources with `?tag=` or `?#tag=`, and an empty `validpgpkeys`.
const REJECTED: &[(&str, &str)] = &[
    ("extra/bashbrew/.SRCINFO", VCS_QUERY),
    ("extra/gitui/.SRCINFO", VCS_QUERY),
    ("extra/gphoto2/.SRCINFO", EMPTY_PGP_KEY),
    ("extra/libretls/.SRCINFO", VCS_QUERY),
    ("extra/nextcloud/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-auth-pam/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-brotli/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-cache_purge/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-echo/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-geoip2/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-headers-more/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-memc/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-modsecurity/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-naxsi/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-ndk-set-misc/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-njs/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-redis/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-redis2/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-srcache/.SRCINFO", EMPTY_VERSION),
    ("extra/nginx-mod-vts/.SRCINFO", EMPTY_VERSION),
    ("extra/passenger/.SRCINFO", EMPTY_VERSION),
    ("extra/perl-par-packer/.SRCINFO", EMPTY_VERSION),
    ("extra/serie/.SRCINFO", VCS_QUERY),
    ("extra/tigervnc/.SRCINFO", VCS_QUERY),
];

fn real_srcinfo_files() -> Vec<(PathBuf, String)> {
    let file =
        std::fs::File::open(archport_realdata::require(SRCINFO_TAR)).expect("real data readable");
    let mut archive = tar::Archive::new(zstd::Decoder::new(file).expect("zstd"));
    let mut files = Vec::new();
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("tar entry");
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().expect("path").into_owned();
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("UTF-8 .SRCINFO");
        files.push((path, text));
    }
    files.sort();
    files
}

/// Every real file with its text and what `parse_srcinfo` makes of it for aarch64; parsed
/// once for all tests of this binary (unoptimised test builds take seconds for it).
fn parsed_for_aarch64() -> &'static [(PathBuf, String, SrcInfo)] {
    static PARSED: OnceLock<Vec<(PathBuf, String, SrcInfo)>> = OnceLock::new();
    PARSED.get_or_init(|| {
        real_srcinfo_files()
            .into_iter()
            .map(|(path, text)| {
                let info = parse_srcinfo(&text, "aarch64", &path)
                    .unwrap_or_else(|err| panic!("{} not read: {err}", path.display()));
                (path, text, info)
            })
            .collect()
    })
}

fn pkgbase_dir(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .expect("<repo>/<pkgbase>/.SRCINFO")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn realdata_every_real_srcinfo_is_read_and_alpm_srcinfo_rejections_are_known() {
    let files = parsed_for_aarch64();
    assert_eq!(files.len(), 11_467);

    let mut rejected = BTreeMap::new();
    let mut ignorearch = 0;
    let mut non_ascii = 0;
    for (path, text, info) in files {
        assert_eq!(info.pkgbase, pkgbase_dir(path), "{}", path.display());
        assert!(!info.pkgnames.is_empty(), "{}: no package", path.display());
        let lists_target = info.arches.iter().any(|a| a == "aarch64" || a == "any");
        assert_eq!(info.needs_ignorearch, !lists_target, "{}", path.display());
        if info.needs_ignorearch {
            ignorearch += 1;
            let expected = if info.arches.iter().any(|a| a == "x86_64") {
                "x86_64"
            } else {
                info.arches[0].as_str()
            };
            assert_eq!(info.merged_arch, expected, "{}", path.display());
        } else {
            assert_eq!(info.merged_arch, "aarch64");
        }
        if !text.is_ascii() {
            non_ascii += 1;
        }
        if let Some(reason) = &info.alpm_srcinfo_rejection {
            rejected.insert(path.to_string_lossy().into_owned(), reason.clone());
        }
    }
    assert_eq!(non_ascii, 54, "the non-ASCII files are among those read");
    assert!(
        ignorearch > 7_000,
        "most real PKGBUILDs lack aarch64: {ignorearch}"
    );

    let expected: BTreeSet<&str> = REJECTED.iter().map(|(p, _)| *p).collect();
    let actual: BTreeSet<&str> = rejected.keys().map(String::as_str).collect();
    assert_eq!(
        actual, expected,
        "alpm-srcinfo rejects other files than recorded"
    );
    for (path, phrase) in REJECTED {
        assert!(
            rejected[*path].contains(phrase),
            "{path}: expected a rejection mentioning {phrase:?}, got {}",
            rejected[*path]
        );
    }
}

#[test]
fn realdata_relations_with_an_empty_version_are_kept_as_written() {
    let find = |name: &str| {
        parsed_for_aarch64()
            .iter()
            .find(|(p, _, _)| p.to_string_lossy() == name)
            .map(|(_, _, info)| info.clone())
            .expect("file present")
    };
    let vts = find("extra/nginx-mod-vts/.SRCINFO");
    assert!(
        vts.depends.contains(&"nginx=".to_owned()),
        "{:?}",
        vts.depends
    );
    let packer = find("extra/perl-par-packer/.SRCINFO");
    assert!(
        packer.depends.contains(&"perl=".to_owned()),
        "{:?}",
        packer.depends
    );
    let nextcloud = find("extra/nextcloud/.SRCINFO");
    assert!(nextcloud.depends.contains(&"php-interpreter<".to_owned()));
}

/// Package name -> (pkgbase, depends, provides) from an x86_64 sync database.
fn sync_db(relative: &str, into: &mut BTreeMap<String, (String, Vec<String>, Vec<String>)>) {
    // gzip rather than a Rust inflater: unoptimised test builds inflate 32 MB slowly.
    let output = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(archport_realdata::require(relative))
        .output()
        .expect("gzip runs");
    assert!(output.status.success(), "gzip -dc {relative}");
    let mut archive = tar::Archive::new(output.stdout.as_slice());
    for entry in archive.entries().expect("tar") {
        let mut entry = entry.expect("entry");
        if !entry.path().expect("path").ends_with("desc") {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).expect("desc text");
        let mut fields: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut key = "";
        for line in text.lines() {
            if line.starts_with('%') && line.ends_with('%') && line.len() > 2 {
                key = line;
            } else if !line.is_empty() {
                fields.entry(key).or_default().push(line);
            }
        }
        let name = fields["%NAME%"][0].to_owned();
        let base = fields
            .get("%BASE%")
            .map_or(name.clone(), |b| b[0].to_owned());
        let list = |k: &str| -> Vec<String> {
            fields
                .get(k)
                .map_or_else(Vec::new, |v| v.iter().map(|s| s.to_string()).collect())
        };
        into.insert(name, (base, list("%DEPENDS%"), list("%PROVIDES%")));
    }
}

/// The name part of a relation (`glibc>=2.38` -> `glibc`).
fn relation_name(relation: &str) -> &str {
    relation.split(['<', '>', '=']).next().unwrap_or(relation)
}

#[test]
fn realdata_merged_x86_64_data_matches_the_x86_64_sync_database() {
    let mut db = BTreeMap::new();
    sync_db(CORE_DB, &mut db);
    sync_db(EXTRA_DB, &mut db);
    let mut by_base: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, (base, _, _)) in &db {
        by_base
            .entry(base.as_str())
            .or_default()
            .push(name.as_str());
    }

    let mut compared = 0;
    for (path, text, for_aarch64) in parsed_for_aarch64() {
        // Most files do not list aarch64 and were merged for x86_64 already; `any` packages
        // merge the same for every architecture.
        let info: SrcInfo = if for_aarch64.merged_arch == "x86_64" || for_aarch64.arches == ["any"]
        {
            for_aarch64.clone()
        } else {
            parse_srcinfo(text, "x86_64", path).expect("read")
        };
        let Some(db_names) = by_base.get(info.pkgbase.as_str()) else {
            continue;
        };
        compared += 1;
        let ours: BTreeSet<&str> = info.pkgnames.iter().map(String::as_str).collect();
        let theirs: BTreeSet<&str> = db_names.iter().copied().collect();
        assert_eq!(ours, theirs, "{}: pkgnames", path.display());

        // Soname versions in the database are synthetic, so compare relation names.
        let depends: BTreeSet<&str> = info.depends.iter().map(|d| relation_name(d)).collect();
        let provides: BTreeSet<&str> = info.provides.iter().map(|p| relation_name(p)).collect();
        let mut db_depends = BTreeSet::new();
        let mut db_provides = BTreeSet::new();
        for name in db_names {
            let (_, deps, provs) = &db[*name];
            db_depends.extend(deps.iter().map(|d| relation_name(d)));
            db_provides.extend(provs.iter().map(|p| relation_name(p)));
        }
        assert_eq!(depends, db_depends, "{}: depends", path.display());
        assert_eq!(provides, db_provides, "{}: provides", path.display());
    }
    assert!(compared > 11_000, "only {compared} pkgbases compared");
}
