//! generate-build-list's sources of versions (issue 12 §1, §4, §5), run the way an operator
//! runs it against a test world served on 127.0.0.1: upstream testing, `-bin` packages
//! standing in for x86_64 pkgbases, and per-package sources from the port's own forks.

mod common;

use std::path::Path;
use std::process::Command;

use archport_testworld::{PkgbaseSpec, Repo, WorldSpec};
use common::{Env, Run};
use serde_json::Value;

fn core(name: &str, version: &str) -> PkgbaseSpec {
    PkgbaseSpec::new(name, version).repo(Repo::Core)
}

fn extra(name: &str, version: &str) -> PkgbaseSpec {
    PkgbaseSpec::new(name, version).repo(Repo::Extra)
}

/// Runs `generate-build-list ARGS` in the work directory.
fn gbl(env: &Env, args: &[&str]) -> Run {
    let output = env.cmd("generate-build-list").args(args).output().unwrap();
    Run::from_output("generate-build-list", args, output)
}

/// The build list the last run wrote.
fn read_list(env: &Env) -> Value {
    common::read_json(&env.path().join("packages_to_build.json"))
}

/// The list's entry `name`.
fn entry<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the list: {list:#}"))
}

/// The names the list holds, in build order.
fn names(list: &Value) -> Vec<String> {
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Replaces `key = ...` in `[section]` of the env's `archport.toml`, adding either when
/// missing.
fn set_config(env: &Env, section: &str, key: &str, value: &str) {
    let path = env.config();
    let config = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    let mut current = String::new();
    let mut done = false;
    for line in config.lines() {
        if line.starts_with('[') {
            if current == section && !done {
                out.push_str(&format!("{key} = {value}\n"));
                done = true;
            }
            current = line.trim_matches(['[', ']']).to_owned();
        }
        if current == section && line.starts_with(&format!("{key} = ")) {
            out.push_str(&format!("{key} = {value}\n"));
            done = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !done {
        if current == section {
            out.push_str(&format!("{key} = {value}\n"));
        } else {
            out.push_str(&format!("\n[{section}]\n{key} = {value}\n"));
        }
    }
    std::fs::write(&path, out).unwrap();
}

/// Runs git in `dir`, as a packager would, and returns its stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test Packager",
            "-c",
            "user.email=packager@example.org",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Commits one more file to the world's state repository, as an upstream push would.
fn push_state_file(url: &str, path: &str, content: &str) {
    let clone = tempfile::tempdir().unwrap();
    let dir = clone.path().join("state");
    git(clone.path(), &["clone", "-q", url, "state"]);
    std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
    std::fs::write(dir.join(path), content).unwrap();
    git(&dir, &["add", path]);
    git(&dir, &["commit", "-q", "-m", "testing update"]);
    git(&dir, &["push", "-q", "origin", "HEAD:main"]);
}

// --- §1 upstream testing ---------------------------------------------------------------------

/// zlib is at 1:1.3.1-2 in stable on both sides; x86_64 has 1:1.3.1-3 in core-testing
/// (the packaging repository tags both). nano is outdated on the target in stable.
fn testing_env() -> (Env, String) {
    let env = Env::new(
        WorldSpec::new()
            .pkgbase(core("glibc", "2.40+r16+gaa533d58ff-2"))
            .pkgbase(
                core("zlib", "1:1.3.1-3")
                    .history(["1:1.3.1-2"])
                    .depends(["glibc"]),
            )
            .target_side(core("zlib", "1:1.3.1-2").depends(["glibc"]))
            .pkgbase(extra("nano", "8.2-1").depends(["glibc"]))
            .target_version("nano", "8.1-1"),
    );
    let tagged = |version: &str| {
        env.world
            .tagged_versions("zlib")
            .iter()
            .find(|t| t.version == version)
            .unwrap()
            .clone()
    };
    let (stable, testing) = (tagged("1:1.3.1-2"), tagged("1:1.3.1-3"));
    let state = env.world.state_url();
    push_state_file(
        &state,
        "core-x86_64/zlib",
        &format!("zlib 1:1.3.1-2 {} {}\n", stable.tag, stable.commit),
    );
    push_state_file(
        &state,
        "core-testing-x86_64/zlib",
        &format!("zlib 1:1.3.1-3 {} {}\n", testing.tag, testing.commit),
    );
    (env, testing.commit)
}

#[test]
fn upstream_testing_builds_ahead_of_stable_keeping_the_stable_repo() {
    let (env, commit) = testing_env();
    // Stable only: nano, and zlib is current.
    gbl(&env, &["-j1"]).ok();
    assert_eq!(names(&read_list(&env)), ["nano"]);

    gbl(&env, &["-j1", "--upstream-testing"]).ok();
    let list = read_list(&env);
    assert_eq!(names(&list), ["nano", "zlib"]);
    let zlib = entry(&list, "zlib");
    assert_eq!(zlib["version"], "1:1.3.1-3");
    assert_eq!(zlib["repo"], "core", "the upload maps by the stable repo");
    assert_eq!(zlib["commit"], commit.as_str());
    let checkout = env.path().join("pkgbuilds").join("zlib");
    assert_eq!(git(&checkout, &["rev-parse", "HEAD"]).trim(), commit);

    // The configuration key does the same.
    set_config(&env, "x86", "include_testing", "true");
    gbl(&env, &["-j1"]).ok();
    let again = read_list(&env);
    assert_eq!(names(&again), ["nano", "zlib"]);
    assert_eq!(entry(&again, "zlib")["version"], "1:1.3.1-3");
}

// --- §5 -bin packages ------------------------------------------------------------------------

/// The target ships helix-bin (providing `helix`, unversioned) instead of building helix;
/// x86_64's kakoune-tools, outdated on the target, needs `helix>=24`.
fn bin_env() -> Env {
    Env::new(
        WorldSpec::new()
            .pkgbase(core("glibc", "2.40+r16+gaa533d58ff-2"))
            .x86_side(extra("helix", "24.07-1").depends(["glibc"]))
            .pkgbase(extra("kakoune-tools", "1.0-2").depends(["glibc", "helix>=24"]))
            .target_version("kakoune-tools", "1.0-1")
            .target_side(
                extra("helix-bin", "24.07-3")
                    .provides(["helix"])
                    .depends(["glibc"]),
            ),
    )
}

#[test]
fn a_bin_package_keeps_its_pkgbase_off_the_missing_list() {
    let env = bin_env();
    let run = gbl(&env, &["--missing-packages"]).ok();
    let missing: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(missing, serde_json::json!([]), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("helix: not missing, the target's helix-bin provides it at 24.07-3\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("0 pkgbases missing from the target (0 of them blacklisted)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bin_package_is_not_replaced_by_an_added_missing_dependency() {
    let env = bin_env();
    let run = gbl(&env, &["-j1"]).ok();
    assert_eq!(names(&read_list(&env)), ["kakoune-tools"], "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "Provided by -bin packages on the target, not built (1):\n  \
             helix: helix-bin provides it at 24.07-3\n"
        ),
        "{}",
        run.stderr
    );
}

// --- [limits] printsrcinfo_secs --------------------------------------------------------------

#[test]
fn a_pkgbuild_that_hangs_is_killed_after_the_configured_limit() {
    let env = bin_env();
    set_config(&env, "limits", "printsrcinfo_secs", "1");
    let dir = env.path().join("pkgbuilds").join("slowpkg");
    std::fs::create_dir_all(&dir).unwrap();
    // Sourcing this PKGBUILD (as makepkg --printsrcinfo does) never finishes on its own.
    std::fs::write(
        dir.join("PKGBUILD"),
        "pkgname=slowpkg\npkgver=1.0\npkgrel=1\narch=(x86_64 aarch64)\nsleep 600\n\
         package() { :; }\n",
    )
    .unwrap();
    open_to_build_user(env.path());
    let run = gbl(&env, &["-j1", "--packages", "slowpkg", "--local"]);
    assert!(
        run.stderr
            .contains("makepkg --printsrcinfo did not finish within 1 s (killed)"),
        "{}",
        run.stderr
    );
}

/// Lets the unprivileged user makepkg runs as (when the tests run as root) read the work dir,
/// and gives it the work dir: `[tools] build_user`, unset, is the work directory's owner.
fn open_to_build_user(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    archport_testworld::prepare_build_dir(dir).unwrap();
}
