//! `generate-build-list` end to end: the real binary in a temporary work directory against a
//! test world on 127.0.0.1 (mirrors over HTTP, git over `file://`), each test a session an
//! operator could type. Console and build list are compared with insta snapshots after
//! replacing what varies between runs (paths, ports, timestamps); commits are replaced by
//! the packaging tag they belong to, so a snapshot also checks that the right commit was
//! checked out.
//!
//! Most sessions pass `--jobs 1`: fetches print their line when done, so with several at
//! once the order of the `Processing` lines varies; `jobs_do_not_change_the_list` checks
//! that the list itself does not.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use archport_testworld::{PackageSpec, PkgbaseSpec, Repo, Side, WorldSpec};
use common::{Env, Run, scrub};

/// Runs `generate-build-list ARGS` in the work directory.
fn gbl(env: &Env, args: &[&str]) -> Run {
    let output = env.cmd("generate-build-list").args(args).output().unwrap();
    Run::from_output("generate-build-list", args, output)
}

impl Run {
    /// The run as a terminal would show it, scrubbed.
    fn transcript(&self, env: &Env) -> String {
        self.transcript_with(|text| clean(text, env))
    }
}

/// Replaces temp paths, ports and commits (by `[pkgbase tag]`, `[aur pkgbase]`).
fn clean(text: &str, env: &Env) -> String {
    let mut out = scrub(text, env);
    // Cached database names carry the port too (`127.0.0.1_41869_mirror-x86_core...`).
    out = out.replace(&format!("_{}_", env.world.server().port()), "_[PORT]_");
    for pkgbase in &env.world.spec().x86 {
        for tagged in env.world.tagged_versions(&pkgbase.name) {
            out = out.replace(
                &tagged.commit,
                &format!("[{} {}]", pkgbase.name, tagged.tag),
            );
        }
    }
    for pkgbase in &env.world.spec().aur {
        let head = git_output(
            &env.world.aur_repo_path(&pkgbase.name),
            &["rev-parse", "HEAD"],
        );
        out = out.replace(head.trim(), &format!("[aur {}]", pkgbase.name));
    }
    out
}

/// Snapshot filters for what `clean` cannot know: the list's timestamp, and any other commit.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z",
        "[TIMESTAMP]",
    );
    settings.add_filter(r"\b[0-9a-f]{40}\b", "[COMMIT]");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/generate_build_list");
    settings
}

fn list_path(env: &Env) -> PathBuf {
    env.path().join("packages_to_build.json")
}

/// The build list as JSON.
fn read_list(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The build list's text, cleaned for a snapshot.
fn list_text(env: &Env) -> String {
    clean(&std::fs::read_to_string(list_path(env)).unwrap(), env)
}

/// The list without its `_timestamp`, for comparing runs.
fn without_timestamp(mut list: serde_json::Value) -> serde_json::Value {
    list.as_object_mut().unwrap().remove("_timestamp");
    list
}

/// One line per entry: `name version stage [cycle group/stage] skip`, to assert on briefly.
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
            if !e["cycle_group"].is_null() {
                line.push_str(&format!(" cycle {}/{}", e["cycle_group"], e["cycle_stage"]));
            }
            if e["skip"] == 1 {
                line.push_str(" skip");
            }
            line
        })
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

fn git_output(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn checkout(env: &Env, pkgbase: &str) -> PathBuf {
    env.path().join("pkgbuilds").join(pkgbase)
}

/// The pkgbuild checkouts present in the work directory.
fn checkouts(env: &Env) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(env.path().join("pkgbuilds")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

// --- the demo world, first run and steady state ---------------------------------------------

#[test]
fn first_run_fetches_what_is_outdated_and_adds_missing_dependencies() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let run = gbl(&env, &["--jobs", "1"]).ok();
    insta::assert_snapshot!("first_run_console", run.transcript(&env));
    insta::assert_snapshot!("first_run_list", list_text(&env));
    // Exactly the listed pkgbases were checked out, each at its state commit.
    let list = read_list(&list_path(&env));
    let names: Vec<&str> = list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(checkouts(&env), sorted);
    for name in names {
        let head = git_output(&checkout(&env, name), &["rev-parse", "HEAD"]);
        assert_eq!(
            entry(&list, name)["commit"].as_str().unwrap(),
            head.trim(),
            "{name}"
        );
    }
}

#[test]
fn second_run_with_nothing_changed_runs_no_git_and_writes_the_same_list() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    gbl(&env, &["--jobs", "1"]).ok();
    let first = read_list(&list_path(&env));
    env.world.server().take_requests();

    let second = gbl(&env, &["--jobs", "1"]).ok();
    insta::assert_snapshot!("second_run_console", second.transcript(&env));
    // Every database was asked for conditionally and none was sent again (the target's
    // testing repositories are asked for too: the demo mirror has none).
    let (testing, requests): (Vec<_>, Vec<_>) = env
        .world
        .server()
        .take_requests()
        .into_iter()
        .partition(|r| r.path.contains("-testing/"));
    assert!(testing.iter().all(|r| r.status == 404), "{testing:?}");
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert!(
        requests.iter().all(|r| r.conditional && r.status == 304),
        "{requests:?}"
    );
    assert_eq!(
        without_timestamp(read_list(&list_path(&env))),
        without_timestamp(first.clone())
    );

    // No packaging repository is contacted: with all of them gone the run does not notice.
    let packaging = env.world.root().join("git/packaging");
    std::fs::rename(&packaging, env.world.root().join("git/packaging-gone")).unwrap();
    let third = gbl(&env, &["--jobs", "1"]).ok();
    assert_eq!(third.stderr, second.stderr);
    assert_eq!(
        without_timestamp(read_list(&list_path(&env))),
        without_timestamp(first)
    );
}

#[test]
fn two_runs_differ_only_in_timestamp() {
    // Two work directories against one world: nothing shared but the upstream.
    let env = Env::demo();
    gbl(&env, &[]).ok();
    let first = std::fs::read_to_string(list_path(&env)).unwrap();
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("archport.toml"),
        env.world.urls().config_toml(other.path()),
    )
    .unwrap();
    let out = env
        .cmd("generate-build-list")
        .current_dir(other.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let second = std::fs::read_to_string(other.path().join("packages_to_build.json")).unwrap();
    assert_ne!(first, second, "the timestamps should differ");
    let strip = |text: &str| {
        text.lines()
            .filter(|l| !l.trim_start().starts_with("\"_timestamp\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&first), strip(&second));
}

#[test]
fn jobs_do_not_change_the_list() {
    let env = Env::demo();
    gbl(&env, &["--jobs", "1", "--output", "one.json"]).ok();
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("archport.toml"),
        env.world.urls().config_toml(other.path()),
    )
    .unwrap();
    let out = env
        .cmd("generate-build-list")
        .current_dir(other.path())
        .args(["--jobs", "8", "--output"])
        .arg(env.path().join("eight.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut one = without_timestamp(read_list(&env.path().join("one.json")));
    let mut eight = without_timestamp(read_list(&env.path().join("eight.json")));
    one.as_object_mut().unwrap().remove("_command");
    eight.as_object_mut().unwrap().remove("_command");
    assert_eq!(one, eight);
    // Concurrent fetches still print every line whole.
    let stderr = String::from_utf8(out.stderr).unwrap();
    let mut processing: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("Processing "))
        .collect();
    processing.sort();
    assert_eq!(
        processing,
        [
            "Processing cyc-a (fetching 1.0-2)...",
            "Processing cyc-b (fetching 1.0-2)...",
            "Processing foo-app (fetching 2.0-1)...",
            "Processing newtool (fetching 3.0-1)...",
            "Processing ninja (fetching 1.12.1-1)...",
            "Processing re2c (fetching 4.0-1)...",
            "Processing sound (fetching 1.2.0-1)...",
            "Processing zlib (fetching 1:1.3.1-2)...",
        ]
    );
    assert_eq!(gbl(&env, &["--jobs", "0"]).code, 2);
}

// --- progress lines --------------------------------------------------------------------------

#[test]
fn every_progress_line() {
    let mut env = Env::demo();
    let _guard = settings().bind_to_scope();
    open_to_build_user(env.path());
    let mut session = String::new();
    let mut step = |env: &Env, args: &[&str]| {
        let run = gbl(env, args).ok();
        session.push_str(&run.transcript(env));
        run
    };
    step(&env, &["-j1", "--packages", "zlib"]);
    step(&env, &["-j1", "--packages", "zlib"]);
    env.world.bump("zlib", "1:1.3.1-3").unwrap();
    // Refresh the cached databases and state without touching zlib's checkout...
    step(&env, &["-j1", "--packages", "cmake"]);
    // ...so that --no-update sees the new version and keeps the checkout as it is.
    let no_update = step(&env, &["-j1", "--no-update", "--packages", "zlib"]);
    assert_eq!(
        entry(&read_list(&list_path(&env)), "zlib")["version"],
        "1:1.3.1-2"
    );
    assert!(
        no_update
            .stderr
            .contains("warning: zlib: the checkout holds 1:1.3.1-2")
    );
    step(&env, &["-j1", "--packages", "zlib"]);
    step(&env, &["-j1", "--use-latest", "--packages", "zlib"]);
    step(&env, &["-j1", "--aur", "--packages", "yay-bin"]);
    write_local_pkgbuild(&env);
    step(&env, &["-j1", "--local", "--packages", "mine"]);
    insta::assert_snapshot!("progress_lines", session);
}

/// Lets the unprivileged user makepkg runs as (when the tests run as root) read the work dir,
/// and gives it the work dir: `[tools] build_user`, unset, is the work directory's owner.
fn open_to_build_user(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    archport_testworld::prepare_build_dir(dir).unwrap();
}

/// An operator's own PKGBUILD in `pkgbuilds/mine/`, without `.SRCINFO`: makepkg describes
/// it. It builds for the target, with a dependency only there, and needs a newer zlib than
/// the target has.
fn write_local_pkgbuild(env: &Env) {
    let dir = checkout(env, "mine");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("PKGBUILD"),
        "pkgname=mine\npkgver=0.1\npkgrel=1\narch=('aarch64' 'x86_64')\n\
         depends=('zlib>=1:1.3.1-2')\ndepends_aarch64=('libfoo.so=1-64')\n\
         depends_x86_64=('python')\nmakedepends=('re2c')\npackage() {\n  :\n}\n",
    )
    .unwrap();
}

#[test]
fn local_aur_and_latest_entries() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    open_to_build_user(env.path());
    write_local_pkgbuild(&env);
    gbl(&env, &["-j1", "--local", "--packages", "mine"]).ok();
    let list = read_list(&list_path(&env));
    // makepkg --printsrcinfo read the PKGBUILD, merged for aarch64, which it lists (no
    // --ignorearch). What the target lacks was added: re2c, and zlib, which the target has
    // but older than required.
    assert_eq!(
        steps(&list),
        [
            "re2c 4.0-1 stage 0",
            "zlib 1:1.3.1-2 stage 0",
            "mine 0.1-1 stage 1"
        ]
    );
    let mine = entry(&list, "mine");
    assert_eq!(mine["use_local"], true);
    assert!(mine["commit"].is_null() && mine["tag"].is_null());
    assert!(mine.get("ignorearch").is_none(), "{mine:#}");
    assert_eq!(
        mine["depends"],
        serde_json::json!(["zlib>=1:1.3.1-2", "libfoo.so=1-64"])
    );
    assert_eq!(entry(&list, "re2c")["added_reason"], "makedepends of mine");
    assert_eq!(entry(&list, "zlib")["added_reason"], "depends of mine");
    assert_eq!(entry(&list, "zlib")["arm_version"], "1:1.3.1-1");

    gbl(&env, &["-j1", "--aur", "--packages", "yay-bin"]).ok();
    insta::assert_snapshot!("aur_list", list_text(&env));

    gbl(&env, &["-j1", "--use-latest", "--packages", "cmake"]).ok();
    let list = read_list(&list_path(&env));
    let cmake = entry(&list, "cmake");
    assert_eq!(cmake["force_latest"], true);
    assert!(cmake["tag"].is_null());
    let newest = env.world.tagged_versions("cmake").last().unwrap();
    assert_eq!(cmake["commit"], newest.commit.as_str());
    assert_eq!(cmake["version"], "3.30.5-1");

    // --local without a PKGBUILD is a request that cannot be met: exit 1 naming the file
    // (issue 10 §4; tests/nightly_generate.rs).
    let run = gbl(&env, &["-j1", "--local", "--packages", "nothing-here"]).exits(1);
    assert!(
        run.stderr.contains("--local needs a PKGBUILD"),
        "{}",
        run.stderr
    );
}

// --- versions, names, relations --------------------------------------------------------------

#[test]
fn epoch_and_tilde_versions_use_their_tags() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let run = gbl(&env, &["-j1", "--packages", "zlib", "vulkan-tools"]).ok();
    insta::assert_snapshot!("epoch_tilde_console", run.transcript(&env));
    insta::assert_snapshot!("epoch_tilde_list", list_text(&env));
    let list = read_list(&list_path(&env));
    for (name, tag) in [("zlib", "1-1.3.1-2"), ("vulkan-tools", "1.4.0.rc2-1")] {
        let e = entry(&list, name);
        assert_eq!(e["tag"], tag);
        let tagged = git_output(&checkout(&env, name), &["rev-parse", "HEAD"]);
        let expected = &env.world.tagged_versions(name).last().unwrap().commit;
        assert_eq!(tagged.trim(), expected);
    }
    assert!(entry(&list, "vulkan-tools")["arm_version"].is_null());
}

#[test]
fn split_packages_and_soname_dependencies() {
    let mut env = Env::demo();
    let _guard = settings().bind_to_scope();
    // A pkgname names its pkgbase; libfoo's new version is built before foo-app, which
    // needs it through the soname libfoo provides.
    env.world.bump("libfoo", "1.5-1").unwrap();
    let run = gbl(
        &env,
        &["-j1", "--packages", "sound-tools", "foo-app", "libfoo"],
    )
    .ok();
    insta::assert_snapshot!("split_soname_console", run.transcript(&env));
    let list = read_list(&list_path(&env));
    assert_eq!(
        steps(&list),
        [
            "libfoo 1.5-1 stage 0",
            "sound 1.2.0-1 stage 0",
            "foo-app 2.0-1 stage 1"
        ]
    );
    let sound = entry(&list, "sound");
    assert_eq!(
        sound["pkgnames"],
        serde_json::json!(["libsound", "sound-tools", "sound-docs"])
    );
    assert_eq!(sound["provides"], serde_json::json!(["libsound.so=2-64"]));
}

#[test]
fn soname_missing_on_the_target_adds_its_provider() {
    let mut env = Env::demo();
    env.world.remove_target("libfoo").unwrap();
    let run = gbl(&env, &["-j1", "--packages", "foo-app"]).ok();
    assert!(
        run.stderr
            .contains("Adding libfoo 1.4-1 (depends of foo-app)\n"),
        "{}",
        run.stderr
    );
    let list = read_list(&list_path(&env));
    assert_eq!(
        steps(&list),
        ["libfoo 1.4-1 stage 0", "foo-app 2.0-1 stage 1"]
    );
    assert_eq!(entry(&list, "libfoo")["added_reason"], "depends of foo-app");
    assert!(entry(&list, "libfoo")["arm_version"].is_null());
}

#[test]
fn missing_dependency_chain_and_a_blacklisted_link() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let list = {
        gbl(&env, &["-j1", "--packages", "newtool"]).ok();
        read_list(&list_path(&env))
    };
    assert_eq!(
        steps(&list),
        [
            "re2c 4.0-1 stage 0",
            "ninja 1.12.1-1 stage 1",
            "newtool 3.0-1 stage 2"
        ]
    );
    assert_eq!(
        entry(&list, "ninja")["added_reason"],
        "makedepends of newtool"
    );
    assert_eq!(entry(&list, "re2c")["added_reason"], "makedepends of ninja");
    assert!(entry(&list, "newtool")["added_reason"].is_null());

    // Blacklisting the end of the chain skips everything that needs it, with reasons.
    std::fs::write(env.path().join("blacklist.txt"), "# never on arm\nre2c\n").unwrap();
    let run = gbl(&env, &["-j1", "--packages", "newtool"]).ok();
    insta::assert_snapshot!("blacklisted_chain_console", run.transcript(&env));
    insta::assert_snapshot!("blacklisted_chain_list", list_text(&env));
}

// --- cycles ----------------------------------------------------------------------------------

/// One cycle of each kind, every member older on the target unless said otherwise.
fn cycles_world() -> WorldSpec {
    let older = |spec: WorldSpec, name: &str, version: &str| spec.target_version(name, version);
    let mut spec = WorldSpec::new()
        .pkgbase(PkgbaseSpec::new("glibc", "2.40-1").repo(Repo::Core))
        // checkdepends only: chk-b's tests need chk-a, which needs chk-b.
        .pkgbase(PkgbaseSpec::new("chk-a", "1.0-2").depends(["chk-b"]))
        .pkgbase(PkgbaseSpec::new("chk-b", "1.0-2").checkdepends(["chk-a"]))
        // makedepends on a package the target has in an older version.
        .pkgbase(PkgbaseSpec::new("mk-a", "2.0-2").depends(["mk-b"]))
        .pkgbase(PkgbaseSpec::new("mk-b", "2.0-2").makedepends(["mk-a"]))
        // depends both ways: one of them is built twice.
        .pkgbase(PkgbaseSpec::new("dep-a", "3.0-2").depends(["dep-b"]))
        .pkgbase(PkgbaseSpec::new("dep-b", "3.0-2").depends(["dep-a", "glibc"]))
        // makedepends on a package the target lacks (added as a missing dependency).
        .pkgbase(PkgbaseSpec::new("new-a", "4.0-2").makedepends(["new-b"]))
        .x86_side(PkgbaseSpec::new("new-b", "4.0-1").depends(["new-a"]));
    for name in ["chk-a", "chk-b", "mk-a", "mk-b", "dep-a", "dep-b"] {
        let version = spec
            .x86
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .version
            .replace("-2", "-1");
        spec = older(spec, name, &version);
    }
    older(spec, "new-a", "4.0-1")
}

#[test]
fn cycles_of_each_kind() {
    let env = Env::new(cycles_world());
    let _guard = settings().bind_to_scope();
    let run = gbl(&env, &["-j1"]).ok();
    insta::assert_snapshot!("cycles_console", run.transcript(&env));
    insta::assert_snapshot!("cycles_list", list_text(&env));
    let list = read_list(&list_path(&env));
    let steps = steps(&list);
    // No second build for the checkdepends and the served makedepends cycles.
    for name in ["chk-a", "chk-b", "mk-a", "mk-b"] {
        assert_eq!(
            steps
                .iter()
                .filter(|s| s.starts_with(&format!("{name} ")))
                .count(),
            1,
            "{steps:?}"
        );
    }
    // Exactly one member of each of the other two is built twice, stage 1 before stage 2.
    for (a, b) in [("dep-a", "dep-b"), ("new-a", "new-b")] {
        let twice: Vec<&String> = steps
            .iter()
            .filter(|s| s.starts_with(&format!("{a} ")) || s.starts_with(&format!("{b} ")))
            .collect();
        assert_eq!(twice.len(), 3, "{steps:?}");
        assert!(twice[0].ends_with("/1"), "{twice:?}");
        assert!(twice[2].ends_with("/2"), "{twice:?}");
    }
}

// --- checkouts with local changes, failures ----------------------------------------------------

#[test]
fn local_changes_are_carried_over_an_update() {
    let mut env = Env::demo();
    let _guard = settings().bind_to_scope();
    gbl(&env, &["-j1", "--packages", "zlib"]).ok();
    let dir = checkout(&env, "zlib");
    let pkgbuild = std::fs::read_to_string(dir.join("PKGBUILD")).unwrap();
    let patched = pkgbuild.replace("license=('Zlib')\n", "license=('Zlib')\noptions=('!lto')\n");
    assert_ne!(patched, pkgbuild);
    std::fs::write(dir.join("PKGBUILD"), &patched).unwrap();
    std::fs::write(dir.join("fix-arm.patch"), "--- a\n+++ b\n").unwrap();

    env.world.bump("zlib", "1:1.3.1-3").unwrap();
    let run = gbl(&env, &["-j1", "--packages", "zlib"]).ok();
    insta::assert_snapshot!("carried_over_console", run.transcript(&env));
    let now = std::fs::read_to_string(dir.join("PKGBUILD")).unwrap();
    assert!(
        now.contains("pkgrel='3'") && now.contains("options=('!lto')"),
        "{now}"
    );
    assert!(dir.join("fix-arm.patch").exists());
    assert_eq!(
        entry(&read_list(&list_path(&env)), "zlib")["version"],
        "1:1.3.1-3"
    );
}

#[test]
fn conflicting_local_changes_fail_that_package_only() {
    let mut env = Env::demo();
    let _guard = settings().bind_to_scope();
    gbl(&env, &["-j1", "--packages", "zlib", "cmake"]).ok();
    let dir = checkout(&env, "zlib");
    let pkgbuild = std::fs::read_to_string(dir.join("PKGBUILD")).unwrap();
    let patched = pkgbuild.replace("pkgrel='2'", "pkgrel='2.1'");
    std::fs::write(dir.join("PKGBUILD"), &patched).unwrap();

    env.world.bump("zlib", "1:1.3.1-3").unwrap();
    env.world.bump("cmake", "3.31.0-1").unwrap();
    let run = gbl(&env, &["-j1", "--packages", "zlib", "cmake"]).ok();
    insta::assert_snapshot!("conflict_console", run.transcript(&env));
    let list = read_list(&list_path(&env));
    assert_eq!(
        steps(&list),
        ["cmake 3.31.0-1 stage 0", "zlib 1:1.3.1-3 stage 0 skip"]
    );
    let reason = entry(&list, "zlib")["skip_reason"].as_str().unwrap();
    assert!(
        reason.contains("local changes") && reason.contains("PKGBUILD"),
        "{reason}"
    );
    // The operator's work is untouched.
    assert_eq!(
        std::fs::read_to_string(dir.join("PKGBUILD")).unwrap(),
        patched
    );
}

#[test]
fn failing_clone_skips_the_package_and_strict_makes_it_an_error() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let repo = env.world.packaging_repo_path("sound");
    std::fs::rename(&repo, repo.with_extension("gone")).unwrap();
    let run = gbl(&env, &["-j1"]).ok();
    insta::assert_snapshot!("failed_clone_console", run.transcript(&env));
    let list = read_list(&list_path(&env));
    let sound = entry(&list, "sound");
    assert_eq!(sound["skip"], 1);
    assert!(
        sound["skip_reason"]
            .as_str()
            .unwrap()
            .starts_with("fetch failed: cannot fetch tag 1.2.0-1 from file://")
    );
    assert!(
        !checkout(&env, "sound").exists(),
        "a failed clone leaves no directory"
    );
    assert_eq!(list["packages"].as_array().unwrap().len(), 8);

    std::fs::remove_file(list_path(&env)).unwrap();
    let strict = gbl(&env, &["-j1", "--strict"]);
    assert_eq!(strict.code, 1);
    insta::assert_snapshot!("failed_clone_strict", strict.transcript(&env));
    // --strict writes nothing: a list with holes never reaches build-packages.
    assert!(!list_path(&env).exists(), "--strict wrote a list");

    // An existing list is left exactly as it was.
    let before = "{\"left\": \"alone\"}\n";
    std::fs::write(list_path(&env), before).unwrap();
    assert_eq!(gbl(&env, &["-j1", "--strict"]).code, 1);
    assert_eq!(std::fs::read_to_string(list_path(&env)).unwrap(), before);
}

// --- what is left out, what is refused -------------------------------------------------------

#[test]
fn bootstrap_only_packages_are_left_out_unless_named() {
    let mut env = Env::demo();
    let _guard = settings().bind_to_scope();
    env.world.bump("glibc", "2.41+r1+g0123456789-1").unwrap();
    let run = gbl(&env, &["-j1", "-q"]).ok();
    insta::assert_snapshot!("bootstrap_left_out", run.transcript(&env));
    let list = read_list(&list_path(&env));
    assert!(
        list["packages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] != "glibc")
    );

    let run = gbl(&env, &["-j1", "--packages", "glibc"]).ok();
    assert!(
        !run.stderr.contains("bootstrap-toolchain"),
        "{}",
        run.stderr
    );
    assert_eq!(
        steps(&read_list(&list_path(&env))),
        ["glibc 2.41+r1+g0123456789-1 stage 0"]
    );
}

/// Upstream commits to the state repository by hand: `change` edits a clone's work tree.
fn push_state_change(env: &Env, message: &str, change: impl FnOnce(&Path)) {
    let clone = tempfile::tempdir().unwrap();
    let work = clone.path().join("state");
    let out = Command::new("git")
        .args(["clone", "-q", &env.world.state_url()])
        .arg(&work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    change(&work);
    git_output(&work, &["add", "-A"]);
    git_output(
        &work,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            message,
        ],
    );
    git_output(&work, &["push", "-q", "origin", "HEAD"]);
}

#[test]
fn a_tag_away_from_the_state_commit_is_a_warning() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    // The state repository records another commit for zlib's version than its tag's.
    let recorded = "0123456789abcdef0123456789abcdef01234567";
    push_state_change(&env, "zlib: other commit", |work| {
        let file = work.join("core-x86_64/zlib");
        let line = std::fs::read_to_string(&file).unwrap();
        let mut fields: Vec<&str> = line.split_whitespace().collect();
        fields[3] = recorded;
        std::fs::write(&file, format!("{}\n", fields.join(" "))).unwrap();
    });
    let run = gbl(&env, &["-j1", "--packages", "zlib"]).ok();
    insta::assert_snapshot!("commit_mismatch", run.transcript(&env));
    // The list records what was checked out.
    let tag_commit = &env.world.tagged_versions("zlib").last().unwrap().commit;
    assert_eq!(
        entry(&read_list(&list_path(&env)), "zlib")["commit"],
        tag_commit.as_str()
    );
}

#[test]
fn pkgbase_in_core_and_extra_is_an_error_and_nothing_is_written() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    gbl(&env, &["-j1"]).ok();
    let before = std::fs::read_to_string(list_path(&env)).unwrap();
    // Upstream's state repository lists zlib in extra as well as core.
    push_state_change(&env, "zlib twice", |work| {
        std::fs::copy(
            work.join("core-x86_64/zlib"),
            work.join("extra-x86_64/zlib"),
        )
        .unwrap();
    });

    let run = gbl(&env, &["-j1"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("core_and_extra", run.transcript(&env));
    assert_eq!(std::fs::read_to_string(list_path(&env)).unwrap(), before);
    assert_eq!(gbl(&env, &["--missing-packages"]).code, 1);
}

#[test]
fn blacklisted_entries_stay_skipped_and_are_never_fetched() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    // Patterns match pkgbases and pkgnames: sound-docs stands for the whole sound pkgbase.
    std::fs::write(env.path().join("arm-blacklist"), "sound-docs\ncyc-*\n").unwrap();
    let run = gbl(&env, &["-j1", "--blacklist", "arm-blacklist"]).ok();
    insta::assert_snapshot!("blacklist_console", run.transcript(&env));
    let list = read_list(&list_path(&env));
    assert_eq!(
        steps(&list),
        [
            "foo-app 2.0-1 stage 0",
            "re2c 4.0-1 stage 0",
            "zlib 1:1.3.1-2 stage 0",
            "ninja 1.12.1-1 stage 1",
            "newtool 3.0-1 stage 2",
            "cyc-a 1.0-2 stage 0 skip",
            "cyc-b 1.0-2 stage 0 skip",
            "sound 1.2.0-1 stage 0 skip",
        ]
    );
    assert_eq!(
        entry(&list, "sound")["skip_reason"],
        "blacklisted by \"sound-docs\" (arm-blacklist:1)"
    );
    for name in ["sound", "cyc-a", "cyc-b"] {
        assert!(!checkout(&env, name).exists(), "{name} was fetched");
        assert!(!run.stderr.contains(&format!("Processing {name} ")));
    }
    // The default blacklist.txt of the work directory applies the same way.
    std::fs::write(env.path().join("blacklist.txt"), "zlib\n").unwrap();
    gbl(&env, &["-j1"]).ok();
    assert_eq!(entry(&read_list(&list_path(&env)), "zlib")["skip"], 1);
    // A blacklist named on the command line must exist.
    let missing = gbl(&env, &["--blacklist", "no-such-file"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.starts_with("error: no-such-file: "),
        "{}",
        missing.stderr
    );
}

#[test]
fn packages_errors() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let mut session = String::new();
    for args in [
        &["--packages", "no-such-package"][..],
        &["--packages", "archlinux-keyring-data"],
        &["--packages", "../etc"],
        &["--aur"],
        &["--local", "--aur", "--packages", "x"],
        &["--rebuild-repo", "community"],
    ] {
        session.push_str(&gbl(&env, args).transcript(&env));
    }
    insta::assert_snapshot!("packages_errors", session);
    assert!(!list_path(&env).exists());
}

// --- the other options -----------------------------------------------------------------------

#[test]
fn missing_packages_prints_json_and_writes_no_list() {
    let env = Env::new(archport_testworld::demo());
    std::fs::write(env.path().join("blacklist.txt"), "re2c\n").unwrap();
    let _guard = settings().bind_to_scope();
    let run = gbl(&env, &["--missing-packages"]).ok();
    insta::assert_snapshot!("missing_packages", run.transcript(&env));
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    assert!(!list_path(&env).exists());
    assert!(checkouts(&env).is_empty());
}

#[test]
fn rebuild_repo_lists_the_whole_repository() {
    let env = Env::demo();
    let _guard = settings().bind_to_scope();
    let run = gbl(&env, &["-j1", "--rebuild-repo", "core"]).ok();
    insta::assert_snapshot!("rebuild_core", run.transcript(&env));
    // Every core pkgbase, and only those: readline, though the same; not bash, newer on the
    // target (issue 10 §6); glibc is left to bootstrap-toolchain.
    let list = read_list(&list_path(&env));
    for name in ["readline", "zlib"] {
        assert_eq!(entry(&list, name)["skip"], 0);
    }
    assert!(
        list["packages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] != "bash" && e["name"] != "sound")
    );
    assert!(
        list["packages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["name"] != "glibc")
    );
    gbl(&env, &["-j1", "--rebuild-repo", "extra"]).ok();
    let list = read_list(&list_path(&env));
    // Every arch-specific extra pkgbase, no ARCH=any, and nothing from core.
    let mut names: Vec<&str> = list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(
        names,
        [
            "cmake",
            "cyc-a",
            "cyc-b",
            "foo-app",
            "libfoo",
            "newtool",
            "ninja",
            "python",
            "re2c",
            "sound",
            "vulkan-tools"
        ]
    );
}

#[test]
fn arm_urls_replace_the_target_mirror() {
    let env = Env::demo();
    // Only the target's core database: everything in extra looks absent, hence not outdated.
    let core_db = format!("{}/core/os/aarch64/core.db", env.world.mirror_target_url());
    let run = gbl(&env, &["-j1", "--arm-urls", &core_db]).ok();
    assert_eq!(
        steps(&read_list(&list_path(&env))),
        ["zlib 1:1.3.1-2 stage 0"]
    );
    assert!(
        run.stderr
            .contains("Processing zlib (fetching 1:1.3.1-2)...")
    );
    let requests = env.world.server().requests();
    assert!(
        requests
            .iter()
            .all(|r| !r.path.starts_with("/mirror-target/extra")),
        "{requests:?}"
    );
}

#[test]
fn dry_run_fetches_and_writes_nothing() {
    let mut env = Env::demo();
    let _guard = settings().bind_to_scope();
    // A fresh work directory has nothing cached: the databases and the state repository
    // are fetched into a temporary directory (issue 10 §9; tests/nightly_generate.rs).
    let fresh = gbl(&env, &["--dry-run"]);
    assert_eq!(fresh.code, 0);
    insta::assert_snapshot!("dry_run_fresh", fresh.transcript(&env));

    // --missing-packages caches the databases and the state repository, and fetches nothing.
    gbl(&env, &["--missing-packages"]).ok();
    env.world.server().take_requests();
    let dry = gbl(&env, &["--dry-run"]).ok();
    insta::assert_snapshot!("dry_run_before_first_run", dry.transcript(&env));
    assert!(env.world.server().requests().is_empty());
    assert!(checkouts(&env).is_empty());
    assert!(!list_path(&env).exists());

    // After a real run and an upstream release, the preview tells checkouts apart; its
    // ordered list is the list a real run writes.
    gbl(&env, &["-j1"]).ok();
    env.world.bump("zlib", "1:1.3.1-3").unwrap();
    gbl(&env, &["-j1", "--packages", "cmake"]).ok();
    let before = std::fs::read_to_string(list_path(&env)).unwrap();
    let dry = gbl(&env, &["--dry-run"]).ok();
    insta::assert_snapshot!("dry_run_after_upstream_release", dry.transcript(&env));
    assert_eq!(std::fs::read_to_string(list_path(&env)).unwrap(), before);
    gbl(&env, &["-j1"]).ok();
    let real: Vec<String> = read_list(&list_path(&env))["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["build_stage"],
                e["name"].as_str().unwrap(),
                e["version"].as_str().unwrap()
            )
        })
        .collect();
    let previewed: Vec<String> = dry
        .stdout
        .lines()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(previewed, real);
}

#[test]
fn no_update_uses_what_is_cached() {
    let mut env = Env::demo();
    gbl(&env, &["-j1"]).ok();
    env.world.bump("libfoo", "1.5-1").unwrap();
    // Any request would now fail: nothing may be asked for.
    for side in [Side::X86, Side::Target] {
        for repo in [Repo::Core, Repo::Extra] {
            let db = env.world.db_path(side, repo);
            let url_path = db
                .strip_prefix(env.world.root())
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            env.world.server().fail(&url_path, 500);
        }
    }
    env.world.server().take_requests();
    let run = gbl(&env, &["-j1", "--no-update"]).ok();
    assert!(env.world.server().requests().is_empty());
    // The cached state does not know libfoo 1.5-1 yet; checkouts are read as they are.
    assert!(!run.stderr.contains("libfoo"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Processing zlib (no update, current: 1:1.3.1-2)...\n"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("fetching"), "{}", run.stderr);
    // A checkout that does not exist cannot be used as it is.
    std::fs::remove_dir_all(checkout(&env, "zlib")).unwrap();
    let run = gbl(&env, &["-j1", "--no-update"]).ok();
    assert!(
        run.stderr.contains("zlib: no PKGBUILD in"),
        "{}",
        run.stderr
    );
    assert_eq!(entry(&read_list(&list_path(&env)), "zlib")["skip"], 1);
}

#[test]
fn output_is_written_atomically_even_when_empty() {
    // Nothing differs between the sides: the list is empty, and still written.
    let spec = WorldSpec::new()
        .pkgbase(PkgbaseSpec::new("glibc", "2.40-1").repo(Repo::Core))
        .pkgbase(PkgbaseSpec::new("tool", "1.0-1").package(PackageSpec::new("tool")));
    let env = Env::new(spec);
    let _guard = settings().bind_to_scope();
    std::fs::create_dir(env.path().join("lists")).unwrap();
    std::fs::write(
        env.path().join("lists/today.json"),
        "old and longer than the new list",
    )
    .unwrap();
    let run = gbl(&env, &["--output", "lists/today.json"]).ok();
    insta::assert_snapshot!("empty_list_console", run.transcript(&env));
    insta::assert_snapshot!(
        "empty_list",
        clean(
            &std::fs::read_to_string(env.path().join("lists/today.json")).unwrap(),
            &env
        )
    );
    // Replaced by rename: no temporary file left beside it, the default path untouched.
    let names: Vec<_> = std::fs::read_dir(env.path().join("lists"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["today.json"]);
    assert!(!list_path(&env).exists());
    // A directory that does not exist is an error naming the file.
    let run = gbl(&env, &["--output", "no/such/dir/list.json"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no/such/dir/list.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn command_and_timestamp() {
    let env = Env::demo();
    gbl(
        &env,
        &["-j1", "--packages", "zlib", "--output", "my list.json"],
    )
    .ok();
    let list = read_list(&env.path().join("my list.json"));
    assert_eq!(
        list["_command"],
        "generate-build-list -j1 --packages zlib --output 'my list.json'"
    );
    let stamp = list["_timestamp"].as_str().unwrap();
    // 2026-11-23T10:13:57.735Z: UTC, milliseconds, Z.
    assert_eq!(stamp.len(), 24, "{stamp}");
    let bytes = stamp.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match i {
            4 | 7 => assert_eq!(*b, b'-'),
            10 => assert_eq!(*b, b'T'),
            13 | 16 => assert_eq!(*b, b':'),
            19 => assert_eq!(*b, b'.'),
            23 => assert_eq!(*b, b'Z'),
            _ => assert!(b.is_ascii_digit(), "{stamp}"),
        }
    }
    // Keys in the documented order.
    let text = std::fs::read_to_string(env.path().join("my list.json")).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("      \"") || l.starts_with("  \""))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "_command",
            "_timestamp",
            "packages",
            "name",
            "basename",
            "pkgnames",
            "version",
            "x86_version",
            "arm_version",
            "repo",
            "tag",
            "commit",
            "depends",
            "makedepends",
            "checkdepends",
            "provides",
            "force_latest",
            "use_aur",
            "use_local",
            "build_stage",
            "cycle_group",
            "cycle_stage",
            "skip",
            "skip_reason",
            "added_reason",
            "ignorearch",
        ]
    );
}

#[test]
fn verbose_quiet_and_config() {
    let env = Env::demo();
    let quiet = gbl(&env, &["-q"]).ok();
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, "");
    let verbose = gbl(&env, &["-v"]).ok();
    assert!(verbose.stderr.contains("DEBUG"), "{}", verbose.stderr);
    assert!(
        verbose
            .stderr
            .contains("Processing cyc-a (already up to date: 1.0-2)...")
    );

    // The configuration from elsewhere: --config, or ARCHPORT_CONFIG.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::rename(env.config(), elsewhere.path().join("port.toml")).unwrap();
    let none = gbl(&env, &["-q", "--dry-run"]);
    assert_ne!(
        none.code, 0,
        "without a configuration the defaults point at the real services"
    );
    let config = elsewhere.path().join("port.toml");
    gbl(&env, &["-q", "--config", config.to_str().unwrap()]).ok();
    let out = env
        .cmd("generate-build-list")
        .env("ARCHPORT_CONFIG", &config)
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let missing = gbl(&env, &["--config", "nope.toml"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("nope.toml"), "{}", missing.stderr);
}
