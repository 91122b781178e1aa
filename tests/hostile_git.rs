//! Hostile git content end to end (issue 11, §1-§3): PKGBUILD directories and a state
//! repository whose files are symbolic links to secrets, devices or FIFOs, `.SRCINFO` files
//! with names and versions that must never reach a path or a command, and a PKGBUILD that
//! sleeps at top level. The real binaries run against the loopback test world; each run is
//! bounded, so that a regression that hangs fails the test instead of hanging it.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, Run};

/// What the secret file of these tests holds: four fields, like a state line, so that a
/// reader that follows the link gets as far as complaining about the first one. No output
/// may contain `hunter2`.
const SECRET: &str = "db_password=hunter2 admin 10.0.0.1 5432";

/// Runs `bin ARGS` in the work directory, killing it after `limit` (a bound that turns a
/// hang into a failure, not a timing assertion).
fn run_bounded(env: &Env, bin: &str, args: &[&str], limit: Duration) -> Run {
    let program = match bin {
        "generate-build-list" => env!("CARGO_BIN_EXE_generate-build-list"),
        "build-packages" => env!("CARGO_BIN_EXE_build-packages"),
        _ => panic!("unknown binary {bin}"),
    };
    let mut child = Command::new(program)
        .args(args)
        .current_dir(env.path())
        .env_remove("ARCHPORT_CONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes on threads so that a full pipe cannot stall the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        stdout.read_to_end(&mut text).unwrap();
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        stderr.read_to_end(&mut text).unwrap();
        text
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{bin} {} did not finish within {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    Run::from_output(bin, args, output)
}

fn gbl(env: &Env, args: &[&str]) -> Run {
    run_bounded(env, "generate-build-list", args, Duration::from_secs(150))
}

fn list(env: &Env) -> serde_json::Value {
    common::read_json(&env.path().join("packages_to_build.json"))
}

fn entry<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the list: {list:#}"))
}

/// The PKGBUILD directory `pkgbuilds/<name>/` (used as it is with `--local`).
fn local_dir(env: &Env, name: &str) -> PathBuf {
    let dir = env.path().join("pkgbuilds").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A local package with a `.SRCINFO` and its PKGBUILD.
fn local_package(env: &Env, name: &str, srcinfo: &str) {
    let dir = local_dir(env, name);
    std::fs::write(dir.join("PKGBUILD"), pkgbuild(name)).unwrap();
    std::fs::write(dir.join(".SRCINFO"), srcinfo).unwrap();
}

fn pkgbuild(name: &str) -> String {
    format!("pkgname={name}\npkgver=1.0\npkgrel=1\narch=(any)\npackage() {{ :; }}\n")
}

fn srcinfo(pkgbase: &str, pkgname: &str, pkgver: &str) -> String {
    format!(
        "pkgbase = {pkgbase}\n\tpkgver = {pkgver}\n\tpkgrel = 1\n\tarch = any\n\npkgname = {pkgname}\n"
    )
}

/// A file holding [`SECRET`], outside every checkout.
fn secret_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, format!("{SECRET}\n")).unwrap();
    (dir, path)
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// Lets the unprivileged user makepkg runs as (when the tests run as root) read the work dir,
/// and gives it the work dir: `[tools] build_user`, unset, is the work directory's owner.
fn open_to_build_user(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    archport_testworld::prepare_build_dir(dir).unwrap();
}

/// `.SRCINFO` files that are links to a secret or to `/dev/zero`, or that name a package
/// `../../../tmp/evil` or give a version with a `/`: each skips only its own package, with
/// the reason, and never shows what the file holds; the good package is listed, and
/// build-packages accepts the list.
#[test]
fn hostile_srcinfo_files_skip_only_their_package() {
    let env = Env::demo();
    env.use_fake_devtools("");
    local_package(&env, "good", &srcinfo("good", "good", "1.0"));
    local_package(&env, "evil", &srcinfo("evil", "../../../tmp/evil", "1.0"));
    local_package(&env, "badver", &srcinfo("badver", "badver", "1.0/../../x"));
    let (_secret_dir, secret) = secret_file();
    for (name, target) in [
        ("leaky", secret.as_path()),
        ("zero", Path::new("/dev/zero")),
    ] {
        let dir = local_dir(&env, name);
        std::fs::write(dir.join("PKGBUILD"), pkgbuild(name)).unwrap();
        std::os::unix::fs::symlink(target, dir.join(".SRCINFO")).unwrap();
    }

    let names = ["good", "evil", "badver", "leaky", "zero"];
    let mut args = vec!["-j1", "--local", "--packages"];
    args.extend(names);
    let run = gbl(&env, &args).ok();
    let written = std::fs::read_to_string(env.path().join("packages_to_build.json")).unwrap();
    for text in [&run.stdout, &run.stderr, &written] {
        assert!(!text.contains("hunter2"), "the secret leaked:\n{text}");
        assert!(
            !text.contains("/tmp/evil"),
            "the bad name is echoed:\n{text}"
        );
        assert!(
            !text.contains("../../x"),
            "the bad version is echoed:\n{text}"
        );
    }

    let list = list(&env);
    assert_eq!(entry(&list, "good")["skip"], 0, "{list:#}");
    let reasons = [
        ("evil", "line 6: pkgname is not a valid package name"),
        ("badver", "do not form a valid version"),
        ("leaky", "symbolic link"),
        ("zero", "symbolic link"),
    ];
    for (name, reason) in reasons {
        let e = entry(&list, name);
        assert_eq!(e["skip"], 1, "{name}: {e:#}");
        let skip_reason = e["skip_reason"].as_str().unwrap();
        assert!(skip_reason.contains(".SRCINFO"), "{name}: {skip_reason}");
        assert!(skip_reason.contains(reason), "{name}: {skip_reason}");
        assert!(
            run.stderr.contains(&format!("warning: {name}: ")),
            "{}",
            run.stderr
        );
    }

    let dry = run_bounded(
        &env,
        "build-packages",
        &["--dry-run"],
        Duration::from_secs(150),
    )
    .ok();
    assert!(dry.stdout.contains("good"), "{}", dry.stdout);
}

/// A PKGBUILD without `.SRCINFO` that sleeps at top level: makepkg --printsrcinfo is killed
/// at `[limits] printsrcinfo_secs` with everything it started, and only that package is
/// skipped. (generate-build-list gives makepkg the configured limit; until it does, the
/// default of 60 s applies and this test takes that long.)
#[test]
fn a_pkgbuild_that_sleeps_is_skipped_after_the_limit() {
    let env = Env::demo();
    open_to_build_user(env.path());
    let mut config = std::fs::read_to_string(env.config()).unwrap();
    config.push_str("\n[limits]\nprintsrcinfo_secs = 3\n");
    std::fs::write(env.config(), config).unwrap();
    local_package(&env, "good", &srcinfo("good", "good", "1.0"));
    std::fs::write(
        local_dir(&env, "sleepy").join("PKGBUILD"),
        "sleep 98771 &\nsleep 98772\npkgname=sleepy\npkgver=1\npkgrel=1\narch=(any)\n",
    )
    .unwrap();

    gbl(&env, &["-j1", "--local", "--packages", "good", "sleepy"]).ok();
    let list = list(&env);
    assert_eq!(entry(&list, "good")["skip"], 0, "{list:#}");
    let sleepy = entry(&list, "sleepy");
    assert_eq!(sleepy["skip"], 1, "{sleepy:#}");
    let reason = sleepy["skip_reason"].as_str().unwrap();
    assert!(
        reason.contains("makepkg --printsrcinfo did not finish within"),
        "{reason}"
    );
    for sleep in ["98771", "98772"] {
        let wanted = format!("sleep\0{sleep}\0");
        let alive = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .any(|p| std::fs::read(p.path().join("cmdline")).is_ok_and(|c| c == wanted.as_bytes()));
        assert!(!alive, "sleep {sleep} outlived generate-build-list");
    }
}

/// Commits `links` (path in the repository -> link target) into the test world's state
/// repository, as a hostile upstream could.
fn commit_state_links(env: &Env, links: &[(&str, &Path)]) {
    let work = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .arg("-C")
            .arg(work.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {}", args.join(" "));
    };
    let origin = env.world.state_repo_path().display().to_string();
    git(&["clone", "-q", &origin, "."]);
    for (path, target) in links {
        std::os::unix::fs::symlink(target, work.path().join(path)).unwrap();
        git(&["add", path]);
    }
    git(&["commit", "-q", "-m", "hostile links"]);
    git(&["push", "-q", "origin", "HEAD:main"]);
}

/// A state file that is a link to a FIFO: generate-build-list fails with one line naming the
/// file instead of blocking on the FIFO forever.
#[test]
fn a_state_file_linked_to_a_fifo_does_not_hang() {
    let env = Env::demo();
    let outside = tempfile::tempdir().unwrap();
    let fifo = outside.path().join("fifo");
    mkfifo(&fifo);
    commit_state_links(&env, &[("core-x86_64/evil", &fifo)]);
    let run = gbl(&env, &["-j1", "--packages", "zlib"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("core-x86_64/evil"), "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
}

/// A state file that is a link to a secret: refused, and the secret is not shown.
#[test]
fn a_state_file_linked_to_a_secret_is_not_echoed() {
    let env = Env::demo();
    let (_secret_dir, secret) = secret_file();
    commit_state_links(&env, &[("extra-x86_64/evil", &secret)]);
    let run = gbl(&env, &["-j1", "--packages", "zlib"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("extra-x86_64/evil"), "{}", run.stderr);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains("hunter2"), "the secret leaked:\n{text}");
    }
}
