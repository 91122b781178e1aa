//! Lookups by name, pkgbase and provision on hand-made packages (the real data's lookups are
//! tested in `realdata.rs`).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use archport_repodb::{Index, Package, PackageFields};
use archport_vercmp::Relation;

fn package(
    repo: &str,
    name: &str,
    base: &str,
    version: &str,
    arch: &str,
    provides: &[&str],
) -> Package {
    Package::new(
        repo,
        &PackageFields {
            name: name.into(),
            base: Some(base.into()),
            version: version.into(),
            arch: arch.into(),
            provides: provides.iter().map(|s| s.to_string()).collect(),
            ..PackageFields::default()
        },
    )
    .unwrap()
}

fn sample() -> Index {
    Index::new(vec![
        package("core-testing", "bash", "bash", "5.3-1", "x86_64", &["sh"]),
        package("core", "bash", "bash", "5.2-1", "x86_64", &["sh"]),
        package("core", "dash", "dash", "0.5-1", "x86_64", &["sh"]),
        package(
            "core",
            "openssl",
            "openssl",
            "3.3.2-1",
            "x86_64",
            &["libssl.so=3-64", "libcrypto.so=3-64"],
        ),
        package(
            "extra",
            "openssl-1.1",
            "openssl-1.1",
            "1.1.1w-1",
            "x86_64",
            &["libssl.so=1.1-64", "openssl=1.1.1w"],
        ),
        package("extra", "python-foo", "foo", "1:2.0-1", "any", &[]),
        package("extra", "foo-docs", "foo", "1:2.0-2", "any", &[]),
        package(
            "extra",
            "foo",
            "foo",
            "1:2.0-1",
            "x86_64",
            &["foo=9", "foo=10"],
        ),
    ])
}

fn relation(text: &str) -> Relation {
    text.parse().unwrap()
}

fn providers(index: &Index, text: &str) -> Vec<String> {
    let relation = relation(text);
    index
        .providers_of(&relation)
        .map(|p| format!("{}/{}", p.repo(), p.name()))
        .collect()
}

#[test]
fn by_name_follows_repository_precedence() {
    let index = sample();
    assert_eq!(index.len(), 8);
    assert_eq!(index.by_name("bash").unwrap().repo(), "core-testing");
    let all: Vec<_> = index.all_named("bash").map(|p| p.version()).collect();
    assert_eq!(all, ["5.3-1", "5.2-1"]);
    assert!(index.by_name("zsh").is_none());
    assert!(index.by_name("bas").is_none());
    assert_eq!(index.all_named("zzz").count(), 0);
}

#[test]
fn pkgbases_group_split_packages_per_repository() {
    let index = sample();
    let foo = index.pkgbase("foo").unwrap();
    assert_eq!((foo.name(), foo.repo()), ("foo", "extra"));
    let names: Vec<_> = foo.packages().map(|p| p.name()).collect();
    assert_eq!(names, ["python-foo", "foo-docs", "foo"]);
    // The highest version among the split packages, by vercmp.
    assert_eq!(index.pkgbase_version("foo"), Some("1:2.0-2"));
    assert_eq!(index.pkgbase("bash").unwrap().repo(), "core-testing");
    assert_eq!(index.pkgbase_version("bash"), Some("5.3-1"));
    assert_eq!(index.pkgbase_version("nope"), None);
    let groups: Vec<_> = index
        .pkgbases()
        .map(|b| format!("{}/{}", b.repo(), b.name()))
        .collect();
    assert_eq!(
        groups,
        [
            "core-testing/bash",
            "core/bash",
            "core/dash",
            "extra/foo",
            "core/openssl",
            "extra/openssl-1.1"
        ]
    );
}

#[test]
fn filtering_by_architecture() {
    let packages = sample().packages().to_vec();
    let index = Index::with_filter(packages, |p| p.arch() != "any");
    assert_eq!(index.len(), 6);
    let foo: Vec<_> = index
        .pkgbase("foo")
        .unwrap()
        .packages()
        .map(|p| p.name())
        .collect();
    assert_eq!(foo, ["foo"]);
    assert_eq!(index.pkgbase_version("foo"), Some("1:2.0-1"));
}

#[test]
fn providers_of_checks_names_provisions_and_versions() {
    let index = sample();
    assert_eq!(
        providers(&index, "sh"),
        ["core-testing/bash", "core/bash", "core/dash"]
    );
    assert_eq!(
        providers(&index, "bash"),
        ["core-testing/bash", "core/bash"]
    );
    assert_eq!(providers(&index, "bash>=5.3"), ["core-testing/bash"]);
    assert_eq!(providers(&index, "bash<5"), Vec::<String>::new());
    // An unversioned provision cannot meet a versioned relation.
    assert_eq!(providers(&index, "sh>=1"), Vec::<String>::new());
    assert_eq!(providers(&index, "libssl.so=3-64"), ["core/openssl"]);
    assert_eq!(
        providers(&index, "libssl.so"),
        ["core/openssl", "extra/openssl-1.1"]
    );
    assert_eq!(providers(&index, "libssl.so<3"), ["extra/openssl-1.1"]);
    // By name first, then by provision.
    assert_eq!(
        providers(&index, "openssl"),
        ["core/openssl", "extra/openssl-1.1"]
    );
    assert_eq!(providers(&index, "openssl>=3"), ["core/openssl"]);
    assert_eq!(providers(&index, "openssl<2"), ["extra/openssl-1.1"]);
    // Two provisions of one package yield it once; its own name does too.
    assert_eq!(providers(&index, "foo"), ["extra/foo"]);
    assert_eq!(providers(&index, "foo>=9"), ["extra/foo"]);
    assert_eq!(
        providers(&index, "foo<1:0"),
        ["extra/foo"],
        "through its provisions only"
    );
    // An empty constraint version (`perl=`) constrains nothing.
    assert_eq!(providers(&index, "dash="), ["core/dash"]);
    let raw: Vec<_> = index
        .providers("libssl.so")
        .map(|p| (p.package.name(), p.name, p.version))
        .collect();
    assert_eq!(
        raw,
        [
            ("openssl", "libssl.so", Some("3-64")),
            ("openssl-1.1", "libssl.so", Some("1.1-64"))
        ]
    );
}
