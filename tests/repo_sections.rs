//! The sources of versions and the repo-analyze sections of issues 10 §1 and 12: the port's
//! testing repositories, local (`file://`) mirrors, and the sections added for them, run the
//! way an operator runs the tools against a test world served on 127.0.0.1.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use archport_testworld::{
    Compression, DescEntry, PkgbaseSpec, Repo, Side, WorldSpec, compress, db_tar_of, write_db_files,
};
use common::Env;
use serde_json::Value;

fn core(name: &str, version: &str) -> PkgbaseSpec {
    PkgbaseSpec::new(name, version).repo(Repo::Core)
}

/// zlib is older on the target's core, and its new build waits in core-testing; xz is
/// new, only in core-testing so far.
fn testing_spec() -> WorldSpec {
    WorldSpec::new()
        .pkgbase(core("glibc", "2.40+r16+gaa533d58ff-2"))
        .pkgbase(core("zlib", "1:1.3.1-2").depends(["glibc"]))
        .target_version("zlib", "1:1.3.1-1")
        .x86_side(core("xz", "5.6.3-1").depends(["glibc"]))
        .pkgbase(PkgbaseSpec::new("nano", "8.2-1").depends(["glibc"]))
}

/// Writes the target's `repo` database (any repository name, e.g. `core-testing`) holding
/// `pkgbases`, where the mirror serves it: `{mirror-target}/{repo}/os/{arch}/{repo}.db`.
fn publish_target_repo(env: &Env, repo: &str, pkgbases: &[PkgbaseSpec]) -> PathBuf {
    let arch = env.world.spec().arch_of(Side::Target).to_owned();
    let core_dir = env.world.db_dir(Side::Target, Repo::Core);
    let dir = core_dir
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .unwrap()
        .join(repo)
        .join("os")
        .join(&arch);
    std::fs::create_dir_all(&dir).unwrap();
    let entries: Vec<DescEntry> = pkgbases
        .iter()
        .flat_map(|p| DescEntry::for_pkgbase(p, &arch))
        .collect();
    let db = compress(&db_tar_of(&entries).unwrap(), Compression::Gzip).unwrap();
    write_db_files(&dir, repo, &db, Compression::Gzip).unwrap()
}

fn testing_env() -> Env {
    let env = Env::new(testing_spec());
    publish_target_repo(
        &env,
        "core-testing",
        &[
            core("zlib", "1:1.3.1-2").depends(["glibc"]),
            core("xz", "5.6.3-1").depends(["glibc"]),
        ],
    );
    env
}

/// Appends TOML to the env's `archport.toml` (a section the test world leaves out).
fn append_config(env: &Env, text: &str) {
    let path = env.config();
    let mut config = std::fs::read_to_string(&path).unwrap();
    config.push_str(text);
    std::fs::write(&path, config).unwrap();
}

/// Replaces `key = ...` in `[section]` of the env's `archport.toml`.
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
        out.push_str(&format!("\n[{section}]\n{key} = {value}\n"));
    }
    std::fs::write(&path, out).unwrap();
}

fn run(env: &Env, bin: &str, args: &[&str]) -> Output {
    env.cmd(bin).args(args).output().unwrap()
}

/// Asserts a successful run; returns stdout.
fn success(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn analyze_json(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let output = run(env, "repo-analyze", &all);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr, "", "repo-analyze printed on stderr");
    serde_json::from_str(&success(&output)).unwrap()
}

/// The `name` (or else `pkgbase`) of every item of a JSON section.
fn names(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not a list: {report}"))
        .iter()
        .map(|item| {
            item.get("name")
                .or_else(|| item.get("pkgbase"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The pkgbases generate-build-list lists (a real run, PKGBUILDs fetched from the world).
fn build_list(env: &Env) -> Vec<String> {
    success(&run(env, "generate-build-list", &["-j1"]));
    let list: Value = serde_json::from_str(
        &std::fs::read_to_string(env.path().join("packages_to_build.json")).unwrap(),
    )
    .unwrap();
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn packages_waiting_in_testing_are_neither_rebuilt_nor_duplicates() {
    let env = testing_env();

    // generate-build-list: zlib waits in core-testing at the x86_64 version.
    assert_eq!(build_list(&env), Vec::<String>::new());

    let report = analyze_json(&env, &[]);
    assert_eq!(
        report["in_testing"],
        serde_json::json!([
            {
                "name": "xz", "pkgbase": "xz", "repo": "core", "testing_repo": "core-testing",
                "stable_version": null, "testing_version": "5.6.3-1"
            },
            {
                "name": "zlib", "pkgbase": "zlib", "repo": "core", "testing_repo": "core-testing",
                "stable_version": "1:1.3.1-1", "testing_version": "1:1.3.1-2"
            }
        ]),
    );
    assert_eq!(names(&report, "duplicates"), Vec::<String>::new());
    assert_eq!(names(&report, "missing_pkgbases"), Vec::<String>::new());
    // In core-testing, promoted into core: no repository mismatch either.
    assert_eq!(names(&report, "repo_mismatches"), Vec::<String>::new());

    // The section alone, as text.
    let text = success(&run(&env, "repo-analyze", &["--in-testing"]));
    assert_eq!(
        text,
        "Waiting in testing for promotion (2)\n  \
         xz (core-testing -> core): 5.6.3-1, stable none\n  \
         zlib (core-testing -> core): 1:1.3.1-2, stable 1:1.3.1-1\n\n"
    );
}

#[test]
fn include_testing_false_reads_stable_only() {
    let env = testing_env();
    set_config(&env, "target", "include_testing", "false");
    assert_eq!(build_list(&env), ["zlib"]);
    let report = analyze_json(&env, &[]);
    assert_eq!(names(&report, "in_testing"), Vec::<String>::new());
    assert_eq!(names(&report, "missing_pkgbases"), ["xz"]);
    let requests = env.world.server().requests();
    assert!(
        requests.iter().all(|r| !r.path.contains("testing")),
        "{requests:?}"
    );
}

#[test]
fn testing_databases_given_by_hand_are_not_duplicates() {
    // The workaround: testing databases named with --arm-urls.
    let env = testing_env();
    let mirror = env.world.mirror_target_url();
    let urls: Vec<String> = ["core", "extra", "core-testing"]
        .iter()
        .map(|r| format!("{mirror}/{r}/os/aarch64/{r}.db"))
        .collect();
    let mut args = vec!["--arm-urls"];
    args.extend(urls.iter().map(String::as_str));
    let report = analyze_json(&env, &args);
    assert_eq!(names(&report, "duplicates"), Vec::<String>::new());
    assert_eq!(names(&report, "in_testing"), ["xz", "zlib"]);

    // A testing copy no newer than stable is stale: still a duplicate.
    publish_target_repo(
        &env,
        "core-testing",
        &[core("zlib", "1:1.3.1-1").depends(["glibc"])],
    );
    let report = analyze_json(&env, &args);
    assert_eq!(names(&report, "duplicates"), ["zlib"]);
    assert_eq!(names(&report, "in_testing"), Vec::<String>::new());
}

#[test]
fn a_mirror_without_testing_repositories_reads_them_as_empty() {
    // The world's target mirror has no core-testing/extra-testing: not an error.
    let env = Env::new(testing_spec());
    let report = analyze_json(&env, &[]);
    assert_eq!(names(&report, "in_testing"), Vec::<String>::new());
    assert_eq!(names(&report, "missing_pkgbases"), ["xz"]);
    // Offline, nothing cached for them: still empty, not an error.
    let report = analyze_json(&env, &["--offline"]);
    assert_eq!(names(&report, "missing_pkgbases"), ["xz"]);
    // A testing database that is there but broken is an error, naming it.
    let env = testing_env();
    let db = publish_target_repo(&env, "extra-testing", &[]);
    std::fs::write(&db, b"<html>not a database</html>").unwrap();
    let output = run(&env, "repo-analyze", &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("extra-testing.db"), "{stderr}");
}

#[test]
fn file_urls_read_a_local_mirror_in_place() {
    let env = testing_env();
    let over_http = analyze_json(&env, &[]);
    let root = env.world.root().display().to_string();
    set_config(
        &env,
        "x86",
        "mirror",
        &format!("\"file://{root}/mirror-x86\""),
    );
    set_config(
        &env,
        "target",
        "mirror",
        &format!("\"file://{root}/mirror-target\""),
    );
    env.world.server().take_requests();
    // The same report as over HTTP, testing repositories included, without a request.
    assert_eq!(analyze_json(&env, &[]), over_http);
    let requests = env.world.server().requests();
    assert!(
        requests.iter().all(|r| !r.path.starts_with("/mirror")),
        "{requests:?}"
    );
    // Nothing is copied into the cache: offline reads the mirror itself.
    assert_eq!(analyze_json(&env, &["--offline"]), over_http);

    // --arm-urls takes file:// URLs too.
    let core = format!("file://{root}/mirror-target/core/os/aarch64/core.db");
    let report = analyze_json(&env, &["--arm-urls", &core]);
    assert_eq!(names(&report, "in_testing"), Vec::<String>::new());
    assert_eq!(names(&report, "missing_pkgbases"), ["nano", "xz"]);

    // A database the local mirror lacks is one error line naming it.
    let absent = format!("file://{root}/mirror-target/nope/os/aarch64/nope.db");
    let output = run(&env, "repo-analyze", &["--arm-urls", &absent]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: loading the repositories: {absent}: cannot read "
        )),
        "{stderr}"
    );

    // The same caps as a download.
    std::fs::write(
        env.world.db_path(Side::Target, Repo::Core),
        vec![0u8; 2 << 20],
    )
    .unwrap();
    append_config(&env, "\n[limits]\nmax_download_mib = 1\n");
    let output = run(&env, "repo-analyze", &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("core.db: download exceeds the limit of 1 MiB (limits.max_download_mib)"),
        "{stderr}"
    );
}
