//! Before the first build: the working copies an earlier run left are removed, once
//! [`archport_runner::stale_copies_not_in_use`] found none still in use. The root chroot is
//! the runner's ([`archport_runner::create_root_chroot`]).

use std::path::Path;

use archport_chroot::{Cancel, Devtools, run};

use crate::display::Display;

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
