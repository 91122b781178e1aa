//! Running a [`Plan`]: every action in order into the step's log, between a header and a
//! footer, stopped by cancellation, cleaned up for however it ended.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use archport_chroot::{Cancel, Cmd, RunError};
use archport_upload::{built_files, empty_cache, prune_older, remove_from_cache};
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
    /// `makechrootpkg exited with status 1`, or the error of an in-process action.
    pub reason: String,
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
                    let moved = run_all(spawner, cmds, log, &quiet).await;
                    let _ = logs::append(
                        log,
                        &if moved {
                            format!("==> working copy kept for inspection: {}\n", kept.display())
                        } else {
                            "==> warning: the working copy could not be set aside\n".to_owned()
                        },
                    );
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
            Action::Run(cmd) => match spawner.run(cmd, log, cancel).await {
                Ok(status) if status.success() => {}
                Ok(status) => {
                    return Outcome::failed(
                        phase,
                        format!("{} {}", tool_name(cmd), exit_text(status)),
                    );
                }
                Err(RunError::Cancelled { .. }) => return Outcome::Interrupted,
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
                if let Err(e) = empty_cache(dir) {
                    return Outcome::failed(phase, e.to_string());
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
                if let Err(e) = remove_from_cache(cache, &files) {
                    let _ = logs::append(log, &format!("==> warning: cache cleanup: {e}\n"));
                }
            }
        }
    }
    Outcome::Built { files, published }
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
}
