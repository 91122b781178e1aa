//! The nightly loop from generate-build-list's side (issues 10 and 12): the real binary in a
//! temporary work directory against the test world, as an operator or a cron job runs it
//! night after night. Each test is one numbered point of the issue; consoles are compared
//! with insta snapshots after replacing what varies (paths, ports, pids).

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use archport_testworld::{PkgbaseSpec, Repo, WorldSpec};
use common::{Env, Run, listing, scrub};

/// Runs `generate-build-list ARGS` in the work directory.
fn gbl(env: &Env, args: &[&str]) -> Run {
    let output = env.cmd("generate-build-list").args(args).output().unwrap();
    Run::from_output("generate-build-list", args, output)
}

/// The same command as a plain `std::process::Command`, for spawning and redirecting.
fn gbl_command(env: &Env, bin: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin(bin));
    cmd.args(args)
        .current_dir(env.path())
        .env_remove("ARCHPORT_CONFIG")
        .env("NO_COLOR", "1");
    cmd
}

/// Replaces what varies (paths, ports, the test's pid).
fn clean(text: &str, env: &Env) -> String {
    let out = scrub(text, env);
    out.replace(&format!("_{}_", env.world.server().port()), "_[PORT]_")
        .replace(&format!("pid {}", std::process::id()), "pid [PID]")
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{40}\b", "[COMMIT]");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/nightly_generate");
    settings
}

fn list_path(env: &Env) -> PathBuf {
    env.path().join("packages_to_build.json")
}

fn read_list(env: &Env) -> serde_json::Value {
    common::read_json(&list_path(env))
}

/// The listed pkgbases, in list order.
fn names(list: &serde_json::Value) -> Vec<String> {
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

fn entry<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the list: {list:#}"))
}

fn checkout(env: &Env, pkgbase: &str) -> PathBuf {
    env.path().join("pkgbuilds").join(pkgbase)
}

/// Holds `{workdir}/build-state/build.lock` the way build-packages does (an OS lock and
/// the holder's name in the file) until dropped.
fn hold_lock(env: &Env) -> (std::fs::File, String) {
    let path = env.path().join("build-state").join("build.lock");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .unwrap();
    file.try_lock().unwrap();
    let text = format!("build-packages pid {}", std::process::id());
    std::fs::write(&path, &text).unwrap();
    (file, text)
}

// --- §2 one lock for every tool that writes into the work directory --------------------------

#[test]
fn a_second_run_is_refused_naming_the_holder_and_wait_waits_for_it() {
    let env = Env::demo();
    let (held, holder) = hold_lock(&env);

    // A build is running: generate-build-list must not rewrite its list or checkouts.
    let refused = gbl(&env, &["-j1"]).exits(1);
    assert!(
        refused.stderr.contains(&format!("({holder})")),
        "{}",
        refused.stderr
    );
    assert!(!list_path(&env).exists());
    assert!(!env.path().join("pkgbuilds").exists());
    // A dry run writes nothing into the work directory and needs no lock.
    gbl(&env, &["--dry-run"]).ok();

    // --wait (cron) waits for the holder, then runs.
    let mut child = gbl_command(&env, "generate-build-list", &["-j1", "--wait"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    while !first.starts_with("Waiting") {
        first.clear();
        assert_ne!(stderr.read_line(&mut first).unwrap(), 0, "no waiting line");
    }
    assert_eq!(
        clean(&first, &env),
        "Waiting for the work directory's lock (build-packages pid [PID])...\n"
    );
    assert!(!list_path(&env).exists(), "ran while the lock was held");
    drop(held);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    assert_eq!(names(&read_list(&env)).len(), 8);
    let lock_text =
        std::fs::read_to_string(env.path().join("build-state").join("build.lock")).unwrap();
    assert!(
        lock_text.starts_with("generate-build-list pid "),
        "{lock_text}"
    );
}

// --- §4 explicit requests that cannot be met fail ---------------------------------------------

#[test]
fn explicit_requests_that_cannot_be_met_fail() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let mut session = String::new();
    for args in [
        &["-j1", "--aur", "--packages", "nosuchpkg"][..],
        &["-j1", "--local", "--packages", "nothing-here"],
        &["-j1", "--packages", "zlb"],
        &["-j1", "--packages", "readlin", "zlib"],
    ] {
        let run = gbl(&env, args).exits(1);
        session.push_str(&run.transcript_with(|t| clean(t, &env)));
        assert!(!list_path(&env).exists(), "{args:?} wrote a list");
    }
    // A blacklisted name is still skipped, but said so with the pattern and its line...
    std::fs::write(env.path().join("blacklist.txt"), "# ours\nzlib\n").unwrap();
    let warned = gbl(&env, &["-j1", "--packages", "zlib"]).ok();
    session.push_str(&warned.transcript_with(|t| clean(t, &env)));
    assert_eq!(entry(&read_list(&env), "zlib")["skip"], 1);
    // ...and --no-blacklist builds it.
    gbl(&env, &["-j1", "--no-blacklist", "--packages", "zlib"]).ok();
    assert_eq!(entry(&read_list(&env), "zlib")["skip"], 0);
    insta::assert_snapshot!("explicit_requests", session);
}

// --- §5 build products are not local changes --------------------------------------------------

#[test]
fn build_products_are_not_carried_over_as_local_changes() {
    let mut env = Env::demo();
    gbl(&env, &["-j1", "--packages", "zlib"]).ok();
    let dir = checkout(&env, "zlib");
    // What a build leaves behind...
    for file in [
        "zlib-1:1.3.1-2-aarch64.pkg.tar.zst",
        "zlib-1:1.3.1-2-aarch64.pkg.tar.zst.sig",
        "zlib-1:1.3.1-2-aarch64-build.log",
        "src/zlib-1.3.1/configure",
        "pkg/zlib/.PKGINFO",
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "built\n").unwrap();
    }
    // ...and the operator's own change.
    std::fs::write(dir.join("fix-arm.patch"), "--- a\n+++ b\n").unwrap();

    env.world.bump("zlib", "1:1.3.1-3").unwrap();
    let run = gbl(&env, &["-j1", "--packages", "zlib"]).ok();
    let carried: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("local changes carried over"))
        .collect();
    assert_eq!(
        carried,
        ["  zlib: local changes carried over: fix-arm.patch"],
        "{}",
        run.stderr
    );
    assert!(dir.join("zlib-1:1.3.1-2-aarch64.pkg.tar.zst").exists());
}

// --- §6 --rebuild-repo -----------------------------------------------------------------------

#[test]
fn rebuild_repo_lists_only_that_repository_and_never_downgrades() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let run = gbl(&env, &["-j1", "--rebuild-repo", "core"]).ok();
    insta::assert_snapshot!("rebuild_repo_core", run.transcript_with(|t| clean(t, &env)));
    // Only core: zlib (outdated) and readline (the same version). bash is newer on the
    // target and left out; glibc is bootstrap-toolchain's.
    let mut listed = names(&read_list(&env));
    listed.sort();
    assert_eq!(listed, ["readline", "zlib"]);
}

// --- §7 the summary by category --------------------------------------------------------------

#[test]
fn summary_tells_what_will_happen_by_category() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    gbl(&env, &["-j1"]).ok();
    // The second night: zlib's checkout is current ("already up to date") and it is still
    // listed; the summary says why (the target has the older version).
    let second = gbl(&env, &["-j1"]).ok();
    assert!(
        second
            .stderr
            .contains("Processing zlib (already up to date: 1:1.3.1-2)...")
    );
    assert!(
        second.stderr.contains("  zlib: 1:1.3.1-1 -> 1:1.3.1-2\n"),
        "{}",
        second.stderr
    );
    insta::assert_snapshot!(
        "summary_second_night",
        second.transcript_with(|t| clean(t, &env))
    );
    let named = gbl(&env, &["-j1", "--packages", "readline", "vulkan-tools"]).ok();
    insta::assert_snapshot!("summary_named", named.transcript_with(|t| clean(t, &env)));
}

// --- §8 honest exits and display -------------------------------------------------------------

/// Runs `bin ARGS` with stdout and stderr on a pipe whose reader is already gone.
fn run_into_closed_pipe(env: &Env, bin: &str, args: &[&str]) -> std::process::ExitStatus {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    gbl_command(env, bin, args)
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .status()
        .unwrap()
}

#[test]
fn closed_output_pipes_are_no_panic() {
    let env = Env::demo();
    gbl(&env, &["-j1"]).ok();
    for args in [&["--dry-run"][..], &["--missing-packages"]] {
        let status = run_into_closed_pipe(&env, "generate-build-list", args);
        assert_eq!(status.code(), Some(0), "generate-build-list {args:?}");
    }
    std::fs::remove_file(list_path(&env)).unwrap();
    let status = run_into_closed_pipe(&env, "generate-build-list", &["-j1"]);
    assert_eq!(status.code(), Some(0));
    // The run did its work although nobody read what it said.
    assert_eq!(names(&read_list(&env)).len(), 8);
    for args in [&[][..], &["--json"]] {
        let status = run_into_closed_pipe(&env, "repo-analyze", args);
        assert_eq!(status.code(), Some(0), "repo-analyze {args:?}");
    }
}

#[test]
fn help_ends_with_the_exit_codes_and_offline_is_accepted() {
    let env = Env::demo();
    for bin in ["generate-build-list", "repo-analyze"] {
        let out = env.cmd(bin).arg("--help").output().unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        let tail = help.trim_end().rsplit("\n\n").next().unwrap();
        assert!(tail.starts_with("Exit codes:\n  0  "), "{bin}:\n{help}");
        assert!(tail.contains("\n  2  usage error"), "{bin}:\n{help}");
    }
    gbl(&env, &["-j1"]).ok();
    env.world.server().take_requests();
    let offline = gbl(&env, &["-j1", "--offline"]).ok();
    assert!(
        env.world.server().requests().is_empty(),
        "{}",
        offline.stderr
    );
    let analyze = env.cmd("repo-analyze").arg("--offline").output().unwrap();
    assert!(analyze.status.success());
    assert!(env.world.server().requests().is_empty());
}

// --- §9 --dry-run in CI, -o checked first ------------------------------------------------------

#[test]
fn dry_run_on_a_fresh_work_directory_fetches_into_a_removed_temporary_directory() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let before = listing(env.path());
    let tmp = tempfile::tempdir().unwrap();
    let out = env
        .cmd("generate-build-list")
        .arg("--dry-run")
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let run = Run::from_output("generate-build-list", &["--dry-run"], out).ok();
    insta::assert_snapshot!(
        "dry_run_fresh_work_directory",
        run.transcript_with(|t| clean(t, &env))
    );
    assert_eq!(
        listing(env.path()),
        before,
        "the work directory was written"
    );
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "the temporary directory was left behind"
    );
    // The preview is the list a real run writes.
    gbl(&env, &["-j1"]).ok();
    let real: Vec<String> = read_list(&env)["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["name"].as_str().unwrap(),
                e["version"].as_str().unwrap()
            )
        })
        .collect();
    let previewed: Vec<String> = run
        .stdout
        .lines()
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(previewed, real);
}

#[test]
fn unwritable_output_fails_before_any_fetch() {
    let env = Env::demo();
    let target = env.path().join("no-such-dir").join("list.json");
    let run = gbl(&env, &["-j1", "-o", target.to_str().unwrap()]).exits(1);
    assert_eq!(
        clean(&run.stderr, &env).lines().last().unwrap(),
        "error: [WORKDIR]/no-such-dir/list.json: cannot write the build list there: \
         [WORKDIR]/no-such-dir: no such directory"
    );
    assert!(env.world.server().requests().is_empty(), "it fetched first");
    assert!(!env.path().join("pkgbuilds").exists());
}

// --- issue 12: §13 --force, §14 --no-check -----------------------------------------------------

#[test]
fn force_allows_an_any_pkgbase_named_with_packages() {
    let env = Env::demo();
    gbl(&env, &["-j1", "--packages", "archlinux-keyring-data"]).exits(1);
    gbl(
        &env,
        &["-j1", "--force", "--packages", "archlinux-keyring-data"],
    )
    .ok();
    let list = read_list(&env);
    let e = entry(&list, "archlinux-keyring-data");
    assert_eq!(e["skip"], 0);
    assert_eq!(e["version"], "20241015-1");
}

/// `app` is outdated on the target and checks with `testlib`, which the target lacks.
fn check_world() -> WorldSpec {
    WorldSpec::new()
        .pkgbase(PkgbaseSpec::new("filesystem", "2024.11-1").repo(Repo::Core))
        .pkgbase(PkgbaseSpec::new("app", "2.0-1").checkdepends(["testlib"]))
        .target_version("app", "1.0-1")
        .x86_side(PkgbaseSpec::new("testlib", "1.0-1"))
}

#[test]
fn no_check_leaves_checkdepends_out_and_marks_the_entries() {
    let env = Env::new(check_world());
    gbl(&env, &["-j1"]).ok();
    let list = read_list(&env);
    assert_eq!(names(&list), ["testlib", "app"]);
    assert!(entry(&list, "app").get("nocheck").is_none());

    gbl(&env, &["-j1", "--no-check"]).ok();
    let list = read_list(&env);
    assert_eq!(names(&list), ["app"]);
    assert_eq!(entry(&list, "app")["nocheck"], true);
    assert_eq!(
        entry(&list, "app")["checkdepends"],
        serde_json::json!(["testlib"])
    );
}

// --- issue 12: §11 --preserve-order, §12 --single-stage ------------------------------------------

/// `name version stage [cycle stage]` per entry, in list order.
fn steps(list: &serde_json::Value) -> Vec<String> {
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut line = format!(
                "{} {} stage {}",
                e["name"].as_str().unwrap(),
                e["version"].as_str().unwrap(),
                e["build_stage"]
            );
            if !e["cycle_stage"].is_null() {
                line.push_str(&format!(" build {}", e["cycle_stage"]));
            }
            line
        })
        .collect()
}

#[test]
fn preserve_order_builds_in_command_line_order_with_dependencies_first() {
    let env = Env::demo();
    gbl(&env, &["-j1", "--packages", "newtool", "zlib"]).ok();
    assert_eq!(
        steps(&read_list(&env)),
        [
            "re2c 4.0-1 stage 0",
            "zlib 1:1.3.1-2 stage 0",
            "ninja 1.12.1-1 stage 1",
            "newtool 3.0-1 stage 2"
        ]
    );
    gbl(
        &env,
        &["-j1", "--preserve-order", "--packages", "newtool", "zlib"],
    )
    .ok();
    assert_eq!(
        steps(&read_list(&env)),
        [
            "re2c 4.0-1 stage 0",
            "ninja 1.12.1-1 stage 1",
            "newtool 3.0-1 stage 2",
            "zlib 1:1.3.1-2 stage 3"
        ]
    );
}

/// dep-a and dep-b depend on each other; both are outdated on the target.
fn cycle_world() -> WorldSpec {
    WorldSpec::new()
        .pkgbase(PkgbaseSpec::new("glibc", "2.40-1").repo(Repo::Core))
        .pkgbase(PkgbaseSpec::new("dep-a", "3.0-2").depends(["dep-b"]))
        .pkgbase(PkgbaseSpec::new("dep-b", "3.0-2").depends(["dep-a", "glibc"]))
        .target_version("dep-a", "3.0-1")
        .target_version("dep-b", "3.0-1")
}

#[test]
fn single_stage_builds_every_cycle_member_once() {
    let env = Env::new(cycle_world());
    gbl(&env, &["-j1"]).ok();
    assert_eq!(
        steps(&read_list(&env)),
        [
            "dep-b 3.0-2 stage 0 build 1",
            "dep-a 3.0-2 stage 1",
            "dep-b 3.0-2 stage 2 build 2"
        ]
    );
    let run = gbl(&env, &["-j1", "--single-stage"]).ok();
    assert_eq!(
        steps(&read_list(&env)),
        ["dep-b 3.0-2 stage 0", "dep-a 3.0-2 stage 1"]
    );
    assert!(
        run.stderr.contains("0 second builds for cycles"),
        "{}",
        run.stderr
    );
}
