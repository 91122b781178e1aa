//! How a `bootstrap-toolchain` run ended.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use archport_runner::{Phase, format_duration};

/// The step that stopped the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    /// `Stage 1/2 (3/8): binutils`.
    pub step: String,
    /// The pkgbase of the step, without the stage label.
    pub pkgbase: String,
    /// The version being built.
    pub version: String,
    /// Where it failed.
    pub phase: Phase,
    /// What went wrong: `makechrootpkg exited with status 1`.
    pub reason: String,
    /// The step's log, which says more.
    pub log: PathBuf,
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Steps built by this run: `Stage 1/2 (1/8): linux-api-headers 6.10-1`.
    pub built: Vec<String>,
    /// Steps an earlier run had built (`--continue`).
    pub already_built: usize,
    /// The step that failed, which stopped the run.
    pub failure: Option<StepFailure>,
    /// The step a signal stopped.
    pub interrupted: Option<String>,
    /// The signal's exit code: 130 (SIGINT) or 143 (SIGTERM).
    pub signal_exit: Option<u8>,
    /// `--dry-run`: the commands, for stdout.
    pub dry_run: Option<String>,
    /// How long the run took.
    pub elapsed: Duration,
}

impl Summary {
    /// 0 every step built; 1 a step failed; 130/143 interrupted.
    pub fn exit_code(&self) -> u8 {
        match (self.signal_exit, &self.failure) {
            (Some(code), _) => code,
            (None, Some(_)) => 1,
            (None, None) => 0,
        }
    }

    /// The closing lines for stderr (empty for `--dry-run`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.dry_run.is_some() {
            return out;
        }
        let took = format_duration(self.elapsed);
        if let Some(f) = &self.failure {
            let _ = writeln!(
                out,
                "error: {} {} failed in {}: {}",
                f.step, f.version, f.phase, f.reason
            );
            let _ = writeln!(out, "  log: {}", f.log.display());
            let _ = writeln!(
                out,
                "  {} built in {took}; fix it and resume with `bootstrap-toolchain --continue`",
                self.built.len()
            );
        } else if self.signal_exit.is_some() {
            let what = match &self.interrupted {
                Some(step) => format!("{step} was stopped"),
                None => "stopped between steps".to_owned(),
            };
            let _ = writeln!(
                out,
                "interrupted: {what}; {} built in {took}; resume with `bootstrap-toolchain --continue`",
                self.built.len()
            );
        } else {
            let earlier = if self.already_built > 0 {
                format!(" ({} built by the earlier run)", self.already_built)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "bootstrap complete: {} built in {took}{earlier}",
                self.built.len()
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_closing_lines() {
        let mut s = Summary {
            built: vec!["Stage 1/2 (1/3): glibc 2.40-1".into()],
            elapsed: Duration::from_secs(65),
            ..Summary::default()
        };
        assert_eq!(s.exit_code(), 0);
        assert_eq!(s.render(), "bootstrap complete: 1 built in 1m05s\n");
        s.failure = Some(StepFailure {
            step: "Stage 1/2 (2/3): binutils".into(),
            pkgbase: "binutils".into(),
            version: "2.43-1".into(),
            phase: Phase::Build,
            reason: "makechrootpkg exited with status 1".into(),
            log: PathBuf::from("/w/logs/binutils-20260101-000000-build.log"),
        });
        assert_eq!(s.exit_code(), 1);
        assert_eq!(
            s.render(),
            "error: Stage 1/2 (2/3): binutils 2.43-1 failed in build: makechrootpkg exited with status 1\n  \
             log: /w/logs/binutils-20260101-000000-build.log\n  \
             1 built in 1m05s; fix it and resume with `bootstrap-toolchain --continue`\n"
        );
        s.failure = None;
        s.signal_exit = Some(143);
        s.interrupted = Some("Stage 1/2 (2/3): binutils".into());
        assert_eq!(s.exit_code(), 143);
        assert!(
            s.render()
                .starts_with("interrupted: Stage 1/2 (2/3): binutils was stopped;")
        );
    }
}
