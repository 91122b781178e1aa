//! `repo-analyze` end to end: the real binary against a test world served on 127.0.0.1,
//! run the way an operator runs it, with its console and JSON output kept as snapshots.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use archport_testworld::{
    Compression, DescEntry, PackageSpec, PkgbaseSpec, RealDataOptions, RealDataWorld, Repo, Side,
    TargetChange, WorldSpec, compress, db_tar_of, write_db_files,
};
use common::{Env, scrub};
use serde_json::Value;

/// Every section: its flag and its `--json` key, in report order.
const SECTIONS: [(&str, &str); 10] = [
    ("--repo-mismatches", "repo_mismatches"),
    ("--target-newer", "target_newer"),
    ("--target-only", "target_only"),
    ("--missing-pkgbases", "missing_pkgbases"),
    ("--outdated-any", "outdated_any"),
    ("--missing-any", "missing_any"),
    ("--duplicates", "duplicates"),
    ("--broken-deps", "broken_deps"),
    ("--unsatisfied-deps", "unsatisfied_deps"),
    ("--orphaned", "orphaned"),
];

/// Sections added with the testing repositories and issue 12; tests/repo_sections.rs covers
/// them with worlds of their own (the health world leaves them empty).
const LATER_SECTIONS: [&str; 8] = [
    "in_testing",
    "port_packages",
    "bin_packages",
    "blocked_by_blacklist",
    "arch_changed",
    "missing_split_packages",
    "provided_elsewhere",
    "upstream_broken",
];

/// A port with something to report in every section.
fn health_spec() -> WorldSpec {
    let core = |name: &str, version: &str| PkgbaseSpec::new(name, version).repo(Repo::Core);
    let extra = PkgbaseSpec::new;
    WorldSpec::new()
        // In step on both sides.
        .pkgbase(core("glibc", "2.40+r16+gaa533d58ff-2").provides(["libc.so=6-64"]))
        // Older on the target but arch-specific: generate-build-list's business, no finding.
        .pkgbase(
            core("zlib", "1:1.3.1-2")
                .depends(["glibc"])
                .provides(["libz.so=1-64"]),
        )
        .target_version("zlib", "1:1.3.1-1")
        // The port rebuilt bash with its own pkgrel.
        .pkgbase(core("bash", "5.2.037-1").depends(["glibc"]))
        .target_version("bash", "5.2.037-2")
        // Moved to core on x86_64, still in extra on the target.
        .pkgbase(
            core("openssl", "3.4.0-1")
                .depends(["glibc"])
                .provides(["libssl.so=3-64", "libcrypto.so=3-64"]),
        )
        .target_side(
            extra("openssl", "3.4.0-1")
                .depends(["glibc"])
                .provides(["libssl.so=3-64", "libcrypto.so=3-64"]),
        )
        // Left behind in extra-x86_64 of the state repository as well (see `health_env`).
        .pkgbase(
            core("libxcrypt", "4.4.36-2")
                .depends(["glibc"])
                .history(["4.4.36-1"]),
        )
        // pkgconf provides pkg-config: the target's own pkg-config is accounted for.
        .pkgbase(
            core("pkgconf", "2.3.0-1")
                .depends(["glibc"])
                .provides(["pkg-config", "pkgconfig"]),
        )
        .target_side(extra("pkg-config", "0.29.2-4").depends(["glibc"]))
        // Only on the target, one of them split.
        .target_side(core("uboot-tools", "2024.10-1").depends(["glibc"]))
        .target_side(extra("raspberrypi-firmware", "20241008-1").packages([
            PackageSpec::new("raspberrypi-bootloader"),
            PackageSpec::new("raspberrypi-firmware-tools").depends(["glibc"]),
        ]))
        // Missing from the target: a split pkgbase with a ~rc version, kernel and bootloader.
        .x86_side(extra("vulkan-tools", "1.4.0~rc2-1").packages([
            PackageSpec::new("vulkan-tools").depends(["glibc"]),
            PackageSpec::new("vulkan-extra-layers").depends(["glibc"]),
        ]))
        .x86_side(core("linux", "6.11.5.arch1-1"))
        .x86_side(core("syslinux", "6.04.pre3.r3.g05ac953c-4").depends(["glibc"]))
        // ARCH=any: missing, and older only because of the epoch.
        .x86_side(core("archlinux-keyring", "20241015-1").any())
        .x86_side(extra("intel-ucode", "20241029-1").any())
        .pkgbase(extra("ttf-dejavu", "1:2.37-1").any())
        .target_version("ttf-dejavu", "2.40-1")
        // The target's foo-app was built against libfoo.so.1; libfoo moved on to .so.2.
        .pkgbase(
            extra("libfoo", "2.0-1")
                .depends(["glibc"])
                .provides(["libfoo.so=2-64"]),
        )
        .pkgbase(extra("foo-app", "2.0-1").depends(["libfoo.so=2-64", "glibc"]))
        .target_side(extra("foo-app", "1.9-1").depends(["libfoo.so=1-64", "glibc"]))
        // qt-app wants a newer qtbase than the target has.
        .pkgbase(extra("qtbase", "6.8.0-1").depends(["glibc"]))
        .target_version("qtbase", "6.7.3-1")
        .pkgbase(extra("qt-app", "1.0-1").depends(["qtbase>=6.8", "glibc"]))
        // gimp needs babl, which the target lacks altogether.
        .pkgbase(extra("gimp", "2.10.38-1").depends(["babl>=0.1.98", "glibc"]))
        .x86_side(extra("babl", "0.1.110-1").depends(["glibc"]))
        // A split pkgbase whose target build still ships a package x86_64 dropped.
        .pkgbase(
            extra("sound", "1.2.0-1").packages([
                PackageSpec::new("libsound")
                    .depends(["glibc"])
                    .provides(["libsound.so=2-64"]),
                PackageSpec::new("sound-tools").depends(["libsound", "libsound.so=2-64"]),
                PackageSpec::new("sound-docs"),
            ]),
        )
        .target_side(
            extra("sound", "1.1.0-3").packages([
                PackageSpec::new("libsound")
                    .depends(["glibc"])
                    .provides(["libsound.so=2-64"]),
                PackageSpec::new("sound-tools").depends(["libsound", "libsound.so=2-64"]),
                PackageSpec::new("sound-docs"),
                PackageSpec::new("sound-extras").depends(["libsound"]),
            ]),
        )
        // In extra on both sides; a stale copy also sits in the target's core (see `health_env`).
        .pkgbase(
            extra("python", "3.12.7-1")
                .depends(["glibc", "zlib"])
                .provides(["python3"]),
        )
}

/// The health world, plus the two states a spec cannot describe: a pkgbase in both
/// core-x86_64 and extra-x86_64 of the state repository, and a package in two target repos.
fn health_env() -> Env {
    let env = Env::new(health_spec());
    let world = &env.world;

    let old = &world.tagged_versions("libxcrypt")[0];
    let line = format!("libxcrypt {} {} {}\n", old.version, old.tag, old.commit);
    push_state_file(world.state_url().as_str(), "extra-x86_64/libxcrypt", &line);

    let stale = PkgbaseSpec::new("python", "3.11.9-1")
        .repo(Repo::Core)
        .depends(["glibc", "zlib"]);
    let mut entries = world.db_entries(Side::Target, Repo::Core);
    entries.extend(DescEntry::for_pkgbase(&stale, "aarch64"));
    let db = compress(&db_tar_of(&entries).unwrap(), Compression::Gzip).unwrap();
    write_db_files(
        &world.db_dir(Side::Target, Repo::Core),
        "core",
        &db,
        Compression::Gzip,
    )
    .unwrap();
    env
}

/// Commits one more file to the world's state repository, as an upstream push would.
fn push_state_file(url: &str, path: &str, content: &str) {
    let clone = tempfile::tempdir().unwrap();
    let dir = clone.path().join("state");
    git(clone.path(), &["clone", "-q", url, "state"]);
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
            "stray state file",
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

/// [`scrub`], plus the port inside cache file names (`127.0.0.1_PORT_mirror-x86_...`).
fn scrubbed(text: &str, env: &Env) -> String {
    let port = env.world.server().port();
    scrub(text, env).replace(&format!("127.0.0.1_{port}_"), "127.0.0.1_[PORT]_")
}

fn run(env: &Env, args: &[&str]) -> Output {
    env.cmd("repo-analyze").args(args).output().unwrap()
}

/// Asserts a successful run that said nothing on stderr; returns stdout.
fn success(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "", "a successful run prints nothing on stderr");
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Asserts a failed run: exit `code`, nothing on stdout, one `error: ` line on stderr.
/// Returns that line.
fn failure(output: &Output, code: i32) -> String {
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "",
        "stdout of a failure"
    );
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    stderr.trim_end().to_owned()
}

fn json(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&success(&run(env, &all))).unwrap()
}

/// The `pkgbase` (or else `name`) of every item of a JSON section.
fn names(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is not a list"))
        .iter()
        .map(|item| {
            item.get("pkgbase")
                .or_else(|| item.get("name"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn full_report_lists_every_section_sorted() {
    let env = health_env();
    let stdout = success(&run(&env, &[]));
    insta::assert_snapshot!("health_report", scrubbed(&stdout, &env));
}

#[test]
fn json_report_has_exactly_the_section_keys() {
    let env = health_env();
    let report = json(&env, &[]);
    let keys: BTreeSet<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        SECTIONS
            .iter()
            .map(|(_, key)| *key)
            .chain(LATER_SECTIONS)
            .collect()
    );
    for (_, key) in SECTIONS {
        let items = report[key].as_array().unwrap();
        assert!(!items.is_empty(), "the health world leaves {key} empty");
        for item in items {
            let fields: Vec<&str> = item
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert!(
                fields.contains(&"pkgbase") || fields.contains(&"name"),
                "{key}: {item}"
            );
            assert!(
                fields.iter().any(|f| f.contains("version")),
                "{key}: {item}"
            );
            assert!(fields.iter().any(|f| f.contains("repo")), "{key}: {item}");
        }
    }
    insta::assert_json_snapshot!("health_report_json", report);
}

#[test]
fn each_section_flag_shows_that_section_alone() {
    let env = health_env();
    let full_text = success(&run(&env, &[]));
    let full_json = json(&env, &[]);
    for (flag, key) in SECTIONS {
        let alone = json(&env, &[flag]);
        let keys: Vec<&String> = alone.as_object().unwrap().keys().collect();
        assert_eq!(keys, [key], "{flag}");
        assert_eq!(alone[key], full_json[key], "{flag}");

        let text = success(&run(&env, &[flag]));
        let titles: Vec<&str> = text.lines().filter(|l| !l.starts_with("  ")).collect();
        let count = full_json[key].as_array().unwrap().len();
        assert_eq!(titles.len(), 2, "{flag}: a title and a blank line:\n{text}");
        assert!(
            titles[0].ends_with(&format!(" ({count})")),
            "{flag}: {text}"
        );
        assert!(
            full_text.contains(&text),
            "{flag} differs from the full report:\n{text}"
        );
    }
    // Two flags: two sections, in report order whatever the order on the command line.
    let two = json(&env, &["--orphaned", "--target-newer"]);
    let keys: Vec<&String> = two.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["orphaned", "target_newer"]);
    let text = success(&run(&env, &["--orphaned", "--target-newer"]));
    let titles: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("  "))
        .collect();
    assert_eq!(
        titles,
        [
            "Newer on the target than on x86_64 (1)",
            "Packages their pkgbase no longer builds (1)"
        ]
    );
}

#[test]
fn soname_drift_is_told_apart_from_an_old_version() {
    let env = health_env();
    let report = json(&env, &["--unsatisfied-deps"]);
    let drift: Vec<(String, bool)> = report["unsatisfied_deps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["dependency"].as_str().unwrap().to_owned(),
                u["soname_drift"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        drift,
        [
            ("libfoo.so=1-64".to_owned(), true),
            ("qtbase>=6.8".to_owned(), false)
        ]
    );
}

#[test]
fn blacklist_default_file_explicit_file_and_none() {
    let env = health_env();
    let missing = |args: &[&str]| {
        let mut all = vec!["--missing-pkgbases", "--missing-any"];
        all.extend_from_slice(args);
        let report = json(&env, &all);
        let mut found = names(&report, "missing_pkgbases");
        found.extend(names(&report, "missing_any"));
        found
    };
    let everything = [
        "babl",
        "linux",
        "syslinux",
        "vulkan-tools",
        "archlinux-keyring",
        "intel-ucode",
    ];
    // No blacklist.txt in the work dir yet.
    assert_eq!(missing(&[]), everything);

    std::fs::write(
        env.path().join("blacklist.txt"),
        "# x86-only\nsyslinux\n\nintel-*\n# split packages count too\nvulkan-extra-layers\n",
    )
    .unwrap();
    assert_eq!(missing(&[]), ["babl", "linux", "archlinux-keyring"]);
    assert_eq!(missing(&["--no-blacklist"]), everything);

    let kernels = env.path().join("kernels.txt");
    std::fs::write(&kernels, "linux\nlinux-*\n").unwrap();
    assert_eq!(
        missing(&["--blacklist", kernels.to_str().unwrap()]),
        [
            "babl",
            "syslinux",
            "vulkan-tools",
            "archlinux-keyring",
            "intel-ucode"
        ]
    );
    // The blacklist hides pkgbases meant to be absent; it changes no other section.
    let mut unfiltered = json(&env, &["--no-blacklist"]);
    let mut filtered = json(&env, &[]);
    for report in [&mut unfiltered, &mut filtered] {
        let map = report.as_object_mut().unwrap();
        map.remove("missing_pkgbases");
        map.remove("missing_any");
    }
    assert_eq!(unfiltered, filtered);
}

#[test]
fn arm_urls_replace_the_configured_target_databases() {
    let env = health_env();
    // Another port's extra: every x86_64 extra pkgbase, in step.
    let complete: Vec<DescEntry> = env
        .world
        .spec()
        .x86
        .iter()
        .filter(|p| p.repo == Repo::Extra)
        .flat_map(|p| DescEntry::for_pkgbase(p, "aarch64"))
        .collect();
    let dir = env.world.root().join("mirror-other/extra/os/aarch64");
    std::fs::create_dir_all(&dir).unwrap();
    let db = compress(&db_tar_of(&complete).unwrap(), Compression::Zstd).unwrap();
    write_db_files(&dir, "extra", &db, Compression::Zstd).unwrap();

    let core_url = env
        .world
        .server()
        .url("mirror-target/core/os/aarch64/core.db");
    let extra_url = env
        .world
        .server()
        .url("mirror-other/extra/os/aarch64/extra.db");
    env.world.server().take_requests();
    let report = json(&env, &["--arm-urls", &core_url, &extra_url]);
    let fetched: Vec<String> = env
        .world
        .server()
        .take_requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| !p.starts_with("/mirror-x86/"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        fetched,
        [
            "/mirror-other/extra/os/aarch64/extra.db",
            "/mirror-target/core/os/aarch64/core.db"
        ]
    );
    // Extra is complete there: what is left is core's.
    // openssl is in core on x86_64, so that extra lacks it too.
    assert_eq!(
        names(&report, "missing_pkgbases"),
        ["linux", "openssl", "syslinux"]
    );
    assert_eq!(names(&report, "missing_any"), ["archlinux-keyring"]);
    assert_eq!(names(&report, "target_only"), ["uboot-tools"]);
    assert_eq!(names(&report, "repo_mismatches"), Vec::<String>::new());
    assert_eq!(names(&report, "unsatisfied_deps"), Vec::<String>::new());
    assert_eq!(names(&report, "orphaned"), Vec::<String>::new());
    assert_eq!(names(&report, "target_newer"), ["bash"]);
    assert_eq!(names(&report, "duplicates"), ["libxcrypt", "python"]);
}

#[test]
fn second_run_revalidates_the_databases_with_304s() {
    let env = health_env();
    // The target's testing repositories are asked for too; this mirror has none (404).
    let take = || -> Vec<_> {
        let (testing, others): (Vec<_>, Vec<_>) = env
            .world
            .server()
            .take_requests()
            .into_iter()
            .partition(|r| r.path.contains("-testing/"));
        assert_eq!(testing.len(), 2, "{testing:?}");
        assert!(testing.iter().all(|r| r.status == 404), "{testing:?}");
        others
    };
    let first = success(&run(&env, &[]));
    let requests = take();
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert!(requests.iter().all(|r| r.status == 200 && !r.conditional));

    let second = success(&run(&env, &[]));
    assert_eq!(second, first);
    let requests = take();
    assert_eq!(requests.len(), 4, "{requests:?}");
    assert!(
        requests.iter().all(|r| r.status == 304 && r.conditional),
        "{requests:?}"
    );
}

#[test]
fn upstream_changes_show_on_the_next_run() {
    let mut env = health_env();
    let before = json(&env, &["--missing-pkgbases", "--target-newer"]);
    assert_eq!(names(&before, "target_newer"), ["bash"]);
    env.world.bump("bash", "5.2.037-3").unwrap();
    env.world.remove("babl").unwrap();
    let after = json(&env, &["--missing-pkgbases", "--target-newer"]);
    assert_eq!(names(&after, "target_newer"), Vec::<String>::new());
    assert_eq!(
        names(&after, "missing_pkgbases"),
        ["linux", "syslinux", "vulkan-tools"]
    );
}

#[test]
fn offline_run_makes_no_request_and_needs_no_server_files() {
    let env = health_env();
    let online = success(&run(&env, &[]));
    env.world.server().take_requests();

    for dir in ["mirror-x86", "mirror-target", "git"] {
        std::fs::remove_dir_all(env.world.root().join(dir)).unwrap();
    }
    let offline = success(&run(&env, &["--offline"]));
    assert_eq!(offline, online);
    assert_eq!(env.world.server().requests(), []);

    // Without --offline the missing upstream is an error naming the URL.
    let line = failure(&run(&env, &[]), 1);
    assert!(line.contains("/core/os/"), "{line}");
}

#[test]
fn offline_without_a_first_run_names_what_is_missing() {
    let env = health_env();
    let line = failure(&run(&env, &["--offline"]), 1);
    assert!(
        line.contains("no state repository checkout") || line.contains("no cached copy"),
        "{line}"
    );
    assert_eq!(env.world.server().requests(), []);
}

#[test]
fn unreachable_mirror_is_an_error_naming_the_url() {
    let env = health_env();
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = std::fs::read_to_string(env.config()).unwrap().replace(
        &env.world.mirror_x86_url(),
        &format!("http://127.0.0.1:{port}/mirror-x86"),
    );
    std::fs::write(env.config(), config).unwrap();
    let line = failure(&run(&env, &[]), 1);
    assert!(
        line.contains(&format!(
            "http://127.0.0.1:{port}/mirror-x86/core/os/x86_64/core.db"
        )),
        "{line}"
    );
    insta::assert_snapshot!(
        "unreachable_mirror",
        line.replace(&format!(":{port}/"), ":[CLOSED]/")
    );
}

#[test]
fn unreachable_state_repository_is_an_error_naming_the_url() {
    let env = health_env();
    let state = env.world.state_repo_path();
    std::fs::rename(&state, state.with_file_name("moved")).unwrap();
    let line = failure(&run(&env, &[]), 1);
    insta::assert_snapshot!("unreachable_state_repository", scrubbed(&line, &env));
    assert!(line.contains(&env.world.state_url()), "{line}");
}

#[test]
fn mirror_error_status_is_an_error_naming_the_url() {
    let env = health_env();
    env.world
        .server()
        .fail("mirror-target/extra/os/aarch64/extra.db", 503);
    let line = failure(&run(&env, &[]), 1);
    insta::assert_snapshot!("mirror_503", scrubbed(&line, &env));
}

#[test]
fn corrupt_archive_is_an_error_naming_archive_and_entry() {
    let env = health_env();
    let path = env.world.db_path(Side::Target, Repo::Extra);
    let tar = db_tar_of(&env.world.db_entries(Side::Target, Repo::Extra)).unwrap();
    // Cut inside the fourth package's directory: three entries complete, then the end.
    let cut = 512 * 9 + 100;
    let db = compress(&tar[..cut], Compression::Gzip).unwrap();
    std::fs::write(&path, db).unwrap();
    let line = failure(&run(&env, &[]), 1);
    insta::assert_snapshot!("corrupt_archive", scrubbed(&line, &env));
    assert!(line.contains("extra.db"), "{line}");
    assert!(line.contains("/desc"), "{line}");
}

#[test]
fn damaged_state_clone_is_recloned_with_a_warning() {
    let env = health_env();
    let first = success(&run(&env, &[]));
    let git_dir = env.path().join("state/.git");
    assert!(git_dir.is_dir());
    std::fs::remove_dir_all(git_dir.join("objects")).unwrap();
    std::fs::write(git_dir.join("HEAD"), "garbage\n").unwrap();

    // Offline there is nothing to clone from: an error naming the checkout.
    let line = failure(&run(&env, &["--offline"]), 1);
    assert!(line.contains("broken state repository checkout"), "{line}");
    assert!(
        line.contains(&env.path().join("state").display().to_string()),
        "{line}"
    );

    let output = run(&env, &[]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(stderr.contains("damaged"), "{stderr}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), first);
    // Repaired: the next run is quiet again.
    assert_eq!(success(&run(&env, &[])), first);
}

#[test]
fn unknown_config_key_names_key_and_file() {
    let env = health_env();
    let config = std::fs::read_to_string(env.config()).unwrap();
    std::fs::write(env.config(), format!("colour = \"always\"\n{config}")).unwrap();
    let line = failure(&run(&env, &[]), 1);
    assert!(line.contains("colour"), "{line}");
    assert!(line.contains(&env.config().display().to_string()), "{line}");
    insta::assert_snapshot!("unknown_config_key", scrubbed(&line, &env));
}

#[test]
fn bad_blacklist_pattern_names_file_and_line() {
    let env = health_env();
    std::fs::write(
        env.path().join("blacklist.txt"),
        "# x86-only\nsyslinux\nlinux-[lts\n",
    )
    .unwrap();
    let line = failure(&run(&env, &[]), 1);
    insta::assert_snapshot!("bad_blacklist_pattern", scrubbed(&line, &env));
    assert!(line.contains("blacklist.txt:3"), "{line}");
    // --no-blacklist does not read it.
    success(&run(&env, &["--no-blacklist"]));
}

#[test]
fn explicit_config_and_blacklist_files_must_exist() {
    let env = health_env();
    let line = failure(&run(&env, &["--config", "elsewhere.toml"]), 1);
    assert!(line.contains("elsewhere.toml"), "{line}");
    let line = failure(&run(&env, &["--blacklist", "nope.txt"]), 1);
    assert!(line.contains("nope.txt"), "{line}");
    // The config file found by --config, from another directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("repo-analyze")
        .unwrap()
        .current_dir(elsewhere.path())
        .env_remove("ARCHPORT_CONFIG")
        .args(["--config", env.config().to_str().unwrap(), "--target-newer"])
        .output()
        .unwrap();
    assert_eq!(
        success(&output),
        "Newer on the target than on x86_64 (1)\n  bash (core): x86_64 5.2.037-1, target 5.2.037-2\n\n"
    );
}

#[test]
fn no_colour_when_stdout_is_not_a_terminal() {
    let env = health_env();
    let output = env
        .cmd("repo-analyze")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stdout = success(&output);
    assert!(!stdout.contains('\x1b'), "{stdout}");
    assert_eq!(stdout, success(&run(&env, &[])));
}

#[test]
fn usage_errors_exit_2() {
    let env = health_env();
    for args in [
        &["--bogus"][..],
        &["--blacklist", "a.txt", "--no-blacklist"],
        &["--arm-urls"],
        &["--completions", "tcsh"],
        &["--completions", "bash", "--json"],
    ] {
        let output = run(&env, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "", "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
    assert_eq!(env.world.server().requests(), []);
}

#[test]
fn completions_print_a_script() {
    let env = health_env();
    let output = run(&env, &["--completions", "bash"]);
    let script = success(&output);
    assert!(
        script
            .lines()
            .any(|l| l.trim().starts_with("complete -F") && l.ends_with(" repo-analyze")),
        "{script}"
    );
    assert!(script.contains("--missing-pkgbases"));
    assert!(script.contains("--arm-urls"));
    assert_eq!(env.world.server().requests(), []);
}

#[test]
fn help_and_version_name_the_binary() {
    let env = health_env();
    let version = success(&run(&env, &["--version"]));
    assert!(version.starts_with("repo-analyze "), "{version}");
    let help = success(&run(&env, &["--help"]));
    assert!(help.contains("Usage: repo-analyze [OPTIONS]"), "{help}");
    assert!(help.contains("Sections (default: all):"), "{help}");
}

/// Needs the real data: `realdata_` in the name lets `scripts/test` leave it out without it.
#[test]
fn realdata_world_reports_the_generated_differences() {
    archport_realdata::require("full-2024/x86_64");
    let world = RealDataWorld::build(&RealDataOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("archport.toml"),
        world.urls().config_toml(dir.path()),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let output = assert_cmd::Command::cargo_bin("repo-analyze")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("ARCHPORT_CONFIG")
        .args(["--json", "--no-blacklist"])
        .output()
        .unwrap();
    // For the notes, not an assertion: `cargo test --test repo_analyze -- --nocapture realdata_world`.
    eprintln!(
        "repo-analyze on the full-2024 real data took {:?}",
        started.elapsed()
    );
    let report: Value = serde_json::from_str(&success(&output)).unwrap();

    let mut missing = BTreeSet::new();
    let mut older_any = BTreeSet::new();
    for (pkgbase, change) in world.target_changes() {
        match change {
            TargetChange::Missing => {
                missing.insert(pkgbase.clone());
            }
            TargetChange::Older(_) if world.pkgbases()[pkgbase].any => {
                older_any.insert(pkgbase.clone());
            }
            TargetChange::Older(_) => {}
        }
    }
    let reported = |keys: &[&str]| -> BTreeSet<String> {
        keys.iter().flat_map(|key| names(&report, key)).collect()
    };
    assert!(missing.len() > 100, "{} missing", missing.len());
    assert_eq!(reported(&["missing_pkgbases", "missing_any"]), missing);
    assert_eq!(reported(&["outdated_any"]), older_any);
    for (pkgbase, item) in names(&report, "missing_any")
        .iter()
        .zip(report["missing_any"].as_array().unwrap())
    {
        assert!(world.pkgbases()[pkgbase].any, "{item}");
        assert_eq!(item["version"], world.pkgbases()[pkgbase].version.as_str());
    }
    for key in ["target_newer", "target_only", "repo_mismatches", "orphaned"] {
        assert_eq!(names(&report, key), Vec::<String>::new(), "{key}");
    }
}

/// Holds `{workdir}/build-state/build.lock` the way another tool's run does: the OS lock,
/// and the holder's name in the file.
fn hold_lock(env: &Env, holder: &str) -> std::fs::File {
    let dir = env.path().join("build-state");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("build.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .unwrap();
    file.try_lock().unwrap();
    std::fs::write(&path, holder).unwrap();
    file
}

/// repo-analyze refreshes cache/ and state/, which a running build or generate-build-list
/// reads: while another tool holds the work directory's lock, it refuses naming that tool,
/// with --wait it runs once the lock is free, and --offline (which writes nothing) runs
/// regardless.
#[test]
fn another_tools_lock_refuses_the_run_naming_it() {
    let env = health_env();
    let online = success(&run(&env, &[]));
    let holder = hold_lock(&env, "build-packages pid 4242");
    env.world.server().take_requests();

    let line = failure(&run(&env, &[]), 1);
    assert!(line.contains("build-packages pid 4242"), "{line}");
    assert!(line.contains("build-state/build.lock"), "{line}");
    assert_eq!(env.world.server().requests(), [], "nothing fetched");

    assert_eq!(success(&run(&env, &["--offline"])), online);

    let mut waiting = std::process::Command::new(env!("CARGO_BIN_EXE_repo-analyze"));
    let stderr_path = env.path().join("waiting-stderr.txt");
    let child = waiting
        .current_dir(env.path())
        .env_remove("ARCHPORT_CONFIG")
        .env("NO_COLOR", "1")
        .arg("--wait")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    common::wait_until("repo-analyze to say whom it waits for", || {
        std::fs::read_to_string(&stderr_path)
            .unwrap()
            .contains("lock (build-packages pid 4242)")
            .then_some(())
    });
    drop(holder);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), online);
}
