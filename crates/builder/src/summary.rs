//! How a run ended: what was built, failed, blocked, skipped or interrupted, the exit code,
//! and the summary printed at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// How the run ended.
#[derive(Debug, Default)]
pub struct Summary {
    /// Built now: `name version`.
    pub built: Vec<String>,
    /// Built by an earlier run at the same version (`--continue`).
    pub already_built: Vec<String>,
    /// Failed: `(name, phase: reason, log)`.
    pub failed: Vec<(String, String, PathBuf)>,
    /// Blocked: `(name, the failed package)`.
    pub blocked: Vec<(String, String)>,
    /// Skipped: `(name, reason)`.
    pub skipped: Vec<(String, String)>,
    /// Builds a signal stopped (`--continue` builds them again): `name version`.
    pub interrupted: Vec<String>,
    /// Builds whose lease this host lost (another host builds them) or whose result the
    /// queue did not take: `(name, why)`. Nothing of theirs was published.
    pub refused: Vec<(String, String)>,
    /// Failed or blocked on other hosts of a shared run (the host that created the run
    /// answers for all of it): `(pkgbase, failed: reason or blocked by ..., host)`.
    pub elsewhere: Vec<(String, String, String)>,
    /// Not started (stop on failure, or a signal).
    pub not_started: usize,
    /// The signal that stopped the run: 130 (SIGINT) or 143 (SIGTERM).
    pub signal_exit: Option<u8>,
    /// How long the run took on this host (`None`: it did not run, as with `--dry-run`).
    pub took: Option<Duration>,
    /// Where this host published: the upload target and how many builds went there.
    pub uploaded: BTreeMap<String, usize>,
    /// `--no-upload`: nothing was meant to be published.
    pub no_upload: bool,
    /// `--dry-run`: the commands.
    pub dry_run: Option<String>,
    /// `--continue` found nothing to continue: why (nothing was built).
    pub nothing_to_continue: Option<String>,
}

impl Summary {
    /// 0 all built; 1 any failed or blocked; 130/143 interrupted.
    pub fn exit_code(&self) -> u8 {
        if let Some(code) = self.signal_exit {
            code
        } else if !self.failed.is_empty()
            || !self.blocked.is_empty()
            || !self.elsewhere.is_empty()
            || self.not_started > 0
        {
            1
        } else {
            0
        }
    }

    /// Adds the failures and blocks of the run's `records` that this host did not see
    /// itself: they happened on other hosts, and the run (whose exit code the creating host
    /// gives) failed all the same.
    pub fn count_other_hosts(&mut self, records: &[archport_queue::JobRecord]) {
        let seen = |name: &str| {
            self.failed
                .iter()
                .any(|(label, _, _)| label.split(' ').next() == Some(name))
                || self.blocked.iter().any(|(n, _)| n == name)
        };
        let mut elsewhere = Vec::new();
        for record in records {
            let what = match record.state {
                archport_queue::JobState::Failed => "FAILED",
                archport_queue::JobState::Blocked => "blocked",
                _ => continue,
            };
            if seen(&record.key.pkgbase) {
                continue;
            }
            let host = record.host.clone().unwrap_or_else(|| "another host".into());
            elsewhere.push((record.key.pkgbase.clone(), what.to_owned(), host));
        }
        self.elsewhere = elsewhere;
    }

    /// The end-of-run summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Summary: {} built, {} failed, {} blocked, {} skipped{}{}{}{}",
            self.built.len(),
            self.failed.len(),
            self.blocked.len(),
            self.skipped.len(),
            if self.elsewhere.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} failed or blocked on other hosts",
                    self.elsewhere.len()
                )
            },
            if self.already_built.is_empty() {
                String::new()
            } else {
                format!(", {} already built", self.already_built.len())
            },
            if self.interrupted.is_empty() {
                String::new()
            } else {
                format!(", {} interrupted", self.interrupted.len())
            },
            if self.not_started > 0 {
                format!(", {} not started", self.not_started)
            } else {
                String::new()
            },
        );
        for name in &self.built {
            let _ = writeln!(out, "  built    {name}");
        }
        for (name, reason, log) in &self.failed {
            let _ = writeln!(out, "  FAILED   {name}: {reason} (log: {})", log.display());
        }
        for (name, by) in &self.blocked {
            let _ = writeln!(out, "  blocked  {name}: blocked by {by}");
        }
        for (name, reason) in &self.skipped {
            let _ = writeln!(out, "  skipped  {name}: {reason}");
        }
        for (name, what, host) in &self.elsewhere {
            let _ = writeln!(out, "  {what:<8} {name} (on {host})");
        }
        for name in &self.interrupted {
            let _ = writeln!(out, "  interrupted {name}");
        }
        for (name, why) in &self.refused {
            let _ = writeln!(out, "  lost     {name}: {why}");
        }
        if !self.interrupted.is_empty() || (self.signal_exit.is_some() && self.not_started > 0) {
            let _ = writeln!(
                out,
                "Run build-packages --continue to build what was interrupted or not started."
            );
        }
        if let Some(took) = self.took {
            let _ = writeln!(out, "Total time: {}", human_duration(took));
        }
        if self.no_upload {
            let _ = writeln!(out, "Not uploaded (--no-upload)");
        } else if self.uploaded.is_empty() {
            let _ = writeln!(out, "Uploaded: nothing");
        } else {
            for (target, count) in &self.uploaded {
                let builds = if *count == 1 { "build" } else { "builds" };
                let _ = writeln!(out, "Uploaded: {count} {builds} to {target}");
            }
        }
        out
    }
}

/// A duration as people read it on a console: `42s`, `3m07s`, `2h05m`.
pub fn human_duration(took: Duration) -> String {
    let secs = took.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_duration(Duration::from_millis(4_900)), "4s");
        assert_eq!(human_duration(Duration::from_secs(187)), "3m07s");
        assert_eq!(human_duration(Duration::from_secs(7_500)), "2h05m");
    }

    #[test]
    fn the_summary_ends_with_the_time_and_where_it_was_uploaded() {
        let mut summary = Summary {
            built: vec!["zlib 1.3".into(), "re2c 4.0".into()],
            took: Some(Duration::from_secs(65)),
            ..Summary::default()
        };
        summary.uploaded.insert("/srv/repo/core-testing".into(), 2);
        let text = summary.render();
        assert!(
            text.ends_with("Total time: 1m05s\nUploaded: 2 builds to /srv/repo/core-testing\n"),
            "{text}"
        );
        summary.uploaded.clear();
        summary.no_upload = true;
        assert!(summary.render().ends_with("Not uploaded (--no-upload)\n"));
    }

    #[test]
    fn exit_codes() {
        let mut summary = Summary {
            built: vec!["zlib 1.3".into()],
            skipped: vec![("cyc-b".into(), "blacklisted".into())],
            ..Summary::default()
        };
        assert_eq!(summary.exit_code(), 0, "skipped entries are no failure");
        summary.not_started = 1;
        assert_eq!(summary.exit_code(), 1, "--stop-on-failure left work undone");
        summary.not_started = 0;
        summary.blocked.push(("newtool".into(), "ninja".into()));
        assert_eq!(summary.exit_code(), 1);
        summary.signal_exit = Some(143);
        assert_eq!(
            summary.exit_code(),
            143,
            "a signal says why the run stopped"
        );
    }
}
