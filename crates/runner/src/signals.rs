//! SIGINT and SIGTERM during a run. The first signal stops new builds and asks the running
//! ones to stop (SIGTERM to each build's process group, SIGKILL after the grace period); any
//! further signal kills them at once. A task reacts to the signals as they come, so a run
//! busy with something else (creating the root chroot, recording a transition, fetching a
//! checkout) stops as promptly as one waiting for its builds. The run itself then ends on
//! its own, so its lock is released and its working copies are cleaned up; it exits 130
//! (SIGINT) or 143 (SIGTERM).

use std::sync::{Arc, OnceLock};

use archport_chroot::Cancel;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// What a signal did, for the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// The first signal: the builds were asked to stop.
    Stop,
    /// A further one: the builds were killed.
    Kill,
}

impl Interrupt {
    /// The console line that says what the signal did to the running build (`several`:
    /// builds).
    pub fn announcement(self, several: bool) -> &'static str {
        match (self, several) {
            (Interrupt::Stop, true) => {
                "interrupted: stopping the running builds (interrupt again to kill them at once)"
            }
            (Interrupt::Stop, false) => {
                "interrupted: stopping the running build (interrupt again to kill it at once)"
            }
            (Interrupt::Kill, true) => "killing the running builds",
            (Interrupt::Kill, false) => "killing the running build",
        }
    }
}

/// The signals of one run.
pub struct Signals {
    exit_code: Arc<OnceLock<u8>>,
    interrupts: mpsc::UnboundedReceiver<Interrupt>,
    task: tokio::task::JoinHandle<()>,
}

impl Signals {
    /// Takes SIGINT and SIGTERM over (their default action would end the tool and leave its
    /// builds running) and cancels `cancel` on the first of them. Needs a tokio
    /// runtime.
    pub fn watch(cancel: Cancel) -> std::io::Result<Signals> {
        let mut sigint = signal(SignalKind::interrupt())?;
        let mut sigterm = signal(SignalKind::terminate())?;
        let exit_code = Arc::new(OnceLock::new());
        let first = Arc::clone(&exit_code);
        let (sender, interrupts) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let code = tokio::select! {
                    Some(()) = sigint.recv() => 130,
                    Some(()) = sigterm.recv() => 143,
                    else => break,
                };
                // The exit code is set before the builds are told, so whoever sees them
                // stop also sees why.
                let interrupt = if first.set(code).is_ok() {
                    cancel.cancel();
                    Interrupt::Stop
                } else {
                    cancel.kill_now();
                    Interrupt::Kill
                };
                if sender.send(interrupt).is_err() {
                    break;
                }
            }
        });
        Ok(Signals {
            exit_code,
            interrupts,
            task,
        })
    }

    /// The exit code of the first signal: 130 for SIGINT, 143 for SIGTERM.
    pub fn exit_code(&self) -> Option<u8> {
        self.exit_code.get().copied()
    }

    /// Waits for the next signal's effect.
    pub async fn next(&mut self) -> Option<Interrupt> {
        self.interrupts.recv().await
    }

    /// The effects of signals that came and were not taken yet.
    pub fn pending(&mut self) -> Vec<Interrupt> {
        let mut pending = Vec::new();
        while let Ok(interrupt) = self.interrupts.try_recv() {
            pending.push(interrupt);
        }
        pending
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        self.task.abort();
    }
}
