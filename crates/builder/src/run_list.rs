//! Which build list a run works through, by path and content hash, recorded in the work
//! directory (`build-state/run-list.json`) when the run is created or resumed: `--continue`
//! resumes the run's own list, and refuses another one, naming both.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::BuildError;

/// The list of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RunList {
    /// The run (its id in the queue).
    pub run: i64,
    /// Where the list was read from (absolute).
    pub path: PathBuf,
    /// The lowercase hex sha256 of its content then.
    pub sha256: String,
    /// The run finished: there is nothing to continue.
    #[serde(default)]
    pub finished: bool,
    /// Why the run could not start building (its root chroot could not be created); cleared
    /// once it does. `--status` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_failure: Option<String>,
}

fn record_path(build_state: &Path) -> PathBuf {
    build_state.join("run-list.json")
}

/// The sha256 of the file at `path`.
pub(crate) fn sha256_of(path: &Path) -> Result<String, BuildError> {
    let bytes = std::fs::read(path).map_err(|source| BuildError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The list recorded for the newest run, if any (an unreadable record counts as none).
pub(crate) fn recorded(build_state: &Path) -> Option<RunList> {
    let text = std::fs::read_to_string(record_path(build_state)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Records `list` as the list of its run, atomically.
pub(crate) fn record(build_state: &Path, list: &RunList) -> Result<(), BuildError> {
    let path = record_path(build_state);
    let text = serde_json::to_vec_pretty(list).map_err(|e| BuildError::Chroot(e.to_string()))?;
    archport_fs::write_atomic(&path, &text).map_err(|source| BuildError::Io { path, source })
}

/// The list `--continue` works through: the run's own (`recorded`), unless `given` names
/// another list or the run's list changed since, which is refused naming both.
pub(crate) fn list_to_continue(
    recorded: Option<&RunList>,
    given: Option<&Path>,
    default: &Path,
) -> Result<PathBuf, BuildError> {
    let Some(recorded) = recorded else {
        return Ok(given.unwrap_or(default).to_owned());
    };
    let path = given.unwrap_or(&recorded.path);
    let differs = |why: String| {
        Err(BuildError::Chroot(format!(
            "--continue: run {} works through {} (sha256 {}), but {why}: continue it without \
             --json, or start a new run without --continue",
            recorded.run,
            recorded.path.display(),
            short(&recorded.sha256),
        )))
    };
    if path != recorded.path {
        return differs(format!("{} was given", path.display()));
    }
    let now = match sha256_of(path) {
        Ok(now) => now,
        Err(e) => return differs(format!("it cannot be read now ({e})")),
    };
    if now != recorded.sha256 {
        return differs(format!(
            "{} changed since (sha256 {})",
            path.display(),
            short(&now)
        ));
    }
    Ok(path.to_owned())
}

fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_takes_the_runs_list_and_refuses_another() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("small.json");
        std::fs::write(&list, "{}").unwrap();
        let other = dir.path().join("packages_to_build.json");
        std::fs::write(&other, "{}").unwrap();
        let recorded = RunList {
            run: 7,
            path: list.clone(),
            sha256: sha256_of(&list).unwrap(),
            finished: false,
            start_failure: None,
        };
        record(dir.path(), &recorded).unwrap();
        let read = recorded_list(dir.path());
        assert_eq!(read.as_ref(), Some(&recorded));
        // No --json: the run's own list, not the default.
        assert_eq!(list_to_continue(read.as_ref(), None, &other).unwrap(), list);
        // Another list: refused, naming both.
        let error = list_to_continue(read.as_ref(), Some(&other), &other)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("small.json") && error.contains("packages_to_build.json"),
            "{error}"
        );
        // The run's list edited since: refused.
        std::fs::write(&list, "{\"changed\": 1}").unwrap();
        let error = list_to_continue(read.as_ref(), None, &other)
            .unwrap_err()
            .to_string();
        assert!(error.contains("changed since"), "{error}");
    }

    fn recorded_list(dir: &Path) -> Option<RunList> {
        recorded(dir)
    }
}
