//! What can go wrong when scheduling.

use crate::state::JobState;

/// A job graph the scheduler cannot take, or a call that does not fit a job's state.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    /// `jobs[position].id` is not `position`.
    #[error("job {pkgbase} at position {position} has id {id}; ids must be positions")]
    IdNotPosition {
        /// The job's pkgbase.
        pkgbase: String,
        /// Its position in the slice.
        position: usize,
        /// The id it carries.
        id: usize,
    },
    /// A job depends on an id that is not a job.
    #[error("job {job} ({pkgbase}) depends on job {dep}, which does not exist")]
    UnknownDependency {
        /// The dependent job.
        job: usize,
        pkgbase: String,
        /// The missing dependency id.
        dep: usize,
    },
    /// The dependencies form a cycle, so some jobs could never start.
    #[error("jobs {pkgbases} can never start: their dependencies form a cycle")]
    Cycle {
        /// The pkgbases of some of the jobs on or behind the cycle, comma-separated.
        pkgbases: String,
    },
    /// A job id out of range was passed to a scheduler call.
    #[error("no job {job} (the scheduler has {count})")]
    UnknownJob {
        /// The id passed.
        job: usize,
        /// The number of jobs.
        count: usize,
    },
    /// A call that needs the job in another state (starting a job that is not ready, ...).
    #[error("cannot {action} job {job} ({pkgbase}): it is {state}")]
    WrongState {
        /// What was asked: `start`, `finish`, `mark done`.
        action: &'static str,
        job: usize,
        pkgbase: String,
        state: JobState,
    },
    /// Durations or weights per job do not match the jobs.
    #[error("{what}: {got} values for {jobs} jobs")]
    LengthMismatch {
        /// Which values.
        what: &'static str,
        /// How many were given.
        got: usize,
        /// How many jobs there are.
        jobs: usize,
    },
    /// A duration that is negative, infinite or NaN.
    #[error("job {job} ({pkgbase}): duration {value} is not a finite number of seconds >= 0")]
    InvalidDuration {
        job: usize,
        pkgbase: String,
        /// The value given.
        value: f64,
    },
    /// A simulation with no build slot.
    #[error("a simulation needs at least one build slot")]
    NoSlots,
}
