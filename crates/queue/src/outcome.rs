//! What recording a transition or a result does to a job and to its run: the rules both
//! backends apply, so that only their SQL differs. Pure; the backends write what these
//! functions decide.

use std::time::Duration;

use crate::model::JobState;
use crate::work::JobResult;

/// The reason stored on a job whose build was cut short by the end of its run.
pub(crate) const INTERRUPTED_REASON: &str = "the run stopped during the build";

/// A job's attempt count and times (unix milliseconds) after a recorded transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Times {
    /// The attempt count: a new build is a new attempt.
    pub attempt: i64,
    /// When the current attempt started.
    pub started_at: Option<i64>,
    /// When the job reached its state, for the states that end an attempt or the job.
    pub finished_at: Option<i64>,
    /// How long the attempt took, for the states that end a started build.
    pub duration_ms: Option<i64>,
}

impl Times {
    /// What moving into `state` at `now` does to a job that stood at `attempt`, its current
    /// attempt having started at `started_at`.
    pub(crate) fn after(state: JobState, attempt: i64, started_at: Option<i64>, now: i64) -> Self {
        let (attempt, started_at, finished_at, duration_ms) = match state {
            JobState::Building => (attempt + 1, Some(now), None, None),
            JobState::Queued => (attempt, None, None, None),
            JobState::Built | JobState::Failed | JobState::Interrupted => (
                attempt,
                started_at,
                Some(now),
                started_at.map(|start| now - start),
            ),
            JobState::Blocked | JobState::Skipped => (attempt, started_at, Some(now), None),
        };
        Times {
            attempt,
            started_at,
            finished_at,
            duration_ms,
        }
    }
}

/// Whether a transition into `state` keeps the job's slot and log when it names none: a
/// new attempt (or a requeue) starts with a clean slot and log, later transitions keep them.
pub(crate) fn keeps_slot_and_log(state: JobState) -> bool {
    !matches!(state, JobState::Building | JobState::Queued)
}

/// The reason stored with `result`, reported by the holder on `host`.
pub(crate) fn result_reason(result: &JobResult, host: &str) -> Option<String> {
    match result {
        JobResult::Failed { phase, cause } => Some(format!("{phase}: {cause}")),
        JobResult::Interrupted => Some(format!("interrupted on {host}")),
        JobResult::Published | JobResult::BuiltNotPublished => None,
    }
}

/// What a recorded result does to the job's dependents and to its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// The job is available to its dependents: each is one dependency closer to ready.
    Frees,
    /// The job can never become available: its dependents are blocked, on every host, and
    /// the run stops when `stop_run` (a failure under `--stop-on-failure`).
    Blocks {
        /// Whether the run stops.
        stop_run: bool,
    },
    /// The job is claimable again as a new attempt: its dependents wait.
    Nothing,
}

impl Effect {
    /// The effect of `result` in a run with the given rules.
    pub(crate) fn of(result: &JobResult, require_publish: bool, stop_on_failure: bool) -> Self {
        match result {
            JobResult::Published => Effect::Frees,
            JobResult::BuiltNotPublished if !require_publish => Effect::Frees,
            JobResult::BuiltNotPublished => Effect::Blocks { stop_run: false },
            JobResult::Failed { .. } => Effect::Blocks {
                stop_run: stop_on_failure,
            },
            JobResult::Interrupted => Effect::Nothing,
        }
    }
}

/// Why the dependents of `by` are blocked, as the single-host orchestration words it.
pub(crate) fn blocked_reason(by: &str) -> String {
    format!("blocked by {by}")
}

/// A lease's length in milliseconds, as stored (saturating: a lease that long never ends).
pub(crate) fn lease_millis(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed() -> JobResult {
        JobResult::Failed {
            phase: "build".into(),
            cause: "makechrootpkg exited with 2".into(),
        }
    }

    #[test]
    fn an_attempt_starts_when_building_and_ends_with_its_result() {
        let started = Times::after(JobState::Building, 1, None, 100);
        assert_eq!(
            started,
            Times {
                attempt: 2,
                started_at: Some(100),
                finished_at: None,
                duration_ms: None
            }
        );
        let built = Times::after(JobState::Built, 2, Some(100), 250);
        assert_eq!(built.duration_ms, Some(150));
        assert_eq!(built.finished_at, Some(250));
        let blocked = Times::after(JobState::Blocked, 0, None, 250);
        assert_eq!(
            (blocked.finished_at, blocked.duration_ms),
            (Some(250), None)
        );
        assert_eq!(
            Times::after(JobState::Queued, 3, Some(1), 9).started_at,
            None
        );
        assert!(!keeps_slot_and_log(JobState::Building));
        assert!(keeps_slot_and_log(JobState::Failed));
    }

    #[test]
    fn results_free_block_or_leave_the_dependents() {
        assert_eq!(Effect::of(&JobResult::Published, true, true), Effect::Frees);
        assert_eq!(
            Effect::of(&JobResult::BuiltNotPublished, false, false),
            Effect::Frees
        );
        assert_eq!(
            Effect::of(&JobResult::BuiltNotPublished, true, true),
            Effect::Blocks { stop_run: false }
        );
        assert_eq!(
            Effect::of(&failed(), false, true),
            Effect::Blocks { stop_run: true }
        );
        assert_eq!(
            Effect::of(&JobResult::Interrupted, true, true),
            Effect::Nothing
        );
        assert_eq!(
            result_reason(&failed(), "box").as_deref(),
            Some("build: makechrootpkg exited with 2")
        );
        assert_eq!(
            result_reason(&JobResult::Interrupted, "box").as_deref(),
            Some("interrupted on box")
        );
    }
}
