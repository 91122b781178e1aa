//! The memory of earlier runs kept next to the page (`history.json`): each run's counts and
//! times, and how each job ended, which gives "the last N runs" and "failing since".

use std::path::Path;

use archport_triage::Category;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::StatusError;
use crate::schema::{PastOutcome, PastRun, Status};

/// Earlier runs and their outcomes, oldest first. Recording a status replaces what was
/// recorded for the same run, so it can be recorded at every transition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One entry per run, oldest first.
    pub runs: Vec<PastRun>,
    /// How jobs ended (built or failed, with the category), per run.
    pub outcomes: Vec<PastOutcome>,
}

impl History {
    /// How many runs the history keeps: enough for weeks of nightly runs, small enough to
    /// rewrite at every transition.
    pub const KEEP_RUNS: usize = 60;

    /// The history in `path`, or an empty one when the file does not exist.
    pub fn load(path: &Path) -> Result<History, StatusError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
            Err(e) => return Err(StatusError::io(path)(e)),
        };
        serde_json::from_str(&text).map_err(|source| StatusError::Json {
            path: path.to_owned(),
            source,
        })
    }

    /// Replaces what is recorded for `status`'s run with its current counts and outcomes,
    /// and forgets runs beyond [`History::KEEP_RUNS`].
    pub fn record(&mut self, status: &Status) {
        let id = status.run.id;
        self.runs.retain(|run| run.id != id);
        self.outcomes.retain(|outcome| outcome.run != id);
        self.runs.push(PastRun {
            id,
            command: status.run.command.clone(),
            started_at: status.run.started_at,
            finished_at: status.run.finished_at,
            elapsed_secs: status.run.elapsed_secs,
            counts: status.counts.clone(),
        });
        self.runs.sort_by_key(|run| run.id);
        let at = |time: Option<DateTime<Utc>>| time.unwrap_or(status.generated_at);
        for built in &status.built {
            self.outcomes.push(PastOutcome {
                run: id,
                pkgbase: built.pkgbase.clone(),
                at: at(built.finished_at),
                failed: None,
            });
        }
        for failed in &status.failed {
            self.outcomes.push(PastOutcome {
                run: id,
                pkgbase: failed.pkgbase.clone(),
                at: at(failed.failed_at),
                failed: Some(failed.category),
            });
        }
        if self.runs.len() > Self::KEEP_RUNS {
            let cut = self.runs.len() - Self::KEEP_RUNS;
            self.runs.drain(..cut);
            let oldest = self.runs.first().map_or(i64::MIN, |run| run.id);
            self.outcomes.retain(|outcome| outcome.run >= oldest);
        }
    }

    /// The `n` runs before `current`, newest first.
    pub fn last_runs(&self, current: i64, n: usize) -> Vec<PastRun> {
        self.runs
            .iter()
            .rev()
            .filter(|run| run.id != current)
            .take(n)
            .cloned()
            .collect()
    }

    /// When `pkgbase` started failing as `category` in the runs before `current`, without a
    /// success or another kind of failure since: the time of the earliest failure of that
    /// unbroken streak. `None` when its last earlier outcome was not that failure.
    pub fn failing_since(
        &self,
        pkgbase: &str,
        category: Category,
        current: i64,
    ) -> Option<DateTime<Utc>> {
        let mut earlier: Vec<&PastOutcome> = self
            .outcomes
            .iter()
            .filter(|o| o.pkgbase == pkgbase && o.run < current)
            .collect();
        earlier.sort_by_key(|o| std::cmp::Reverse((o.run, o.at)));
        earlier
            .iter()
            .take_while(|o| o.failed == Some(category))
            .map(|o| o.at)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 3, 0, 0)
            .single()
            .unwrap()
    }

    fn outcome(run: i64, pkgbase: &str, failed: Option<Category>) -> PastOutcome {
        PastOutcome {
            run,
            pkgbase: pkgbase.to_owned(),
            at: at(u32::try_from(run).unwrap()),
            failed,
        }
    }

    #[test]
    fn failing_since_is_the_start_of_the_unbroken_streak() {
        let history = History {
            runs: Vec::new(),
            outcomes: vec![
                outcome(1, "gcc", Some(Category::Check)),
                outcome(2, "gcc", None),
                outcome(3, "gcc", Some(Category::Build)),
                outcome(4, "gcc", Some(Category::Build)),
                outcome(5, "gcc", Some(Category::Build)),
                outcome(4, "zlib", Some(Category::Download)),
            ],
        };
        // Run 6 fails gcc in build() again: failing so since run 3.
        assert_eq!(
            history.failing_since("gcc", Category::Build, 6),
            Some(at(3))
        );
        // Run 5 is the current run: its own outcome does not count.
        assert_eq!(
            history.failing_since("gcc", Category::Build, 5),
            Some(at(3))
        );
        // Another kind of failure starts a new streak.
        assert_eq!(history.failing_since("gcc", Category::Check, 6), None);
        assert_eq!(
            history.failing_since("zlib", Category::Download, 6),
            Some(at(4))
        );
        assert_eq!(history.failing_since("vim", Category::Build, 6), None);
    }

    #[test]
    fn a_missing_history_is_empty_and_a_broken_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.json");
        assert_eq!(History::load(&path).unwrap(), History::default());
        std::fs::write(&path, "{not json").unwrap();
        let err = History::load(&path).unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
    }
}
