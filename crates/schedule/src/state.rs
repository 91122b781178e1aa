//! Where a job stands: a leaf module, so errors can name a state without importing the
//! scheduler.

use std::fmt;

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Some dependency is not built yet.
    Waiting,
    /// Every dependency is built; not started.
    Ready,
    /// Started, not finished.
    Running,
    /// Built in this run.
    Built,
    /// Built in an earlier run ([`crate::Scheduler::mark_done`]).
    PreviouslyBuilt,
    /// Its build failed.
    Failed,
    /// A dependency failed (directly or further down): it will not be built in this run.
    Blocked {
        /// The failed job.
        by: usize,
    },
}

impl JobState {
    /// Whether the job will not change state any more in this run.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Built
                | JobState::PreviouslyBuilt
                | JobState::Failed
                | JobState::Blocked { .. }
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobState::Waiting => f.write_str("waiting"),
            JobState::Ready => f.write_str("ready"),
            JobState::Running => f.write_str("running"),
            JobState::Built => f.write_str("built"),
            JobState::PreviouslyBuilt => f.write_str("built previously"),
            JobState::Failed => f.write_str("failed"),
            JobState::Blocked { by } => write!(f, "blocked by job {by}"),
        }
    }
}
