//! SIGINT and SIGTERM during a run: the first stops the running build (its whole process
//! group, through [`Cancel`]) and makes the run end after cleaning up; a second SIGINT
//! kills the build at once. The run then releases its lock and exits 130 (143 for SIGTERM).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use archport_chroot::Cancel;
use tokio::signal::unix::{SignalKind, signal};
use tokio::task::JoinHandle;

use crate::console::Console;

/// Listens for SIGINT and SIGTERM while it lives. Once installed, the signals no longer
/// kill the process: the run checks [`Signals::exit_code`] and ends on its own, so its
/// lock is released and its working copy removed.
#[derive(Debug)]
pub struct Signals {
    code: Arc<AtomicU8>,
    task: JoinHandle<()>,
}

impl Signals {
    /// Starts listening (on the current tokio runtime): signals cancel `cancel`.
    pub fn listen(cancel: Cancel, console: Console) -> std::io::Result<Signals> {
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let code = Arc::new(AtomicU8::new(0));
        let seen = Arc::clone(&code);
        let task = tokio::spawn(async move {
            loop {
                let got = tokio::select! {
                    Some(()) = interrupt.recv() => 130,
                    Some(()) = terminate.recv() => 143,
                    else => break,
                };
                if seen
                    .compare_exchange(0, got, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    cancel.cancel();
                    console.alert(
                        "interrupted: stopping the running build (interrupt again to kill it at once)",
                    );
                } else {
                    cancel.kill_now();
                    console.alert("killing the running build");
                }
            }
        });
        Ok(Signals { code, task })
    }

    /// 130 or 143 once a signal arrived.
    pub fn exit_code(&self) -> Option<u8> {
        match self.code.load(Ordering::SeqCst) {
            0 => None,
            code => Some(code),
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        self.task.abort();
    }
}
