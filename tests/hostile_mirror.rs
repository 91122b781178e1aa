//! Issue 11, points 6 and 7 end to end: the real `repo-analyze` against a mirror that
//! trickles its database or answers with an HTML page.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Env, wait_until};

const TARGET_CORE: &str = "mirror-target/core/os/aarch64/core.db";

/// Temporary download files in `dir`: hidden `*.tmp` files.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with('.') && name.ends_with(".tmp")
        })
        .collect();
    files.sort();
    files
}

/// SIGTERM mid-download: repo-analyze has no handler, so the process dies with its temporary
/// file in `cache/`; the next run removes it, and the cached copy was never touched.
#[test]
fn sigterm_during_a_download_leaves_no_temporary_file_behind() {
    let env = Env::demo();
    let first = env.cmd("repo-analyze").output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let cache = env.path().join("cache");
    let good = std::fs::read(cache.join(format!(
        "127.0.0.1_{}_{}",
        env.world.server().port(),
        TARGET_CORE.replace('/', "_")
    )))
    .unwrap();

    env.world.server().trickle(TARGET_CORE);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("repo-analyze"))
        .current_dir(env.path())
        .env_remove("ARCHPORT_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let partial = wait_until("a download in progress", || {
        temp_files(&cache).into_iter().next()
    });
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    assert!(
        partial.exists(),
        "no handler: the killed run cannot clean up"
    );

    env.world.server().clear_failures();
    let second = env.cmd("repo-analyze").output().unwrap();
    assert_eq!(second.status.code(), Some(0), "{second:?}");
    assert_eq!(temp_files(&cache), Vec::<PathBuf>::new());
    let name = format!(
        "127.0.0.1_{}_{}",
        env.world.server().port(),
        TARGET_CORE.replace('/', "_")
    );
    assert_eq!(std::fs::read(cache.join(name)).unwrap(), good);
}

/// A trickling mirror is cut off by the configured deadline with one error line naming it.
#[test]
fn a_trickling_mirror_hits_the_configured_deadline() {
    let env = Env::demo();
    let config = env.config();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[limits]\ndownload_timeout_secs = 2\n");
    std::fs::write(&config, text).unwrap();
    env.world.server().trickle(TARGET_CORE);
    let output = env.cmd("repo-analyze").output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: loading the repositories: {}: download did not finish within 2 s (limits.download_timeout_secs)",
            env.world.server().url(TARGET_CORE)
        )
    );
    assert_eq!(temp_files(&env.path().join("cache")), Vec::<PathBuf>::new());
}

/// An HTML answer does not replace the good copy: `--offline` still works afterwards.
#[test]
fn an_html_answer_keeps_the_cached_copy_for_offline_runs() {
    let env = Env::demo();
    let first = env.cmd("repo-analyze").output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let html = env.path().join("maintenance.html");
    std::fs::write(&html, "<html>Down for maintenance</html>\n").unwrap();
    env.world.server().mount(TARGET_CORE, &html);
    let output = env.cmd("repo-analyze").output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "error: loading the repositories: {}: not a valid database, cached copy kept: unknown compression",
            env.world.server().url(TARGET_CORE)
        )),
        "{stderr}"
    );
    let offline = env.cmd("repo-analyze").arg("--offline").output().unwrap();
    assert_eq!(offline.status.code(), Some(0), "{offline:?}");
    assert_eq!(offline.stdout, first.stdout);
}
