//! SIGINT and SIGTERM during a run. The first signal stops new builds and asks the running
//! ones to stop (SIGTERM to each build's process group, SIGKILL after the grace period); any
//! further signal kills them at once. A task reacts to the signals as they come, so a run
//! busy with something else (creating the root chroot, recording a transition) stops as
//! promptly as one waiting for its builds.

use std::sync::{Arc, OnceLock};

use archport_chroot::Cancel;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// What a signal did, for the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interrupt {
    /// The first signal: the builds were asked to stop.
    Stop,
    /// A further one: the builds were killed.
    Kill,
}

/// The signals of one run.
pub(crate) struct Signals {
    exit_code: Arc<OnceLock<u8>>,
    interrupts: mpsc::UnboundedReceiver<Interrupt>,
}

impl Signals {
    /// Takes SIGINT and SIGTERM over (their default action would end build-packages and
    /// leave its builds running) and cancels `cancel` on the first of them. Needs a tokio
    /// runtime.
    pub(crate) fn watch(cancel: Cancel) -> std::io::Result<Signals> {
        let mut sigint = signal(SignalKind::interrupt())?;
        let mut sigterm = signal(SignalKind::terminate())?;
        let exit_code = Arc::new(OnceLock::new());
        let first = Arc::clone(&exit_code);
        let (sender, interrupts) = mpsc::unbounded_channel();
        tokio::spawn(async move {
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
        })
    }

    /// The exit code of the first signal: 130 for SIGINT, 143 for SIGTERM.
    pub(crate) fn exit_code(&self) -> Option<u8> {
        self.exit_code.get().copied()
    }

    /// Waits for the next signal's effect.
    pub(crate) async fn next(&mut self) -> Option<Interrupt> {
        self.interrupts.recv().await
    }

    /// The effects of signals that came and were not taken yet.
    pub(crate) fn pending(&mut self) -> Vec<Interrupt> {
        let mut pending = Vec::new();
        while let Ok(interrupt) = self.interrupts.try_recv() {
            pending.push(interrupt);
        }
        pending
    }
}
