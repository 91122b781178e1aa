//! Running one external command unattended: output into a log file, in its own process
//! group, stopped as a whole when the run is cancelled.

use std::io::Write as _;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt as _;
use tokio::process::{Child, ChildStderr};
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

/// How much of a command's stderr is kept for its error message: the end of it, where the
/// tools say why they stopped (devtools' `die`, makepkg's `==> ERROR:`).
const TAIL_BYTES: usize = 4096;

/// How many of the last stderr lines [`Finished::stderr_tail`] holds.
const TAIL_LINES: usize = 3;

/// How long stderr is still read after the command exited: a process it left behind may
/// hold the pipe open, and its output must not hold up the run.
const DRAIN: Duration = Duration::from_secs(2);

/// How a command that ran to its end finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Its exit status, whatever it is.
    pub status: ExitStatus,
    /// Its last stderr lines (at most three, oldest first, blank lines skipped), control
    /// characters removed: what a failure's one-line error quotes (see
    /// [`Finished::said`]). Everything it wrote is in the log as well.
    pub stderr_tail: Vec<String>,
}

impl Finished {
    /// What the tool said last, for a one-line error: its last stderr line, preceded by
    /// the one before when both are `==> ERROR:` lines (makepkg's cause, then devtools'
    /// `Could not download sources.`), joined with `; `; each line at most 200 characters.
    /// `None` when it wrote nothing to stderr.
    pub fn said(&self) -> Option<String> {
        let last = self.stderr_tail.last()?;
        let mut lines = vec![bounded(last)];
        if let [.., before, last] = self.stderr_tail.as_slice()
            && before.starts_with("==> ERROR:")
            && last.starts_with("==> ERROR:")
        {
            lines.insert(0, bounded(before));
        }
        Some(lines.join("; "))
    }
}

/// `line` cut to 200 characters (with `...` when cut).
fn bounded(line: &str) -> String {
    const MAX: usize = 200;
    match line.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_owned(),
    }
}

/// The last [`TAIL_LINES`] non-blank lines of `bytes`, lossily decoded, control characters
/// (escape sequences' ESC included) removed and whitespace trimmed. A first line cut by
/// the tail's byte limit is dropped unless it is all there is.
fn tail_lines(bytes: &[u8], cut: bool) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<&str> = text.split(['\n', '\r']).collect();
    if cut && lines.len() > 1 {
        lines.remove(0);
    }
    let mut kept: Vec<String> = lines
        .iter()
        .map(|l| printable(l).trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    let skip = kept.len().saturating_sub(TAIL_LINES);
    kept.drain(..skip);
    kept
}

/// `line` without terminal escape sequences (makepkg colours its messages on a terminal:
/// `ESC [ ... m`) and other control characters; tabs become spaces.
fn printable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: `[`, parameters, then a final byte in `@`..=`~`.
                if chars.clone().next() == Some('[') {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The end of a command's stderr, as it is copied into the log.
#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    cut: bool,
}

/// Copies `stderr` into `log` as it comes, keeping its last [`TAIL_BYTES`] in `tail`.
async fn copy_stderr(mut stderr: ChildStderr, mut log: std::fs::File, tail: Arc<Mutex<Tail>>) {
    let mut buffer = [0u8; 8192];
    loop {
        let n = match stderr.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // The log is the record; a failed write there must not stop the command.
        let _ = log.write_all(&buffer[..n]);
        let Ok(mut tail) = tail.lock() else { break };
        tail.bytes.extend_from_slice(&buffer[..n]);
        if tail.bytes.len() > TAIL_BYTES {
            let excess = tail.bytes.len() - TAIL_BYTES;
            tail.bytes.drain(..excess);
            tail.cut = true;
        }
    }
}

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
/// before or during the run (the group has then been terminated). See [`run_captured`] for
/// the command's last words and its time limit.
pub async fn run(cmd: &Cmd, log: &Path, cancel: &Cancel) -> Result<ExitStatus, RunError> {
    run_captured(cmd, log, cancel).await.map(|f| f.status)
}

/// [`run`], also keeping the end of the command's stderr ([`Finished::stderr_tail`]) so
/// that a failure's error can say what the tool said. With [`Cmd::timeout`] set, a command
/// still running when it ends has its process group stopped like a cancelled one (SIGTERM,
/// SIGKILL after `cancel`'s grace period) and the result is [`RunError::TimedOut`].
pub async fn run_captured(cmd: &Cmd, log: &Path, cancel: &Cancel) -> Result<Finished, RunError> {
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
    let err_log = out.try_clone().map_err(log_error)?;
    let mut command = cmd.to_tokio_group_leader();
    command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut receiver = cancel.level.subscribe();
    let mut child = command.spawn().map_err(|source| RunError::Spawn {
        command: command_line.clone(),
        program: cmd.program.clone(),
        source,
    })?;
    let tail = Arc::new(Mutex::new(Tail::default()));
    let reader = child
        .stderr
        .take()
        .map(|stderr| tokio::spawn(copy_stderr(stderr, err_log, Arc::clone(&tail))));
    // The group id is the child's pid (`process_group(0)`).
    let group = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .map(Pid::from_raw);
    let limit = async {
        match cmd.timeout {
            Some(after) => tokio::time::sleep(after).await,
            None => std::future::pending().await,
        }
    };
    let timed_out = tokio::select! {
        status = child.wait() => {
            let status = status.map_err(|source| RunError::Wait { command: command_line, source })?;
            if let Some(mut reader) = reader
                && tokio::time::timeout(DRAIN, &mut reader).await.is_err()
            {
                reader.abort();
            }
            let tail = tail.lock().map(|t| tail_lines(&t.bytes, t.cut)).unwrap_or_default();
            return Ok(Finished { status, stderr_tail: tail });
        }
        // The guard `wait_for` returns must not live in the select's output: it is not Send.
        () = async { let _ = receiver.wait_for(|l| *l >= CancelLevel::Terminate).await; } => false,
        () = limit => true,
    };
    if let Some(group) = group {
        stop_group(&mut child, group, &mut receiver, cancel.grace).await;
    }
    if let Some(reader) = reader {
        reader.abort();
    }
    match (timed_out, cmd.timeout) {
        (true, Some(after)) => Err(RunError::TimedOut {
            command: command_line,
            after,
        }),
        _ => Err(RunError::Cancelled {
            command: command_line,
        }),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_lines_without_control_characters() {
        let text =
            b"one\ntwo\n\n\x1b[1;31m==> ERROR:\x1b[0m A failure\tin build().\r\n    Aborting...\n";
        assert_eq!(
            tail_lines(text, false),
            ["two", "==> ERROR: A failure in build().", "Aborting..."]
        );
        assert_eq!(tail_lines(b"cut line\nwhole\n", true), ["whole"]);
        assert_eq!(tail_lines(b"only a cut line", true), ["only a cut line"]);
        assert!(tail_lines(b"\n\n", false).is_empty());
    }

    #[test]
    fn said_quotes_the_last_line_and_an_error_before_an_error() {
        use std::os::unix::process::ExitStatusExt as _;
        let finished = |lines: &[&str]| Finished {
            status: ExitStatus::from_raw(255 << 8),
            stderr_tail: lines.iter().map(|l| (*l).to_owned()).collect(),
        };
        assert_eq!(finished(&[]).said(), None);
        assert_eq!(
            finished(&[
                "Aborting...",
                "==> ERROR: Build failed, check /c/copy/build"
            ])
            .said(),
            Some("==> ERROR: Build failed, check /c/copy/build".to_owned())
        );
        assert_eq!(
            finished(&[
                "==> ERROR: You do not have write permission for the directory $SRCDEST (/p).",
                "==> ERROR: Could not download sources."
            ])
            .said(),
            Some(
                "==> ERROR: You do not have write permission for the directory $SRCDEST (/p).; \
                 ==> ERROR: Could not download sources."
                    .to_owned()
            )
        );
        let long = "x".repeat(300);
        assert_eq!(
            finished(&[&long]).said().unwrap(),
            format!("{}...", "x".repeat(200))
        );
    }
}
