//! One external command as data: printed by `--dry-run`, run by [`crate::run`].

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

/// An external command: program, argument vector, working directory and extra environment.
///
/// Commands are data first so that `--dry-run` prints exactly what a real run spawns; they
/// are always spawned from the argument vector, never through a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    /// The program, a path or a name looked up in `PATH`.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// The working directory, `None` for the caller's.
    pub cwd: Option<PathBuf>,
    /// Variables added to the inherited environment.
    pub env: Vec<(String, String)>,
    /// A directory put first on the child's `PATH`, before the inherited one: devtools'
    /// own directory, because makechrootpkg runs `arch-nspawn` by name (see
    /// [`Cmd::path_first`]).
    pub path_first: Option<PathBuf>,
    /// How long the command may run before its process group is stopped (see
    /// [`crate::run_captured`]); `None` for no limit. Not part of the shell line.
    pub timeout: Option<std::time::Duration>,
}

/// The `PATH` a child gets when archport's own has none: what a login shell would have.
const FALLBACK_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin";

impl Cmd {
    /// A command running `program` with no arguments.
    pub fn new(program: impl Into<String>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
            path_first: None,
            timeout: None,
        }
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Cmd {
        self.args.push(arg.into());
        self
    }

    /// Adds one path argument (lossily converted: archport's paths are UTF-8).
    pub fn path_arg(self, path: impl AsRef<std::path::Path>) -> Cmd {
        let text = path.as_ref().to_string_lossy().into_owned();
        self.arg(text)
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets the working directory.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Cmd {
        self.cwd = Some(dir.into());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Cmd {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Puts `dir` first on the child's `PATH` (the inherited `PATH` follows), so the
    /// programs it runs by name are found there first. Through sudo this only holds when
    /// sudoers has no `secure_path` (or `dir` is in it): sudo then replaces `PATH`.
    pub fn path_first(mut self, dir: impl Into<PathBuf>) -> Cmd {
        self.path_first = Some(dir.into());
        self
    }

    /// Limits how long the command may run (see [`crate::run_captured`]).
    pub fn timeout(mut self, limit: Option<std::time::Duration>) -> Cmd {
        self.timeout = limit;
        self
    }

    /// The child's `PATH` when [`Cmd::path_first`] was given: that directory, then the
    /// inherited `PATH`.
    fn path_value(&self) -> Option<std::ffi::OsString> {
        let dir = self.path_first.as_ref()?;
        let mut value = dir.as_os_str().to_owned();
        value.push(":");
        match std::env::var_os("PATH") {
            Some(path) if !path.is_empty() => value.push(path),
            _ => value.push(FALLBACK_PATH),
        }
        Some(value)
    }

    /// This command run through `sudo` (non-interactive), keeping its environment
    /// variables (`--preserve-env`), which sudo would otherwise drop.
    ///
    /// `-n` because the child runs in its own process group, unattended: a password prompt
    /// there would stop the process (SIGTTIN) instead of failing. Configure sudo without a
    /// password for the devtools commands, or run archport as root.
    pub fn through_sudo(self, sudo: &str) -> Cmd {
        let mut args = vec!["-n".to_owned()];
        if !self.env.is_empty() {
            let keys: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
            args.push(format!("--preserve-env={}", keys.join(",")));
        }
        args.push("--".to_owned());
        args.push(self.program);
        args.extend(self.args);
        Cmd {
            program: sudo.to_owned(),
            args,
            cwd: self.cwd,
            env: self.env,
            path_first: self.path_first,
            timeout: self.timeout,
        }
    }

    /// A `tokio` command with the program, arguments, working directory and environment
    /// (standard streams left for the caller), ending with the run like [`Cmd::to_std`]'s.
    pub fn to_tokio(&self) -> tokio::process::Command {
        tokio::process::Command::from(self.to_std())
    }

    /// The same as [`Cmd::to_tokio`], for blocking callers.
    ///
    /// The child gets SIGKILL when the run that started it dies, however it dies (issue 11
    /// §8: after `kill -9` of build-packages, an orphaned repo-add kept publishing beside
    /// the resumed run). See [`end_with_the_parent`] for what that covers.
    pub fn to_std(&self) -> std::process::Command {
        let mut command = self.plain_command();
        end_with_the_parent(&mut command);
        command
    }

    /// The command for [`crate::run`], which starts it as the leader of a process group of
    /// its own and stops that whole group when cancelled. It gets no parent-death signal:
    /// the signal would reach the leader alone (makechrootpkg), leaving the container it
    /// started building without it. A build a killed run left running is found instead by
    /// the in-use check on working copies (issue 11 §9), which refuses to remove its copy.
    pub(crate) fn to_tokio_group_leader(&self) -> tokio::process::Command {
        tokio::process::Command::from(self.plain_command())
    }

    fn plain_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(&self.program);
        command.args(&self.args);
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(path) = self.path_value() {
            command.env("PATH", path);
        }
        command
    }
}

/// Sets the child's parent-death signal to SIGKILL (`PR_SET_PDEATHSIG`) before it execs.
///
/// The kernel sends it when the *thread* that forked the child exits, not the process.
/// That is the run's lifetime here: tokio's runtime spawns on its worker threads, which
/// live as long as the runtime (no `block_in_place` in this workspace, which could retire
/// one), and the blocking callers (`spawn_blocking` running `output()`) wait on their child
/// in the thread that forked it, so that thread outlives the child. A runtime shut down at
/// the end of `main` also ends what is left, which is what a run's children should do.
///
/// The setting survives `exec` but not a set-user-ID program: a command run through the
/// real `sudo` keeps running after a killed run. A child's own children do not inherit it
/// (a stand-in that `exec`s keeps it). Commands [`crate::run`] starts in process groups of
/// their own do not get it (see [`Cmd::to_tokio_group_leader`]).
#[allow(unsafe_code)]
fn end_with_the_parent(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt as _;
    let parent = nix::unistd::getpid();
    // SAFETY: the hook runs in the child between fork and exec, where only
    // async-signal-safe calls are allowed: prctl and getppid are plain system calls, and
    // the error built from an errno allocates nothing.
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                .map_err(std::io::Error::from)?;
            // The run died between fork and prctl: nothing would send the signal any more.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from(nix::errno::Errno::ESRCH));
            }
            Ok(())
        });
    }
}

/// Renders the command as one shell line: `cd DIR && PATH=DIR:"$PATH" KEY=VALUE program
/// args...`, every word quoted for a POSIX shell where needed, so a dry-run line can be
/// pasted into a terminal.
impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(dir) = &self.cwd {
            write!(f, "cd {} && ", quoted(&dir.to_string_lossy()))?;
        }
        if let Some(dir) = &self.path_first {
            write!(f, "PATH={}:\"$PATH\" ", quoted(&dir.to_string_lossy()))?;
        }
        for (key, value) in &self.env {
            write!(f, "{key}={} ", quoted(value))?;
        }
        write!(f, "{}", quoted(&self.program))?;
        for arg in &self.args {
            write!(f, " {}", quoted(arg))?;
        }
        Ok(())
    }
}

/// One word quoted for a POSIX shell (shlex's rules). A word holding a NUL byte cannot be
/// an argument at all (spawning it fails); it is shown escaped rather than hidden.
fn quoted(word: &str) -> Cow<'_, str> {
    shlex::try_quote(word).unwrap_or_else(|_| Cow::Owned(format!("{word:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(quoted("makechrootpkg"), "makechrootpkg");
        assert_eq!(quoted("/var/tmp/builder"), "/var/tmp/builder");
        assert_eq!(quoted("python>=3.12"), "'python>=3.12'");
        assert_eq!(quoted("it's"), "\"it's\"");
        assert_eq!(quoted(""), "''");
        assert_eq!(quoted("a b"), "'a b'");
        assert_eq!(quoted("a\0b"), "\"a\\0b\"");
    }

    #[test]
    fn display_shows_cwd_env_and_quoted_words() {
        let cmd = Cmd::new("makechrootpkg")
            .args(["-r", "/chroot dir", "--", "--nocheck"])
            .cwd("/work/pkgbuilds/zlib")
            .env("SOURCE_DATE_EPOCH", "1700000000");
        assert_eq!(
            cmd.to_string(),
            "cd /work/pkgbuilds/zlib && SOURCE_DATE_EPOCH=1700000000 makechrootpkg -r '/chroot dir' -- --nocheck"
        );
    }

    #[test]
    fn path_first_comes_before_the_inherited_path() {
        let cmd = Cmd::new("/opt/devtools/makechrootpkg").path_first("/opt/devtools");
        assert_eq!(
            cmd.to_string(),
            "PATH=/opt/devtools:\"$PATH\" /opt/devtools/makechrootpkg"
        );
        let value = cmd.path_value().unwrap();
        let value = value.to_string_lossy();
        assert!(value.starts_with("/opt/devtools:"), "{value}");
        assert!(value.len() > "/opt/devtools:".len(), "{value}");
        let std = cmd.to_std();
        let set: Vec<_> = std.get_envs().filter(|(k, _)| *k == "PATH").collect();
        assert_eq!(set.len(), 1);
        assert_eq!(Cmd::new("rm").path_value(), None);
    }

    #[test]
    fn sudo_keeps_the_environment_it_would_drop() {
        let cmd = Cmd::new("makechrootpkg")
            .arg("-c")
            .env("SOURCE_DATE_EPOCH", "1")
            .through_sudo("/usr/bin/sudo");
        assert_eq!(cmd.program, "/usr/bin/sudo");
        assert_eq!(
            cmd.args,
            [
                "-n",
                "--preserve-env=SOURCE_DATE_EPOCH",
                "--",
                "makechrootpkg",
                "-c"
            ]
        );
        let plain = Cmd::new("rm").arg("-f").through_sudo("sudo");
        assert_eq!(plain.args, ["-n", "--", "rm", "-f"]);
    }

    /// pdeathsig follows the thread that forked: a child started from a thread that then
    /// ends is killed, as a run's children are when the run dies.
    #[test]
    fn a_child_ends_with_the_thread_that_started_it() {
        use std::os::unix::process::ExitStatusExt as _;
        let mut child = std::thread::spawn(|| Cmd::new("sleep").arg("600").to_std().spawn())
            .join()
            .unwrap()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("the child outlived the thread that started it");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(status.signal(), Some(9), "{status}");
    }
}
