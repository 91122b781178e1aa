//! Build logs, named the same by every tool: `logs/<pkgbase>-<YYYYmmdd-HHMMSS>-build.log`, with a header and a footer,
//! the three newest kept per pkgbase.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, Utc};

/// How many logs of one pkgbase are kept.
pub const KEEP_LOGS: usize = 3;

const SUFFIX: &str = "-build.log";

/// A new log path for `pkgbase` starting at `at`; if a log of that second exists (a second
/// build of a cycle finishing fast), the next free second is used, so no log is overwritten.
pub fn new_log_path(dir: &Path, pkgbase: &str, at: DateTime<Local>) -> PathBuf {
    let mut t = at;
    loop {
        let path = dir.join(format!("{pkgbase}-{}{SUFFIX}", t.format("%Y%m%d-%H%M%S")));
        if !path.exists() {
            return path;
        }
        t += chrono::Duration::seconds(1);
    }
}

/// The pkgbase a log file name belongs to, if it is one of ours:
/// `<pkgbase>-<8 digits>-<6 digits>-build.log`.
pub fn pkgbase_of_log(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_suffix(SUFFIX)?;
    // "-YYYYmmdd-HHMMSS" is 16 bytes.
    let split = stem.len().checked_sub(16)?;
    let (base, stamp) = stem.split_at(split);
    let bytes = stamp.as_bytes();
    let shape_ok = bytes[0] == b'-'
        && bytes[9] == b'-'
        && bytes[1..9].iter().all(u8::is_ascii_digit)
        && bytes[10..].iter().all(u8::is_ascii_digit);
    (shape_ok && !base.is_empty()).then_some(base)
}

/// Removes all but the [`KEEP_LOGS`] newest logs of exactly `pkgbase` (not of pkgbases that
/// merely start with it: `gcc` keeps `gcc-libs`' logs). Returns the removed paths.
pub fn rotate(dir: &Path, pkgbase: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut logs: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if pkgbase_of_log(&name) == Some(pkgbase) {
            logs.push((name, entry.path()));
        }
    }
    // The timestamp format sorts chronologically as text.
    logs.sort();
    let excess = logs.len().saturating_sub(KEEP_LOGS);
    let mut removed = Vec::new();
    for (_, path) in logs.into_iter().take(excess) {
        std::fs::remove_file(&path)?;
        removed.push(path);
    }
    Ok(removed)
}

/// The header written before the build output: which tool builds what (`title`, such as
/// `zlib 1.3.1-2 (cycle build 1 of 2)`), when, and which attempt it is.
pub fn header(tool: &str, title: &str, started: DateTime<Utc>, attempt: u32) -> String {
    format!(
        "==> archport {tool}: {title}\n==> started {}, attempt {attempt}\n\n",
        started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// The footer written after the build: result and times.
pub fn footer(result: &str, started: DateTime<Utc>, finished: DateTime<Utc>) -> String {
    let secs = (finished - started).num_milliseconds() as f64 / 1000.0;
    format!(
        "\n==> result: {result}\n==> finished {}, took {secs:.1} s\n",
        finished.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// Appends text to a log file.
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_exact_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let at = chrono::TimeZone::with_ymd_and_hms(&Local, 2026, 11, 24, 10, 0, 0).unwrap();
        let mut made = Vec::new();
        for i in 0..5 {
            let p = new_log_path(dir.path(), "gcc", at + chrono::Duration::minutes(i));
            append(&p, "x").unwrap();
            made.push(p);
        }
        let other = new_log_path(dir.path(), "gcc-libs", at);
        append(&other, "x").unwrap();
        assert_eq!(
            made[0].file_name().unwrap().to_string_lossy(),
            "gcc-20261124-100000-build.log"
        );
        assert_eq!(
            pkgbase_of_log("gcc-libs-20261124-100000-build.log"),
            Some("gcc-libs")
        );
        assert_eq!(pkgbase_of_log("gcc-2026112-100000-build.log"), None);
        let removed = rotate(dir.path(), "gcc").unwrap();
        assert_eq!(removed, made[..2].to_vec());
        assert!(other.exists() && made[2].exists() && made[4].exists());
        // Same second again: the next free second is used.
        let again = new_log_path(dir.path(), "gcc", at + chrono::Duration::minutes(4));
        assert_eq!(
            again.file_name().unwrap().to_string_lossy(),
            "gcc-20261124-100401-build.log"
        );
    }
}
