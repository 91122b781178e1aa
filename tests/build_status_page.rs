//! The status page of `build-packages` end to end (issue 14): a real run of the demo world
//! with the stand-in devtools, one build failing, keeps `{workdir}/status/index.html` and
//! `status.json` current; the failure carries its category and cause there, in
//! `failed_packages.json` (`category`, `cause`) and in `--status` (text and JSON); and
//! `--status --html FILE` renders the same page on demand (exit 1 when there is no run).

mod common;

use common::{Env, Run, read_json};

fn bp(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> Run {
    let output = env
        .command("build-packages")
        .envs(vars.iter().copied())
        .args(args)
        .output()
        .unwrap();
    Run::from_output("build-packages", args, output)
}

#[test]
fn a_run_with_a_failure_keeps_the_page_and_sorts_the_failure_by_cause() {
    let env = Env::demo();
    env.use_fake_devtools("");
    // Before any run: no page to render.
    let none = bp(&env, &[], &["--status", "--html", "page.html"]).exits(1);
    assert!(none.stderr.contains("no build run"), "{}", none.stderr);
    assert!(!env.path().join("page.html").exists());

    // newtool needs ninja, which needs re2c; ninja fails.
    let args = ["--jobs", "2", "--packages", "newtool", "zlib"];
    let output = env
        .command("generate-build-list")
        .args(args)
        .output()
        .unwrap();
    Run::from_output("generate-build-list", &args, output).exits(0);
    bp(&env, &[("FAKE_FAIL_BUILD", "ninja")], &[]).exits(1);

    let dir = env.path().join("status");
    let status = read_json(&dir.join("status.json"));
    assert_eq!(status["counts"]["built"], 2, "{status}");
    assert_eq!(status["counts"]["failed"], 1, "{status}");
    assert_eq!(status["counts"]["blocked"], 1, "{status}");
    let failed = &status["failed"][0];
    assert_eq!(failed["pkgbase"], "ninja", "{failed}");
    assert_eq!(failed["category"], "build", "{failed}");
    let cause = failed["cause"].as_str().unwrap();
    assert!(
        cause.starts_with("==> ERROR: A failure occurred in build()."),
        "{cause}"
    );
    let link = failed["log"].as_str().unwrap();
    let log = std::fs::read_to_string(dir.join(link)).unwrap();
    assert!(log.contains("A failure occurred in build()"), "{log}");
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.contains("ninja") && page.contains(cause_html(cause).as_str()));

    // failed_packages.json: the same category and cause; the block has none of its own.
    let list = read_json(&env.path().join("failed_packages.json"));
    let ninja = &list["packages"][0];
    assert_eq!(ninja["name"], "ninja", "{list}");
    assert_eq!(ninja["category"], "build", "{list}");
    assert_eq!(ninja["cause"], cause, "{list}");
    assert_eq!(list["packages"][1]["name"], "newtool", "{list}");

    // --status, text and JSON.
    let text = bp(&env, &[], &["--status"]).exits(0).stdout;
    assert!(text.contains(&format!("ninja [build] {cause}")), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&bp(&env, &[], &["--status", "--json"]).exits(0).stdout).unwrap();
    assert_eq!(json["failures"][0]["category"], "build", "{json}");
    assert_eq!(json["failures"][0]["cause"], cause, "{json}");

    // --status --html FILE: the page, its log link resolving beside it.
    bp(&env, &[], &["--status", "--html", "page.html"]).exits(0);
    let page = std::fs::read_to_string(env.path().join("page.html")).unwrap();
    assert!(page.contains(&format!("href=\"{link}\"")), "{link}");
    assert!(env.path().join(link).is_file(), "{link}");
}

/// `text` as the page escapes it.
fn cause_html(text: &str) -> String {
    archport_status::escape(text)
}
