//! Issue 11 §9: `bootstrap-toolchain --continue` after a `kill -9` must not delete the working
//! copy that the killed run's makechrootpkg (an orphan now, still building) is using. The
//! real binary runs against a small test world with the stand-in devtools, whose
//! makechrootpkg holds `<chroot>/<copy>.lock` (flock) for the whole build, as the real one
//! does, and sleeps when told to so the build is in progress when the run is killed.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use archport_testworld::{PkgbaseSpec, WorldSpec};
use common::{Env, Run, wait_until};

/// The process group of the first makechrootpkg started for `pkgbase`, from the stand-in's
/// event file (`start <copy> <pkgbase> <pid> <pgid>` lines).
fn started_group(events: &Path, pkgbase: &str) -> Option<i32> {
    let text = std::fs::read_to_string(events).unwrap_or_default();
    text.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(' ').collect();
        (fields.first() == Some(&"start") && fields.get(2) == Some(&pkgbase))
            .then(|| fields.get(4).and_then(|g| g.parse().ok()))
            .flatten()
    })
}

/// Kills the orphaned build's process group when the test ends, however it ends: a failed
/// assertion must not leave a build sleeping for ten minutes.
struct KillGroup(i32);

impl Drop for KillGroup {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .status();
    }
}

#[test]
fn continue_after_kill_9_leaves_the_copy_an_orphaned_build_still_uses() {
    // The state repository needs both of the world's repositories.
    let env = Env::new(
        WorldSpec::new()
            .pkgbase(PkgbaseSpec::new("binutils", "2.43-1").repo(archport_testworld::Repo::Core))
            .pkgbase(PkgbaseSpec::new("valgrind", "3.23.0-1").arch(["x86_64", "aarch64"])),
    );
    env.use_fake_devtools("\n[bootstrap]\nstage1 = [\"binutils\"]\nstage2 = [\"binutils\"]\n");
    let events = env.path().join("events.log");
    let command = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap-toolchain"));
        cmd.current_dir(env.path())
            .env_remove("ARCHPORT_CONFIG")
            .env("NO_COLOR", "1")
            .env("FAKE_BUILD_EVENTS", &events)
            .env("FAKE_DEVTOOLS_LOG", env.path().join("devtools.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };

    // A run whose binutils build sleeps, killed with SIGKILL while it builds: the tool dies,
    // its makechrootpkg (its own process group) sleeps on, holding the copy's lock.
    let mut child = command()
        .env("FAKE_BUILD_SLEEP", "600")
        .arg("--no-upload")
        .spawn()
        .unwrap();
    let group = wait_until("binutils to start building", || {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("bootstrap-toolchain ended ({status}) before building:\n{stderr}");
        }
        started_group(&events, "binutils")
    });
    let orphan = KillGroup(group);
    child.kill().unwrap();
    child.wait().unwrap();
    let copy = env.path().join("chroot/archport-bootstrap");
    wait_until("the orphan's working copy", || copy.is_dir().then_some(()));

    // --continue refuses, naming the copy, and leaves it (and its build) alone.
    let args = ["--continue", "--no-upload"];
    let run = Run::from_output(
        "bootstrap-toolchain",
        &args,
        command().args(args).output().unwrap(),
    )
    .exits(1);
    let expected = format!(
        "error: {}: still in use by a build (left running by a killed bootstrap-toolchain?): wait for it to end or stop it, then run again\n",
        copy.display()
    );
    assert!(run.stderr.ends_with(&expected), "{}", run.stderr);
    assert!(copy.is_dir(), "the copy in use was left alone");
    assert!(
        env.path().join("chroot/archport-bootstrap.lock").exists(),
        "its lock too"
    );
    let starts = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("start "))
        .count();
    assert_eq!(starts, 1, "no second build was started");

    // Once the orphan is gone, the copy is a leftover: --continue removes it and builds.
    drop(orphan);
    let lock = env.path().join("chroot/archport-bootstrap.lock");
    wait_until("the orphan to release the copy", || {
        std::fs::File::open(&lock)
            .map_or(true, |file| file.try_lock().is_ok())
            .then_some(())
    });
    let run = Run::from_output(
        "bootstrap-toolchain",
        &args,
        command().args(args).output().unwrap(),
    )
    .exits(0);
    assert!(
        run.stderr
            .contains("removing the working copy an earlier run left"),
        "{}",
        run.stderr
    );
}
