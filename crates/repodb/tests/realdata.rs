//! Reading the real Arch databases (found by `archport_realdata`), checked against GNU tar
//! plus a plain desc reader, and against the counts the data's README states. Every test
//! needs the data: their names start with `realdata_`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use archport_repodb::{DbFile, Index, Limits, PackageFields, load_dbs, read_db};
use archport_vercmp::Relation;
use common::{desc_texts, oracle_packages, realdata};

fn fields_by_name(packages: &[archport_repodb::Package]) -> BTreeMap<String, PackageFields> {
    packages
        .iter()
        .map(|p| (p.name().to_owned(), p.to_fields()))
        .collect()
}

#[test]
fn realdata_arch_2019_core_matches_the_oracle_field_by_field() {
    let path = realdata("arch-2019/core.db");
    let packages = read_db(&path, "core").unwrap();
    assert_eq!(packages.len(), 231);
    assert!(packages.iter().all(|p| p.repo() == "core"));
    assert_eq!(fields_by_name(&packages), oracle_packages(&path));
}

#[test]
fn realdata_arch_2019_extra_matches_the_oracle_field_by_field() {
    let path = realdata("arch-2019/extra.db");
    let packages = read_db(&path, "extra").unwrap();
    assert_eq!(packages.len(), 2917);
    assert_eq!(fields_by_name(&packages), oracle_packages(&path));
}

#[test]
fn realdata_arch_2019_entries_without_base_take_the_name() {
    // The README counts 238 entries without %BASE% in core+extra+multilib.
    let files: Vec<DbFile> = ["core", "extra", "multilib"]
        .iter()
        .map(|repo| DbFile::new(*repo, realdata(&format!("arch-2019/{repo}.db"))))
        .collect();
    let packages = load_dbs(&files, &Limits::default()).unwrap();
    assert_eq!(packages.len(), 3428);
    let descs: Vec<String> = files.iter().flat_map(|f| desc_texts(&f.path)).collect();
    assert!(descs.iter().all(|d| d.contains("\n%MD5SUM%\n")));
    let without_base: Vec<&str> = descs
        .iter()
        .filter(|d| !d.contains("%BASE%"))
        .map(|d| d.split("%NAME%\n").nth(1).unwrap().lines().next().unwrap())
        .collect();
    assert_eq!(without_base.len(), 238);
    for name in without_base {
        let package = packages.iter().find(|p| p.name() == name).unwrap();
        assert_eq!(package.base(), name);
    }
    let zlib = packages.iter().find(|p| p.name() == "zlib").unwrap();
    assert_eq!(zlib.version(), "1:1.2.11-3");
    assert_eq!(zlib.filename(), "zlib-1:1.2.11-3-x86_64.pkg.tar.xz");
    assert_eq!(zlib.depends().collect::<Vec<_>>(), ["glibc"]);
    let index = Index::new(packages);
    assert_eq!(index.pkgbases().count(), 2603);
}

#[test]
fn realdata_full_2024_core_matches_the_oracle_field_by_field() {
    let path = realdata("full-2024/x86_64/core.db.tar.gz");
    let packages = read_db(&path, "core").unwrap();
    assert_eq!(fields_by_name(&packages), oracle_packages(&path));
    let systemd = packages.iter().find(|p| p.name() == "systemd").unwrap();
    assert_eq!(systemd.base(), "systemd");
    assert_eq!(systemd.version(), "256.4-1");
    assert_eq!(systemd.arch(), "x86_64");
    assert_eq!(
        systemd.provides().collect::<Vec<_>>(),
        ["nss-myhostname", "systemd-tools=256.4", "udev=256.4"]
    );
    assert_eq!(
        systemd.replaces().collect::<Vec<_>>(),
        ["nss-myhostname", "systemd-tools", "udev"]
    );
}

/// core+extra of the 2024 data, loaded once for all tests of this file.
fn full_2024() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = realdata("full-2024/x86_64");
        let files = [
            DbFile::new("core", dir.join("core.db.tar.gz")),
            DbFile::new("extra", dir.join("extra.db.tar.gz")),
        ];
        Index::new(load_dbs(&files, &Limits::default()).unwrap())
    })
}

#[test]
fn realdata_full_2024_counts_packages_and_pkgbases() {
    let index = full_2024();
    let packages = index.packages();
    assert_eq!(packages.len(), 261 + 13_686);
    // Packages come back in the order of the files given.
    assert!(packages[..261].iter().all(|p| p.repo() == "core"));
    assert!(packages[261..].iter().all(|p| p.repo() == "extra"));
    let bases = |repo: &str| -> BTreeSet<&str> {
        index
            .pkgbases()
            .filter(|b| b.repo() == repo)
            .map(|b| b.name())
            .collect()
    };
    assert_eq!(bases("core").len(), 199);
    assert_eq!(bases("extra").len(), 11_266);
    // 699 split pkgbases; tesseract-data is the largest with 129 packages.
    assert_eq!(
        index.pkgbases().filter(|b| b.packages().len() > 1).count(),
        699
    );
    assert_eq!(
        index.pkgbase("tesseract-data").unwrap().packages().len(),
        129
    );
}

#[test]
fn realdata_full_2024_lookups() {
    let index = full_2024();
    let systemd = index.pkgbase("systemd").unwrap();
    assert_eq!(systemd.repo(), "core");
    let mut names: Vec<_> = systemd.packages().map(|p| p.name()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "systemd",
            "systemd-libs",
            "systemd-resolvconf",
            "systemd-sysvcompat",
            "systemd-ukify"
        ]
    );
    assert_eq!(index.pkgbase_version("systemd"), Some("256.4-1"));
    let wanted = "udev=256.4".parse::<Relation>().unwrap();
    let udev: Vec<_> = index.providers_of(&wanted).map(|p| p.name()).collect();
    assert_eq!(udev, ["systemd"]);
    let wanted = "sh".parse::<Relation>().unwrap();
    let sh: Vec<_> = index.providers_of(&wanted).map(|p| p.name()).collect();
    assert!(sh.contains(&"bash"), "{sh:?}");
    // Every provision listed by a package is found again through the index.
    for p in index.packages().iter().take(2000) {
        for provision in p.provides() {
            let (name, _) = archport_repodb::split_provision(provision);
            assert!(
                index.providers(name).any(|pr| std::ptr::eq(pr.package, p)),
                "{} provides {provision}",
                p.name()
            );
        }
    }
    let any = Index::with_filter(index.packages().to_vec(), |p| p.arch() != "any");
    assert!(any.len() < index.len());
    assert!(any.packages().iter().all(|p| p.arch() != "any"));
}
