//! The step record: `{workdir}/build-state/bootstrap.json`, rewritten atomically at every
//! step transition, so `--continue` knows where a crashed or failed run stopped.
//!
//! A JSON file rather than the build queue's SQLite: a bootstrap is one strictly
//! sequential list of about a dozen steps owned by one process under its lock, so all
//! `--continue` needs is "the last step done", and an operator can read (or fix) the file
//! by hand. Atomic replacement gives the same durability for this shape: after `kill -9`
//! or a power cut the file is the last complete version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use archport_runner::Outcome;
use archport_triage::{Category, Classification};
use archport_upload::PackageFile;
use serde::{Deserialize, Serialize};

use crate::error::BootstrapError;
use crate::plan::Step;

/// The record's path under the work directory.
pub const RECORD_FILE: &str = "build-state/bootstrap.json";

/// Where a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    /// Not started.
    Pending,
    /// Started and not finished: the run crashed or is still going.
    Building,
    /// Built (and published unless `--no-upload`).
    Built,
    /// Failed; the run stopped there.
    Failed,
    /// Stopped by a signal.
    Interrupted,
}

/// One step of the run and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step.
    #[serde(flatten)]
    pub step: Step,
    /// Where it is.
    pub state: StepState,
    /// How many times it was started.
    #[serde(default)]
    pub attempts: u32,
    /// The version built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The package files built, in the checkout (installed into the root chroot before the
    /// later steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<PathBuf>,
    /// The repository they were published to (`core-testing`); none with `--no-upload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The build log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
    /// When it started (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When it ended (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// Where it failed: `refresh`, `install`, `cache`, `keys`, `build`, `upload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What kind of failure it was (`download`, `checksum`, `build`, ...), from its log and
    /// the runner's facts (`archport_triage::classify_failure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// The log line (or runner fact) that shows the category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

impl StepRecord {
    /// A step not started yet.
    pub fn pending(step: Step) -> StepRecord {
        StepRecord {
            step,
            state: StepState::Pending,
            attempts: 0,
            version: None,
            files: Vec::new(),
            published: None,
            log: None,
            started: None,
            finished: None,
            phase: None,
            reason: None,
            category: None,
            cause: None,
        }
    }
}

/// One bootstrap run: its steps in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The command line that started the run.
    pub command: String,
    /// When the run started (RFC 3339).
    pub started: String,
    /// When its last step was built (RFC 3339); none while steps remain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// The steps, in build order.
    pub steps: Vec<StepRecord>,
}

impl Record {
    /// A new run of `steps`, none started.
    pub fn new(command: &str, started: &str, steps: Vec<Step>) -> Record {
        Record {
            command: command.to_owned(),
            started: started.to_owned(),
            finished: None,
            steps: steps.into_iter().map(StepRecord::pending).collect(),
        }
    }

    /// Reads the record at `path`; `None` when there is none.
    pub fn load(path: &Path) -> Result<Option<Record>, BootstrapError> {
        let problem = |problem: String| BootstrapError::Record {
            path: path.to_owned(),
            problem,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(problem(e.to_string())),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| problem(format!("not a bootstrap record: {e}")))
    }

    /// Writes the record to `path` atomically (creating its directory).
    pub fn save(&self, path: &Path) -> Result<(), BootstrapError> {
        let problem = |problem: String| BootstrapError::Record {
            path: path.to_owned(),
            problem,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| problem(e.to_string()))?;
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| problem(e.to_string()))?;
        text.push('\n');
        archport_fs::write_atomic(path, text.as_bytes()).map_err(|e| problem(e.to_string()))
    }

    /// Marks step `index` as building at `at`: one more attempt, with `version` and `log`,
    /// and nothing left of an earlier attempt. Returns the attempt's number.
    pub fn start_step(&mut self, index: usize, version: &str, log: &Path, at: &str) -> u32 {
        let Some(entry) = self.steps.get_mut(index) else {
            return 0;
        };
        *entry = StepRecord {
            state: StepState::Building,
            attempts: entry.attempts + 1,
            version: Some(version.to_owned()),
            log: Some(log.to_owned()),
            started: Some(at.to_owned()),
            ..StepRecord::pending(entry.step.clone())
        };
        entry.attempts
    }

    /// Records how step `index` ended, at `at`; the run is finished when its last step is
    /// built.
    pub fn finish_step(&mut self, index: usize, outcome: &Outcome, at: &str) {
        let last = index + 1 == self.steps.len();
        let Some(entry) = self.steps.get_mut(index) else {
            return;
        };
        entry.finished = Some(at.to_owned());
        match outcome {
            Outcome::Built { files, published } => {
                entry.state = StepState::Built;
                entry.files.clone_from(files);
                entry.published.clone_from(published);
                if last {
                    self.finished = Some(at.to_owned());
                }
            }
            Outcome::Failed(failure) => {
                entry.state = StepState::Failed;
                entry.phase = Some(failure.phase.as_str().to_owned());
                entry.reason = Some(failure.reason.clone());
            }
            Outcome::Interrupted => entry.state = StepState::Interrupted,
        }
    }

    /// Records what kind of failure step `index`'s failure was.
    pub fn classify_step(&mut self, index: usize, classification: Classification) {
        if let Some(entry) = self.steps.get_mut(index) {
            entry.category = Some(classification.category);
            entry.cause = Some(classification.cause);
        }
    }

    /// The index of the first step to run when continuing: the one after the last step
    /// recorded as built (0 when none is).
    pub fn resume_index(&self) -> usize {
        self.steps
            .iter()
            .rposition(|s| s.state == StepState::Built)
            .map_or(0, |i| i + 1)
    }

    /// The toolchain packages built so far by the steps before `index`: for each package
    /// name, the file of its latest build, so a stage-2 build replaces its stage-1 one.
    /// Sorted by path.
    pub fn built_before(&self, index: usize) -> Vec<PathBuf> {
        let mut latest: BTreeMap<String, PathBuf> = BTreeMap::new();
        for record in self.steps.iter().take(index) {
            if record.state != StepState::Built {
                continue;
            }
            for file in &record.files {
                latest.insert(pkgname_of(file), file.clone());
            }
        }
        let mut files: Vec<PathBuf> = latest.into_values().collect();
        files.sort();
        files
    }
}

/// The package name a package file's name holds (the whole path for other files, so they
/// never replace one another).
pub(crate) fn pkgname_of(file: &Path) -> String {
    file.file_name()
        .and_then(|n| n.to_str())
        .and_then(PackageFile::parse)
        .map_or_else(|| file.display().to_string(), |p| p.pkgname)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan_steps;

    fn record() -> Record {
        let names = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let steps = plan_steps(&names(&["glibc", "gcc"]), &names(&["glibc"]), None).unwrap();
        Record::new("bootstrap-toolchain", "2026-01-01T00:00:00Z", steps)
    }

    #[test]
    fn resumes_after_the_last_built_step() {
        let mut r = record();
        assert_eq!(r.resume_index(), 0);
        r.steps[0].state = StepState::Built;
        r.steps[1].state = StepState::Failed;
        assert_eq!(r.resume_index(), 1);
        r.steps[1].state = StepState::Built;
        r.steps[2].state = StepState::Building;
        assert_eq!(r.resume_index(), 2);
    }

    #[test]
    fn attempts_count_and_outcomes_replace_earlier_ones() {
        let mut r = record();
        let log = Path::new("/w/logs/glibc-1.log");
        assert_eq!(r.start_step(0, "2.40-1", log, "t1"), 1);
        r.finish_step(
            0,
            &Outcome::Failed(archport_runner::Failure {
                phase: archport_runner::Phase::Build,
                reason: "exit 1".into(),
            }),
            "t2",
        );
        assert_eq!(r.steps[0].state, StepState::Failed);
        assert_eq!(r.steps[0].phase.as_deref(), Some("build"));
        assert_eq!(r.start_step(0, "2.40-1", log, "t3"), 2);
        assert_eq!(r.steps[0].phase, None, "the earlier failure is gone");
        assert_eq!(r.steps[0].state, StepState::Building);
        let files = vec![PathBuf::from("/p/glibc/glibc-2.40-1-aarch64.pkg.tar.zst")];
        let built = Outcome::Built {
            files: files.clone(),
            published: Some("core-testing".into()),
        };
        r.finish_step(0, &built, "t4");
        assert_eq!(r.steps[0].files, files);
        assert_eq!(r.finished, None, "steps are left");
        r.start_step(2, "2.40-1", log, "t5");
        r.finish_step(2, &built, "t6");
        assert_eq!(r.finished.as_deref(), Some("t6"));
    }

    #[test]
    fn later_builds_of_a_package_replace_earlier_ones() {
        let mut r = record();
        r.steps[0].state = StepState::Built;
        r.steps[0].files = vec![PathBuf::from("/p/glibc/glibc-2.40-1-aarch64.pkg.tar.zst")];
        r.steps[1].state = StepState::Built;
        r.steps[1].files = vec![
            PathBuf::from("/p/gcc/gcc-14.2-1-aarch64.pkg.tar.zst"),
            PathBuf::from("/p/gcc/gcc-libs-14.2-1-aarch64.pkg.tar.zst"),
        ];
        r.steps[2].state = StepState::Built;
        r.steps[2].files = vec![PathBuf::from("/p/glibc/glibc-2.40-2-aarch64.pkg.tar.zst")];
        assert_eq!(
            r.built_before(2),
            [
                PathBuf::from("/p/gcc/gcc-14.2-1-aarch64.pkg.tar.zst"),
                PathBuf::from("/p/gcc/gcc-libs-14.2-1-aarch64.pkg.tar.zst"),
                PathBuf::from("/p/glibc/glibc-2.40-1-aarch64.pkg.tar.zst"),
            ]
        );
        assert_eq!(
            r.built_before(3)[2],
            PathBuf::from("/p/glibc/glibc-2.40-2-aarch64.pkg.tar.zst")
        );
    }

    #[test]
    fn saves_and_loads_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(RECORD_FILE);
        assert_eq!(Record::load(&path).unwrap(), None);
        let mut r = record();
        r.steps[0].state = StepState::Built;
        r.steps[0].version = Some("2.40-1".into());
        r.save(&path).unwrap();
        assert_eq!(Record::load(&path).unwrap(), Some(r));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"state\": \"built\""), "{text}");
        std::fs::write(&path, "{").unwrap();
        let err = Record::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("bootstrap.json: not a bootstrap record"),
            "{err}"
        );
    }
}
