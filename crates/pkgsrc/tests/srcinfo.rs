//! `.SRCINFO` metadata: merging for the target architecture, the x86_64 fallback that needs
//! `--ignorearch`, and `makepkg --printsrcinfo` for directories without a `.SRCINFO`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use archport_pkgsrc::{Makepkg, MakepkgError, SrcInfoError, parse_srcinfo, read_srcinfo};

const SPLIT: &str = "\
pkgbase = demo
\tpkgdesc = A split package with architecture-specific relations
\tpkgver = 2.0rc1
\tpkgrel = 1
\tepoch = 1
\turl = https://example.org/
\tarch = x86_64
\tarch = aarch64
\tlicense = MIT
\tcheckdepends = python-pytest
\tmakedepends = cmake
\tmakedepends_x86_64 = nasm
\tmakedepends_aarch64 = arm-none-eabi-gcc
\tdepends = glibc>=2.38
\tdepends_x86_64 = libx86
\tsource = https://example.org/demo-2.0rc1.tar.gz
\tsha256sums = SKIP

pkgname = demo
\tdepends = glibc>=2.38
\tdepends = libdemo.so=1-64
\tprovides = demo-bin=1:2.0rc1

pkgname = libdemo
\tprovides = libdemo.so=1-64
\tdepends_aarch64 = libarm

pkgname = demo-docs
\tarch = x86_64
\tdepends = 
";

#[test]
fn merges_for_the_target_when_the_pkgbuild_lists_it() {
    let info = parse_srcinfo(SPLIT, "aarch64", Path::new("demo/.SRCINFO")).expect("valid");
    assert_eq!(info.pkgbase, "demo");
    assert_eq!(info.version, "1:2.0rc1-1");
    assert_eq!(info.arches, ["x86_64", "aarch64"]);
    assert_eq!(info.merged_arch, "aarch64");
    assert!(!info.needs_ignorearch);
    // demo-docs is x86_64 only.
    assert_eq!(info.pkgnames, ["demo", "libdemo"]);
    assert_eq!(info.depends, ["glibc>=2.38", "libdemo.so=1-64", "libarm"]);
    assert_eq!(info.makedepends, ["cmake", "arm-none-eabi-gcc"]);
    assert_eq!(info.checkdepends, ["python-pytest"]);
    assert_eq!(info.provides, ["demo-bin=1:2.0rc1", "libdemo.so=1-64"]);
    assert_eq!(info.alpm_srcinfo_rejection, None);
}

#[test]
fn merges_for_x86_64_with_ignorearch_when_the_target_is_missing() {
    let text = SPLIT.replace("\tarch = aarch64\n", "");
    let info = parse_srcinfo(&text, "aarch64", Path::new("demo/.SRCINFO")).expect("valid");
    assert_eq!(info.arches, ["x86_64"]);
    assert_eq!(info.merged_arch, "x86_64");
    assert!(info.needs_ignorearch);
    assert_eq!(info.pkgnames, ["demo", "libdemo", "demo-docs"]);
    // libdemo inherits the pkgbase's depends plus its x86_64 ones; demo-docs clears the
    // general list but still gets depends_x86_64 from the pkgbase.
    assert_eq!(info.depends, ["glibc>=2.38", "libdemo.so=1-64", "libx86"]);
    assert_eq!(info.makedepends, ["cmake", "nasm"]);
}

#[test]
fn architecture_independent_packages_merge_for_the_target() {
    let text = "pkgbase = docs\n\tpkgver = 1\n\tpkgrel = 1\n\tarch = any\n\tdepends = sh\n\npkgname = docs\n";
    let info = parse_srcinfo(text, "aarch64", Path::new("docs/.SRCINFO")).expect("valid");
    assert_eq!(info.arches, ["any"]);
    assert!(!info.needs_ignorearch);
    assert_eq!(info.depends, ["sh"]);
}

#[test]
fn fallback_reader_handles_what_alpm_srcinfo_rejects() {
    let text = "pkgbase = nginx-mod-x\n\tpkgver = 1\n\tpkgrel = 2\n\tarch = x86_64\n\tsource = git+https://example.org/x?tag=v1\n\tsha256sums = SKIP\n\npkgname = nginx-mod-x\n\tdepends = nginx=\n";
    let info = parse_srcinfo(text, "aarch64", Path::new("x/.SRCINFO")).expect("read");
    assert!(info.alpm_srcinfo_rejection.is_some());
    assert_eq!(info.depends, ["nginx="]);
    assert_eq!(info.version, "1-2");
    assert!(info.needs_ignorearch);
}

#[test]
fn errors_name_the_file() {
    let err = parse_srcinfo(
        "pkgbase = x\n\tpkgver 1\n",
        "aarch64",
        Path::new("pkgbuilds/x/.SRCINFO"),
    )
    .expect_err("invalid");
    assert!(
        matches!(err, SrcInfoError::Invalid { line: 2, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("pkgbuilds/x/.SRCINFO: line 2:"),
        "{err}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".SRCINFO"), b"pkgbase = x\n\xff\n").expect("write");
    let err = read_srcinfo(dir.path(), "aarch64", &Makepkg::default()).expect_err("not UTF-8");
    assert_eq!(
        err.to_string(),
        format!("{}: not UTF-8 text", dir.path().join(".SRCINFO").display())
    );

    let err =
        parse_srcinfo(SPLIT, "any", Path::new("demo/.SRCINFO")).expect_err("any is no target");
    assert!(matches!(err, SrcInfoError::TargetArch { .. }), "{err:?}");
}

const PKGBUILD: &str = r#"pkgbase=printed
pkgname=(printed printed-extra)
pkgver=3.1
pkgrel=2
arch=(x86_64 aarch64)
license=(MIT)
depends=(glibc)
makedepends=(meson)
depends_aarch64=(libarm)
package_printed() { :; }
package_printed-extra() { depends=(printed); provides=('libprinted.so=3-64'); }
"#;

/// Whether this test process is root (then makepkg must run as an unprivileged user).
fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// The unprivileged user makepkg runs as in tests, created when missing.
fn test_user() -> String {
    const USER: &str = "archport-test";
    let exists = Command::new("id")
        .arg(USER)
        .output()
        .expect("id runs")
        .status
        .success();
    if !exists {
        let status = Command::new("useradd")
            .args(["-m", USER])
            .status()
            .expect("useradd runs");
        // A concurrent test may have created it meanwhile.
        let exists = Command::new("id")
            .arg(USER)
            .output()
            .expect("id runs")
            .status
            .success();
        assert!(status.success() || exists, "cannot create user {USER}");
    }
    USER.to_owned()
}

/// A PKGBUILD directory without `.SRCINFO` that an unprivileged user can read.
fn pkgbuild_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(dir.path().join("PKGBUILD"), PKGBUILD).expect("write PKGBUILD");
    dir
}

#[test]
fn makepkg_printsrcinfo_is_used_without_srcinfo() {
    let dir = pkgbuild_dir();
    let makepkg = Makepkg {
        run_as: is_root().then(test_user),
        ..Makepkg::default()
    };
    let info = read_srcinfo(dir.path(), "aarch64", &makepkg).expect("makepkg --printsrcinfo");
    assert_eq!(info.pkgbase, "printed");
    assert_eq!(info.version, "3.1-2");
    assert_eq!(info.pkgnames, ["printed", "printed-extra"]);
    assert!(!info.needs_ignorearch);
    assert_eq!(info.depends, ["glibc", "libarm", "printed"]);
    assert_eq!(info.makedepends, ["meson"]);
    assert_eq!(info.provides, ["libprinted.so=3-64"]);
    assert!(
        !dir.path().join(".SRCINFO").exists(),
        "nothing is written to the checkout"
    );
}

#[test]
fn makepkg_as_root_needs_an_unprivileged_user() {
    if !is_root() {
        // As a normal user makepkg runs directly; the root case is covered where tests run
        // as root (CI and the build box).
        let dir = pkgbuild_dir();
        let info = read_srcinfo(dir.path(), "aarch64", &Makepkg::default()).expect("runs");
        assert_eq!(info.pkgbase, "printed");
        return;
    }
    let dir = pkgbuild_dir();
    let err = read_srcinfo(dir.path(), "aarch64", &Makepkg::default()).expect_err("root");
    assert!(
        matches!(
            err,
            SrcInfoError::Makepkg(MakepkgError::RootWithoutUser { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn makepkg_failures_name_the_directory() {
    let dir = pkgbuild_dir();
    std::fs::write(dir.path().join("PKGBUILD"), "pkgname=broken\npkgver=1\n").expect("write");
    let makepkg = Makepkg {
        run_as: is_root().then(test_user),
        ..Makepkg::default()
    };
    let err = read_srcinfo(dir.path(), "aarch64", &makepkg).expect_err("invalid PKGBUILD");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "{}: makepkg --printsrcinfo failed",
            dir.path().display()
        )),
        "{text}"
    );

    let empty = tempfile::tempdir().expect("tempdir");
    let err = read_srcinfo(empty.path(), "aarch64", &makepkg).expect_err("no PKGBUILD");
    assert_eq!(
        err.to_string(),
        format!("{}: no PKGBUILD", empty.path().display())
    );
}
