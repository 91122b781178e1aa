//! Before the first build: the working copies an earlier run left (none may still be in
//! use; the others are removed). The root chroot is the runner's
//! ([`archport_runner::create_root_chroot`]).

use std::path::Path;

use archport_chroot::{Cancel, Devtools, copy_in_use, run, stale_copies};

use crate::display::Display;
use crate::error::BuildError;

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
