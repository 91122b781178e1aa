//! `build-packages` end to end: the real binary in a temporary work directory, after a real
//! `generate-build-list` against the demo world (mirrors over HTTP on 127.0.0.1, git over
//! `file://`). devtools cannot run here, so the configuration points makechrootpkg,
//! arch-nspawn, mkarchroot and sudo at the test world's stand-ins, which record their argument
//! vectors and really build with the host's makepkg as an unprivileged user; the `local`
//! upload backend publishes with the real `repo-add`. Each test is a session an operator could
//! type; consoles are compared with insta snapshots after replacing what varies (paths, times,
//! log stamps).
//!
//! The stand-in makechrootpkg also writes when each call starts and ends, with its working
//! copy, pkgbase and process group (`FAKE_BUILD_EVENTS`): what the slot, resume and signal
//! sessions check against. Sessions that need a build to be in progress make it sleep
//! (`FAKE_BUILD_SLEEP`, for the pkgbases in `FAKE_SLEEP_ONLY`) and wait for its start event;
//! no assertion depends on how long anything takes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, Run, group_members, listing, read_json, scrub, wait_until};

// --- the session ------------------------------------------------------------------------------

impl Run {
    /// The run as a terminal shows it, cleaned for a snapshot.
    fn transcript(&self, s: &Session) -> String {
        self.transcript_with(|text| s.clean(text))
    }
}

/// A work directory whose configuration builds with the stand-in devtools and publishes to
/// `{workdir}/repo` with repo-add.
struct Session {
    env: Env,
}

impl Session {
    /// The demo world and its configuration, with chroot and cache in the work directory.
    fn new() -> Session {
        Session::with_world(archport_testworld::demo())
    }

    /// Like [`Session::new`], for another world.
    fn with_world(spec: archport_testworld::WorldSpec) -> Session {
        let env = Env::new(spec);
        env.use_fake_devtools("");
        Session { env }
    }

    /// Replaces the configuration's `[upload]` table (the last one) with `table`.
    fn upload_config(&self, table: &str) {
        let config = std::fs::read_to_string(self.env.config()).unwrap();
        let at = config.rfind("[upload]\n").unwrap();
        std::fs::write(self.env.config(), format!("{}{table}", &config[..at])).unwrap();
    }

    /// A new session whose build list `generate-build-list ARGS` wrote.
    fn listed(args: &[&str]) -> Session {
        let s = Session::new();
        s.gbl(args).exits(0);
        s
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.env.path().join(relative)
    }

    fn chroot(&self) -> PathBuf {
        self.path("chroot")
    }

    /// A command for one of our binaries, with the stand-ins' logs in the work directory.
    fn command(&self, bin: &str) -> Command {
        self.env.command(bin)
    }

    fn gbl(&self, args: &[&str]) -> Run {
        let output = self
            .command("generate-build-list")
            .args(args)
            .output()
            .unwrap();
        Run::from_output("generate-build-list", args, output)
    }

    fn bp(&self, args: &[&str]) -> Run {
        self.bp_with(&[], args)
    }

    /// `build-packages ARGS` with stand-in controls in the environment.
    fn bp_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let output = self
            .command("build-packages")
            .envs(vars.iter().copied())
            .args(args)
            .output()
            .unwrap();
        Run::from_output("build-packages", args, output)
    }

    /// `build-packages ARGS` started in the background.
    fn spawn_bp(&self, vars: &[(&str, &str)], args: &[&str]) -> Child {
        self.command("build-packages")
            .envs(vars.iter().copied())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Every devtools call so far, one argument vector per line, cleaned.
    fn calls(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.path("devtools.log")).unwrap_or_default();
        self.clean(&text).lines().map(str::to_owned).collect()
    }

    /// The makechrootpkg calls (their start and end) so far, in the order they happened.
    fn events(&self) -> Vec<Event> {
        let text = std::fs::read_to_string(self.path("events.log")).unwrap_or_default();
        text.lines().map(Event::parse).collect()
    }

    /// The pkgbases makechrootpkg was started for, in order.
    fn started(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter(|e| e.start)
            .map(|e| e.pkgbase)
            .collect()
    }

    /// Waits until makechrootpkg has started for `pkgbase` and returns that start.
    fn wait_for_start(&self, pkgbase: &str) -> Event {
        wait_until(&format!("the start of {pkgbase}'s build"), || {
            self.events()
                .into_iter()
                .find(|e| e.start && e.pkgbase == pkgbase)
        })
    }

    /// `build-packages --status --json`.
    fn status_json(&self) -> serde_json::Value {
        let run = self.bp(&["--status", "--json"]).exits(0);
        serde_json::from_str(&run.stdout).unwrap()
    }

    /// The pkgnames and versions in a published repository's database (`core-testing`).
    fn published(&self, repo: &str) -> BTreeSet<String> {
        let db = self
            .path("repo")
            .join(repo)
            .join("os/aarch64")
            .join(format!("{repo}.db"));
        archport_repodb::read_db(&db, repo)
            .unwrap()
            .iter()
            .map(|p| format!("{} {}", p.name(), p.version()))
            .collect()
    }

    /// The names in the chroot directory that are working copies (or their locks).
    fn copies(&self) -> Vec<String> {
        let mut names: Vec<String> = match std::fs::read_dir(self.chroot()) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("archport-"))
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }

    /// The build logs of `pkgbase` (file names, oldest first).
    fn logs_of(&self, pkgbase: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path("logs"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.strip_prefix(pkgbase)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|rest| rest.len() == "20261124-101010-build.log".len())
            })
            .collect();
        names.sort();
        names
    }

    /// `text` with the work directory, the world, the port and the stand-ins' directory
    /// replaced.
    fn clean(&self, text: &str) -> String {
        let fake = archport_testworld::fake_devtools_dir()
            .display()
            .to_string();
        scrub(&text.replace(&fake, "[FAKE]"), &self.env)
    }
}

/// A line of the stand-in makechrootpkg's event file.
#[derive(Debug, Clone)]
struct Event {
    start: bool,
    /// The working copy's directory name (`archport-slot1`).
    copy: String,
    pkgbase: String,
    /// For a start: the call's process group.
    pgid: Option<i32>,
}

impl Event {
    fn parse(line: &str) -> Event {
        let fields: Vec<&str> = line.split(' ').collect();
        Event {
            start: fields[0] == "start",
            copy: Path::new(fields[1])
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
            pkgbase: fields[2].to_owned(),
            pgid: (fields[0] == "start").then(|| fields[4].parse().unwrap()),
        }
    }
}

/// Snapshot filters for what cleaning cannot know: times, log stamps, durations.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"(?m)^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ", "[TIME] ");
    settings.add_filter(r"-\d{8}-\d{6}-build\.log", "-[STAMP]-build.log");
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)",
        "[TIMESTAMP]",
    );
    settings.add_filter(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", "[TIMESTAMP]");
    settings.add_filter(r"SOURCE_DATE_EPOCH=\d+", "SOURCE_DATE_EPOCH=[COMMIT TIME]");
    settings.add_filter(r"took \d+\.\d s", "took [SECS] s");
    settings.add_filter(r"after \d+[hms][0-9hms]*", "after [DURATION]");
    settings.add_filter(r"host:     \S+", "host:     [HOST]");
    settings.add_filter(r" in \d+[hms][0-9hms]*", " in [DURATION]");
    settings.add_filter(r"Total time: \S+", "Total time: [DURATION]");
    // With several slots, which one a build gets depends on which build ended first.
    settings.add_filter(r"archport-slot\d+/build", "archport-slot[N]/build");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/build_packages");
    settings
}

/// The processes whose parent is `pid`.
fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let rest = stat.rsplit_once(')').unwrap().1;
        if rest.split_whitespace().nth(1) == Some(pid.to_string().as_str()) {
            children.push(child);
        }
    }
    children
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), "--", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn finish(child: Child, args: &[&str]) -> Run {
    Run::from_output("build-packages", args, child.wait_with_output().unwrap())
}

/// `name failure log-file-name` of each entry of a failed_packages.json, log stamps removed.
fn failed_entries(path: &Path) -> Vec<String> {
    let list = read_json(path);
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let log = e["log"].as_str().map_or("-".to_owned(), |l| {
                assert!(Path::new(l).is_file(), "{l} is not a file");
                let name = Path::new(l)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                name.split('-')
                    .take_while(|p| !p.chars().all(|c| c.is_ascii_digit()))
                    .collect::<Vec<_>>()
                    .join("-")
            });
            format!(
                "{} [{}] log of {log}",
                e["name"].as_str().unwrap(),
                e["failure"].as_str().unwrap()
            )
        })
        .collect()
}

// --- a full run ----------------------------------------------------------------------------------

#[test]
fn full_run_publishes_everything_and_leaves_nothing_to_build() {
    let s = Session::listed(&["--jobs", "2"]);
    let list = read_json(&s.path("packages_to_build.json"));
    let names: Vec<&str> = list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");

    // The pacman cache holds a file named like a package about to be built, and another.
    let cache = s.path("cache-pacman");
    std::fs::create_dir(&cache).unwrap();
    for file in [
        "re2c-4.0-1-x86_64.pkg.tar.gz",
        "glibc-2.40-1-x86_64.pkg.tar.gz",
    ] {
        std::fs::write(cache.join(file), "cached").unwrap();
    }

    let run = s.bp(&["--parallel-jobs", "2"]).exits(0);
    assert!(
        run.stderr
            .contains("Summary: 8 built, 0 failed, 0 blocked, 0 skipped\n"),
        "{}",
        run.stderr
    );

    // Published packages leave the cache, so later builds install what was published.
    assert!(!cache.join("re2c-4.0-1-x86_64.pkg.tar.gz").exists());
    assert!(cache.join("glibc-2.40-1-x86_64.pkg.tar.gz").exists());

    // Every package of every pkgbase is published in its repo's testing repository.
    assert_eq!(
        s.published("core-testing"),
        BTreeSet::from(["zlib 1:1.3.1-2".to_owned()])
    );
    assert_eq!(
        s.published("extra-testing"),
        [
            "cyc-a 1.0-2",
            "cyc-b 1.0-2",
            "foo-app 2.0-1",
            "libsound 1.2.0-1",
            "newtool 3.0-1",
            "ninja 1.12.1-1",
            "re2c 4.0-1",
            "sound-docs 1.2.0-1",
            "sound-tools 1.2.0-1",
        ]
        .map(str::to_owned)
        .into()
    );

    // Each build ran in a fresh copy of its slot's own, and every dependency was built (and
    // published) before its dependents started: ninja needs re2c, newtool needs ninja.
    let events = s.events();
    let mut in_use: BTreeMap<String, String> = BTreeMap::new();
    let mut most = 0;
    let mut done: Vec<String> = Vec::new();
    for e in &events {
        if e.start {
            if let Some(other) = in_use.insert(e.copy.clone(), e.pkgbase.clone()) {
                panic!("{} and {other} share {}: {events:?}", e.pkgbase, e.copy);
            }
            most = most.max(in_use.len());
            let needs: &[&str] = match e.pkgbase.as_str() {
                "ninja" => &["re2c"],
                "newtool" => &["ninja"],
                _ => &[],
            };
            for need in needs {
                assert!(
                    done.iter().any(|d| d == need),
                    "{} started before {need}",
                    e.pkgbase
                );
            }
        } else {
            in_use.remove(&e.copy);
            done.push(e.pkgbase.clone());
        }
    }
    // Two slots: re2c and cyc-b are both ready at the start and both start at once.
    assert_eq!(most, 2, "{events:?}");
    let mut started = s.started();
    started.sort();
    assert_eq!(started, {
        let mut n = names.clone();
        n.sort();
        n
    });
    // No working copy is left after success.
    assert!(
        s.copies().iter().all(|c| c.ends_with(".lock")),
        "{:?}",
        s.copies()
    );

    // foo-app's checkdepends went into its copy before a build that keeps the copy (no -c).
    let calls = s.calls();
    let foo = calls
        .iter()
        .position(|c| c.contains("pacman -S --needed --noconfirm python"))
        .expect("checkdepends installed");
    let copy = calls[foo]
        .split_whitespace()
        .nth(3)
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        calls[foo + 1..]
            .iter()
            .any(|c| c.starts_with("makechrootpkg") && c.contains(&format!("-l {copy} -u -d"))),
        "{calls:#?}"
    );

    // One log per build, with header and footer, and the build's output in it.
    for name in &names {
        let logs = s.logs_of(name);
        assert_eq!(logs.len(), 1, "{name}: {logs:?}");
        let log = std::fs::read_to_string(s.path("logs").join(&logs[0])).unwrap();
        assert!(
            log.starts_with(&format!("==> archport build-packages: {name} ")),
            "{log}"
        );
        assert!(
            log.contains(&format!("fake makechrootpkg: building {name} in ")),
            "{log}"
        );
        assert!(log.contains("\n==> result: built\n==> finished "), "{log}");
    }

    // The package's build date is the packaging commit's time (SOURCE_DATE_EPOCH).
    let commit_time = Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(s.path("pkgbuilds/zlib"))
        .output()
        .unwrap();
    let commit_time = String::from_utf8(commit_time.stdout).unwrap();
    let pkginfo = Command::new("bsdtar")
        .args(["-xOf", "zlib-1:1.3.1-2-x86_64.pkg.tar.gz", ".PKGINFO"])
        .current_dir(s.path("repo/core-testing/os/aarch64"))
        .output()
        .unwrap();
    let pkginfo = String::from_utf8(pkginfo.stdout).unwrap();
    assert!(
        pkginfo.contains(&format!("builddate = {}", commit_time.trim())),
        "{pkginfo}"
    );

    // --status: everything built, the run finished.
    let status = s.status_json();
    assert_eq!(status["total"], 8);
    assert_eq!(status["counts"]["built"], 8);
    assert!(status["run"]["finished_at"].is_string(), "{status}");
    assert!(!s.path("failed_packages.json").exists());

    // The target as its users see it, testing repositories first (as in pacman.conf): the
    // published repositories served next to the target's own.
    let server = s.env.world.server();
    for repo in ["core-testing", "extra-testing"] {
        server.mount(
            &format!("published/{repo}/os/aarch64/{repo}.db"),
            &s.path("repo")
                .join(repo)
                .join("os/aarch64")
                .join(format!("{repo}.db")),
        );
    }
    let target = s.env.world.mirror_target_url();
    let urls = [
        server.url("published/core-testing/os/aarch64/core-testing.db"),
        server.url("published/extra-testing/os/aarch64/extra-testing.db"),
        format!("{target}/core/os/aarch64/core.db"),
        format!("{target}/extra/os/aarch64/extra.db"),
    ];
    let mut args = vec!["--jobs", "2", "--output", "after.json", "--arm-urls"];
    args.extend(urls.iter().map(String::as_str));
    let follow_up = s.gbl(&args).exits(0);
    let after = read_json(&s.path("after.json"));
    assert_eq!(
        after["packages"],
        serde_json::json!([]),
        "{}",
        follow_up.stderr
    );
    insta::with_settings!({ filters => vec![(r"\[WORKDIR\]/after\.json", "after.json")] }, {
        settings().bind(|| {
            insta::assert_snapshot!("follow_up_list", follow_up.transcript(&s));
        });
    });
}

// --- failures ------------------------------------------------------------------------------------

#[test]
fn a_failure_blocks_exactly_its_dependents_and_failed_packages_json_rebuilds_them() {
    // newtool needs ninja, which needs re2c (both added as missing); zlib needs none of them.
    let s = Session::listed(&["--jobs", "2", "--packages", "newtool", "zlib"]);
    let failing = [("FAKE_FAIL_BUILD", "ninja")];
    let run = s.bp_with(&failing, &["--parallel-jobs", "2"]).exits(1);
    let mut summary: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("Summary: "))
        .collect();
    summary[1..].sort();
    let filters = vec![
        (r"-\d{8}-\d{6}-build\.log", "-[STAMP]-build.log"),
        (r"Total time: \S+", "Total time: [DURATION]"),
        // Which of the two slots ninja gets depends on which build ends first.
        (r"archport-slot\d+", "archport-slot[N]"),
    ];
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!(s.clean(&summary.join("\n")), @r"
        Summary: 2 built, 1 failed, 1 blocked, 0 skipped
          FAILED   ninja 1.12.1-1: build: makechrootpkg exited with status 255: ==> ERROR: Build failed, check [WORKDIR]/chroot/archport-slot[N]/build (log: [WORKDIR]/logs/ninja-[STAMP]-build.log)
          blocked  newtool: blocked by ninja
          built    re2c 4.0-1
          built    zlib 1:1.3.1-2
        Total time: [DURATION]
        Uploaded: 1 build to core-testing
        Uploaded: 1 build to extra-testing
        ");
    });
    let mut started = s.started();
    started.sort();
    assert_eq!(started, ["ninja", "re2c", "zlib"]);

    // The failed and blocked entries, each with why and the log that says more: a build list.
    let failed = s.path("failed_packages.json");
    let slot = regex::Regex::new(r"archport-slot\d+/build").unwrap();
    assert_eq!(
        failed_entries(&failed)
            .iter()
            .map(|e| slot.replace(e, "archport-slot[N]/build").into_owned())
            .collect::<Vec<_>>(),
        [
            format!(
                "ninja [build: makechrootpkg exited with status 255: ==> ERROR: Build failed, \
                 check {}/archport-slot[N]/build] log of ninja",
                s.chroot().display()
            ),
            "newtool [blocked: ninja failed] log of ninja".to_owned(),
        ]
    );
    let ninja_log = read_json(&failed)["packages"][0]["log"]
        .as_str()
        .unwrap()
        .to_owned();
    let log = std::fs::read_to_string(&ninja_log).unwrap();
    assert!(
        log.contains("==> ERROR: A failure occurred in build()."),
        "{log}"
    );
    assert!(log.contains("\n==> result: FAILED in build: "), "{log}");

    // The failed build's working copy is kept for inspection, out of the slot's way.
    assert_eq!(
        s.copies()
            .iter()
            .filter(|c| !c.ends_with(".lock"))
            .collect::<Vec<_>>(),
        ["archport-failed-ninja"]
    );
    assert!(
        log.contains("==> working copy kept for inspection: "),
        "{log}"
    );
    assert!(
        s.chroot()
            .join("archport-failed-ninja/.arch-chroot")
            .is_file()
    );

    // --status: the counts, the failure with its log, the blocked grouped by their blocker.
    let status = s.bp(&["--status"]).exits(0);
    settings().bind(|| insta::assert_snapshot!("status_after_failure", status.transcript(&s)));
    let json = s.status_json();
    assert_eq!(json["counts"]["built"], 2);
    assert_eq!(json["counts"]["failed"], 1);
    assert_eq!(json["counts"]["blocked"], 1);
    assert_eq!(json["failures"][0]["key"]["pkgbase"], "ninja");
    assert_eq!(json["failures"][0]["log"], ninja_log.as_str());
    assert_eq!(json["blocked"]["ninja"][0]["pkgbase"], "newtool");

    // Fixed upstream: the failed list is the next run's input, and builds just those two.
    let rerun = s.bp(&["--json", "failed_packages.json"]).exits(0);
    assert!(
        rerun
            .stderr
            .contains("Summary: 2 built, 0 failed, 0 blocked, 0 skipped\n"),
        "{}",
        rerun.stderr
    );
    assert_eq!(&s.started()[3..], ["ninja", "newtool"]);
    assert!(
        !failed.exists(),
        "an all-built run removes failed_packages.json"
    );
    assert!(s.published("extra-testing").contains("newtool 3.0-1"));
    // Built now: the copy kept from the failure went.
    assert!(
        s.copies().iter().all(|c| c.ends_with(".lock")),
        "{:?}",
        s.copies()
    );
}

#[test]
fn stop_on_failure_starts_nothing_new_and_cleanup_on_failure_keeps_no_copy() {
    let s = Session::listed(&["--jobs", "2", "--packages", "newtool", "zlib"]);
    // One slot: re2c heads the longest chain (re2c, ninja, newtool), so it goes first.
    let run = s
        .bp_with(
            &[("FAKE_FAIL_BUILD", "re2c")],
            &["--stop-on-failure", "--cleanup-on-failure"],
        )
        .exits(1);
    settings().bind(|| insta::assert_snapshot!("stop_on_failure", run.transcript(&s)));
    assert_eq!(s.started(), ["re2c"]);
    assert_eq!(s.copies(), Vec::<String>::new());
    let status = s.status_json();
    assert_eq!(
        status["counts"]["queued"], 1,
        "zlib was never started: {status}"
    );
}

#[test]
fn logs_keep_the_three_newest_of_exactly_the_pkgbase() {
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib"]);
    let logs = s.path("logs");
    std::fs::create_dir(&logs).unwrap();
    for old in [
        "zlib-20200101-000000-build.log",
        "zlib-20200102-000000-build.log",
        "zlib-20200103-000000-build.log",
        "zlib-ng-20200101-000000-build.log",
    ] {
        std::fs::write(logs.join(old), "old\n").unwrap();
    }
    s.bp_with(&[("FAKE_FAIL_BUILD", "zlib")], &[]).exits(1);
    let zlib = s.logs_of("zlib");
    assert_eq!(zlib.len(), 3, "{zlib:?}");
    assert_eq!(
        zlib[..2],
        [
            "zlib-20200102-000000-build.log",
            "zlib-20200103-000000-build.log"
        ]
    );
    assert_eq!(s.logs_of("zlib-ng"), ["zlib-ng-20200101-000000-build.log"]);
    // The new log: header, every command with its output, footer.
    let log = std::fs::read_to_string(logs.join(&zlib[2])).unwrap();
    settings().bind(|| insta::assert_snapshot!("failed_build_log", s.clean(&log)));
}

#[test]
fn repo_upload_backend_and_a_failed_upload_fails_the_package() {
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib", "re2c"]);
    let fake = archport_testworld::fake_devtools_dir();
    s.upload_config(&format!(
        "[upload]\nbackend = \"repo-upload\"\ncommand = \"{}\"\nbucket = \"port-bucket\"\n",
        fake.join("repo-upload").display()
    ));
    let uploaded = s.path("uploaded");
    let vars = [
        ("FAKE_FAIL_UPLOAD", "re2c"),
        ("FAKE_UPLOAD_DIR", uploaded.to_str().unwrap()),
    ];
    let run = s.bp_with(&vars, &["--parallel-jobs", "2"]).exits(1);
    assert!(
        run.stderr
            .contains("Summary: 1 built, 1 failed, 0 blocked, 0 skipped\n"),
        "{}",
        run.stderr
    );
    // One repo-upload per package file, both tried (in either order).
    let mut uploads: Vec<String> = s
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("repo-upload"))
        .collect();
    uploads.sort();
    insta::assert_snapshot!(uploads.join("\n"), @r"
    repo-upload [WORKDIR]/pkgbuilds/re2c/re2c-4.0-1-x86_64.pkg.tar.gz --arch aarch64 --repo extra-testing --bucket port-bucket
    repo-upload [WORKDIR]/pkgbuilds/zlib/zlib-1:1.3.1-2-x86_64.pkg.tar.gz --arch aarch64 --repo core-testing --bucket port-bucket
    ");
    assert_eq!(
        std::fs::read_dir(&uploaded)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect::<Vec<_>>(),
        ["zlib-1:1.3.1-2-x86_64.pkg.tar.gz"]
    );
    let failed = failed_entries(&s.path("failed_packages.json"));
    assert_eq!(failed.len(), 1);
    assert!(failed[0].starts_with("re2c [upload: "), "{failed:?}");
    assert!(failed[0].contains("FAKE_FAIL_UPLOAD"), "{failed:?}");
}

// --- interruptions -------------------------------------------------------------------------------

#[test]
fn after_kill_9_continue_rebuilds_only_the_interrupted_build() {
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib", "re2c"]);
    let sleepy = [("FAKE_BUILD_SLEEP", "600"), ("FAKE_SLEEP_ONLY", "zlib")];
    let mut child = s.spawn_bp(&sleepy, &["--parallel-jobs", "2"]);
    s.wait_for_start("zlib");
    wait_until("re2c built", || {
        (s.status_json()["counts"]["built"] == 1).then_some(())
    });
    // A power cut: build-packages and every build it started die at once.
    let groups = children_of(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    for group in groups {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }
    let status = s.status_json();
    assert_eq!(status["counts"]["built"], 1);
    assert_eq!(status["running"][0]["key"]["pkgbase"], "zlib", "{status}");
    let before = s.events().len();
    assert!(
        s.copies().iter().any(|c| !c.ends_with(".lock")),
        "the killed build's copy is left"
    );

    let run = s.bp(&["--continue", "--parallel-jobs", "2"]).exits(0);
    settings().bind(|| insta::assert_snapshot!("continue_after_kill", run.transcript(&s)));
    // Only the interrupted build ran again; re2c, built at this version, did not.
    let again: Vec<String> = s.events()[before..]
        .iter()
        .filter(|e| e.start)
        .map(|e| e.pkgbase.clone())
        .collect();
    assert_eq!(again, ["zlib"]);
    let status = s.status_json();
    assert_eq!(status["counts"]["built"], 2);
    assert_eq!(
        s.published("core-testing"),
        BTreeSet::from(["zlib 1:1.3.1-2".to_owned()])
    );
    assert!(
        s.copies().iter().all(|c| c.ends_with(".lock")),
        "{:?}",
        s.copies()
    );
}

#[test]
fn continue_refuses_while_a_killed_runs_build_still_holds_its_copy() {
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib"]);
    let mut child = s.spawn_bp(&[("FAKE_BUILD_SLEEP", "600")], &[]);
    let start = s.wait_for_start("zlib");
    // kill -9 stops build-packages only: its makechrootpkg sleeps on, holding the copy.
    child.kill().unwrap();
    child.wait().unwrap();
    let run = s.bp(&["--continue"]).exits(1);
    insta::assert_snapshot!(s.clean(&run.stderr), @"error: [WORKDIR]/chroot/archport-slot1: still in use by a build (left running by a killed build-packages?): wait for it to end or stop it, then run again");
    assert!(
        s.chroot().join("archport-slot1").is_dir(),
        "the copy in use was left alone"
    );
    let group = start.pgid.unwrap();
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .status();
}

/// A signal to a run whose build is in progress: the build's whole process group stops, its
/// working copy goes, it is recorded interrupted, and the exit code says which signal.
fn interrupted_by(name: &str, code: i32) -> (Session, Run) {
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib", "re2c"]);
    let args = ["--parallel-jobs", "1"];
    let child = s.spawn_bp(
        &[("FAKE_BUILD_SLEEP", "600"), ("FAKE_SLEEP_ONLY", "zlib")],
        &args,
    );
    // zlib is the only build that sleeps, whichever goes first.
    let start = s.wait_for_start("zlib");

    // Meanwhile, a second run in the same work directory is refused...
    let second = s.bp(&[]).exits(1);
    assert!(
        second.stderr.contains(
            "the chroot is in use by another run in this work directory (build-packages pid"
        ),
        "{}",
        second.stderr
    );
    // ...and --status shows the build in progress, with its log, written as it goes.
    let status = s.status_json();
    assert_eq!(status["running"][0]["key"]["pkgbase"], "zlib", "{status}");
    assert_eq!(status["running"][0]["slot"], 1);
    let log = PathBuf::from(status["running"][0]["log"].as_str().unwrap());
    wait_until("the build's output in its log", || {
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("fake makechrootpkg: building zlib in ")
            .then_some(())
    });

    signal(child.id(), name);
    let run = finish(child, &args).exits(code);
    assert!(
        s.copies().iter().all(|c| c.ends_with(".lock")),
        "{:?}",
        s.copies()
    );
    assert_eq!(group_members(start.pgid.unwrap()), Vec::<String>::new());
    let status = s.status_json();
    assert_eq!(status["counts"]["interrupted"], 1, "{status}");
    assert!(status["run"]["finished_at"].is_null());
    (s, run)
}

#[test]
fn sigint_stops_the_builds_removes_their_copies_and_exits_130() {
    let (s, run) = interrupted_by("INT", 130);
    assert!(
        run.stderr
            .contains("interrupted: stopping the running builds"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("  interrupted zlib 1:1.3.1-2\n"),
        "{}",
        run.stderr
    );
    // Resumed, the interrupted build is built again.
    s.bp(&["--continue"]).exits(0);
    assert_eq!(
        s.published("core-testing"),
        BTreeSet::from(["zlib 1:1.3.1-2".to_owned()])
    );
}

#[test]
fn sigterm_exits_143() {
    interrupted_by("TERM", 143);
}

#[test]
fn a_second_sigint_kills_a_build_that_ignores_the_first() {
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib"]);
    let vars = [("FAKE_BUILD_SLEEP", "600"), ("FAKE_IGNORE_TERM", "1")];
    let mut child = s.spawn_bp(&vars, &[]);
    let start = s.wait_for_start("zlib");
    // The console, line by line, as it comes.
    let (lines, console) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = lines.send(line.unwrap());
        }
    });
    let mut seen = Vec::new();
    let mut wait_for_line = |text: &str| {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !seen.iter().any(|l: &String| l.contains(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            seen.push(
                console
                    .recv_timeout(left)
                    .unwrap_or_else(|_| panic!("no {text:?} in {seen:#?}")),
            );
        }
    };
    signal(child.id(), "INT");
    wait_for_line("interrupted: stopping the running builds");
    // The build ignores the SIGTERM and would outlive the grace period; a second SIGINT
    // kills it.
    assert!(!group_members(start.pgid.unwrap()).is_empty());
    signal(child.id(), "INT");
    wait_for_line("killing the running builds");
    let status = child.wait().unwrap();
    reader.join().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(group_members(start.pgid.unwrap()), Vec::<String>::new());
    assert!(
        s.copies().iter().all(|c| c.ends_with(".lock")),
        "{:?}",
        s.copies()
    );
    assert_eq!(s.status_json()["counts"]["interrupted"], 1);
}

// --- dry run -------------------------------------------------------------------------------------

#[test]
fn dry_run_prints_every_command_and_touches_nothing() {
    let s = Session::listed(&["--jobs", "2"]);
    let before = listing(s.env.path());
    // From another directory, with --config.
    let elsewhere = tempfile::tempdir().unwrap();
    let config = s.env.config().display().to_string();
    let args = [
        "--config",
        config.as_str(),
        "--dry-run",
        "--parallel-jobs",
        "2",
    ];
    let output = s
        .command("build-packages")
        .current_dir(elsewhere.path())
        .args(args)
        .output()
        .unwrap();
    let run = Run::from_output("build-packages", &args, output).exits(0);
    settings().bind(|| insta::assert_snapshot!("dry_run", run.transcript(&s)));
    assert_eq!(listing(s.env.path()), before, "the work directory changed");
    assert_eq!(listing(elsewhere.path()), BTreeMap::new());
    assert!(s.calls().is_empty());
}

/// The devtools calls of a dry run's output, as the stand-ins record them: program name and
/// arguments, without the working directory, environment or sudo around them.
fn devtools_lines(dry_run: &str) -> Vec<String> {
    let mut calls = Vec::new();
    for line in dry_run.lines().filter(|l| !l.starts_with('#')) {
        let command = line.rsplit_once(" && ").map_or(line, |(_, c)| c);
        let mut words = command.split(' ').skip_while(|w| {
            w.contains('=') && !w.starts_with('-') && !w.starts_with('/') && !w.starts_with('[')
        });
        let Some(program) = words.next() else {
            continue;
        };
        let mut words: Vec<&str> = words.collect();
        let mut program = program.rsplit('/').next().unwrap_or(program);
        if program == "sudo" {
            let at = words.iter().position(|w| *w == "--").unwrap();
            program = words[at + 1].rsplit('/').next().unwrap();
            words.drain(..=at + 1);
        }
        if ["mkarchroot", "arch-nspawn", "makechrootpkg"].contains(&program) {
            calls.push(
                std::iter::once(program)
                    .chain(words)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
    }
    calls
}

#[test]
fn dry_run_prints_the_devtools_calls_a_run_makes() {
    let s = Session::listed(&["--jobs", "2"]);
    let dry = s.bp(&["--dry-run"]).exits(0);
    let printed: Vec<String> = devtools_lines(&dry.stdout)
        .iter()
        .map(|c| s.clean(c))
        .collect();
    // Plain words only: the stand-ins record with bash's quoting, the dry run with shlex's.
    assert!(
        printed.iter().all(|c| !c.contains(['\'', '"'])),
        "{printed:#?}"
    );
    assert!(
        printed.iter().any(|c| c.starts_with("arch-nspawn ")),
        "checkdepends are part of the comparison: {printed:#?}"
    );
    s.bp(&[]).exits(0);
    assert_eq!(printed, s.calls());
}

// --- options -------------------------------------------------------------------------------------

#[test]
fn no_check_no_upload_no_cache_and_other_chroot_and_cache_dirs() {
    let s = Session::listed(&["--jobs", "2", "--packages", "foo-app"]);
    let cache = s.path("other-cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::write(cache.join("stale-1-1-aarch64.pkg.tar.zst"), "old").unwrap();
    let run = s
        .bp(&[
            "--no-check",
            "--no-upload",
            "--no-cache",
            "--cache",
            "other-cache",
            "--chroot",
            "other-chroot",
        ])
        .exits(0);
    assert!(
        run.stderr.contains("Summary: 1 built, 0 failed"),
        "{}",
        run.stderr
    );
    // No checkdepends (no arch-nspawn), makepkg --nocheck, the given chroot and cache.
    insta::assert_snapshot!(s.calls().join("\n"), @r"
    mkarchroot -C [WORKDIR]/chroot-config/pacman.conf -M [WORKDIR]/chroot-config/makepkg.conf -c [WORKDIR]/other-cache [WORKDIR]/other-chroot/root base-devel
    makechrootpkg -r [WORKDIR]/other-chroot -l archport-slot1 -c -u -d [WORKDIR]/other-cache -U archport-test -- --ignorearch --nocheck
    ");
    assert!(
        !cache.join("stale-1-1-aarch64.pkg.tar.zst").exists(),
        "--no-cache empties the cache"
    );
    assert!(!s.chroot().exists() && !s.path("cache-pacman").exists());
    // Built, not published.
    assert!(!s.path("repo").exists());
    assert!(
        s.path("pkgbuilds/foo-app/foo-app-2.0-1-x86_64.pkg.tar.gz")
            .is_file()
    );
}

#[test]
fn skipped_and_blacklisted_entries_are_reported_and_not_built() {
    let s = Session::new();
    std::fs::write(s.path("never.txt"), "cyc-b\n").unwrap();
    std::fs::write(s.path("not-now.txt"), "re2c\n").unwrap();
    // The list skips cyc-b (generate-build-list's blacklist); this run also leaves out re2c.
    s.gbl(&[
        "--jobs",
        "2",
        "--blacklist",
        "never.txt",
        "--packages",
        "cyc-b",
        "re2c",
        "zlib",
    ])
    .exits(0);
    let run = s.bp(&["--blacklist", "not-now.txt"]).exits(0);
    settings().bind(|| insta::assert_snapshot!("skipped", run.transcript(&s)));
    assert_eq!(s.started(), ["zlib"]);
    let status = s.status_json();
    assert_eq!(status["counts"]["skipped"], 2);
    assert_eq!(status["counts"]["built"], 1);
}

// --- input errors and exit codes -----------------------------------------------------------------

#[test]
fn missing_corrupt_input_and_usage_errors() {
    let s = Session::new();
    let missing = s.bp(&[]).exits(1);
    let status = s.bp(&["--status"]).exits(1);
    std::fs::write(
        s.path("broken.json"),
        "{\"_command\": \"generate-build-list\", \"packages\": [",
    )
    .unwrap();
    let corrupt = s.bp(&["--json", "broken.json"]).exits(1);
    let usage = s.bp(&["--parallel-jobs", "0"]).exits(2);
    let mut text = String::new();
    for run in [&missing, &status, &corrupt] {
        text.push_str(&run.transcript(&s));
    }
    text.push_str(&format!(
        "$ build-packages --parallel-jobs 0\n[exit {}]\n",
        usage.code
    ));
    settings().bind(|| insta::assert_snapshot!("input_errors", text));
    assert!(usage.stderr.contains("--parallel-jobs"), "{}", usage.stderr);
    // None of these created anything.
    for dir in ["build-state", "logs", "chroot", "repo"] {
        assert!(!s.path(dir).exists(), "{dir}");
    }
}

// --- a cycle built twice, key imports -----------------------------------------------------------

/// dep-a and dep-b depend on each other (both older on the target): generate-build-list builds
/// one of them twice, and build-packages must run stage 1, the other, then stage 2.
#[test]
fn a_cycle_is_built_in_three_steps_and_keys_are_imported_first() {
    use archport_testworld::{PkgbaseSpec, Repo, WorldSpec};
    let spec = WorldSpec::new()
        .pkgbase(PkgbaseSpec::new("glibc", "2.40-1").repo(Repo::Core))
        .pkgbase(PkgbaseSpec::new("dep-a", "3.0-2").depends(["dep-b"]))
        .pkgbase(PkgbaseSpec::new("dep-b", "3.0-2").depends(["dep-a", "glibc"]))
        .target_version("dep-a", "3.0-1")
        .target_version("dep-b", "3.0-1");
    let s = Session::with_world(spec);
    // gpg is configurable like every tool; `true` stands in for it, the call is what counts.
    let config = std::fs::read_to_string(s.env.config()).unwrap();
    std::fs::write(
        s.env.config(),
        config.replace("[tools]\n", "[tools]\ngpg = \"true\"\n"),
    )
    .unwrap();
    std::fs::create_dir_all(s.path("keys/pgp")).unwrap();
    std::fs::write(
        s.path("keys/pgp/ABCDEF.asc"),
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n",
    )
    .unwrap();
    s.gbl(&["-j1"]).exits(0);
    let list = read_json(&s.path("packages_to_build.json"));
    let steps: Vec<String> = list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["name"].as_str().unwrap(), e["cycle_stage"]))
        .collect();
    assert_eq!(steps.len(), 3, "{steps:?}");

    s.bp(&["--parallel-jobs", "2"]).exits(0);
    // The three builds ran one after the other, in list order, whatever the slots.
    let events = s.events();
    let order: Vec<String> = events
        .iter()
        .filter(|e| e.start)
        .map(|e| e.pkgbase.clone())
        .collect();
    let want: Vec<String> = steps
        .iter()
        .map(|s| s.split(' ').next().unwrap().to_owned())
        .collect();
    assert_eq!(order, want);
    for pair in events.windows(2) {
        assert!(
            pair[0].start != pair[1].start,
            "builds overlapped: {events:?}"
        );
    }
    let twice = &want[0];
    assert_eq!(&want[2], twice);
    assert_eq!(s.logs_of(twice).len(), 2, "one log per build of {twice}");
    let status = s.status_json();
    assert_eq!(status["counts"]["built"], 3, "{status}");
    let published = s.published("extra-testing");
    assert!(
        published.contains("dep-a 3.0-2") && published.contains("dep-b 3.0-2"),
        "{published:?}"
    );
    // Each build imports the work directory's key before makechrootpkg.
    let calls = s.calls();
    let imports: Vec<usize> = (0..calls.len())
        .filter(|&i| calls[i].contains("true --import") && calls[i].contains("keys/pgp/ABCDEF.asc"))
        .collect();
    let builds: Vec<usize> = (0..calls.len())
        .filter(|&i| calls[i].starts_with("makechrootpkg"))
        .collect();
    assert_eq!(imports.len(), 3, "{calls:#?}");
    for (import, build) in imports.iter().zip(&builds) {
        assert!(import < build, "{calls:#?}");
    }
}

// --- the preflight ------------------------------------------------------------------------------

/// `--check` passes where the stand-ins make a complete build box, and names every missing
/// piece at once, one line each, where they do not: touching nothing either way.
#[test]
fn check_passes_on_a_ready_box_and_names_every_missing_piece() {
    let s = Session::new();
    // The stand-in mkarchroot reads no pacman.conf, so the session has none; a box has.
    let config_dir = s.path("chroot-config");
    std::fs::create_dir_all(&config_dir).unwrap();
    for file in ["pacman.conf", "makepkg.conf"] {
        let ours = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("chroot-config")
            .join(file);
        std::fs::copy(ours, config_dir.join(file)).unwrap();
    }
    // Free space is the machine's, not the test's: ask for none.
    let config = std::fs::read_to_string(s.env.config()).unwrap();
    std::fs::write(
        s.env.config(),
        format!("{config}\n[build]\nmin_free_space_gib = 0\n"),
    )
    .unwrap();
    let ready = s.bp(&["--check"]).ok();
    assert!(ready.stdout.is_empty(), "{}", ready.stdout);
    assert!(
        ready.stderr.contains("preflight passed"),
        "{}",
        ready.stderr
    );

    let config = std::fs::read_to_string(s.env.config())
        .unwrap()
        .replace("[tools]\n", "[tools]\nrepo_add = \"/nowhere/repo-add\"\n")
        .replace("min_free_space_gib = 0", "min_free_space_gib = 18446744073");
    let config = config.replacen(
        &format!("build_user = \"{}\"", archport_testworld::BUILD_USER),
        "build_user = \"no-such-build-user\"",
        1,
    );
    std::fs::write(s.env.config(), config).unwrap();
    let broken = s.bp(&["--check"]).exits(1);
    let lines: Vec<&str> = broken.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", broken.stdout);
    assert!(lines[0].contains("/nowhere/repo-add"), "{}", lines[0]);
    assert!(lines[1].contains("no-such-build-user"), "{}", lines[1]);
    assert!(lines[2].contains("free"), "{}", lines[2]);
    assert!(
        lines.iter().all(|l| l.contains("; fix: ")),
        "{}",
        broken.stdout
    );
    assert!(
        broken.stderr.contains("preflight found 3 problems"),
        "{}",
        broken.stderr
    );
    for dir in ["build-state", "logs", "chroot", "repo"] {
        assert!(!s.path(dir).exists(), "{dir}");
    }
}

#[test]
fn entries_listed_with_no_check_build_with_nocheck_without_the_flag() {
    let s = Session::listed(&["--jobs", "2", "--no-check", "--packages", "foo-app"]);
    let list = read_json(&s.path("packages_to_build.json"));
    assert_eq!(list["packages"][0]["nocheck"], true, "{list}");
    let run = s.bp(&["--no-upload"]).exits(0);
    assert!(
        run.stderr.contains("Summary: 1 built, 0 failed"),
        "{}",
        run.stderr
    );
    // The entry's nocheck: no checkdepends put into the copy (no arch-nspawn), makepkg
    // --nocheck beside --ignorearch, though this run was not given --no-check.
    insta::assert_snapshot!(s.calls().join("\n"), @r"
    mkarchroot -C [WORKDIR]/chroot-config/pacman.conf -M [WORKDIR]/chroot-config/makepkg.conf -c [WORKDIR]/cache-pacman [WORKDIR]/chroot/root base-devel
    makechrootpkg -r [WORKDIR]/chroot -l archport-slot1 -c -u -d [WORKDIR]/cache-pacman -U archport-test -- --ignorearch --nocheck
    ");
}

#[test]
fn closed_stdout_and_stderr_neither_stop_the_run_nor_change_its_exit_code() {
    // `build-packages 2>&1 | head -1`: whoever reads the console goes away at once.
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib"]);
    let mut child = s.spawn_bp(&[], &[]);
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "not 101 (a panic on EPIPE)");
    assert!(s.published("core-testing").contains("zlib 1:1.3.1-2"));
    // The summary nobody read is in the logs.
    let summaries: Vec<String> = std::fs::read_dir(s.path("logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("build-packages-summary-"))
        .collect();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    let text = std::fs::read_to_string(s.path("logs").join(&summaries[0])).unwrap();
    assert!(text.starts_with("Summary: 1 built, 0 failed"), "{text}");
}

#[test]
fn wait_waits_for_the_lock_another_run_holds_and_then_builds() {
    use std::io::BufRead;
    let s = Session::listed(&["--jobs", "2", "--packages", "zlib"]);
    // Another run holds the work directory's lock (an flock, as RunLock takes it).
    let lock = s.path("build-state/build.lock");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::fs::write(&lock, "generate-build-list pid 1").unwrap();
    let holder = std::fs::File::open(&lock).unwrap();
    holder.lock().unwrap();
    let refused = s.bp(&["--no-upload"]).exits(1);
    assert!(
        refused.stderr.contains("generate-build-list pid 1"),
        "{}",
        refused.stderr
    );

    let mut waiting = s.spawn_bp(&[], &["--no-upload", "--wait"]);
    let mut stderr = std::io::BufReader::new(waiting.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(
        line,
        "Waiting for the work directory's lock (generate-build-list pid 1)...\n"
    );
    // Nothing started while it waits.
    assert!(s.started().is_empty());
    holder.unlock().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = waiting.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{rest}");
    assert_eq!(s.started(), ["zlib"]);
}

/// Packages x86_64 does not have (here a local PKGBUILD) are published to `[upload]
/// port_repo`, not to the testing repository their list entry's repo maps to.
#[test]
fn local_entries_are_published_to_the_port_repository() {
    let s = Session::new();
    let dir = s.path("pkgbuilds/board-fw");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("PKGBUILD"),
        "pkgname=board-fw\npkgver=0.1\npkgrel=1\narch=('aarch64' 'x86_64')\n\
         package() {\n  :\n}\n",
    )
    .unwrap();
    // makepkg --printsrcinfo reads it as the build user.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(s.env.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    archport_testworld::prepare_build_dir(s.env.path()).unwrap();
    s.gbl(&["--jobs", "1", "--local", "--packages", "board-fw"])
        .exits(0);
    s.env.set_config("target", "port_repos", "[\"forge\"]");
    s.upload_config("[upload]\nbackend = \"local\"\nport_repo = \"forge\"\n");
    let run = s.bp(&[]).exits(0);
    assert!(
        run.stderr.contains("Summary: 1 built, 0 failed"),
        "{}",
        run.stderr
    );
    assert_eq!(
        s.published("forge"),
        BTreeSet::from(["board-fw 0.1-1".to_owned()])
    );
    for testing in ["core-testing", "extra-testing"] {
        assert!(!s.path("repo").join(testing).exists(), "{testing}");
    }
}
