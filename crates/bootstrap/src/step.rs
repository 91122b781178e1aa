//! One step: refresh, install what was built so far, empty the cache, build, upload; all
//! output into the step's log (`logs/<pkgbase>-<YYYYmmdd-HHMMSS>-build.log`, as
//! build-packages writes them).

use std::path::{Path, PathBuf};

use archport_build::logs;
use archport_chroot::{Cancel, Cmd, RunError, run};
use archport_upload::{Uploader, built_files, prune_older};
use chrono::{DateTime, Utc};

use crate::commands::Commands;
use crate::plan::{STAGES, Step};
use crate::sources::Package;

/// What every step of a run shares.
#[derive(Debug)]
pub struct StepContext {
    /// The commands.
    pub commands: Commands,
    /// The upload backend.
    pub uploader: Uploader,
    /// `--no-upload`.
    pub no_upload: bool,
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Built, and published to `published` unless `--no-upload`.
    Built {
        /// The package files built.
        files: Vec<PathBuf>,
        /// The repository they went to.
        published: Option<String>,
    },
    /// Failed in `phase`.
    Failed {
        /// `refresh`, `install`, `cache`, `keys`, `build` or `upload`.
        phase: &'static str,
        /// Why.
        reason: String,
    },
    /// Stopped by a signal: the build's process group was stopped.
    Interrupted,
}

fn failed(phase: &'static str, reason: impl Into<String>) -> StepOutcome {
    StepOutcome::Failed {
        phase,
        reason: reason.into(),
    }
}

/// The log header: the same shape as build-packages' (`logs::header`), naming this tool
/// and the stage.
pub fn header(step: &Step, version: &str, started: DateTime<Utc>, attempt: u32) -> String {
    format!(
        "==> archport bootstrap-toolchain: {} {version} (stage {} of {STAGES}, {}/{})\n==> started {}, attempt {attempt}\n\n",
        step.pkgbase,
        step.stage,
        step.position,
        step.stage_len,
        started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// Runs `step` of `package` to its end, `installed` being the package files built so far.
/// Every problem becomes [`StepOutcome::Failed`] with its phase, written to `log` as well.
/// The working copy is removed after success and interruption, kept after a failure.
pub async fn run_step(
    ctx: &StepContext,
    step: &Step,
    package: &Package,
    installed: &[PathBuf],
    log: &Path,
    attempt: u32,
    cancel: &Cancel,
) -> StepOutcome {
    let started = Utc::now();
    if let Err(e) = logs::append(log, &header(step, &package.version, started, attempt)) {
        return failed("prepare", format!("{}: {e}", log.display()));
    }
    let outcome = match build(ctx, package, installed, log, cancel).await {
        Ok(outcome) | Err(outcome) => outcome,
    };
    let result = match &outcome {
        StepOutcome::Built { .. } => "built".to_owned(),
        StepOutcome::Failed { phase, reason } => format!("FAILED in {phase}: {reason}"),
        StepOutcome::Interrupted => "interrupted".to_owned(),
    };
    if !matches!(outcome, StepOutcome::Failed { .. }) {
        // A fresh Cancel: the removal must run even when the run is being interrupted.
        let quiet = Cancel::new();
        for cmd in ctx.commands.remove_copy() {
            let _ = run(&cmd, log, &quiet).await;
        }
    }
    let _ = logs::append(log, &logs::footer(&result, started, Utc::now()));
    outcome
}

/// Runs `cmd` into `log`; `Err` is the step's outcome when it did not succeed.
async fn checked(
    cmd: &Cmd,
    phase: &'static str,
    log: &Path,
    cancel: &Cancel,
) -> Result<(), StepOutcome> {
    // `run` writes the command line into the log before its output.
    match run(cmd, log, cancel).await {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(failed(
            phase,
            format!("{} exited with {status}", cmd.program),
        )),
        Err(RunError::Cancelled { .. }) => Err(StepOutcome::Interrupted),
        Err(e) => Err(failed(phase, e.to_string())),
    }
}

/// The step's phases in order; `Err` carries the outcome that ended it early.
async fn build(
    ctx: &StepContext,
    package: &Package,
    installed: &[PathBuf],
    log: &Path,
    cancel: &Cancel,
) -> Result<StepOutcome, StepOutcome> {
    let commands = &ctx.commands;
    checked(&commands.refresh(), "refresh", log, cancel).await?;
    if let Some(install) = commands.install(installed) {
        for file in installed {
            let to = commands.cached_path(file);
            let _ = logs::append(
                log,
                &format!("==> copy {} {}\n", file.display(), to.display()),
            );
            std::fs::copy(file, &to)
                .map_err(|e| failed("install", format!("{}: {e}", file.display())))?;
        }
        checked(&install, "install", log, cancel).await?;
    }
    let _ = logs::append(
        log,
        &format!("==> emptying the cache {}\n", commands.cache().display()),
    );
    archport_upload::empty_cache(commands.cache()).map_err(|e| failed("cache", e.to_string()))?;
    let build = commands
        .build(package)
        .map_err(|e| failed("build", e.to_string()))?;
    for (i, cmd) in build.cmds.iter().enumerate() {
        let phase = if i < build.keys { "keys" } else { "build" };
        checked(cmd, phase, log, cancel).await?;
    }
    if cancel.is_cancelled() {
        return Err(StepOutcome::Interrupted);
    }
    let files = prune_older(&package.dir, &package.pkgnames)
        .and_then(|_| built_files(&package.dir, &package.pkgnames, &package.version))
        .map_err(|e| failed("build", e.to_string()))?;
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let _ = logs::append(log, &format!("==> built: {}\n", names.join(" ")));
    if ctx.no_upload {
        return Ok(StepOutcome::Built {
            files,
            published: None,
        });
    }
    let target = ctx
        .uploader
        .upload(&files, &package.repo)
        .await
        .map_err(|e| failed("upload", e.to_string()))?;
    let _ = logs::append(log, &format!("==> uploaded to {target}\n"));
    Ok(StepOutcome::Built {
        files,
        published: Some(target),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn header_names_the_tool_and_the_stage() {
        let step = Step {
            stage: 2,
            position: 1,
            stage_len: 5,
            pkgbase: "glibc".into(),
        };
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(
            header(&step, "2.40-1", at, 2),
            "==> archport bootstrap-toolchain: glibc 2.40-1 (stage 2 of 2, 1/5)\n==> started 2026-01-02T03:04:05Z, attempt 2\n\n"
        );
    }

    #[test]
    fn emptying_the_cache_keeps_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.pkg.tar.zst"), "").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        archport_upload::empty_cache(dir.path()).unwrap();
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["sub"]);
        archport_upload::empty_cache(&dir.path().join("absent")).unwrap();
    }
}
