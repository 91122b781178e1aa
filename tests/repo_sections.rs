//! The sources of versions and the repo-analyze sections of issues 10 §1 and 12: the port's
//! testing repositories, local (`file://`) mirrors, and the sections added for them, run the
//! way an operator runs the tools against a test world served on 127.0.0.1.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
    publish_repo(env, Side::Target, repo, pkgbases)
}

/// Writes one side's `repo` database holding `pkgbases` where its mirror serves it.
fn publish_repo(env: &Env, side: Side, repo: &str, pkgbases: &[PkgbaseSpec]) -> PathBuf {
    let arch = env.world.spec().arch_of(side).to_owned();
    let core_dir = env.world.db_dir(side, Repo::Core);
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
    env.set_config("target", "include_testing", "false");
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
    // The issue's workaround: testing databases named with --arm-urls.
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
    env.set_config("x86", "mirror", &format!("\"file://{root}/mirror-x86\""));
    env.set_config(
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

fn extra(name: &str, version: &str) -> PkgbaseSpec {
    PkgbaseSpec::new(name, version)
}

/// Something for each section of issue 12 §2 and §5-10.
fn sections_spec() -> WorldSpec {
    WorldSpec::new()
        .pkgbase(core("glibc", "2.40+r16+gaa533d58ff-2"))
        .pkgbase(extra("nano", "8.2-1").depends(["glibc"]))
        // -bin packages: one at x86_64's pkgver (its own pkgrel), one ahead.
        .x86_side(extra("helix", "24.07-1").depends(["glibc"]))
        .target_side(
            extra("helix-bin", "24.07-3")
                .depends(["glibc"])
                .provides(["helix=24.07"]),
        )
        .x86_side(extra("zig", "0.13.0-1").depends(["glibc"]))
        .target_side(
            extra("zig-bin", "0.14.0-1")
                .depends(["glibc"])
                .provides(["zig=0.14.0"]),
        )
        // Missing, but rustup provides rust.
        .x86_side(extra("rust", "1:1.82.0-1").depends(["glibc"]))
        .target_side(
            extra("rustup", "1.27.1-1")
                .depends(["glibc"])
                .provides(["rust", "cargo"]),
        )
        // ARCH=any on x86_64, built arch-specific on the target.
        .x86_side(extra("python-six", "1.16.0-9").any())
        .target_side(extra("python-six", "1.16.0-9"))
        // The target's sound lacks a split package.
        .x86_side(extra("sound", "1.2.0-1").packages([
            archport_testworld::PackageSpec::new("libsound").depends(["glibc"]),
            archport_testworld::PackageSpec::new("sound-tools").depends(["libsound"]),
        ]))
        .target_side(
            extra("sound", "1.2.0-1")
                .packages([archport_testworld::PackageSpec::new("libsound").depends(["glibc"])]),
        )
        // cuda is blacklisted: torch needs it to build, torchvision needs torch.
        .x86_side(extra("cuda", "12.6.2-1").depends(["glibc"]))
        .x86_side(
            extra("torch", "2.5.1-1")
                .depends(["glibc"])
                .makedepends(["cuda>=12"]),
        )
        .x86_side(extra("torchvision", "0.20.1-1").depends(["torch"]))
        // Upstream packaging bugs: an empty version, unsatisfiable as in libalpm.
        .pkgbase(extra("nginx", "1.26.2-1").depends(["glibc"]))
        .pkgbase(extra("nginx-mod-geoip", "1.26.2-1").depends(["nginx=", "glibc"]))
        .pkgbase(extra("php-app", "1.0-1").depends(["nginx>", "glibc"]))
}

fn sections_env() -> Env {
    let env = Env::new(sections_spec());
    std::fs::write(env.path().join("blacklist.txt"), "cuda\n").unwrap();
    env
}

/// The new sections: their flags and `--json` keys.
const NEW_SECTIONS: [(&str, &str); 8] = [
    ("--in-testing", "in_testing"),
    ("--port-packages", "port_packages"),
    ("--bin-packages", "bin_packages"),
    ("--blocked-by-blacklist", "blocked_by_blacklist"),
    ("--arch-changed", "arch_changed"),
    ("--missing-split-packages", "missing_split_packages"),
    ("--provided-elsewhere", "provided_elsewhere"),
    ("--upstream-broken", "upstream_broken"),
];

#[test]
fn bin_packages_are_compared_by_pkgver() {
    let env = sections_env();
    let report = analyze_json(&env, &["--bin-packages"]);
    assert_eq!(
        report["bin_packages"],
        serde_json::json!([
            {
                "name": "helix-bin", "repo": "extra", "version": "24.07-3",
                "provides": "helix", "provided_version": "24.07",
                "x86_pkgbase": "helix", "x86_version": "24.07-1", "status": "matching"
            },
            {
                "name": "zig-bin", "repo": "extra", "version": "0.14.0-1",
                "provides": "zig", "provided_version": "0.14.0",
                "x86_pkgbase": "zig", "x86_version": "0.13.0-1", "status": "newer"
            }
        ])
    );
}

#[test]
fn each_new_section_has_a_flag_a_json_key_and_its_findings() {
    let env = sections_env();
    let full = analyze_json(&env, &[]);
    for (flag, key) in NEW_SECTIONS {
        let alone = analyze_json(&env, &[flag]);
        let keys: Vec<&String> = alone.as_object().unwrap().keys().collect();
        assert_eq!(keys, [key], "{flag}");
        assert_eq!(alone[key], full[key], "{flag}");
    }
    assert_eq!(names(&full, "provided_elsewhere"), ["helix", "rust", "zig"]);
    assert_eq!(full["provided_elsewhere"][1]["provider"], "rustup");
    // Still missing: the operator decides.
    assert_eq!(
        names(&full, "missing_pkgbases"),
        ["helix", "rust", "torch", "torchvision", "zig"]
    );
    assert_eq!(names(&full, "arch_changed"), ["python-six"]);
    assert_eq!(full["arch_changed"][0]["x86_arch"], "any");
    assert_eq!(full["arch_changed"][0]["target_arch"], "aarch64");
    assert_eq!(
        full["missing_split_packages"],
        serde_json::json!([{
            "pkgbase": "sound", "repo": "extra", "x86_version": "1.2.0-1",
            "target_version": "1.2.0-1", "missing": ["sound-tools"]
        }])
    );
    let chains: Vec<(String, Value)> = full["blocked_by_blacklist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["pkgbase"].as_str().unwrap().to_owned(),
                b["chain"].clone(),
            )
        })
        .collect();
    assert_eq!(
        chains,
        [
            ("torch".to_owned(), serde_json::json!(["torch", "cuda"])),
            (
                "torchvision".to_owned(),
                serde_json::json!(["torchvision", "torch", "cuda"])
            ),
        ]
    );
    let dependencies = |key: &str| -> Vec<String> {
        full[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["name"].as_str().unwrap(),
                    d["dependency"].as_str().unwrap()
                )
            })
            .collect()
    };
    // `nginx=` can never be met; `nginx>` is met by any version, as in libalpm.
    assert_eq!(dependencies("upstream_broken"), ["nginx-mod-geoip nginx="]);
    assert_eq!(dependencies("broken_deps"), Vec::<String>::new());
    assert_eq!(dependencies("unsatisfied_deps"), Vec::<String>::new());

    let text = success(&run(
        &env,
        "repo-analyze",
        &["--blocked-by-blacklist", "--upstream-broken"],
    ));
    assert_eq!(
        text,
        "Blocked by a blacklisted dependency (2)\n  \
         torch 2.5.1-1 (extra): torch -> cuda (blacklisted)\n  \
         torchvision 0.20.1-1 (extra): torchvision -> torch -> cuda (blacklisted)\n\n\
         Dependencies with an empty version (upstream packaging bugs) (1)\n  \
         nginx-mod-geoip 1.26.2-1 (extra): needs nginx=\n\n"
    );
}

#[test]
fn port_repositories_have_their_own_section() {
    let env = sections_env();
    publish_target_repo(
        &env,
        "forge",
        &[
            extra("uboot-rpi", "2024.10-1").depends(["glibc"]),
            extra("linux-rpi", "6.6.58-1").depends(["glibc"]),
        ],
    );
    // Read as an ordinary repository, its packages are only on the target.
    let mirror = env.world.mirror_target_url();
    let urls: Vec<String> = ["core", "extra", "forge"]
        .iter()
        .map(|r| format!("{mirror}/{r}/os/aarch64/{r}.db"))
        .collect();
    let mut args = vec!["--target-only", "--arm-urls"];
    args.extend(urls.iter().map(String::as_str));
    assert_eq!(
        names(&analyze_json(&env, &args), "target_only"),
        ["helix-bin", "linux-rpi", "rustup", "uboot-rpi", "zig-bin"]
    );
    // Configured as the port's own repository, it is read from the mirror and listed apart.
    env.set_config("target", "port_repos", "[\"forge\"]");
    let report = analyze_json(&env, &[]);
    assert_eq!(names(&report, "port_packages"), ["linux-rpi", "uboot-rpi"]);
    assert_eq!(report["port_packages"][0]["repo"], "forge");
    assert_eq!(
        names(&report, "target_only"),
        ["helix-bin", "rustup", "zig-bin"]
    );
}

#[test]
fn html_report_is_written() {
    let env = sections_env();
    let page = env.path().join("out").join("analysis.html");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    let stdout = success(&run(
        &env,
        "repo-analyze",
        &["--missing-pkgbases", "--html", page.to_str().unwrap()],
    ));
    assert!(
        stdout.starts_with("Missing from the target (5)\n"),
        "{stdout}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{html}"
    );
    for needle in ["torchvision", "missing_pkgbases", "aarch64"] {
        assert!(html.contains(needle), "{needle} not in the page");
    }
}

/// Commits one more file to the world's state repository, as an upstream push would.
fn push_state_file(url: &str, path: &str, content: &str) {
    let clone = tempfile::tempdir().unwrap();
    let dir = clone.path().join("state");
    git(clone.path(), &["clone", "-q", url, "state"]);
    std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
    std::fs::write(dir.join(path), content).unwrap();
    git(&dir, &["add", path]);
    git(
        &dir,
        &[
            "-c",
            "user.name=Test Packager",
            "-c",
            "user.email=packager@example.org",
            "commit",
            "-q",
            "-m",
            "testing update",
        ],
    );
    git(&dir, &["push", "-q", "origin", "HEAD:main"]);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?} failed");
}

#[test]
fn upstream_testing_is_read_on_request_keeping_the_stable_repo() {
    let env = Env::new(
        WorldSpec::new()
            .pkgbase(core("glibc", "2.40+r16+gaa533d58ff-2"))
            .pkgbase(core("zlib", "1:1.3.1-2").depends(["glibc"]))
            .target_version("zlib", "1:1.3.1-3")
            .pkgbase(extra("nano", "8.2-1").depends(["glibc"])),
    );
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let state = env.world.state_url();
    push_state_file(
        &state,
        "core-testing-x86_64/zlib",
        &format!("zlib 1:1.3.1-3 1-1.3.1-3 {commit}\n"),
    );
    push_state_file(
        &state,
        "core-testing-x86_64/newpkg",
        &format!("newpkg 1.0-1 1.0-1 {commit}\n"),
    );
    publish_repo(
        &env,
        Side::X86,
        "core-testing",
        &[
            core("zlib", "1:1.3.1-3").depends(["glibc"]),
            core("newpkg", "1.0-1").depends(["glibc"]),
        ],
    );
    let sections = ["--target-newer", "--missing-pkgbases"];
    let stable = analyze_json(&env, &sections);
    assert_eq!(names(&stable, "target_newer"), ["zlib"]);
    assert_eq!(names(&stable, "missing_pkgbases"), Vec::<String>::new());

    let mut args = sections.to_vec();
    args.push("--upstream-testing");
    let testing = analyze_json(&env, &args);
    assert_eq!(names(&testing, "target_newer"), Vec::<String>::new());
    assert_eq!(
        testing["missing_pkgbases"],
        serde_json::json!([{
            "pkgbase": "newpkg", "repo": "core", "version": "1.0-1", "pkgnames": ["newpkg"]
        }])
    );
    env.set_config("x86", "include_testing", "true");
    assert_eq!(analyze_json(&env, &sections), testing);
}

/// A libalpm client, compiled in the test: for every runtime dependency of every package of
/// the sync databases, whether `alpm_find_satisfier` finds anything among all of them.
/// Prints one `pkgname<TAB>dependency` line per dependency nothing satisfies.
/// Debian ships libalpm without its header; the few declarations needed are here.
const ALPM_HELPER: &str = r#"
#include <stdio.h>
#include <stdlib.h>
typedef struct alpm_list { void *data; struct alpm_list *prev; struct alpm_list *next; } alpm_list_t;
typedef struct alpm_handle alpm_handle_t;
typedef struct alpm_db alpm_db_t;
typedef struct alpm_pkg alpm_pkg_t;
typedef struct alpm_depend alpm_depend_t;
alpm_handle_t *alpm_initialize(const char *root, const char *dbpath, int *err);
alpm_db_t *alpm_register_syncdb(alpm_handle_t *handle, const char *treename, int level);
alpm_list_t *alpm_db_get_pkgcache(alpm_db_t *db);
alpm_list_t *alpm_pkg_get_depends(alpm_pkg_t *pkg);
char *alpm_dep_compute_string(const alpm_depend_t *dep);
alpm_pkg_t *alpm_find_satisfier(alpm_list_t *pkgs, const char *depstring);
const char *alpm_pkg_get_name(alpm_pkg_t *pkg);
alpm_list_t *alpm_list_join(alpm_list_t *first, alpm_list_t *second);
alpm_list_t *alpm_list_copy(const alpm_list_t *list);
int main(int argc, char **argv) {
    int err = 0;
    alpm_handle_t *handle = alpm_initialize(argv[1], argv[2], &err);
    if (!handle) { fprintf(stderr, "alpm_initialize: %d\n", err); return 2; }
    alpm_list_t *all = NULL;
    for (int i = 3; i < argc; i++) {
        alpm_db_t *db = alpm_register_syncdb(handle, argv[i], 0);
        if (!db) { fprintf(stderr, "register %s\n", argv[i]); return 2; }
        all = alpm_list_join(all, alpm_list_copy(alpm_db_get_pkgcache(db)));
    }
    for (alpm_list_t *p = all; p; p = p->next) {
        for (alpm_list_t *d = alpm_pkg_get_depends(p->data); d; d = d->next) {
            char *text = alpm_dep_compute_string(d->data);
            if (!alpm_find_satisfier(all, text)) {
                printf("%s\t%s\n", alpm_pkg_get_name(p->data), text);
            }
            free(text);
        }
    }
    return 0;
}
"#;

/// Issue 12 §10: over the full-size real world (the real x86_64 databases, the target side
/// with 2% of the pkgbases missing and 5% older), every runtime dependency nothing meets,
/// broken, unsatisfied or upstream-broken, pair for pair what libalpm finds.
#[test]
fn realdata_broken_and_unsatisfied_dependencies_match_libalpm() {
    archport_realdata::require("full-2024/x86_64");
    let world =
        archport_testworld::RealDataWorld::build(&archport_testworld::RealDataOptions::default())
            .unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("archport.toml"),
        world.urls().config_toml(work.path()),
    )
    .unwrap();
    let output = assert_cmd::Command::cargo_bin("repo-analyze")
        .unwrap()
        .current_dir(work.path())
        .env_remove("ARCHPORT_CONFIG")
        .args([
            "--json",
            "--no-blacklist",
            "--broken-deps",
            "--unsatisfied-deps",
            "--upstream-broken",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&success(&output)).unwrap();
    let mut ours: Vec<String> = ["broken_deps", "unsatisfied_deps", "upstream_broken"]
        .iter()
        .flat_map(|key| report[key].as_array().unwrap())
        .map(|d| {
            format!(
                "{}\t{}",
                d["name"].as_str().unwrap(),
                d["dependency"].as_str().unwrap()
            )
        })
        .collect();
    ours.sort();

    // The oracle: libalpm over the same target databases.
    let sync = work.path().join("alpm").join("sync");
    std::fs::create_dir_all(&sync).unwrap();
    std::fs::create_dir_all(work.path().join("alpm").join("local")).unwrap();
    let repos = ["core", "extra"];
    for repo in repos {
        let db = world
            .root()
            .join("mirror-target")
            .join(repo)
            .join("os")
            .join("aarch64")
            .join(format!("{repo}.db"));
        std::fs::copy(&db, sync.join(format!("{repo}.db"))).unwrap();
    }
    let source = work.path().join("alpm_deps.c");
    std::fs::write(&source, ALPM_HELPER).unwrap();
    let helper = work.path().join("alpm_deps");
    let status = Command::new("cc")
        .arg("-o")
        .arg(&helper)
        .arg(&source)
        .arg("-l:libalpm.so.13")
        .status()
        .unwrap();
    assert!(status.success(), "cc failed to build the libalpm helper");
    let output = Command::new(&helper)
        .arg(work.path())
        .arg(work.path().join("alpm"))
        .args(repos)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut alpm: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    alpm.sort();

    let only_alpm: Vec<&String> = alpm.iter().filter(|l| !ours.contains(l)).collect();
    let only_ours: Vec<&String> = ours.iter().filter(|l| !alpm.contains(l)).collect();
    assert!(
        only_alpm.is_empty() && only_ours.is_empty(),
        "libalpm only: {only_alpm:?}\narchport only: {only_ours:?}"
    );
    assert_eq!(ours.len(), alpm.len());
    eprintln!(
        "libalpm: {} pairs; archport: {} broken, {} unsatisfied, {} upstream-broken",
        alpm.len(),
        report["broken_deps"].as_array().unwrap().len(),
        report["unsatisfied_deps"].as_array().unwrap().len(),
        report["upstream_broken"].as_array().unwrap().len()
    );
    assert!(!report["upstream_broken"].as_array().unwrap().is_empty());
}
