//! Headless Chromium (Debian's `chromium` package), for the browser test and the screenshot.

use std::path::Path;
use std::process::Command;

/// The browser to run: `$ARCHPORT_CHROMIUM`, else `chromium` from PATH.
fn program() -> String {
    std::env::var("ARCHPORT_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

/// Runs headless Chromium on `page` with `args` (a private profile in `profile`, no
/// sandbox: tests may run as root) and returns its stdout. Panics with the fix when the
/// browser is missing.
pub fn run(page: &Path, profile: &Path, args: &[&str]) -> String {
    let url = format!("file://{}", page.display());
    let output = Command::new(program())
        .arg("--headless")
        .arg("--no-sandbox")
        .arg("--disable-gpu")
        .arg("--no-first-run")
        .arg("--allow-file-access-from-files")
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): the browser test needs Debian's chromium: apt-get install chromium",
                program()
            )
        });
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
