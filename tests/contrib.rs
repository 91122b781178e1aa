//! contrib/: the PKGBUILD, the systemd units and the example configuration are checked by
//! the tools that will read them (makepkg, systemd-analyze, systemd-sysusers,
//! systemd-tmpfiles, archport's own config loader), and every binary prints its man page.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use archport_config::Config;
use assert_cmd::Command as BinCommand;

const BINARIES: [&str; 4] = [
    "repo-analyze",
    "generate-build-list",
    "build-packages",
    "bootstrap-toolchain",
];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn contrib(file: &str) -> PathBuf {
    repo_root().join("contrib").join(file)
}

/// Fails the test, naming the Debian package, when `program` is not in PATH: these checks
/// must run wherever the tests run (scripts/test installs them), never be skipped.
fn require(program: &str, debian_package: &str) {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path).any(|dir| dir.join(program).is_file());
    assert!(
        found,
        "{program} is not installed: install Debian's {debian_package} package (on Arch it is there already)"
    );
}

/// Runs `command`, failing the test with its output unless it succeeds without a word on
/// stderr (systemd's verifiers only warn about unknown keys). Returns stdout.
fn run_clean(command: &mut Command) -> String {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "{command:?}: {}\nstdout: {}\nstderr: {stderr}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_pkgbuild_prints_its_srcinfo() {
    require("makepkg", "makepkg");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(contrib("PKGBUILD"), dir.path().join("PKGBUILD")).unwrap();
    // makepkg refuses root: as root it runs as the unprivileged test user.
    let user = archport_testworld::prepare_build_dir(dir.path()).unwrap();
    let output = archport_testworld::makepkg_command(dir.path(), user)
        .arg("--printsrcinfo")
        .output()
        .unwrap();
    let srcinfo = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "makepkg --printsrcinfo: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(srcinfo.contains("pkgbase = archport\n"), "{srcinfo}");
    assert!(srcinfo.contains("\npkgname = archport\n"), "{srcinfo}");
    let version = format!("\tpkgver = {}\n", env!("CARGO_PKG_VERSION"));
    assert!(
        srcinfo.contains(&version),
        "pkgver follows Cargo.toml's version:\n{srcinfo}"
    );
    assert!(
        srcinfo.contains("\tbackup = etc/archport/archport.toml\n"),
        "{srcinfo}"
    );
}

#[test]
fn the_pkgbuild_packages_binaries_man_pages_and_completions() {
    // build() and package() as makepkg runs them, with cargo's build replaced by the binaries
    // this test run built (a release build here would take too long).
    let dir = tempfile::tempdir().unwrap();
    let srcdir = dir.path().join("src");
    let pkgdir = dir.path().join("pkg");
    std::fs::create_dir_all(srcdir.join("target")).unwrap();
    std::fs::create_dir(&pkgdir).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_build-packages"))
        .parent()
        .unwrap();
    std::os::unix::fs::symlink(bin_dir, srcdir.join("target/release")).unwrap();
    run_clean(
        Command::new("bash")
            .args([
                "-euo",
                "pipefail",
                "-c",
                r#"source "$startdir/PKGBUILD"; cargo() { :; }; build; package"#,
            ])
            .env("startdir", contrib(""))
            .env("srcdir", &srcdir)
            .env("pkgdir", &pkgdir)
            .current_dir(dir.path()),
    );
    for bin in BINARIES {
        for file in [
            format!("usr/bin/{bin}"),
            format!("usr/share/man/man1/{bin}.1"),
            format!("usr/share/bash-completion/completions/{bin}"),
            format!("usr/share/zsh/site-functions/_{bin}"),
            format!("usr/share/fish/vendor_completions.d/{bin}.fish"),
        ] {
            let len = std::fs::metadata(pkgdir.join(&file)).map(|m| m.len());
            assert!(len.is_ok_and(|l| l > 0), "{file} is missing or empty");
        }
        let page =
            std::fs::read_to_string(pkgdir.join(format!("usr/share/man/man1/{bin}.1"))).unwrap();
        assert!(page.contains(&format!(".TH {bin} 1 ")), "{bin}.1");
    }
    for file in [
        "etc/archport/archport.toml",
        "etc/archport/chroot-config/pacman.conf",
        "etc/sudoers.d/archport",
        "usr/lib/systemd/system/archport.service",
        "usr/lib/systemd/system/archport.timer",
        "usr/lib/sysusers.d/archport.conf",
        "usr/lib/tmpfiles.d/archport.conf",
    ] {
        assert!(pkgdir.join(file).is_file(), "{file} is not packaged");
    }
}

#[test]
fn the_pkgbuild_installs_files_that_exist() {
    let pkgbuild = std::fs::read_to_string(contrib("PKGBUILD")).unwrap();
    let mut checked = 0;
    for line in pkgbuild.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("install") {
            continue;
        }
        let source = words.nth(1).unwrap();
        // Sources in the checkout; the generated ones ("$srcdir/...") are made by build().
        if !source.starts_with('"') {
            assert!(
                repo_root().join(source).is_file(),
                "PKGBUILD installs {source}, which does not exist"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 10,
        "only {checked} installed files found in the PKGBUILD"
    );
}

#[test]
fn the_units_pass_systemd_analyze_verify() {
    require("systemd-analyze", "systemd");
    let dir = tempfile::tempdir().unwrap();
    // verify insists that ExecStart's programs exist: the built binaries stand in for /usr/bin.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_build-packages"))
        .parent()
        .unwrap();
    let service = std::fs::read_to_string(contrib("archport.service")).unwrap();
    assert_eq!(service.matches("\nExecStart=/usr/bin/").count(), 2);
    let service = service.replace("=/usr/bin/", &format!("={}/", bin_dir.display()));
    std::fs::write(dir.path().join("archport.service"), service).unwrap();
    std::fs::copy(contrib("archport.timer"), dir.path().join("archport.timer")).unwrap();
    run_clean(
        Command::new("systemd-analyze")
            .args(["verify", "--man=no", "archport.service", "archport.timer"])
            .current_dir(dir.path()),
    );
}

#[test]
fn the_service_runs_generate_then_build() {
    let service = std::fs::read_to_string(contrib("archport.service")).unwrap();
    let exec: Vec<&str> = service
        .lines()
        .filter_map(|l| l.strip_prefix("ExecStart="))
        .collect();
    assert_eq!(
        exec,
        ["/usr/bin/generate-build-list", "/usr/bin/build-packages"]
    );
    assert!(service.contains("\nType=oneshot\n"));
    assert!(service.contains("\nEnvironment=ARCHPORT_CONFIG=/etc/archport/archport.toml\n"));
}

#[test]
fn sysusers_and_tmpfiles_make_the_build_user_and_its_work_directory() {
    require("systemd-sysusers", "systemd");
    require("systemd-tmpfiles", "systemd");
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("etc")).unwrap();
    let root_arg = format!("--root={}", root.path().display());
    Command::new("systemd-sysusers")
        .arg(&root_arg)
        .arg(contrib("archport.sysusers"))
        .status()
        .unwrap()
        .success()
        .then_some(())
        .unwrap();
    let passwd = std::fs::read_to_string(root.path().join("etc/passwd")).unwrap();
    let entry = passwd.lines().find(|l| l.starts_with("archport:")).unwrap();
    assert!(entry.ends_with(":/var/lib/archport:/bin/sh"), "{entry}");
    run_clean(
        Command::new("systemd-tmpfiles")
            .arg(&root_arg)
            .arg("--create")
            .arg(contrib("archport.tmpfiles")),
    );
    for dir in ["var/lib/archport/keys/pgp", "var/lib/archport/chroot"] {
        assert!(root.path().join(dir).is_dir(), "{dir} was not created");
    }
}

/// The `key` and `[section]` names of TOML text, one per line (`[x86]`, `x86.mirror`).
fn keys(text: &str) -> BTreeSet<String> {
    let mut section = String::new();
    let mut keys = BTreeSet::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            section = format!("{name}.");
            keys.insert(format!("[{name}]"));
        } else if let Some((key, _)) = line.split_once(" = ")
            && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        {
            keys.insert(format!("{section}{key}"));
        }
    }
    keys
}

#[test]
fn the_example_config_loads_and_names_every_key_of_the_readme() {
    let example = contrib("archport.toml");
    let config = Config::from_file(&example).unwrap();
    assert_eq!(config.paths.workdir, Path::new("/var/lib/archport"));
    assert_eq!(config.paths.chroot, Path::new("/var/lib/archport/chroot"));
    assert_eq!(config.tools.build_user, "archport");
    assert_eq!(config.paths.chroot_config, contrib("chroot-config"));

    // Every commented-out setting is a valid one: uncommented, the file still loads.
    let text = std::fs::read_to_string(&example).unwrap();
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase()) => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("archport.toml");
    std::fs::write(&file, &uncommented).unwrap();
    let full = Config::from_file(&file).unwrap();
    assert_eq!(full.arch, "aarch64");
    assert_eq!(full.upload.local_dir, Path::new("/var/lib/archport/repo"));

    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let block = readme
        .split("## Configuration")
        .nth(1)
        .and_then(|s| s.split("```toml\n").nth(1))
        .and_then(|s| s.split("```").next())
        .unwrap();
    let readme_keys = keys(&block.replace("# db_urls", "db_urls"));
    assert!(readme_keys.len() > 30, "{readme_keys:?}");
    assert_eq!(keys(&uncommented), readme_keys);
}

#[test]
fn every_binary_prints_its_man_page() {
    for bin in BINARIES {
        let output = BinCommand::cargo_bin(bin)
            .unwrap()
            .arg("--man")
            .output()
            .unwrap();
        assert!(output.status.success(), "{bin} --man: {}", output.status);
        let page = String::from_utf8(output.stdout).unwrap();
        assert!(page.contains(&format!("\n.TH {bin} 1 ")), "{bin}: {page}");
        assert!(page.contains("\n.SH NAME\n"), "{bin}: {page}");
        assert!(
            page.contains("\\-\\-config"),
            "{bin}: the common options are listed"
        );
        // Hidden from --help and the page itself: a packager's option.
        assert!(!page.contains("\\-\\-man"), "{bin}");
        // Exclusive, like --completions.
        BinCommand::cargo_bin(bin)
            .unwrap()
            .args(["--man", "--quiet"])
            .assert()
            .code(2);
    }
}
