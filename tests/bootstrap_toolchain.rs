//! `bootstrap-toolchain` end to end: the real binary in a temporary work directory against a
//! small test world holding the toolchain pkgbases (git over `file://`). devtools cannot run
//! here, so the configuration points makechrootpkg, arch-nspawn, mkarchroot and sudo at the
//! test world's stand-ins, which record their argument vectors and really build with the
//! host's makepkg as an unprivileged user; the `local` upload backend publishes with the real
//! `repo-add`. Stages are configured smaller than the real ones to keep the builds few.
//!
//! The stand-in makechrootpkg writes when each call starts and ends, with its pkgbase and
//! process group (`FAKE_BUILD_EVENTS`): the build order is read from there. Sessions that
//! need a build in progress make it sleep and wait for its start event; no assertion depends
//! on how long anything takes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use archport_testworld::{PackageSpec, PkgbaseSpec, Repo, WorldSpec};
use common::{Env, Run, group_members, listing, read_json, scrub, wait_until};

/// The toolchain of the test world: glibc, binutils (with an older tagged version) and a
/// split gcc in core, none listing aarch64 (so they build with `--ignorearch`), and valgrind
/// in extra, which lists it.
fn toolchain() -> WorldSpec {
    let core = |name: &str, version: &str| PkgbaseSpec::new(name, version).repo(Repo::Core);
    WorldSpec::new()
        .pkgbase(core("glibc", "2.40-1").provides(["libc.so=6-64"]))
        .pkgbase(
            core("binutils", "2.43-1")
                .depends(["glibc"])
                .history(["2.42-1"]),
        )
        .pkgbase(core("gcc", "14.2.1-1").packages([
            PackageSpec::new("gcc").depends(["gcc-libs", "binutils"]),
            PackageSpec::new("gcc-libs").depends(["glibc"]),
        ]))
        .pkgbase(
            PkgbaseSpec::new("valgrind", "3.23.0-1")
                .arch(["x86_64", "aarch64"])
                .depends(["glibc"]),
        )
}

// --- the session ------------------------------------------------------------------------------

impl Run {
    /// The `Stage 1/2 (3/8): binutils 2.43-1` lines, without their elapsed time.
    fn stage_lines(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("Stage "))
            .map(|l| {
                let (line, elapsed) = l.rsplit_once(" (").unwrap();
                assert!(elapsed.ends_with(" elapsed)"), "{l}");
                line.to_owned()
            })
            .collect()
    }

    /// The run as a terminal shows it, cleaned for a snapshot.
    fn transcript(&self, s: &Session) -> String {
        self.transcript_with(|text| s.clean(text))
    }
}

/// A work directory whose configuration bootstraps `stage1` then `stage2` with the
/// stand-in devtools and publishes to `{workdir}/repo` with repo-add.
struct Session {
    env: Env,
}

impl Session {
    fn new(stage1: &[&str], stage2: &[&str]) -> Session {
        let env = Env::new(toolchain());
        let list = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        env.use_fake_devtools(&format!(
            "\n[bootstrap]\nstage1 = [{}]\nstage2 = [{}]\n",
            list(stage1),
            list(stage2)
        ));
        Session { env }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.env.path().join(relative)
    }

    /// Clones `pkgbase`'s packaging repository into `pkgbuilds/` as an operator would,
    /// at `tag` (the newest commit without one).
    fn check_out_by_hand(&self, pkgbase: &str, tag: Option<&str>) {
        let dir = self.path("pkgbuilds").join(pkgbase);
        std::fs::create_dir_all(self.path("pkgbuilds")).unwrap();
        git(
            self.env.path(),
            &[
                "clone",
                "-q",
                &self.env.world.packaging_url(pkgbase),
                &dir.display().to_string(),
            ],
        );
        if let Some(tag) = tag {
            git(&dir, &["checkout", "-q", tag]);
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap-toolchain"));
        cmd.current_dir(self.env.path())
            .env_remove("ARCHPORT_CONFIG")
            .env("NO_COLOR", "1")
            .env("FAKE_DEVTOOLS_LOG", self.path("devtools.log"))
            .env("FAKE_BUILD_EVENTS", self.path("events.log"))
            .stdin(Stdio::null());
        cmd
    }

    fn bt(&self, args: &[&str]) -> Run {
        self.bt_with(&[], args)
    }

    /// `bootstrap-toolchain ARGS` with stand-in controls in the environment.
    fn bt_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let output = self
            .command()
            .envs(vars.iter().copied())
            .args(args)
            .output()
            .unwrap();
        Run::from_output("bootstrap-toolchain", args, output)
    }

    /// Every devtools call so far, one argument vector per line, cleaned.
    fn calls(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.path("devtools.log")).unwrap_or_default();
        self.clean(&text).lines().map(str::to_owned).collect()
    }

    /// `(start, pkgbase, process group)` of each makechrootpkg event so far.
    fn events(&self) -> Vec<(bool, String, Option<i32>)> {
        let text = std::fs::read_to_string(self.path("events.log")).unwrap_or_default();
        text.lines()
            .map(|line| {
                let fields: Vec<&str> = line.split(' ').collect();
                let start = fields[0] == "start";
                (
                    start,
                    fields[2].to_owned(),
                    start.then(|| fields[4].parse().unwrap()),
                )
            })
            .collect()
    }

    /// The pkgbases makechrootpkg was started for, in order.
    fn started(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter(|e| e.0)
            .map(|e| e.1)
            .collect()
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

    /// The bootstrap working copy and its lock, where they exist.
    fn copies(&self) -> Vec<String> {
        ["archport-bootstrap", "archport-bootstrap.lock"]
            .into_iter()
            .filter(|n| self.path("chroot").join(n).symlink_metadata().is_ok())
            .map(str::to_owned)
            .collect()
    }

    /// `pkgbase state` of each step in the record.
    fn recorded(&self) -> Vec<String> {
        let record = read_json(&self.path("build-state/bootstrap.json"));
        record["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s["pkgbase"].as_str().unwrap(),
                    s["state"].as_str().unwrap()
                )
            })
            .collect()
    }

    /// Whether nothing holds the work directory's lock, `build-state/build.lock` (taking it
    /// here and letting it go).
    fn lock_is_free(&self) -> bool {
        let Ok(file) = File::open(self.path("build-state/build.lock")) else {
            return true;
        };
        file.try_lock().is_ok()
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

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Snapshot filters for what cleaning cannot know: durations, log stamps, times.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\(\d+[0-9hms]* elapsed\)", "([ELAPSED] elapsed)");
    settings.add_filter(r" in \d+[0-9hms]*", " in [DURATION]");
    settings.add_filter(r"-\d{8}-\d{6}-build\.log", "-[STAMP]-build.log");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[TIMESTAMP]");
    settings.add_filter(r"SOURCE_DATE_EPOCH=\d+", "SOURCE_DATE_EPOCH=[COMMIT TIME]");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/bootstrap_toolchain");
    settings
}

fn finish(child: Child, args: &[&str]) -> Run {
    Run::from_output(
        "bootstrap-toolchain",
        args,
        child.wait_with_output().unwrap(),
    )
}

// --- the sessions --------------------------------------------------------------------------------

#[test]
fn full_bootstrap_builds_both_stages_in_order_against_what_was_built_before() {
    let s = Session::new(&["glibc", "binutils", "gcc"], &["glibc", "gcc", "valgrind"]);
    s.check_out_by_hand("glibc", None);
    s.check_out_by_hand("gcc", None);
    let run = s.bt(&[]).exits(0);

    assert_eq!(
        run.stage_lines(),
        [
            "Stage 1/2 (1/3): glibc 2.40-1",
            "Stage 1/2 (2/3): binutils 2.43-1",
            "Stage 1/2 (3/3): gcc 14.2.1-1",
            "Stage 2/2 (1/3): glibc 2.40-1",
            "Stage 2/2 (2/3): gcc 14.2.1-1",
            "Stage 2/2 (3/3): valgrind 3.23.0-1",
        ]
    );
    assert_eq!(
        s.started(),
        ["glibc", "binutils", "gcc", "glibc", "gcc", "valgrind"]
    );
    // The console, and every devtools call in order: the database refresh, the toolchain
    // built so far installed into the root chroot, then the clean build (--ignorearch for
    // the packages whose PKGBUILD lacks aarch64).
    settings().bind(|| {
        insta::assert_snapshot!("full_run", run.transcript(&s));
        insta::assert_snapshot!("full_run_calls", s.calls().join("\n"));
    });

    // Published to the testing repository of each package's repository.
    assert_eq!(
        s.published("core-testing"),
        [
            "binutils 2.43-1",
            "gcc 14.2.1-1",
            "gcc-libs 14.2.1-1",
            "glibc 2.40-1"
        ]
        .map(str::to_owned)
        .into()
    );
    assert_eq!(
        s.published("extra-testing"),
        BTreeSet::from(["valgrind 3.23.0-1".to_owned()])
    );
    // Two logs for the packages built twice, each naming its stage.
    let mut glibc_logs: Vec<String> = std::fs::read_dir(s.path("logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("glibc-"))
        .collect();
    glibc_logs.sort();
    assert_eq!(glibc_logs.len(), 2, "{glibc_logs:?}");
    let second = std::fs::read_to_string(s.path("logs").join(&glibc_logs[1])).unwrap();
    assert!(
        second.starts_with("==> archport bootstrap-toolchain: glibc 2.40-1 (stage 2 of 2, 1/3)\n"),
        "{second}"
    );
    assert!(second.contains("\n==> result: built\n"), "{second}");
    // Every step recorded as built; no lock, no working copy left.
    assert_eq!(
        s.recorded(),
        [
            "glibc built",
            "binutils built",
            "gcc built",
            "glibc built",
            "gcc built",
            "valgrind built"
        ]
    );
    assert!(s.lock_is_free());
    assert_eq!(s.copies(), Vec::<String>::new());
}

#[test]
fn gcc_and_glibc_must_be_checked_out_by_hand() {
    let s = Session::new(&["glibc", "binutils", "gcc"], &["glibc"]);
    s.check_out_by_hand("glibc", None);
    let run = s.bt(&[]).exits(1);
    assert_eq!(
        s.clean(&run.stderr),
        "error: [WORKDIR]/pkgbuilds/gcc: missing; gcc and glibc come from special repositories \
         and must be checked out by hand before bootstrapping\n"
    );
    // Nothing was fetched, built or recorded; the lock went with the run.
    assert!(!s.path("pkgbuilds/binutils").exists());
    assert_eq!(s.calls(), Vec::<String>::new());
    assert!(!s.path("build-state/bootstrap.json").exists());
    assert!(s.lock_is_free());
    // A dry run says the same.
    let dry = s.bt(&["--dry-run"]).exits(1);
    assert_eq!(dry.stderr, run.stderr);
}

/// The work directory's lock is build-packages' too: while another run holds it (here this
/// process), a bootstrap is refused, naming the holder; a holder that died holds nothing.
#[test]
fn a_live_lock_refuses_a_second_run_and_a_dead_ones_does_not() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    let lock_path = s.path("build-state/build.lock");

    // A live holder: this process, holding the OS lock.
    std::fs::create_dir_all(s.path("build-state")).unwrap();
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&lock_path)
        .unwrap();
    holder.try_lock().unwrap();
    let text = format!("build-packages pid {}", std::process::id());
    std::fs::write(&lock_path, &text).unwrap();
    let run = s.bt(&[]).exits(1);
    assert_eq!(
        s.clean(&run.stderr),
        format!(
            "error: [WORKDIR]/build-state/build.lock: the chroot is in use by another run in \
             this work directory ({text})\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(&lock_path).unwrap(),
        text,
        "the holder's file is kept"
    );
    assert_eq!(s.calls(), Vec::<String>::new());

    // The holder dies without cleaning up: the kernel drops its lock, its file stays.
    drop(holder);
    s.bt(&["--no-upload"]).exits(0);
    assert_eq!(s.started(), ["binutils", "valgrind"]);
    assert!(s.lock_is_free(), "released at the end");
}

#[test]
fn start_from_skips_earlier_stage_one_packages_and_leaves_checkouts_alone() {
    let s = Session::new(&["glibc", "binutils", "gcc"], &["binutils"]);
    s.check_out_by_hand("glibc", None);
    s.check_out_by_hand("gcc", None);
    // An older binutils with a local fix: a bootstrap builds it as it is.
    s.check_out_by_hand("binutils", Some("2.42-1"));
    let binutils = s.path("pkgbuilds/binutils");
    std::fs::write(binutils.join("fix-arm.patch"), "local fix\n").unwrap();
    let head = git(&binutils, &["rev-parse", "HEAD"]);

    let run = s.bt(&["--start-from", "gcc"]).exits(0);
    assert_eq!(
        run.stage_lines(),
        [
            "Stage 1/2 (3/3): gcc 14.2.1-1",
            "Stage 2/2 (1/1): binutils 2.42-1"
        ]
    );
    assert_eq!(s.started(), ["gcc", "binutils"]);
    assert!(!run.stderr.contains("Processing"), "{}", run.stderr);
    assert_eq!(git(&binutils, &["rev-parse", "HEAD"]), head);
    assert!(binutils.join("fix-arm.patch").is_file());
    // The gcc just built was installed before binutils was built.
    let calls = s.calls();
    let install = calls
        .iter()
        .find(|c| c.contains(" pacman -U --noconfirm "))
        .unwrap();
    assert!(
        install.ends_with("[WORKDIR]/cache-pacman/gcc-14.2.1-1-x86_64.pkg.tar.gz [WORKDIR]/cache-pacman/gcc-libs-14.2.1-1-x86_64.pkg.tar.gz"),
        "{install}"
    );

    let run = s.bt(&["--start-from", "valgrind"]).exits(2);
    assert_eq!(
        run.stderr,
        "error: --start-from valgrind: not a stage-1 package (stage 1: glibc binutils gcc)\n"
    );
}

#[test]
fn continue_resumes_after_the_last_step_built() {
    let s = Session::new(&["glibc", "binutils", "gcc"], &["glibc"]);
    s.check_out_by_hand("glibc", None);
    s.check_out_by_hand("gcc", None);
    let run = s
        .bt_with(&[("FAKE_FAIL_BUILD", "binutils")], &["--no-upload"])
        .exits(1);
    let log = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("  log: "))
        .unwrap()
        .to_owned();
    assert!(Path::new(&log).is_file(), "{log}");
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("FAKE_FAIL_BUILD")
    );
    settings().bind(|| insta::assert_snapshot!("failed_run", run.transcript(&s)));
    assert_eq!(
        s.recorded(),
        [
            "glibc built",
            "binutils failed",
            "gcc pending",
            "glibc pending"
        ]
    );
    // The failed build's working copy is kept to inspect.
    assert_eq!(s.copies(), ["archport-bootstrap"]);
    assert!(s.lock_is_free());
    assert_eq!(s.started(), ["glibc", "binutils"]);

    let before = s.calls().len();
    let run = s.bt(&["--continue", "--no-upload"]).exits(0);
    assert_eq!(
        run.stage_lines(),
        [
            "Stage 1/2 (2/3): binutils 2.43-1",
            "Stage 1/2 (3/3): gcc 14.2.1-1",
            "Stage 2/2 (1/1): glibc 2.40-1"
        ]
    );
    assert_eq!(
        s.started(),
        ["glibc", "binutils", "binutils", "gcc", "glibc"],
        "glibc of stage 1 is not rebuilt"
    );
    settings().bind(|| insta::assert_snapshot!("continued_run", run.transcript(&s)));
    // The first build of the continued run gets the earlier run's glibc.
    let calls = s.calls();
    let install = calls[before..]
        .iter()
        .find(|c| c.contains(" pacman -U --noconfirm "))
        .unwrap();
    assert!(
        install.ends_with(" --noconfirm [WORKDIR]/cache-pacman/glibc-2.40-1-x86_64.pkg.tar.gz"),
        "{install}"
    );
    assert_eq!(
        s.recorded(),
        ["glibc built", "binutils built", "gcc built", "glibc built"]
    );
    assert_eq!(s.copies(), Vec::<String>::new());

    // Nothing left to continue.
    let run = s.bt(&["--continue"]).exits(0);
    assert!(
        run.stderr.contains("nothing left to build"),
        "{}",
        run.stderr
    );
}

/// Starts `bootstrap-toolchain ARGS` with binutils' build sleeping, waits until that build
/// runs, sends `signal` to the run, and returns the run and the build's process group.
fn interrupt_binutils(s: &Session, args: &[&str], signal: &str) -> (Run, i32) {
    let builds_before = s.started().len();
    let child = s
        .command()
        .env("FAKE_BUILD_SLEEP", "60")
        .env("FAKE_SLEEP_ONLY", "binutils")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pgid = wait_until("binutils to start building", || {
        s.events()
            .into_iter()
            .filter(|e| e.0)
            .nth(builds_before)
            .filter(|e| e.1 == "binutils")
            .and_then(|e| e.2)
    });
    assert!(!s.lock_is_free(), "the run holds the lock while it builds");
    let status = Command::new("kill")
        .args([&format!("-{signal}"), "--", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    (finish(child, args), pgid)
}

#[test]
fn sigint_stops_the_build_and_releases_the_lock() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    let args = ["--no-upload"];
    let (run, pgid) = interrupt_binutils(&s, &args, "INT");
    let run = run.exits(130);
    assert!(
        run.stderr.contains(
            "interrupted: stopping the running build (interrupt again to kill it at once)\n"
        ) && run
            .stderr
            .contains("interrupted: Stage 1/2 (1/1): binutils was stopped;"),
        "{}",
        run.stderr
    );
    assert_eq!(
        group_members(pgid),
        Vec::<String>::new(),
        "the build's process group is gone"
    );
    assert!(s.lock_is_free());
    assert_eq!(
        s.copies(),
        Vec::<String>::new(),
        "the working copy was removed"
    );
    assert_eq!(s.recorded(), ["binutils interrupted", "valgrind pending"]);
    assert_eq!(s.started(), ["binutils"]);

    // SIGTERM the same way, resuming the interrupted step: exit 143, lock released.
    let (run, pgid) = interrupt_binutils(&s, &["--continue", "--no-upload"], "TERM");
    let run = run.exits(143);
    assert!(
        run.stderr
            .contains("interrupted: Stage 1/2 (1/1): binutils was stopped;"),
        "{}",
        run.stderr
    );
    assert_eq!(group_members(pgid), Vec::<String>::new());
    assert!(s.lock_is_free());
    assert_eq!(s.copies(), Vec::<String>::new());
    assert_eq!(s.recorded(), ["binutils interrupted", "valgrind pending"]);
    let record = read_json(&s.path("build-state/bootstrap.json"));
    assert_eq!(record["steps"][0]["attempts"], 2);
}

#[test]
fn dry_run_prints_every_command_and_touches_nothing() {
    let s = Session::new(&["glibc", "binutils", "gcc"], &["glibc", "valgrind"]);
    s.check_out_by_hand("glibc", None);
    s.check_out_by_hand("gcc", None);
    let before = listing(s.env.path());
    let run = s.bt(&["--dry-run"]).exits(0);
    assert_eq!(run.stderr, "");
    settings().bind(|| insta::assert_snapshot!("dry_run", run.transcript(&s)));
    assert_eq!(listing(s.env.path()), before, "the work directory changed");
    assert!(!s.path("devtools.log").exists(), "no devtools call");
}

// --- the root chroot and the command line's paths --------------------------------------------

/// A mkarchroot that fails half-way leaves a directory that looks like a root chroot: it
/// is removed, so the next run creates it again instead of building in it.
#[test]
fn a_failed_mkarchroot_leaves_no_half_made_root_and_the_next_run_creates_it() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    let run = s
        .bt_with(&[("FAKE_FAIL_MKARCHROOT", "1")], &["--no-upload"])
        .exits(1);
    assert!(
        !s.path("chroot/root").exists(),
        "a half-made root chroot was left behind: {}",
        run.stderr
    );
    assert!(
        s.clean(&run.stderr).ends_with(
            "error: creating the root chroot failed: mkarchroot exited with status 255: \
             ==> ERROR: failed to install packages into '[WORKDIR]/chroot/root' \
             (FAKE_FAIL_MKARCHROOT); see [WORKDIR]/logs/bootstrap-toolchain.log\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(s.started(), Vec::<String>::new());

    let run = s.bt(&["--continue", "--no-upload"]).exits(0);
    let mkarchroot: Vec<String> = s
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("mkarchroot "))
        .collect();
    assert_eq!(mkarchroot.len(), 2, "{}", run.stderr);
    assert!(
        s.path("chroot/root/.arch-chroot").is_file(),
        "the second run made a whole root chroot"
    );
    assert_eq!(s.started(), ["binutils", "valgrind"]);
}

/// makechrootpkg runs inside `pkgbuilds/<pkgbase>/`: `--chroot` and `--cache` given
/// relative to where the command runs must still name the same directories there.
#[test]
fn relative_chroot_and_cache_are_made_absolute() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    let run = s
        .bt(&[
            "--no-upload",
            "--chroot",
            "other-chroot",
            "--cache",
            "other-cache",
        ])
        .exits(0);
    assert_eq!(s.started(), ["binutils", "valgrind"], "{}", run.stderr);
    let calls = s.calls();
    assert_eq!(
        calls[0],
        "mkarchroot -C [WORKDIR]/chroot-config/pacman.conf -M [WORKDIR]/chroot-config/makepkg.conf \
         -c [WORKDIR]/other-cache [WORKDIR]/other-chroot/root base-devel"
    );
    assert!(
        calls.contains(
            &"makechrootpkg -r [WORKDIR]/other-chroot -l archport-bootstrap -c -u -d [WORKDIR]/other-cache -U archport-test --"
                .to_owned()
        ),
        "{calls:#?}"
    );
    assert!(s.path("other-chroot/root").is_dir() && !s.path("chroot").exists());
}

// --- the lock's --wait, --help, closed pipes ------------------------------------------------

/// `--wait` queues behind the run holding the work directory's lock: it says whom it waits
/// for, starts nothing while the lock is held, and runs once the holder lets go.
#[test]
fn wait_queues_behind_the_holder_of_the_lock() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    let lock_path = s.path("build-state/build.lock");
    std::fs::create_dir_all(s.path("build-state")).unwrap();
    let holder = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&lock_path)
        .unwrap();
    holder.try_lock().unwrap();
    std::fs::write(&lock_path, "build-packages pid 1").unwrap();

    let stderr_path = s.path("bt-stderr.txt");
    let args = ["--wait", "--no-upload"];
    let child = s
        .command()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    wait_until("the run to say whom it waits for", || {
        std::fs::read_to_string(&stderr_path)
            .unwrap()
            .contains("Waiting for the work directory's lock (build-packages pid 1)")
            .then_some(())
    });
    assert_eq!(s.calls(), Vec::<String>::new(), "nothing ran while waiting");

    drop(holder);
    finish(child, &args).exits(0);
    assert_eq!(s.started(), ["binutils", "valgrind"]);
    assert!(s.lock_is_free(), "released at the end");
}

/// The exit codes are documented where a cron job's author looks: at the end of `--help`.
#[test]
fn help_ends_with_the_exit_codes() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    let run = s.bt(&["--help"]).exits(0);
    assert!(
        run.stdout
            .trim_end()
            .ends_with(archport_cli::exit_codes::BOOTSTRAP_TOOLCHAIN),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--wait"), "{}", run.stdout);
}

/// A reader that went away (`bootstrap-toolchain --dry-run | head -0`) is no crash: the run
/// ends with its own exit code instead of panicking on the closed pipe.
#[test]
fn a_closed_stdout_is_no_panic() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = s
        .command()
        .arg("--dry-run")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// When removing the working copy an earlier run left fails, the error quotes what the tool
/// said on stderr, not only its exit status.
#[test]
fn a_failed_copy_removal_quotes_the_tools_stderr() {
    let s = Session::new(&["binutils"], &["valgrind"]);
    std::fs::create_dir_all(s.path("chroot/archport-bootstrap")).unwrap();
    // An rm that refuses the copy (as a read-only or busy file system would) and runs the
    // real one for everything else.
    let bin = s.path("failing-rm");
    std::fs::create_dir_all(&bin).unwrap();
    let rm = bin.join("rm");
    std::fs::write(
        &rm,
        "#!/bin/sh\ncase \"$*\" in\n  *archport-bootstrap*)\n    \
         echo \"rm: cannot remove 'archport-bootstrap': Read-only file system\" >&2\n    \
         exit 1 ;;\nesac\nexec /bin/rm \"$@\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&rm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let args = ["--no-upload"];
    let output = s.command().env("PATH", path).args(args).output().unwrap();
    let run = Run::from_output("bootstrap-toolchain", &args, output).exits(1);
    assert!(
        run.stderr.contains(
            "rm exited with status 1: rm: cannot remove 'archport-bootstrap': Read-only file system"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(s.started(), Vec::<String>::new());
}

/// `makepkg --printsrcinfo` on a checkout is bounded by `[limits] printsrcinfo_secs`: a
/// PKGBUILD that hangs costs its package an error naming it, not the run its life.
#[test]
fn a_hanging_printsrcinfo_is_cut_off_at_the_configured_limit() {
    let s = Session::new(&["glibc"], &["valgrind"]);
    s.check_out_by_hand("glibc", None);
    // Without a checked-in .SRCINFO, makepkg --printsrcinfo makes one.
    std::fs::remove_file(s.path("pkgbuilds/glibc/.SRCINFO")).unwrap();
    // The stand-in runs as the build user: its directory must be theirs to enter.
    let bin = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let makepkg = bin.path().join("makepkg");
    std::fs::write(&makepkg, "#!/bin/sh\nexec sleep 60\n").unwrap();
    std::fs::set_permissions(&makepkg, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = std::fs::read_to_string(s.env.config()).unwrap().replace(
        "[tools]\n",
        &format!("[tools]\nmakepkg = \"{}\"\n", makepkg.display()),
    );
    std::fs::write(
        s.env.config(),
        format!("{config}\n[limits]\nprintsrcinfo_secs = 1\n"),
    )
    .unwrap();
    let run = s.bt(&["--dry-run"]).exits(1);
    assert!(
        run.stderr
            .contains("makepkg --printsrcinfo did not finish within 1 s (killed)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("glibc"), "{}", run.stderr);
}
