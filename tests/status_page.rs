//! The status page of `bootstrap-toolchain` end to end: the real binary against a small test
//! world with the stand-in devtools keeps `{workdir}/status/index.html` and `status.json`
//! current, the failed step carries its category and cause, its log link resolves inside
//! the status directory, and `--status` (text, `--json`, `--html FILE`) reads the same.

mod common;

use std::process::{Command, Stdio};

use archport_testworld::{PkgbaseSpec, Repo, WorldSpec};
use common::{Env, Run, read_json};

fn session() -> Env {
    let env = Env::new(
        WorldSpec::new()
            .pkgbase(PkgbaseSpec::new("binutils", "2.43-1").repo(Repo::Core))
            .pkgbase(PkgbaseSpec::new("valgrind", "3.23.0-1").arch(["x86_64", "aarch64"])),
    );
    env.use_fake_devtools(
        "\n[bootstrap]\nstage1 = [\"valgrind\", \"binutils\"]\nstage2 = [\"valgrind\"]\n",
    );
    env
}

fn bt(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_bootstrap-toolchain"))
        .current_dir(env.path())
        .env_remove("ARCHPORT_CONFIG")
        .env("NO_COLOR", "1")
        .env("FAKE_DEVTOOLS_LOG", env.path().join("devtools.log"))
        .envs(vars.iter().copied())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run::from_output("bootstrap-toolchain", args, output)
}

#[test]
fn bootstrap_keeps_the_status_page_current_and_classifies_its_failure() {
    let env = session();
    let run = bt(&env, &[("FAKE_FAIL_BUILD", "binutils")], &["--no-upload"]).exits(1);
    assert!(run.stderr.contains("binutils"), "{}", run.stderr);

    let dir = env.path().join("status");
    let status = read_json(&dir.join("status.json"));
    assert_eq!(status["schema"], 1);
    assert_eq!(status["counts"]["built"], 1, "{status}");
    assert_eq!(status["counts"]["failed"], 1, "{status}");
    assert_eq!(status["counts"]["blocked"], 1, "{status}");
    let failed = &status["failed"][0];
    assert_eq!(failed["pkgbase"], "binutils");
    assert_eq!(failed["category"], "build", "{failed}");
    assert_eq!(failed["cause"], "==> ERROR: A failure occurred in build().");
    assert_eq!(failed["phase"], "build");
    let link = failed["log"].as_str().unwrap();
    assert!(link.starts_with("logs/"), "{link}");
    let log = std::fs::read_to_string(dir.join(link)).unwrap();
    assert!(log.contains("A failure occurred in build()"), "{log}");
    assert_eq!(status["blocked"][0]["blocker"], "binutils");
    assert_eq!(status["blocked"][0]["category"], "build");
    assert_eq!(status["built"][0]["repo"], "not published");

    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.contains("binutils"), "the failed step is on the page");
    assert!(page.contains(link), "with its log link");

    // The step record keeps the category too.
    let record = read_json(&env.path().join("build-state/bootstrap.json"));
    assert_eq!(record["steps"][1]["category"], "build");

    // --status, as text, JSON and a page written elsewhere.
    let text = bt(&env, &[], &["--status"]).exits(0).stdout;
    assert!(
        text.contains(
            "FAILED    binutils (stage 1) 2.43-1 [build] ==> ERROR: A failure occurred in build()."
        ),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&bt(&env, &[], &["--status", "--json"]).exits(0).stdout).unwrap();
    assert_eq!(json["failed"][0]["category"], "build");
    let out = env.path().join("published/page.html");
    bt(&env, &[], &["--status", "--html", out.to_str().unwrap()]).exits(0);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("binutils"));
    assert!(
        env.path().join("published").join(link).is_file(),
        "the log is next to the page"
    );

    // The next run (binutils fixed) moves the page on; the history remembers the first run.
    bt(&env, &[], &["--continue", "--no-upload"]).exits(0);
    let status = read_json(&dir.join("status.json"));
    assert_eq!(status["counts"]["built"], 3, "{status}");
    assert_eq!(status["counts"]["failed"], 0, "{status}");
    assert_eq!(status["eta"]["seconds"], 0.0, "{status}");
}

#[test]
fn status_without_a_bootstrap_says_so() {
    let env = session();
    let run = bt(&env, &[], &["--status", "--html", "x.html"]).exits(1);
    assert!(
        run.stderr
            .contains("build-state/bootstrap.json: no bootstrap run recorded yet"),
        "{}",
        run.stderr
    );
    assert!(!env.path().join("x.html").exists());
    bt(&env, &[], &["--status", "--json", "--html", "x.html"]).exits(2);
}
