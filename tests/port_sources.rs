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
    env.set_config("x86", "include_testing", "true");
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
    env.set_config("limits", "printsrcinfo_secs", "1");
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

// --- §4 per-package sources ------------------------------------------------------------------

/// The port's fork of `spec`'s packaging repository: a git repository on branch `arm` (the
/// default branch `main` holds an older version), served over `file://`.
struct Fork {
    dir: tempfile::TempDir,
}

impl Fork {
    fn new(spec: &PkgbaseSpec) -> Fork {
        let fork = Fork {
            dir: tempfile::tempdir().unwrap(),
        };
        git(fork.path(), &["init", "-q"]);
        fork.commit(&PkgbaseSpec::new(&spec.name, "0.1-1"), "main version");
        git(fork.path(), &["checkout", "-q", "-b", "arm"]);
        fork.commit(spec, "arm build");
        git(fork.path(), &["checkout", "-q", "main"]);
        fork
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    /// Commits `spec`'s PKGBUILD and .SRCINFO on the current branch; returns the commit.
    fn commit(&self, spec: &PkgbaseSpec, message: &str) -> String {
        let dir = self.path();
        std::fs::write(
            dir.join("PKGBUILD"),
            archport_testworld::render_pkgbuild(spec).unwrap(),
        )
        .unwrap();
        std::fs::write(
            dir.join(".SRCINFO"),
            archport_testworld::render_srcinfo(spec).unwrap(),
        )
        .unwrap();
        git(dir, &["add", "PKGBUILD", ".SRCINFO"]);
        git(dir, &["commit", "-q", "-m", message]);
        git(dir, &["rev-parse", "HEAD"]).trim().to_owned()
    }

    /// Commits `spec` on branch `arm`; returns the commit.
    fn push_arm(&self, spec: &PkgbaseSpec) -> String {
        git(self.path(), &["checkout", "-q", "arm"]);
        let commit = self.commit(spec, "arm update");
        git(self.path(), &["checkout", "-q", "main"]);
        commit
    }
}

/// nano and zlib are outdated on the target; the port builds nano from its own fork.
fn fork_env() -> Env {
    Env::new(
        WorldSpec::new()
            .pkgbase(core("glibc", "2.40+r16+gaa533d58ff-2"))
            .pkgbase(core("zlib", "1:1.3.1-2").depends(["glibc"]))
            .target_version("zlib", "1:1.3.1-1")
            .pkgbase(extra("nano", "8.2-1").depends(["glibc"]))
            .target_version("nano", "8.1-1"),
    )
}

fn nano_fork_spec(version: &str) -> PkgbaseSpec {
    extra("nano", version).depends(["glibc", "ncurses-arm"])
}

#[test]
fn an_override_is_fetched_from_its_branch_and_recorded_in_the_list() {
    let env = fork_env();
    let fork = Fork::new(&nano_fork_spec("8.2-1.1"));
    let arm_head = git(fork.path(), &["rev-parse", "arm"]).trim().to_owned();
    std::fs::write(
        env.config(),
        format!(
            "{}\n[overrides.nano]\nurl = \"{}\"\nbranch = \"arm\"\n",
            std::fs::read_to_string(env.config()).unwrap(),
            fork.url()
        ),
    )
    .unwrap();

    gbl(&env, &["-j1"]).ok();
    let list = read_list(&env);
    let nano = entry(&list, "nano");
    assert_eq!(nano["version"], "8.2-1.1", "the fork's .SRCINFO decides");
    assert_eq!(nano["source_url"], fork.url().as_str());
    assert_eq!(nano["source_branch"], "arm");
    assert_eq!(nano["commit"], arm_head.as_str());
    assert_eq!(nano["tag"], Value::Null);
    assert_eq!(nano["depends"], serde_json::json!(["glibc", "ncurses-arm"]));
    // Others still come from the packaging repositories, and say nothing of a source.
    let zlib = entry(&list, "zlib");
    assert_eq!(zlib["source_url"], Value::Null);
    assert_eq!(zlib["tag"], "1-1.3.1-2");

    // The fork moves on; the operator's patch in the checkout is carried over the update.
    let checkout = env.path().join("pkgbuilds").join("nano");
    assert_eq!(git(&checkout, &["rev-parse", "HEAD"]).trim(), arm_head);
    std::fs::write(checkout.join("arm-fix.patch"), "--- a\n+++ b\n").unwrap();
    let newer = fork.push_arm(&nano_fork_spec("8.2-1.2"));
    let run = gbl(&env, &["-j1"]).ok();
    assert!(
        run.stderr
            .contains("  nano: local changes carried over: arm-fix.patch\n"),
        "{}",
        run.stderr
    );
    let nano = entry(&read_list(&env), "nano").clone();
    assert_eq!(nano["version"], "8.2-1.2");
    assert_eq!(nano["commit"], newer.as_str());
    assert!(checkout.join("arm-fix.patch").is_file());
}

#[test]
fn overrides_may_live_in_a_file_of_their_own() {
    let env = fork_env();
    let fork = Fork::new(&nano_fork_spec("8.2-1.1"));
    std::fs::write(
        env.path().join("overrides.toml"),
        format!(
            "[overrides.nano]\nurl = \"{}\"\nbranch = \"arm\"\n",
            fork.url()
        ),
    )
    .unwrap();
    env.set_config("paths", "overrides", "\"overrides.toml\"");
    gbl(&env, &["-j1"]).ok();
    assert_eq!(entry(&read_list(&env), "nano")["version"], "8.2-1.1");

    // Without a branch, the fork's default branch (main here) is followed.
    std::fs::write(
        env.path().join("overrides.toml"),
        format!("[overrides.nano]\nurl = \"{}\"\n", fork.url()),
    )
    .unwrap();
    gbl(&env, &["-j1"]).ok();
    let list = read_list(&env);
    assert_eq!(entry(&list, "nano")["version"], "0.1-1");
    assert_eq!(entry(&list, "nano")["source_branch"], Value::Null);

    // A bad pkgbase name is refused, naming the file.
    std::fs::write(
        env.path().join("overrides.toml"),
        "[overrides.\"../etc\"]\nurl = \"file:///x\"\n",
    )
    .unwrap();
    let run = gbl(&env, &["-j1"]).exits(1);
    assert!(
        run.stderr
            .contains("overrides.toml: overrides: ../etc: not a valid pkgbase name"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unreachable_override_fails_only_its_package() {
    let env = fork_env();
    let gone = tempfile::tempdir().unwrap();
    let url = format!("file://{}/no-such-repo", gone.path().display());
    std::fs::write(
        env.config(),
        format!(
            "{}\n[overrides.nano]\nurl = \"{url}\"\nbranch = \"arm\"\n",
            std::fs::read_to_string(env.config()).unwrap()
        ),
    )
    .unwrap();
    let run = gbl(&env, &["-j1"]).ok();
    let list = read_list(&env);
    let nano = entry(&list, "nano");
    assert_eq!(nano["skip"], 1);
    let reason = nano["skip_reason"].as_str().unwrap();
    assert!(reason.contains(&url), "{reason}");
    assert_eq!(entry(&list, "zlib")["skip"], 0, "{}", run.stderr);

    // A branch the fork lacks fails the same way, naming the branch and the URL.
    let fork = Fork::new(&nano_fork_spec("8.2-1.1"));
    let config = std::fs::read_to_string(env.config())
        .unwrap()
        .replace(&url, &fork.url())
        .replace("branch = \"arm\"", "branch = \"riscv\"");
    std::fs::write(env.config(), config).unwrap();
    gbl(&env, &["-j1"]).ok();
    let nano = entry(&read_list(&env), "nano").clone();
    assert_eq!(
        nano["skip_reason"],
        format!("fetch failed: branch riscv not found in {}", fork.url()).as_str()
    );
    // --strict makes any failed fetch fail the run, this one too.
    gbl(&env, &["-j1", "--strict"]).exits(1);
}
