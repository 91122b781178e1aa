//! How a run ended: what was built, failed, blocked, skipped or interrupted, the exit code,
//! and the summary printed at the end.

use std::fmt::Write as _;
use std::path::PathBuf;

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
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
