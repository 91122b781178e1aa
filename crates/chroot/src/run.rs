//! Running one external command unattended: output into a log file, in its own process
//! group, stopped as a whole when the run is cancelled.

use std::io::Write as _;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::process::Child;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::cmd::Cmd;
use crate::error::RunError;

/// How long a cancelled command's process group gets between SIGTERM and SIGKILL by default.
/// systemd-nspawn needs a few seconds to shut a container down cleanly.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(10);

/// How often a terminating process group is checked.
const POLL: Duration = Duration::from_millis(50);

/// How long to wait for a killed group to vanish before giving up on it (members can
/// linger as zombies when the system's init does not reap them).
const AFTER_KILL: Duration = Duration::from_secs(5);

/// How far cancellation has gone. Levels only rise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CancelLevel {
    /// Not cancelled.
    Running,
    /// Stop: SIGTERM now, SIGKILL after the grace period (the first SIGINT).
    Terminate,
    /// Stop now: SIGKILL (the second SIGINT).
    Kill,
}

/// A cancellation signal shared by every running command of a run. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Cancel {
    level: Arc<watch::Sender<CancelLevel>>,
    grace: Duration,
}

impl Default for Cancel {
    fn default() -> Cancel {
        Cancel::new()
    }
}

impl Cancel {
    /// A signal with the [`DEFAULT_GRACE`] period.
    pub fn new() -> Cancel {
        Cancel::with_grace(DEFAULT_GRACE)
    }

    /// A signal whose commands get `grace` between SIGTERM and SIGKILL.
    pub fn with_grace(grace: Duration) -> Cancel {
        let (sender, _) = watch::channel(CancelLevel::Running);
        Cancel {
            level: Arc::new(sender),
            grace,
        }
    }

    /// Asks every running command to stop: SIGTERM to its process group, SIGKILL after the
    /// grace period. Commands not yet started will not start.
    pub fn cancel(&self) {
        self.raise(CancelLevel::Terminate);
    }

    /// Kills every running command's process group now (SIGKILL).
    pub fn kill_now(&self) {
        self.raise(CancelLevel::Kill);
    }

    /// The current level.
    pub fn level(&self) -> CancelLevel {
        *self.level.borrow()
    }

    /// Whether [`Cancel::cancel`] or [`Cancel::kill_now`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.level() >= CancelLevel::Terminate
    }

    /// The grace period between SIGTERM and SIGKILL.
    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Completes once the signal is cancelled.
    pub async fn cancelled(&self) {
        let mut receiver = self.level.subscribe();
        let _ = receiver.wait_for(|l| *l >= CancelLevel::Terminate).await;
    }

    fn raise(&self, to: CancelLevel) {
        self.level.send_if_modified(|level| {
            let rises = *level < to;
            if rises {
                *level = to;
            }
            rises
        });
    }
}

/// Runs `cmd` to completion: appends a `$ <command line>` header and then the command's
/// stdout and stderr (as they are written, not buffered) to `log`; stdin is empty. The
/// command gets its own process group so that cancelling stops it and everything it
/// started (makechrootpkg -> systemd-nspawn -> makepkg -> compilers), not just the
/// direct child.
///
/// Returns the exit status, whatever it is; [`RunError::Cancelled`] when `cancel` fired
/// before or during the run (the group has then been terminated).
pub async fn run(cmd: &Cmd, log: &Path, cancel: &Cancel) -> Result<ExitStatus, RunError> {
    let command_line = cmd.to_string();
    let log_error = |source| RunError::Log {
        path: log.to_owned(),
        source,
    };
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(log_error)?;
    writeln!(out, "$ {command_line}").map_err(log_error)?;
    if cancel.is_cancelled() {
        return Err(RunError::Cancelled {
            command: command_line,
        });
    }
    let err = out.try_clone().map_err(log_error)?;
    let mut command = cmd.to_tokio();
    command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .kill_on_drop(true);
    let mut receiver = cancel.level.subscribe();
    let mut child = command.spawn().map_err(|source| RunError::Spawn {
        command: command_line.clone(),
        source,
    })?;
    // The group id is the child's pid (`process_group(0)`).
    let group = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .map(Pid::from_raw);
    tokio::select! {
        status = child.wait() => {
            return status.map_err(|source| RunError::Wait { command: command_line, source });
        }
        _ = receiver.wait_for(|l| *l >= CancelLevel::Terminate) => {}
    }
    if let Some(group) = group {
        stop_group(&mut child, group, &mut receiver, cancel.grace).await;
    }
    Err(RunError::Cancelled {
        command: command_line,
    })
}

/// SIGTERM (or SIGKILL at [`CancelLevel::Kill`]) to the group, then SIGKILL once the grace
/// period ends or [`Cancel::kill_now`] is called, until no member is left.
async fn stop_group(
    child: &mut Child,
    group: Pid,
    receiver: &mut watch::Receiver<CancelLevel>,
    grace: Duration,
) {
    let mut killed_at = None;
    if *receiver.borrow() >= CancelLevel::Kill {
        let _ = killpg(group, Signal::SIGKILL);
        killed_at = Some(Instant::now());
    } else {
        let _ = killpg(group, Signal::SIGTERM);
    }
    let deadline = Instant::now() + grace;
    loop {
        // Reap the leader as soon as it exits: an unreaped leader keeps the group alive.
        let _ = child.try_wait();
        if !group_alive(group) {
            break;
        }
        match killed_at {
            None if *receiver.borrow() >= CancelLevel::Kill || Instant::now() >= deadline => {
                let _ = killpg(group, Signal::SIGKILL);
                killed_at = Some(Instant::now());
            }
            Some(at) if at.elapsed() >= AFTER_KILL => break,
            _ => {}
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            _ = receiver.changed() => {}
        }
    }
    let _ = tokio::time::timeout(AFTER_KILL, child.wait()).await;
}

/// Whether any process of `group` is still running. Zombies do not count: they are dead, and
/// on systems whose init does not reap orphans they would never go away.
fn group_alive(group: Pid) -> bool {
    match killpg(group, None) {
        Err(Errno::ESRCH) => false,
        // Ok, or EPERM (members exist but are not ours to signal, such as sudo's children).
        _ => running_member(group).unwrap_or(true),
    }
}

/// Scans `/proc` for a process in `group` that is not a zombie; `None` when `/proc` cannot
/// be read.
fn running_member(group: Pid) -> Option<bool> {
    let group = group.as_raw().to_string();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        if !name
            .to_str()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        // A process may exit between listing and reading: skip it.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1);
        if pgrp == Some(group.as_str()) && !matches!(state, Some("Z" | "X")) {
            return Some(true);
        }
    }
    Some(false)
}
