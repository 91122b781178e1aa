//! Running a [`Plan`]: every action in order into the step's log, between a header and a
//! footer, stopped by cancellation, cleaned up for however it ended.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use archport_chroot::{Cancel, Cmd, Finished, RunError};
use archport_upload::{
    UploadError, built_files, cache_files, cached_copies, empty_cache, prune_older,
    remove_from_cache,
};
use chrono::Utc;

use crate::logs;
use crate::phase::Phase;
use crate::plan::{Action, FailureCleanup, Plan};
use crate::spawn::Spawn;

/// What the log's header says: `==> archport {tool}: {title}` and the attempt number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHeader {
    /// The tool that builds (`build-packages`).
    pub tool: String,
    /// What it builds: `zlib 1.3.1-2 (cycle build 1 of 2)`.
    pub title: String,
    /// How many times this build was started, this one included.
    pub attempt: u32,
}

/// Why a step failed: the phase it failed in and one line saying what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub phase: Phase,
    /// `makechrootpkg exited with status 255: ==> ERROR: Build failed, check ...` (the
    /// tool's last words, see [`failure_text`]), `makechrootpkg timed out after 2 h` (see
    /// [`Failure::is_timeout`]), or the error of an in-process action.
    pub reason: String,
}

/// What a timed-out step's reason says after the tool's name: `makechrootpkg timed out
/// after 2 h 0 min ([build] timeout)`. The log's footer carries the same text, so log
/// classifiers (the triage crate's category `timeout`) can match it.
pub const TIMED_OUT: &str = "timed out after";

impl Failure {
    /// Whether the step was stopped by `[build] timeout` rather than failing by itself.
    pub fn is_timeout(&self) -> bool {
        self.reason.contains(TIMED_OUT) && self.reason.ends_with("([build] timeout)")
    }
}

/// A failed command's one-line reason: `{tool} {exit_text}`, then `: ` and what the tool
/// said last on stderr ([`Finished::said`]) when it said anything.
pub fn failure_text(cmd: &Cmd, finished: &Finished) -> String {
    let ended = format!("{} {}", tool_name(cmd), exit_text(finished.status));
    match finished.said() {
        Some(said) => format!("{ended}: {said}"),
        None => ended,
    }
}

/// A timed-out command's reason: `{tool} timed out after {limit} ([build] timeout)`.
fn timeout_text(cmd: &Cmd, after: std::time::Duration) -> String {
    format!(
        "{} {TIMED_OUT} {} ([build] timeout)",
        tool_name(cmd),
        crate::console::format_duration(after)
    )
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.phase, self.reason)
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every action succeeded.
    Built {
        /// The packages the build produced (none for a plan without [`Action::Collect`]).
        files: Vec<PathBuf>,
        /// The testing repository they were published to, if the plan published.
        published: Option<String>,
    },
    Failed(Failure),
    /// Stopped by the cancellation: the running command's process group was stopped.
    Interrupted,
}

impl Outcome {
    fn failed(phase: Phase, reason: impl Into<String>) -> Outcome {
        Outcome::Failed(Failure {
            phase,
            reason: reason.into(),
        })
    }

    /// The footer's `result:` line.
    fn result(&self) -> String {
        match self {
            Outcome::Built { .. } => "built".to_owned(),
            Outcome::Failed(failure) => format!("FAILED in {}: {}", failure.phase, failure.reason),
            Outcome::Interrupted => "interrupted".to_owned(),
        }
    }
}

/// Runs `plan` to its end, through `spawner`, into `log`: the header, each command line and
/// its output, the footer with the result. `on_phase` hears of each phase as it begins.
/// Never panics on outside failures: every problem becomes [`Outcome::Failed`] with its
/// phase, written to the log as well. The plan's clean-up for the outcome then runs to its
/// end even when `cancel` fired.
pub async fn execute<S: Spawn>(
    spawner: &S,
    plan: &Plan,
    header: &LogHeader,
    log: &Path,
    cancel: &Cancel,
    on_phase: &(dyn Fn(Phase) + Send + Sync),
) -> Outcome {
    let started = Utc::now();
    let text = logs::header(&header.tool, &header.title, started, header.attempt);
    if let Err(e) = logs::append(log, &text) {
        return Outcome::failed(Phase::Prepare, format!("{}: {e}", log.display()));
    }
    let outcome = actions(spawner, plan, log, cancel, on_phase).await;
    // A fresh, never-cancelled signal: the clean-up must run even during an interruption.
    let quiet = Cancel::new();
    match &outcome {
        Outcome::Built { .. } => {
            run_all(spawner, &plan.cleanup.built, log, &quiet).await;
        }
        Outcome::Interrupted => {
            run_all(spawner, &plan.cleanup.interrupted, log, &quiet).await;
        }
        Outcome::Failed(_) => match &plan.cleanup.failed {
            FailureCleanup::Run(cmds) => {
                run_all(spawner, cmds, log, &quiet).await;
            }
            FailureCleanup::Keep { copy, kept, cmds } => {
                if copy.is_dir() {
                    let chroot = kept.parent().unwrap_or(Path::new("/"));
                    let before = archport_chroot::failed_copies(chroot).unwrap_or_default();
                    let moved = run_all(spawner, cmds, log, &quiet).await;
                    let _ = logs::append(
                        log,
                        &if moved {
                            format!("==> working copy kept for inspection: {}\n", kept.display())
                        } else {
                            "==> warning: the working copy could not be set aside\n".to_owned()
                        },
                    );
                    // The oldest kept copies beyond `[build] keep_failed_copies` went (see
                    // `Devtools::keep_failed_copy_cmds`): say which.
                    let after = archport_chroot::failed_copies(chroot).unwrap_or_default();
                    for gone in before.iter().filter(|name| !after.contains(name)) {
                        let path = chroot.join(gone);
                        if path != *kept {
                            let _ = logs::append(
                                log,
                                &format!(
                                    "==> removed the older failed working copy {} \
                                     (keeping the newest: [build] keep_failed_copies)\n",
                                    path.display()
                                ),
                            );
                        }
                    }
                }
            }
        },
    }
    let _ = logs::append(log, &logs::footer(&outcome.result(), started, Utc::now()));
    outcome
}

/// Writes the header and a footer for a step that failed before it could be planned (its
/// keys could not be listed, a checkdepends entry is no relation), so its log says why like
/// any other failure's.
pub fn record_failure(header: &LogHeader, log: &Path, failure: Failure) -> Outcome {
    let started = Utc::now();
    let outcome = Outcome::Failed(failure);
    let text = logs::header(&header.tool, &header.title, started, header.attempt)
        + &logs::footer(&outcome.result(), started, started);
    let _ = logs::append(log, &text);
    outcome
}

async fn actions<S: Spawn>(
    spawner: &S,
    plan: &Plan,
    log: &Path,
    cancel: &Cancel,
    on_phase: &(dyn Fn(Phase) + Send + Sync),
) -> Outcome {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut published = None;
    let mut current = None;
    for step in &plan.steps {
        if cancel.is_cancelled() {
            return Outcome::Interrupted;
        }
        let phase = step.phase;
        if current != Some(phase) {
            on_phase(phase);
            current = Some(phase);
        }
        match &step.action {
            Action::Run(cmd) => match spawner.run_captured(cmd, log, cancel).await {
                Ok(finished) if finished.status.success() => {}
                Ok(finished) => return Outcome::failed(phase, failure_text(cmd, &finished)),
                Err(RunError::Cancelled { .. }) => return Outcome::Interrupted,
                Err(RunError::TimedOut { after, .. }) => {
                    let reason = timeout_text(cmd, after);
                    let _ = logs::append(log, &format!("==> ERROR: {reason}\n"));
                    return Outcome::failed(phase, reason);
                }
                Err(e) => return Outcome::failed(phase, e.to_string()),
            },
            Action::Require { path, problem } => {
                if !path.is_file() {
                    return Outcome::failed(phase, problem.clone());
                }
            }
            Action::Copy { from, to } => {
                let _ = logs::append(
                    log,
                    &format!("==> copy {} {}\n", from.display(), to.display()),
                );
                if let Err(e) = std::fs::copy(from, to) {
                    return Outcome::failed(phase, format!("{}: {e}", from.display()));
                }
            }
            Action::EmptyCache(dir) => {
                let _ = logs::append(log, &format!("==> emptying the cache {}\n", dir.display()));
                let removed = match empty_cache(dir) {
                    Err(e) if e.is_permission_denied() => {
                        let files = cache_files(dir).unwrap_or_default();
                        remove_privileged(spawner, plan, e, &files, log).await
                    }
                    other => other.map_err(|e| e.to_string()),
                };
                if let Err(problem) = removed {
                    return Outcome::failed(phase, format!("cache: {problem}"));
                }
            }
            Action::Collect {
                dir,
                pkgnames,
                version,
                ..
            } => {
                match prune_older(dir, pkgnames).and_then(|_| built_files(dir, pkgnames, version)) {
                    Ok(built) => files = built,
                    Err(e) => return Outcome::failed(phase, e.to_string()),
                }
                let names: Vec<String> = files.iter().map(|f| file_name(f)).collect();
                let _ = logs::append(log, &format!("==> built: {}\n", names.join(" ")));
            }
            Action::Publish { uploader, repo } => match uploader.upload(&files, repo).await {
                Ok(target) => {
                    let _ = logs::append(log, &format!("==> uploaded to {target}\n"));
                    published = Some(target);
                }
                Err(e) => return Outcome::failed(phase, e.to_string()),
            },
            Action::Uncache(cache) => {
                let removed = match remove_from_cache(cache, &files) {
                    Err(e) if e.is_permission_denied() => {
                        let stale = cached_copies(cache, &files);
                        remove_privileged(spawner, plan, e, &stale, log).await
                    }
                    other => other.map(|_| ()).map_err(|e| e.to_string()),
                };
                if let Err(problem) = removed {
                    let _ = logs::append(log, &format!("==> warning: cache cleanup: {problem}\n"));
                }
            }
        }
    }
    Outcome::Built { files, published }
}

/// Removes pacman cache files that archport may not remove itself (`denied`: pacman in the
/// container writes the cache as root) through sudo, with the plan's uploader's
/// [`archport_upload::Uploader::privileged_remove_cmd`]; the error says both attempts when that fails too.
async fn remove_privileged<S: Spawn>(
    spawner: &S,
    plan: &Plan,
    denied: UploadError,
    files: &[PathBuf],
    log: &Path,
) -> Result<(), String> {
    let uploader = plan.steps.iter().find_map(|s| match &s.action {
        Action::Publish { uploader, .. } => Some(uploader),
        _ => None,
    });
    let Some(uploader) = uploader.filter(|_| !files.is_empty()) else {
        return Err(denied.to_string());
    };
    let cmd = uploader.privileged_remove_cmd(files);
    // Not cancellable half-way: a cache half emptied would only be emptied again.
    match spawner.run_captured(&cmd, log, &Cancel::new()).await {
        Ok(finished) if finished.status.success() => Ok(()),
        Ok(finished) => Err(format!(
            "{denied}; through sudo: {}",
            failure_text(&cmd, &finished)
        )),
        Err(e) => Err(format!("{denied}; through sudo: {e}")),
    }
}

/// Runs clean-up commands in order, output into `log`; whether all of them succeeded.
async fn run_all<S: Spawn>(spawner: &S, cmds: &[Cmd], log: &Path, cancel: &Cancel) -> bool {
    let mut ok = true;
    for cmd in cmds {
        ok &= matches!(spawner.run(cmd, log, cancel).await, Ok(status) if status.success());
    }
    ok
}

/// The tool a command runs, by file name: `makechrootpkg`, not the configured path; for a
/// command run through sudo (`sudo -n -- arch-nspawn ...`), the command sudo runs.
pub fn tool_name(cmd: &Cmd) -> String {
    let program = file_name(Path::new(&cmd.program));
    let wrapped = (program == "sudo")
        .then(|| cmd.args.iter().skip_while(|a| *a != "--").nth(1))
        .flatten();
    wrapped.map_or(program, |tool| file_name(Path::new(tool)))
}

/// How a command ended, for a failure's text: `exited with status 1`, `was killed by
/// signal 9`.
pub fn exit_text(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => status.to_string(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt as _;
    use std::sync::Mutex;

    use super::*;
    use crate::plan::Cleanup;

    /// Records every command; `fail` exits with status 1, `interrupt` acts like a signal
    /// arriving while it runs.
    struct Fake {
        calls: Mutex<Vec<String>>,
        fail: Option<&'static str>,
        interrupt: Option<&'static str>,
    }

    impl Fake {
        fn new() -> Fake {
            Fake {
                calls: Mutex::new(Vec::new()),
                fail: None,
                interrupt: None,
            }
        }

        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl Spawn for Fake {
        fn run(
            &self,
            cmd: &Cmd,
            log: &Path,
            cancel: &Cancel,
        ) -> impl Future<Output = Result<ExitStatus, RunError>> + Send {
            let line = cmd.to_string();
            self.calls.lock().unwrap().push(line.clone());
            logs::append(log, &format!("$ {line}\n")).unwrap();
            let tool = tool_name(cmd);
            let result = if self.interrupt == Some(tool.as_str()) {
                cancel.cancel();
                Err(RunError::Cancelled { command: line })
            } else if self.fail == Some(tool.as_str()) {
                Ok(ExitStatus::from_raw(1 << 8))
            } else {
                Ok(ExitStatus::from_raw(0))
            };
            async move { result }
        }
    }

    fn header() -> LogHeader {
        LogHeader {
            tool: "build-packages".into(),
            title: "zlib 1.3.1-2".into(),
            attempt: 2,
        }
    }

    fn plan(copy: &Path) -> Plan {
        let mut plan = Plan::new();
        plan.run(Phase::Keys, Cmd::new("gpg").args(["--import", "k.asc"]));
        plan.run(
            Phase::Build,
            Cmd::new("/opt/devtools/makechrootpkg")
                .args(["-r", "/c"])
                .through_sudo("sudo"),
        );
        plan.cleanup = Cleanup {
            built: vec![Cmd::new("rm").arg("built")],
            interrupted: vec![Cmd::new("rm").arg("interrupted")],
            failed: FailureCleanup::Keep {
                copy: copy.to_owned(),
                kept: copy.with_extension("kept"),
                cmds: vec![Cmd::new("mv").arg("kept")],
            },
        };
        plan
    }

    fn phases_seen() -> (
        std::sync::Arc<Mutex<Vec<Phase>>>,
        impl Fn(Phase) + Send + Sync,
    ) {
        let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&seen);
        (seen, move |p| sink.lock().unwrap().push(p))
    }

    #[tokio::test]
    async fn a_plan_runs_in_order_between_header_and_footer() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let fake = Fake::new();
        let (seen, on_phase) = phases_seen();
        let outcome = execute(
            &fake,
            &plan(&dir.path().join("copy")),
            &header(),
            &log,
            &Cancel::new(),
            &on_phase,
        )
        .await;
        assert_eq!(
            outcome,
            Outcome::Built {
                files: Vec::new(),
                published: None
            }
        );
        assert_eq!(
            fake.calls(),
            [
                "gpg --import k.asc",
                "sudo -n -- /opt/devtools/makechrootpkg -r /c",
                "rm built"
            ]
        );
        assert_eq!(*seen.lock().unwrap(), [Phase::Keys, Phase::Build]);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            text.starts_with("==> archport build-packages: zlib 1.3.1-2\n==> started "),
            "{text}"
        );
        assert!(
            text.contains(", attempt 2\n\n$ gpg --import k.asc\n"),
            "{text}"
        );
        assert!(text.contains("\n==> result: built\n"), "{text}");
    }

    #[tokio::test]
    async fn a_failed_command_names_the_tool_and_the_phase_and_keeps_the_copy() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let copy = dir.path().join("copy");
        let fake = Fake {
            fail: Some("makechrootpkg"),
            ..Fake::new()
        };
        let outcome = execute(
            &fake,
            &plan(&copy),
            &header(),
            &log,
            &Cancel::new(),
            &|_| {},
        )
        .await;
        let failure = Failure {
            phase: Phase::Build,
            reason: "makechrootpkg exited with status 1".into(),
        };
        assert_eq!(outcome, Outcome::Failed(failure.clone()));
        assert_eq!(
            failure.to_string(),
            "build: makechrootpkg exited with status 1"
        );
        // No copy to keep: nothing is moved.
        assert_eq!(fake.calls().len(), 2);

        std::fs::create_dir(&copy).unwrap();
        let fake = Fake {
            fail: Some("makechrootpkg"),
            ..Fake::new()
        };
        execute(
            &fake,
            &plan(&copy),
            &header(),
            &log,
            &Cancel::new(),
            &|_| {},
        )
        .await;
        assert_eq!(fake.calls().last().unwrap(), "mv kept");
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            text.contains(&format!(
                "==> working copy kept for inspection: {}\n",
                copy.with_extension("kept").display()
            )),
            "{text}"
        );
        assert!(
            text.ends_with(&format!(
                "==> result: FAILED in build: makechrootpkg exited with status 1\n==> finished {}",
                text.rsplit_once("==> finished ").unwrap().1
            )),
            "{text}"
        );
    }

    #[tokio::test]
    async fn cancellation_stops_the_step_and_cleans_up_anyway() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let cancel = Cancel::new();
        let fake = Fake {
            interrupt: Some("gpg"),
            ..Fake::new()
        };
        let outcome = execute(
            &fake,
            &plan(&dir.path().join("copy")),
            &header(),
            &log,
            &cancel,
            &|_| {},
        )
        .await;
        assert_eq!(outcome, Outcome::Interrupted);
        assert!(cancel.is_cancelled());
        // makechrootpkg never started; the clean-up ran although the run is cancelled.
        assert_eq!(fake.calls(), ["gpg --import k.asc", "rm interrupted"]);
    }

    #[tokio::test]
    async fn in_process_actions_fail_in_their_phase() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let mut plan = Plan::new();
        plan.push(
            Phase::Prepare,
            Action::Require {
                path: dir.path().join("PKGBUILD"),
                problem: "no PKGBUILD".into(),
            },
        );
        let fake = Fake::new();
        let outcome = execute(&fake, &plan, &header(), &log, &Cancel::new(), &|_| {}).await;
        assert_eq!(
            outcome,
            Outcome::Failed(Failure {
                phase: Phase::Prepare,
                reason: "no PKGBUILD".into()
            })
        );
        let outcome = record_failure(
            &header(),
            &log,
            Failure {
                phase: Phase::Keys,
                reason: "unreadable".into(),
            },
        );
        assert!(matches!(outcome, Outcome::Failed(_)));
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            text.contains("==> result: FAILED in keys: unreadable\n"),
            "{text}"
        );
    }

    /// A config whose upload's sudo is `sudo` (the words are recorded, nothing runs).
    fn uploader(dir: &Path) -> archport_upload::Uploader {
        let toml = format!(
            "[paths]\nworkdir = \"{0}\"\n[tools]\nsudo = \"/usr/bin/sudo\"\n[upload]\nbackend = \"local\"\n",
            dir.display()
        );
        let config = archport_config::Config::from_toml(&toml, Path::new("a.toml"), dir).unwrap();
        archport_upload::Uploader::from_config(&config)
    }

    #[tokio::test]
    async fn a_failed_tool_s_last_error_lines_are_in_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let mut plan = Plan::new();
        let script = "echo building; echo '==> ERROR: A failure occurred in build().' >&2; \
                      echo '    Aborting...' >&2; \
                      printf '\\033[1;31m==> ERROR:\\033[0m Build failed, check /c/copy/build\\n' >&2; \
                      exit 255";
        plan.run(Phase::Build, Cmd::new("sh").args(["-c", script]));
        let outcome = execute(
            &crate::Processes,
            &plan,
            &header(),
            &log,
            &Cancel::new(),
            &|_| {},
        )
        .await;
        assert_eq!(
            outcome,
            Outcome::Failed(Failure {
                phase: Phase::Build,
                reason: "sh exited with status 255: ==> ERROR: Build failed, check /c/copy/build"
                    .into()
            })
        );
        // All of it is in the log, in order.
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            text.contains("building\n==> ERROR: A failure occurred in build().\n    Aborting...\n"),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_missing_tool_is_named_with_its_path_and_the_check_hint() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let mut plan = Plan::new();
        let missing = dir.path().join("devtools/mkarchroot");
        plan.run(Phase::Build, Cmd::new(missing.to_string_lossy()).arg("x"));
        let outcome = execute(
            &crate::Processes,
            &plan,
            &header(),
            &log,
            &Cancel::new(),
            &|_| {},
        )
        .await;
        let Outcome::Failed(failure) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(
            failure.reason,
            format!(
                "cannot start mkarchroot ({}): No such file or directory (os error 2); \
                 `--check` lists what is missing",
                missing.display()
            )
        );
    }

    #[tokio::test]
    async fn a_build_over_its_time_limit_is_stopped_and_fails_as_timed_out() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let mut plan = Plan::new();
        plan.run(
            Phase::Build,
            Cmd::new("sleep")
                .arg("600")
                .timeout(Some(std::time::Duration::from_secs(1))),
        );
        let cancel = Cancel::with_grace(std::time::Duration::from_secs(5));
        let outcome = execute(&crate::Processes, &plan, &header(), &log, &cancel, &|_| {}).await;
        let failure = Failure {
            phase: Phase::Build,
            reason: "sleep timed out after 1s ([build] timeout)".into(),
        };
        assert!(failure.is_timeout());
        assert_eq!(outcome, Outcome::Failed(failure));
        // The run itself was not cancelled: the next build may start.
        assert!(!cancel.is_cancelled());
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(
            text.contains("==> ERROR: sleep timed out after 1s ([build] timeout)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "==> result: FAILED in build: sleep timed out after 1s ([build] timeout)\n"
            ),
            "{text}"
        );
        assert!(
            !Failure {
                phase: Phase::Build,
                reason: "make exited with status 2".into()
            }
            .is_timeout()
        );
    }

    /// Makes `path` immutable (`chattr +i`) until dropped, so that even root may not remove
    /// it: what a non-root archport meets in a cache pacman wrote as root.
    struct Immutable(PathBuf);

    impl Immutable {
        fn new(path: &Path) -> Immutable {
            let status = std::process::Command::new("chattr")
                .arg("+i")
                .arg(path)
                .status()
                .unwrap();
            assert!(
                status.success(),
                "chattr +i {} (needs ext4 and root)",
                path.display()
            );
            Immutable(path.to_owned())
        }
    }

    impl Drop for Immutable {
        fn drop(&mut self) {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.0)
                .status();
        }
    }

    #[tokio::test]
    async fn a_cache_archport_may_not_empty_is_emptied_through_sudo() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let cache = dir.path().join("cache");
        std::fs::create_dir_all(cache.join("sub")).unwrap();
        std::fs::write(cache.join("a.pkg.tar.zst"), "").unwrap();
        std::fs::write(cache.join("b.pkg.tar.zst"), "").unwrap();
        let _guard = Immutable::new(&cache.join("b.pkg.tar.zst"));
        let mut plan = Plan::new();
        plan.push(Phase::Cache, Action::EmptyCache(cache.clone()));
        plan.push(
            Phase::Upload,
            Action::Publish {
                uploader: uploader(dir.path()),
                repo: "core".into(),
            },
        );
        let fake = Fake::new();
        let outcome = execute(&fake, &plan, &header(), &log, &Cancel::new(), &|_| {}).await;
        assert!(matches!(outcome, Outcome::Built { .. }), "{outcome:?}");
        // What was left when archport met the file it may not remove (the fake sudo
        // removes nothing): that one at least, never the subdirectory.
        let left = archport_upload::cache_files(&cache).unwrap();
        assert!(left.contains(&cache.join("b.pkg.tar.zst")), "{left:?}");
        let left: Vec<String> = left.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            fake.calls(),
            [format!(
                "/usr/bin/sudo -n -- rm --force -- {}",
                left.join(" ")
            )]
        );

        // When sudo fails too, the step fails saying both.
        let fake = Fake {
            fail: Some("rm"),
            ..Fake::new()
        };
        let outcome = execute(&fake, &plan, &header(), &log, &Cancel::new(), &|_| {}).await;
        let Outcome::Failed(failure) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(failure.phase, Phase::Cache);
        assert_eq!(
            failure.reason,
            format!(
                "cache: {}: Operation not permitted (os error 1); through sudo: rm exited with status 1",
                cache.display()
            )
        );
    }

    #[tokio::test]
    async fn only_the_newest_failed_copies_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("zlib.log");
        let chroot = dir.path().join("chroot");
        let at = |secs| std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        for (name, secs) in [
            ("archport-failed-a", 100),
            ("archport-failed-b", 200),
            ("archport-failed-c", 300),
            ("archport-slot1", 400),
        ] {
            std::fs::create_dir_all(chroot.join(name)).unwrap();
            std::fs::File::open(chroot.join(name))
                .unwrap()
                .set_modified(at(secs))
                .unwrap();
        }
        let toml = format!(
            "[paths]\nworkdir = \"{0}\"\nchroot = \"{0}/chroot\"\n[build]\nkeep_failed_copies = 2\n",
            dir.path().display()
        );
        let config =
            archport_config::Config::from_toml(&toml, Path::new("a.toml"), dir.path()).unwrap();
        let devtools = archport_chroot::Devtools::from_config(&config, false).as_root(true);
        let mut plan = Plan::new();
        plan.run(Phase::Build, Cmd::new("makechrootpkg"));
        plan.cleanup.failed = FailureCleanup::Keep {
            copy: chroot.join("archport-slot1"),
            kept: chroot.join("archport-failed-zlib"),
            cmds: devtools.keep_failed_copy_cmds("archport-slot1", "zlib"),
        };
        let outcome = execute(&RealFs, &plan, &header(), &log, &Cancel::new(), &|_| {}).await;
        assert!(matches!(outcome, Outcome::Failed(_)), "{outcome:?}");
        assert_eq!(
            archport_chroot::failed_copies(&chroot).unwrap(),
            ["archport-failed-zlib", "archport-failed-c"]
        );
        let text = std::fs::read_to_string(&log).unwrap();
        for gone in ["a", "b"] {
            assert!(
                text.contains(&format!(
                    "==> removed the older failed working copy {} (keeping the newest: [build] keep_failed_copies)\n",
                    chroot.join(format!("archport-failed-{gone}")).display()
                )),
                "{text}"
            );
        }
    }

    /// Runs `rm` and `mv` for real and fails makechrootpkg: a failed build's clean-up.
    struct RealFs;

    impl Spawn for RealFs {
        fn run(
            &self,
            cmd: &Cmd,
            log: &Path,
            cancel: &Cancel,
        ) -> impl Future<Output = Result<ExitStatus, RunError>> + Send {
            let fail = tool_name(cmd) == "makechrootpkg";
            let running = archport_chroot::run(cmd, log, cancel);
            async move {
                if fail {
                    Ok(ExitStatus::from_raw(1 << 8))
                } else {
                    running.await
                }
            }
        }
    }
}
