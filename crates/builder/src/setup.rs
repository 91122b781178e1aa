//! Before the first build: the working copies an earlier run left (none may still be in
//! use; the others are removed) and the root chroot (created when missing).

use std::path::Path;

use archport_chroot::{Cancel, Devtools, RunError, copy_in_use, run, stale_copies};

use crate::display::Display;
use crate::orchestrate::BuildError;

/// The working copies an earlier run left behind, once it is sure none is still in use: a
/// build that a killed run left running (kill -9 stops build-packages, not the builds it
/// started) keeps its copy locked, and a copy is never pulled from under a build.
pub(crate) fn stale_copies_not_in_use(devtools: &Devtools) -> Result<Vec<String>, BuildError> {
    let chroot_error = |e: archport_chroot::ChrootError| BuildError::Chroot(e.to_string());
    let stale = stale_copies(devtools.chroot()).map_err(chroot_error)?;
    for copy in &stale {
        if copy_in_use(devtools.chroot(), copy).map_err(chroot_error)? {
            return Err(BuildError::CopyInUse {
                copy: devtools.copy_dir(copy),
            });
        }
    }
    Ok(stale)
}

/// Removes the `stale` working copies, commands and output into `log`. A copy that cannot
/// be removed is no reason to stop: each build re-creates its slot's copy.
pub(crate) async fn remove_stale_copies(
    devtools: &Devtools,
    stale: Vec<String>,
    log: &Path,
    display: &Display,
) {
    let never = Cancel::new();
    for copy in stale {
        display.note(&format!("removing stale working copy {copy}"));
        for cmd in devtools.remove_copy_cmds(&copy) {
            let _ = run(&cmd, log, &never).await;
        }
    }
}

/// Creates the root chroot when it is missing (output into `log`). When that fails or is
/// interrupted (`cancel`), what was made of it is removed: a half-made root chroot would
/// pass for a finished one in the next run. Interrupted, it returns `Ok` without a root
/// chroot: the run then starts no build (`cancel` says why).
pub(crate) async fn create_root_chroot(
    devtools: &Devtools,
    log: &Path,
    display: &Display,
    cancel: &Cancel,
) -> Result<(), BuildError> {
    let Some(cmd) = devtools.root_chroot_cmd() else {
        return Ok(());
    };
    display.note(&format!("creating the root chroot: {cmd}"));
    let problem = match run(&cmd, log, cancel).await {
        Ok(status) if status.success() => return Ok(()),
        Ok(status) => Some(format!(
            "creating the root chroot failed ({status}); see {}",
            log.display()
        )),
        Err(RunError::Cancelled { .. }) => None,
        Err(e) => Some(e.to_string()),
    };
    let never = Cancel::new();
    // `{chroot}/root` and its lock, like a working copy's.
    for cmd in devtools.remove_copy_cmds("root") {
        let _ = run(&cmd, log, &never).await;
    }
    match problem {
        Some(problem) => Err(BuildError::Chroot(problem)),
        None => Ok(()),
    }
}
