//! The seam between a plan and the processes it starts: production runs commands through
//! `archport-chroot`'s process-group runner, tests through a fake that records them.

use std::future::Future;
use std::path::Path;
use std::process::ExitStatus;

use archport_chroot::{Cancel, Cmd, Finished, RunError};

/// Runs one command to completion, its output appended to a log, stopped when `cancel`
/// fires (with [`RunError::Cancelled`]), like [`archport_chroot::run`].
pub trait Spawn: Sync {
    /// Runs `cmd`; returns its exit status, whatever it is.
    fn run(
        &self,
        cmd: &Cmd,
        log: &Path,
        cancel: &Cancel,
    ) -> impl Future<Output = Result<ExitStatus, RunError>> + Send;

    /// Runs `cmd` like [`Spawn::run`], also returning the end of its stderr, which a
    /// failure's error quotes. The default keeps no stderr (a spawner without processes has
    /// none to keep).
    fn run_captured(
        &self,
        cmd: &Cmd,
        log: &Path,
        cancel: &Cancel,
    ) -> impl Future<Output = Result<Finished, RunError>> + Send {
        let running = self.run(cmd, log, cancel);
        async move {
            running.await.map(|status| Finished {
                status,
                stderr_tail: Vec::new(),
            })
        }
    }
}

/// Real processes, each in its own process group ([`archport_chroot::run`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Processes;

impl Spawn for Processes {
    fn run(
        &self,
        cmd: &Cmd,
        log: &Path,
        cancel: &Cancel,
    ) -> impl Future<Output = Result<ExitStatus, RunError>> + Send {
        archport_chroot::run(cmd, log, cancel)
    }

    fn run_captured(
        &self,
        cmd: &Cmd,
        log: &Path,
        cancel: &Cancel,
    ) -> impl Future<Output = Result<Finished, RunError>> + Send {
        archport_chroot::run_captured(cmd, log, cancel)
    }
}
