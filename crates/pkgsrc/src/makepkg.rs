//! `makepkg --printsrcinfo`, for PKGBUILD directories without a `.SRCINFO`.
//!
//! makepkg refuses to run as root. When this process is root, makepkg is started through
//! `runuser -u <user> --` as the unprivileged user the caller configures; that user must be
//! able to read the PKGBUILD directory (and traverse its parents). makepkg also insists on
//! write access to `BUILDDIR`, `PKGDEST`, `SRCDEST`, `SRCPKGDEST` and `LOGDEST` even though
//! `--printsrcinfo` writes nothing, so they point at a fresh scratch directory.
//!
//! `--printsrcinfo` sources the PKGBUILD, which is someone else's bash: it may sleep forever
//! or print without end. So makepkg runs in its own process group under a deadline
//! ([`Makepkg::timeout`]) and an output cap ([`MAX_SRCINFO_BYTES`]); on either the whole
//! group is killed and the package is skipped with the reason.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use archport_fs::is_untrusted_regular_file;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::limits::{DEFAULT_PRINTSRCINFO_TIMEOUT, MAX_SRCINFO_BYTES};

/// How much of makepkg's error output an error keeps: enough for its own message, too
/// little to carry a file the PKGBUILD chose to print.
const MAX_STDERR_CHARS: usize = 300;

/// How to run makepkg.
#[derive(Clone, Debug)]
pub struct Makepkg {
    /// The makepkg program (a name looked up in `PATH`, or a path).
    pub program: PathBuf,
    /// The unprivileged user makepkg runs as when this process is root.
    pub run_as: Option<String>,
    /// The `runuser` program used to switch to `run_as`.
    pub runuser: PathBuf,
    /// How long `makepkg --printsrcinfo` may run before its process group is killed and the
    /// package skipped (the configuration's `[limits] printsrcinfo_secs`).
    pub timeout: Duration,
}

impl Default for Makepkg {
    fn default() -> Self {
        Makepkg {
            program: PathBuf::from("makepkg"),
            run_as: None,
            runuser: PathBuf::from("runuser"),
            timeout: DEFAULT_PRINTSRCINFO_TIMEOUT,
        }
    }
}

/// Why `makepkg --printsrcinfo` gave no output.
#[derive(Debug, thiserror::Error)]
pub enum MakepkgError {
    /// The directory has no PKGBUILD.
    #[error("{}: no PKGBUILD", dir.display())]
    NoPkgbuild {
        /// The PKGBUILD directory.
        dir: PathBuf,
    },
    /// The PKGBUILD is a symbolic link, a FIFO or a device: makepkg would read whatever it
    /// points at and quote it in its errors.
    #[error("{}: PKGBUILD {source}", dir.display())]
    UnsafePkgbuild {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// What is wrong with it.
        source: archport_fs::UntrustedError,
    },
    /// makepkg ran longer than [`Makepkg::timeout`]; its process group was killed.
    #[error("{}: makepkg --printsrcinfo did not finish within {} s (killed)", dir.display(), timeout.as_secs())]
    TimedOut {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// The limit that was reached.
        timeout: Duration,
    },
    /// makepkg printed more than [`MAX_SRCINFO_BYTES`]; its process group was killed.
    #[error("{}: makepkg --printsrcinfo printed more than {cap} bytes (killed)", dir.display())]
    TooMuchOutput {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// The cap that was exceeded, in bytes.
        cap: u64,
    },
    /// We are root and no unprivileged user was configured.
    #[error("{}: makepkg refuses to run as root and no unprivileged user is configured to run it", dir.display())]
    RootWithoutUser {
        /// The PKGBUILD directory.
        dir: PathBuf,
    },
    /// The scratch directory could not be created, or the program could not be started.
    #[error("{}: cannot run {program}: {source}", dir.display())]
    Spawn {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// The program that failed to start (makepkg or runuser).
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// makepkg is not where the configuration says, or not in `PATH`: said here rather than
    /// as runuser's "Permission denied" from a root-only directory in `PATH`.
    #[error("{}: cannot run makepkg --printsrcinfo: {program} not found in PATH; install makepkg (Arch: pacman -S pacman), or set [tools] makepkg to its path", dir.display())]
    NotFound {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// The configured program.
        program: String,
    },
    /// makepkg exited unsuccessfully.
    #[error("{}: makepkg --printsrcinfo failed ({status}): {stderr}", dir.display())]
    Failed {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// The exit status.
        status: std::process::ExitStatus,
        /// The end of makepkg's error output, on one line, at most 300 characters.
        stderr: String,
    },
    /// makepkg printed something that is not UTF-8.
    #[error("{}: makepkg --printsrcinfo printed non-UTF-8 output", dir.display())]
    NotUtf8 {
        /// The PKGBUILD directory.
        dir: PathBuf,
    },
}

impl Makepkg {
    /// Runs `makepkg --printsrcinfo` in `dir` and returns what it printed.
    ///
    /// makepkg runs in a process group of its own; when it outlives [`Makepkg::timeout`] or
    /// prints more than [`MAX_SRCINFO_BYTES`], the whole group is killed and waited for.
    pub fn print_srcinfo(&self, dir: &Path) -> Result<String, MakepkgError> {
        match is_untrusted_regular_file(dir, Path::new("PKGBUILD")) {
            Ok(true) => {}
            Ok(false) => {
                return Err(MakepkgError::NoPkgbuild {
                    dir: dir.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(MakepkgError::UnsafePkgbuild {
                    dir: dir.to_path_buf(),
                    source,
                });
            }
        }
        let spawn_error = |program: &Path, source| MakepkgError::Spawn {
            dir: dir.to_path_buf(),
            program: program.display().to_string(),
            source,
        };
        let switch_user = if running_as_root() {
            let user = self
                .run_as
                .as_deref()
                .filter(|u| !u.is_empty())
                .ok_or_else(|| MakepkgError::RootWithoutUser {
                    dir: dir.to_path_buf(),
                })?;
            Some(user)
        } else {
            None
        };

        let scratch = tempfile::Builder::new()
            .prefix("archport-printsrcinfo-")
            .tempdir()
            .map_err(|source| spawn_error(&self.program, source))?;
        if switch_user.is_some() {
            // The unprivileged user must be allowed to "write" there; the directory is
            // fresh, empty and removed when we return.
            std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o777))
                .map_err(|source| spawn_error(&self.program, source))?;
        }

        let (program, mut command) = match switch_user {
            Some(user) => {
                // Found with our PATH: the other user's lookup would only report a
                // directory it cannot enter.
                let makepkg = which::which(&self.program).map_err(|_| MakepkgError::NotFound {
                    dir: dir.to_path_buf(),
                    program: self.program.display().to_string(),
                })?;
                let mut command = Command::new(&self.runuser);
                command.arg("-u").arg(user).arg("--").arg(makepkg);
                (&self.runuser, command)
            }
            None => (&self.program, Command::new(&self.program)),
        };
        command
            .arg("--printsrcinfo")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so that a timeout kills what the PKGBUILD started too.
            .process_group(0);
        for var in ["BUILDDIR", "PKGDEST", "SRCDEST", "SRCPKGDEST", "LOGDEST"] {
            command.env(var, scratch.path());
        }
        let child = command
            .spawn()
            .map_err(|source| spawn_error(program, source))?;
        let output = run_bounded(child, self.timeout);
        match output.end {
            End::Exited(status) if status.success() => {
                String::from_utf8(output.stdout).map_err(|_| MakepkgError::NotUtf8 {
                    dir: dir.to_path_buf(),
                })
            }
            End::Exited(status) => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                let words = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
                let tail: Vec<char> = words.chars().filter(|c| !c.is_control()).collect();
                let tail: String = tail[tail.len().saturating_sub(MAX_STDERR_CHARS)..]
                    .iter()
                    .collect();
                Err(MakepkgError::Failed {
                    dir: dir.to_path_buf(),
                    status,
                    stderr: tail,
                })
            }
            End::TimedOut => Err(MakepkgError::TimedOut {
                dir: dir.to_path_buf(),
                timeout: self.timeout,
            }),
            End::TooMuchOutput => Err(MakepkgError::TooMuchOutput {
                dir: dir.to_path_buf(),
                cap: MAX_SRCINFO_BYTES,
            }),
            End::Wait(source) => Err(spawn_error(program, source)),
        }
    }
}

/// How a bounded run ended.
enum End {
    Exited(ExitStatus),
    TimedOut,
    TooMuchOutput,
    Wait(std::io::Error),
}

struct Bounded {
    end: End,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// One stream read to its end or to a cap: `Err(())` when the cap was passed.
fn read_capped(stream: impl Read, cap: u64) -> Result<Vec<u8>, ()> {
    let mut content = Vec::new();
    // A read error ends the stream: what was read so far is what makepkg printed.
    let _ = stream.take(cap + 1).read_to_end(&mut content);
    if content.len() as u64 > cap {
        Err(())
    } else {
        Ok(content)
    }
}

/// Waits for `child` (the leader of its own process group) at most `timeout`, reading its
/// output on two threads, each up to a cap. On the timeout or a passed cap the whole group is
/// killed; the child is always reaped.
fn run_bounded(mut child: Child, timeout: Duration) -> Bounded {
    let deadline = Instant::now() + timeout;
    let group = i32::try_from(child.id()).ok().map(Pid::from_raw);
    let kill_group = || {
        if let Some(group) = group {
            // ESRCH: the group is already gone.
            let _ = killpg(group, Signal::SIGKILL);
        }
    };
    let (sender, events) = mpsc::channel();
    let mut readers = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let sender = sender.clone();
        readers.push(std::thread::spawn(move || {
            let _ = sender.send((true, read_capped(stdout, MAX_SRCINFO_BYTES)));
        }));
    }
    if let Some(stderr) = child.stderr.take() {
        let sender = sender.clone();
        readers.push(std::thread::spawn(move || {
            let _ = sender.send((false, read_capped(stderr, MAX_SRCINFO_BYTES)));
        }));
    }
    drop(sender);

    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut cut_short = None;
    // Both streams end when every process of the group has closed them (normally: exited).
    for _ in 0..readers.len() {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(remaining) {
            Ok((true, Ok(content))) => stdout = content,
            Ok((false, Ok(content))) => stderr = content,
            Ok((_, Err(()))) => {
                cut_short = Some(End::TooMuchOutput);
                break;
            }
            Err(_) => {
                cut_short = Some(End::TimedOut);
                break;
            }
        }
    }
    if cut_short.is_some() {
        kill_group();
    }
    // The streams are closed; makepkg itself may still be finishing (or a process of its
    // group kept them open and was killed above). Wait for it, within the deadline.
    let end = loop {
        match child.try_wait() {
            Ok(Some(status)) => break cut_short.unwrap_or(End::Exited(status)),
            Ok(None) if Instant::now() >= deadline && cut_short.is_none() => {
                kill_group();
                cut_short = Some(End::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => {
                kill_group();
                let _ = child.wait();
                break End::Wait(error);
            }
        }
    };
    // The readers are not joined: after a kill they end when the last copy of the pipes
    // closes, which a process that left the group could delay; nothing waits for that.
    drop(readers);
    Bounded {
        end,
        stdout,
        stderr,
    }
}

/// Whether this process runs with effective uid 0: `/proc/self` belongs to the effective
/// user (this avoids `unsafe` calls to `geteuid`).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
