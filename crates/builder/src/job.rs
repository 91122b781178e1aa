//! One build: key imports, the working copy, makechrootpkg, upload, cache and copy cleanup,
//! all output into the build's log.

use std::path::{Path, PathBuf};

use archport_buildlist::Entry;
use archport_chroot::{
    BuildSpec, Cancel, Cmd, Devtools, RunError, commit_time, failed_copy_name, find_keys, run,
};
use archport_upload::{Uploader, built_files, prune_older, remove_from_cache};
use chrono::Utc;
use tokio::sync::mpsc::UnboundedSender;

use crate::logs;

/// What every build of a run shares.
pub struct JobContext {
    /// devtools commands, with the run's chroot, cache and `--no-check`.
    pub devtools: Devtools,
    /// The upload backend.
    pub uploader: Uploader,
    /// The work directory (`keys/pgp/` lives there).
    pub workdir: PathBuf,
    /// `{workdir}/pkgbuilds`.
    pub pkgbuilds: PathBuf,
    /// The pacman cache shared with the chroots.
    pub cache: PathBuf,
    /// `--no-cache`: empty the cache before each build.
    pub no_cache: bool,
    /// `--no-upload`.
    pub no_upload: bool,
    /// `--cleanup-on-failure`: remove a failed build's working copy too.
    pub cleanup_on_failure: bool,
}

/// One build to run.
pub struct JobInput {
    /// The job id (for phase reports).
    pub id: usize,
    /// The build-list entry.
    pub entry: Entry,
    /// The working copy, unique to the slot.
    pub copy: String,
    /// The log file.
    pub log: PathBuf,
    /// The attempt number, for the log header.
    pub attempt: u32,
}

/// How a build ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// Built (and uploaded unless `--no-upload`).
    Built,
    /// Failed in `phase` (`prepare`, `keys`, `checkdepends`, `build`, `upload`, `cache`).
    Failed {
        /// Where it failed.
        phase: &'static str,
        /// Why.
        reason: String,
    },
    /// Stopped by a signal.
    Interrupted,
}

impl JobOutcome {
    fn failed(phase: &'static str, reason: impl Into<String>) -> JobOutcome {
        JobOutcome::Failed {
            phase,
            reason: reason.into(),
        }
    }
}

/// The phase of the `i`-th of `n` build commands: `Devtools::build_cmds` gives the key
/// imports first and makechrootpkg last, with the working-copy preparation between.
fn phase_of(i: usize, n: usize, keys: usize) -> &'static str {
    if i < keys {
        "keys"
    } else if i + 1 == n {
        "build"
    } else {
        "checkdepends"
    }
}

/// Runs one build to its end. Never panics on outside failures: every problem becomes a
/// [`JobOutcome::Failed`] with its phase, written to the log as well.
pub async fn build_one(
    ctx: &JobContext,
    input: &JobInput,
    cancel: &Cancel,
    phases: &UnboundedSender<(usize, &'static str)>,
) -> JobOutcome {
    let entry = &input.entry;
    let started = Utc::now();
    let header = logs::header(
        &entry.name,
        &entry.version,
        entry.cycle_stage,
        started,
        input.attempt,
    );
    if let Err(e) = logs::append(&input.log, &header) {
        return JobOutcome::failed("prepare", format!("{}: {e}", input.log.display()));
    }
    let outcome = build_steps(ctx, input, cancel, phases).await;
    // Cleanup must run to its end even after a signal: a fresh, never-cancelled signal.
    let quiet = Cancel::new();
    match &outcome {
        JobOutcome::Failed { .. } if !ctx.cleanup_on_failure => {
            // Set aside under the pkgbase's name (see `kept_copy`): the slot's next build
            // re-creates the slot's copy.
            if ctx.devtools.copy_dir(&input.copy).is_dir() {
                let moved = run_all(
                    &ctx.devtools.keep_failed_copy_cmds(&input.copy, &entry.name),
                    &input.log,
                    &quiet,
                )
                .await;
                let _ = logs::append(
                    &input.log,
                    &if moved {
                        format!(
                            "==> working copy kept for inspection: {}\n",
                            kept_copy(&ctx.devtools, &entry.name).display()
                        )
                    } else {
                        "==> warning: the working copy could not be set aside\n".to_owned()
                    },
                );
            }
        }
        JobOutcome::Built => {
            // What an earlier failure of this pkgbase kept is no longer of interest.
            if ctx
                .devtools
                .copy_dir(&failed_copy_name(&entry.name))
                .exists()
            {
                run_all(
                    &ctx.devtools.remove_failed_copy_cmds(&entry.name),
                    &input.log,
                    &quiet,
                )
                .await;
            }
            run_all(
                &ctx.devtools.remove_copy_cmds(&input.copy),
                &input.log,
                &quiet,
            )
            .await;
        }
        _ => {
            run_all(
                &ctx.devtools.remove_copy_cmds(&input.copy),
                &input.log,
                &quiet,
            )
            .await;
        }
    }
    let result = match &outcome {
        JobOutcome::Built => "built".to_owned(),
        JobOutcome::Failed { phase, reason, .. } => format!("FAILED in {phase}: {reason}"),
        JobOutcome::Interrupted => "interrupted".to_owned(),
    };
    let _ = logs::append(&input.log, &logs::footer(&result, started, Utc::now()));
    outcome
}

/// Where a failed build of `pkgbase` keeps its working copy for inspection (unless
/// `--cleanup-on-failure`); removed once the pkgbase builds.
pub fn kept_copy(devtools: &Devtools, pkgbase: &str) -> PathBuf {
    devtools.copy_dir(&failed_copy_name(pkgbase))
}

/// Runs cleanup commands in order, output into `log`; whether all of them succeeded.
async fn run_all(cmds: &[Cmd], log: &Path, cancel: &Cancel) -> bool {
    let mut ok = true;
    for cmd in cmds {
        ok &= matches!(run(cmd, log, cancel).await, Ok(status) if status.success());
    }
    ok
}

async fn build_steps(
    ctx: &JobContext,
    input: &JobInput,
    cancel: &Cancel,
    phases: &UnboundedSender<(usize, &'static str)>,
) -> JobOutcome {
    let entry = &input.entry;
    let dir = ctx.pkgbuilds.join(&entry.name);
    if !dir.join("PKGBUILD").is_file() {
        return JobOutcome::failed(
            "prepare",
            format!(
                "{} has no PKGBUILD; run generate-build-list first",
                dir.display()
            ),
        );
    }
    if ctx.no_cache {
        let _ = phases.send((input.id, "cache"));
        if let Err(e) = archport_upload::empty_cache(&ctx.cache) {
            return JobOutcome::failed("cache", e.to_string());
        }
    }
    let keys = match find_keys(&ctx.workdir, &dir) {
        Ok(keys) => keys,
        Err(e) => return JobOutcome::failed("keys", e.to_string()),
    };
    let spec = BuildSpec {
        pkgbase: entry.name.clone(),
        dir: dir.clone(),
        copy: input.copy.clone(),
        ignorearch: entry.ignorearch,
        checkdepends: entry.checkdepends.clone(),
        keys: keys.clone(),
        source_date_epoch: commit_time(&dir),
    };
    let cmds = match ctx.devtools.build_cmds(&spec) {
        Ok(cmds) => cmds,
        Err(e) => return JobOutcome::failed("checkdepends", e.to_string()),
    };
    for (i, cmd) in cmds.iter().enumerate() {
        let phase = phase_of(i, cmds.len(), keys.len());
        let _ = phases.send((input.id, phase));
        match run(cmd, &input.log, cancel).await {
            Ok(status) if status.success() => {}
            Ok(status) => {
                return JobOutcome::failed(
                    phase,
                    format!("{} {}", tool_name(cmd), how_it_ended(status)),
                );
            }
            Err(RunError::Cancelled { .. }) => return JobOutcome::Interrupted,
            Err(e) => return JobOutcome::failed(phase, e.to_string()),
        }
    }
    if cancel.is_cancelled() {
        return JobOutcome::Interrupted;
    }
    let files = match prune_older(&dir, &entry.pkgnames)
        .and_then(|_| built_files(&dir, &entry.pkgnames, &entry.version))
    {
        Ok(files) => files,
        Err(e) => return JobOutcome::failed("build", e.to_string()),
    };
    let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
    let _ = logs::append(&input.log, &format!("==> built: {}\n", names.join(" ")));
    if ctx.no_upload {
        return JobOutcome::Built;
    }
    let _ = phases.send((input.id, "upload"));
    match ctx.uploader.upload(&files, &entry.repo).await {
        Ok(target) => {
            let _ = logs::append(&input.log, &format!("==> uploaded to {target}\n"));
        }
        Err(e) => return JobOutcome::failed("upload", e.to_string()),
    }
    // Later builds must install what was uploaded, not the copy the build left in the cache.
    if let Err(e) = remove_from_cache(&ctx.cache, &files) {
        let _ = logs::append(&input.log, &format!("==> warning: cache cleanup: {e}\n"));
    }
    JobOutcome::Built
}

/// The tool a command runs, by file name: `makechrootpkg`, not the configured path; for a
/// command run through sudo (`sudo -n -- arch-nspawn ...`), the command sudo runs.
fn tool_name(cmd: &Cmd) -> String {
    let program = file_name(Path::new(&cmd.program));
    let wrapped = (program == "sudo")
        .then(|| cmd.args.iter().skip_while(|a| *a != "--").nth(1))
        .flatten();
    wrapped.map_or(program, |tool| file_name(Path::new(tool)))
}

/// `exited with status 1`, `was killed by signal 9`.
fn how_it_ended(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => status.to_string(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::ExitStatus;

    use super::*;

    #[test]
    fn failures_name_the_tool_and_how_it_ended() {
        let direct = Cmd::new("/opt/devtools/bin/makechrootpkg").arg("-c");
        assert_eq!(tool_name(&direct), "makechrootpkg");
        let wrapped = Cmd::new("arch-nspawn")
            .args(["-c", "/cache"])
            .through_sudo("/usr/bin/sudo");
        assert_eq!(tool_name(&wrapped), "arch-nspawn");
        assert_eq!(
            how_it_ended(ExitStatus::from_raw(2 << 8)),
            "exited with status 2"
        );
        assert_eq!(
            how_it_ended(ExitStatus::from_raw(9)),
            "was killed by signal 9"
        );
    }
}
