//! The nightly loop's build-packages side (issue 10 §3 and §8): `--continue` resumes the run's
//! own list and refuses another, says when there is nothing to continue; `--status` tells a
//! run that was killed from a running one and answers scripts before any run.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::{Env, Run, wait_until};

struct Session {
    env: Env,
}

impl Session {
    fn new() -> Session {
        let env = Env::new(archport_testworld::demo());
        env.use_fake_devtools("");
        Session { env }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.env.path().join(relative)
    }

    fn command(&self, bin: &str) -> Command {
        self.env.command(bin)
    }

    fn run(&self, bin: &str, args: &[&str]) -> Run {
        let out = self.command(bin).args(args).output().unwrap();
        Run::from_output(bin, args, out)
    }

    fn spawn_bp(&self, vars: &[(&str, &str)], args: &[&str]) -> Child {
        self.command("build-packages")
            .envs(vars.iter().copied())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn started(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.path("events.log")).unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with("start "))
            .map(|l| l.split(' ').nth(2).unwrap().to_owned())
            .collect()
    }

    fn wait_for_start(&self, pkgbase: &str) {
        wait_until(&format!("{pkgbase}'s build"), || {
            self.started().iter().any(|p| p == pkgbase).then_some(())
        });
    }
}

fn signal(pid: u32, name: &str) {
    assert!(
        Command::new("kill")
            .args([&format!("-{name}"), "--", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn continue_resumes_the_runs_own_list_and_refuses_another() {
    let s = Session::new();
    // The nightly list (8 entries), and a small one an operator built by hand.
    s.run("generate-build-list", &["--jobs", "2"]).exits(0);
    s.run(
        "generate-build-list",
        &["--jobs", "2", "--packages", "zlib", "-o", "small.json"],
    )
    .exits(0);
    let small = s.path("small.json");
    let child = s.spawn_bp(
        &[("FAKE_BUILD_SLEEP", "600"), ("FAKE_SLEEP_ONLY", "zlib")],
        &["--json", small.to_str().unwrap()],
    );
    s.wait_for_start("zlib");
    signal(child.id(), "INT");
    let stopped =
        Run::from_output("build-packages", &[], child.wait_with_output().unwrap()).exits(130);
    // The summary names the interrupted build and says what to do.
    assert!(
        stopped.stderr.contains("1 interrupted"),
        "{}",
        stopped.stderr
    );
    assert!(
        stopped.stderr.contains("  interrupted zlib "),
        "{}",
        stopped.stderr
    );
    assert!(stopped.stderr.contains("--continue"), "{}", stopped.stderr);

    // Another list is refused, naming both.
    let refused = s
        .run(
            "build-packages",
            &["--continue", "--json", "packages_to_build.json"],
        )
        .exits(1);
    assert!(
        refused.stderr.contains("small.json") && refused.stderr.contains("packages_to_build.json"),
        "{}",
        refused.stderr
    );
    let before = s.started().len();
    // A plain --continue resumes the run's own list: zlib only, not the 8 of the nightly list.
    let resumed = s.run("build-packages", &["--continue"]).exits(0);
    assert_eq!(s.started()[before..], ["zlib"], "{}", resumed.stderr);
    // Then there is nothing to continue, and nothing is built or reopened.
    let again = s.run("build-packages", &["--continue"]).exits(0);
    assert!(
        again.stderr.contains("nothing to continue"),
        "{}",
        again.stderr
    );
    assert_eq!(s.started().len(), before + 1);
    let status = s
        .run("build-packages", &["--status", "--format", "json"])
        .exits(0);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert!(status["run"]["finished_at"].is_string(), "{status}");
}

#[test]
fn status_tells_a_killed_run_from_a_running_one_and_answers_before_any_run() {
    let s = Session::new();
    // Before any run: a valid document saying so.
    let none = s
        .run("build-packages", &["--status", "--format", "json"])
        .exits(0);
    let none: serde_json::Value = serde_json::from_str(&none.stdout).unwrap();
    assert!(none["run"].is_null(), "{none}");
    assert!(
        none["message"].as_str().unwrap().contains("no build run"),
        "{none}"
    );

    s.run(
        "generate-build-list",
        &["--jobs", "2", "--packages", "zlib"],
    )
    .exits(0);
    let mut child = s.spawn_bp(&[("FAKE_BUILD_SLEEP", "600")], &[]);
    s.wait_for_start("zlib");
    let running = s.run("build-packages", &["--status"]).exits(0);
    assert!(running.stdout.contains("running for"), "{}", running.stdout);
    // kill -9: build-packages is gone (its build is stopped by hand here).
    let events = std::fs::read_to_string(s.path("events.log")).unwrap();
    let pgid = events
        .lines()
        .next()
        .unwrap()
        .split(' ')
        .nth(4)
        .unwrap()
        .to_owned();
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status();
    let text = s.run("build-packages", &["--status"]).exits(0);
    assert!(
        text.stdout.contains("stopped (interrupted or crashed)"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains(", 1 interrupted"), "{}", text.stdout);
    let json = s
        .run("build-packages", &["--status", "--format", "json"])
        .exits(0);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["stopped"], true, "{json}");
    assert_eq!(json["counts"]["interrupted"], 1, "{json}");
    assert_eq!(json["counts"]["building"], 0, "{json}");
}

/// A run whose root chroot could not be created built nothing: `--status` says it failed to
/// start, and why, instead of "stopped (interrupted or crashed)"; once a `--continue`
/// starts it, that is gone.
#[test]
fn status_says_when_a_run_failed_to_start() {
    let s = Session::new();
    s.run(
        "generate-build-list",
        &["--jobs", "2", "--packages", "zlib"],
    )
    .exits(0);
    let out = s
        .command("build-packages")
        .env("FAKE_FAIL_MKARCHROOT", "1")
        .output()
        .unwrap();
    let failed = Run::from_output("build-packages", &[], out).exits(1);
    assert!(
        failed.stderr.contains("creating the root chroot failed"),
        "{}",
        failed.stderr
    );
    let text = s.run("build-packages", &["--status"]).exits(0);
    let line = text
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("finished:"))
        .unwrap();
    assert!(
        line.contains("finished: no: failed to start: creating the root chroot failed")
            && line.contains("FAKE_FAIL_MKARCHROOT"),
        "{}",
        text.stdout
    );
    let json = s
        .run("build-packages", &["--status", "--format", "json"])
        .exits(0);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        json["start_failure"]
            .as_str()
            .unwrap()
            .starts_with("creating the root chroot failed"),
        "{json}"
    );

    // The status page says so too, kept current and on demand.
    let page_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("status/status.json")).unwrap())
            .unwrap();
    assert!(
        page_json["run"]["start_failure"]
            .as_str()
            .unwrap()
            .starts_with("creating the root chroot failed"),
        "{page_json}"
    );
    let index = std::fs::read_to_string(s.path("status/index.html")).unwrap();
    assert!(index.contains("no: failed to start: creating the root chroot failed"));
    s.run("build-packages", &["--status", "--html", "page.html"])
        .exits(0);
    let page = std::fs::read_to_string(s.path("page.html")).unwrap();
    assert!(page.contains("no: failed to start: creating the root chroot failed"));

    s.run("build-packages", &["--continue", "--no-upload"])
        .exits(0);
    let page_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("status/status.json")).unwrap())
            .unwrap();
    assert!(page_json["run"]["start_failure"].is_null(), "{page_json}");
    let json = s
        .run("build-packages", &["--status", "--format", "json"])
        .exits(0);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(json.get("start_failure").is_none(), "{json}");
    assert_eq!(json["counts"]["built"], 1, "{json}");
}
