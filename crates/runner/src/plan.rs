//! A build step as data: what runs, in which phase, and how the working copy is cleaned up
//! for each way the step can end. `--dry-run` renders a plan, a real run executes the same
//! plan, so what is printed is what runs.

use std::path::PathBuf;

use archport_chroot::Cmd;
use archport_upload::{UploadError, Uploader};

use crate::phase::Phase;

/// One thing a step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// An external command, spawned through the process-group runner, output into the log.
    Run(Cmd),
    /// Fails the step unless `path` is a file; `problem` says what to do about it.
    Require {
        /// The file the step needs (a PKGBUILD).
        path: PathBuf,
        /// The failure's text when it is missing.
        problem: String,
    },
    /// Copies a file, in-process (printed as a `# copy` comment).
    Copy {
        /// The file.
        from: PathBuf,
        /// Its copy.
        to: PathBuf,
    },
    /// Empties the pacman cache, keeping its directories, so nothing stale is installed.
    EmptyCache(PathBuf),
    /// Takes the packages the build produced in `dir` (older builds of them pruned): what
    /// [`Action::Publish`] publishes and the outcome reports. A dry run, which builds
    /// nothing, assumes `expected`.
    Collect {
        /// The build directory (the checkout).
        dir: PathBuf,
        /// The packages the build makes.
        pkgnames: Vec<String>,
        /// The version it builds.
        version: String,
        /// The file names makepkg will give them.
        expected: Vec<PathBuf>,
    },
    /// Publishes the collected packages, built for build-list repository `repo`.
    Publish {
        uploader: Uploader,
        /// The build-list repository (`core`, `extra`).
        repo: String,
    },
    /// Removes the published packages from the cache, so later builds install what was
    /// published; failing only warns.
    Uncache(PathBuf),
}

/// One entry of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStep {
    /// What a failure of `action` is reported against.
    pub phase: Phase,
    pub action: Action,
}

/// What happens to a failed step's working copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureCleanup {
    /// These commands run (none: the copy stays where it is).
    Run(Vec<Cmd>),
    /// When `copy` exists, `cmds` set it aside as `kept` for inspection, which the log says.
    Keep {
        /// The working copy directory.
        copy: PathBuf,
        /// Where it is kept.
        kept: PathBuf,
        /// The commands that move it there.
        cmds: Vec<Cmd>,
    },
}

/// The commands that run after a step, for each way it ends. They run to their end even
/// when the run is being interrupted, and their failures only show in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleanup {
    /// After a successful step.
    pub built: Vec<Cmd>,
    /// After a step a signal stopped.
    pub interrupted: Vec<Cmd>,
    /// After a failed step.
    pub failed: FailureCleanup,
}

/// A build step: its actions in order and its clean-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<PlanStep>,
    pub cleanup: Cleanup,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan::new()
    }
}

impl Plan {
    /// A plan that does nothing and cleans nothing up.
    pub fn new() -> Plan {
        Plan {
            steps: Vec::new(),
            cleanup: Cleanup {
                built: Vec::new(),
                interrupted: Vec::new(),
                failed: FailureCleanup::Run(Vec::new()),
            },
        }
    }

    /// Appends `action` in `phase`.
    pub fn push(&mut self, phase: Phase, action: Action) {
        self.steps.push(PlanStep { phase, action });
    }

    /// Appends the command `cmd` in `phase`.
    pub fn run(&mut self, phase: Phase, cmd: Cmd) {
        self.push(phase, Action::Run(cmd));
    }

    /// The packages a dry run assumes the step builds: the last [`Action::Collect`]'s
    /// `expected` (none without one).
    pub fn expected_files(&self) -> Vec<PathBuf> {
        self.steps
            .iter()
            .rev()
            .find_map(|s| match &s.action {
                Action::Collect { expected, .. } => Some(expected.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The lines `--dry-run` prints for a successful run of this plan: each command as a
    /// shell line, in-process actions as `#` comments, the upload's commands, then the
    /// clean-up after success. Bookkeeping without an effect outside (the checks, taking
    /// the built files, the cache clean-up after the upload) prints nothing.
    pub fn render(&self) -> Result<Vec<String>, UploadError> {
        let mut lines = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        for step in &self.steps {
            match &step.action {
                Action::Run(cmd) => lines.push(cmd.to_string()),
                Action::Copy { from, to } => {
                    lines.push(format!("# copy {} {}", from.display(), to.display()));
                }
                Action::EmptyCache(dir) => {
                    lines.push(format!("# empty the cache {}", dir.display()));
                }
                Action::Collect { expected, .. } => files.clone_from(expected),
                Action::Publish { uploader, repo } => {
                    for cmd in uploader.upload_cmds(&files, repo)? {
                        lines.push(cmd.to_string());
                    }
                }
                Action::Require { .. } | Action::Uncache(_) => {}
            }
        }
        lines.extend(self.cleanup.built.iter().map(ToString::to_string));
        Ok(lines)
    }
}
