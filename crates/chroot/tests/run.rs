//! The process runner: output streamed into the log, the whole process group stopped on
//! cancel.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::time::Duration;

use archport_chroot::{Cancel, Cmd, RunError, run};

/// Upper bound on waiting for a condition; reaching it fails the test (a hang guard, not a
/// timing assertion).
const PATIENCE: Duration = Duration::from_secs(30);

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "gave up waiting for {what}");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Whether the log has `line` as a whole line (the command header quotes the script).
fn has_line(log: &Path, line: &str) -> bool {
    read(log).lines().any(|l| l == line)
}

/// Waits for a script to write its pid into `file`.
async fn pid_in(file: &Path) -> u32 {
    wait_until(&format!("{}", file.display()), || {
        read(file).ends_with('\n')
    })
    .await;
    read(file).trim().parse().unwrap()
}

/// Whether `pid` has stopped running: gone, or a zombie nobody reaped yet.
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat.rsplit_once(')').unwrap().1.split_whitespace().next();
            matches!(state, Some("Z" | "X"))
        }
    }
}

fn sh(script: &str, args: &[&Path]) -> Cmd {
    Cmd::new("sh")
        .args(["-c", script, "sh"])
        .args(args.iter().map(|p| p.to_string_lossy().into_owned()))
}

/// A shell that records its pid in `$1`, starts a grandchild `sleep` recording its pid in
/// `$2`, and waits. `prelude` runs first (e.g. to ignore SIGTERM, which the grandchild
/// inherits).
fn parent_and_grandchild(prelude: &str, leader: &Path, grandchild: &Path) -> Cmd {
    let script = format!(
        "{prelude}\nsleep 300 &\necho $! > \"$2\"\necho $$ > \"$1\"\nwait\necho should-not-get-here"
    );
    sh(&script, &[leader, grandchild])
}

struct Files {
    _dir: tempfile::TempDir,
    log: PathBuf,
    leader: PathBuf,
    grandchild: PathBuf,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    Files {
        log: dir.path().join("build.log"),
        leader: dir.path().join("leader.pid"),
        grandchild: dir.path().join("grandchild.pid"),
        _dir: dir,
    }
}

#[tokio::test]
async fn output_reaches_the_log_while_the_command_runs() {
    let f = files();
    std::fs::write(&f.log, "earlier content\n").unwrap();
    let go = f.leader.with_file_name("go");
    let cmd = sh(
        "echo first\necho to-stderr >&2\nwhile [ ! -e \"$1\" ]; do sleep 0.02; done\necho last",
        &[&go],
    );
    let cancel = Cancel::new();
    let log = f.log.clone();
    let task = tokio::spawn(async move { run(&cmd, &log, &cancel).await });
    // The command is still waiting for `go`, yet its output is already in the log.
    wait_until("streamed output", || {
        let text = read(&f.log);
        text.contains("first\n") && text.contains("to-stderr\n")
    })
    .await;
    assert!(!has_line(&f.log, "last"));
    std::fs::write(&go, "").unwrap();
    let status = task.await.unwrap().unwrap();
    assert!(status.success());
    let text = read(&f.log);
    assert!(text.starts_with("earlier content\n$ sh -c "), "{text}");
    assert!(text.ends_with("last\n"), "{text}");
}

#[tokio::test]
async fn a_failing_command_returns_its_status() {
    let f = files();
    let status = run(&sh("echo oops >&2; exit 3", &[]), &f.log, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(3));
    assert!(read(&f.log).ends_with("oops\n"));
}

#[tokio::test]
async fn cancel_terminates_the_child_and_its_grandchild() {
    let f = files();
    let cmd = parent_and_grandchild("", &f.leader, &f.grandchild);
    let cancel = Cancel::with_grace(Duration::from_secs(60));
    let (log, c) = (f.log.clone(), cancel.clone());
    let task = tokio::spawn(async move { run(&cmd, &log, &c).await });
    let leader = pid_in(&f.leader).await;
    let grandchild = pid_in(&f.grandchild).await;
    assert!(!is_dead(leader) && !is_dead(grandchild));
    cancel.cancel();
    let result = tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
    assert!(
        matches!(result, Err(RunError::Cancelled { .. })),
        "{result:?}"
    );
    assert!(is_dead(leader), "the child survived");
    assert!(is_dead(grandchild), "the grandchild survived");
    assert!(!has_line(&f.log, "should-not-get-here"));
}

#[tokio::test]
async fn a_group_ignoring_sigterm_is_killed_after_the_grace_period() {
    let f = files();
    let cmd = parent_and_grandchild("trap '' TERM", &f.leader, &f.grandchild);
    let cancel = Cancel::with_grace(Duration::from_millis(200));
    let (log, c) = (f.log.clone(), cancel.clone());
    let task = tokio::spawn(async move { run(&cmd, &log, &c).await });
    let leader = pid_in(&f.leader).await;
    let grandchild = pid_in(&f.grandchild).await;
    cancel.cancel();
    let result = tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
    assert!(
        matches!(result, Err(RunError::Cancelled { .. })),
        "{result:?}"
    );
    assert!(is_dead(leader) && is_dead(grandchild));
}

#[tokio::test]
async fn kill_now_does_not_wait_for_the_grace_period() {
    let f = files();
    let cmd = parent_and_grandchild("trap '' TERM", &f.leader, &f.grandchild);
    // A grace period far beyond the test's patience: only kill_now can end this in time.
    let cancel = Cancel::with_grace(Duration::from_secs(3600));
    let (log, c) = (f.log.clone(), cancel.clone());
    let task = tokio::spawn(async move { run(&cmd, &log, &c).await });
    let leader = pid_in(&f.leader).await;
    let grandchild = pid_in(&f.grandchild).await;
    cancel.cancel();
    // Both ignore SIGTERM: still running after the first request.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!is_dead(leader) && !is_dead(grandchild));
    cancel.kill_now();
    let result = tokio::time::timeout(PATIENCE, task).await.unwrap().unwrap();
    assert!(
        matches!(result, Err(RunError::Cancelled { .. })),
        "{result:?}"
    );
    assert!(is_dead(leader) && is_dead(grandchild));
}

#[tokio::test]
async fn nothing_starts_after_cancel() {
    let f = files();
    let cancel = Cancel::new();
    cancel.cancel();
    let marker = f.leader.with_file_name("started");
    let result = run(&sh("touch \"$1\"", &[&marker]), &f.log, &cancel).await;
    assert!(
        matches!(result, Err(RunError::Cancelled { .. })),
        "{result:?}"
    );
    assert!(!marker.exists());
}

#[tokio::test]
async fn a_missing_program_is_an_error_naming_the_tool_its_path_and_the_check() {
    let f = files();
    let cmd = Cmd::new("/nonexistent/makechrootpkg").arg("-c");
    let err = run(&cmd, &f.log, &Cancel::new()).await.unwrap_err();
    assert!(matches!(err, RunError::Spawn { .. }));
    assert_eq!(
        err.to_string(),
        "cannot start makechrootpkg (/nonexistent/makechrootpkg): No such file or directory \
         (os error 2); `--check` lists what is missing"
    );
    let cmd = Cmd::new("archport-no-such-tool");
    let err = run(&cmd, &f.log, &Cancel::new()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot start archport-no-such-tool (looked up in PATH): No such file or directory \
         (os error 2); `--check` lists what is missing"
    );
}
