//! Durable build state of `build-packages`: which run is going, where every job of it
//! stands (queued, building, built, failed, blocked, skipped, interrupted) with its version,
//! times, slot, log and attempt, and the history of every transition. Each transition is
//! committed before the caller goes on, so `--continue` loses nothing after `kill -9` or a
//! power cut.
//!
//! [`StateStore`] is the backend-neutral interface; [`SqliteStore`] keeps the state in one
//! SQLite file in the work dir (see [`default_path`]). The store records what the build
//! orchestration decides and never decides itself. [`StatusReport`] and [`render_status`]
//! are `build-packages --status` (`--status --json` serializes the report).
//!
//! Times are stored as unix milliseconds (UTC) and reported as [`chrono::DateTime<Utc>`]
//! (RFC 3339 in JSON); durations as seconds.

mod clock;
mod error;
mod model;
mod reconcile;
mod report;
mod sqlite;
mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::QueueError;
pub use model::{
    JobKey, JobRecord, JobState, NewJob, Resume, RunId, RunInfo, Transition, TransitionRecord,
    UnknownState,
};
pub use report::{FailedJob, RunSummary, RunningJob, StatusReport, UNKNOWN_BLOCKER, render_status};
pub use sqlite::{SqliteStore, default_path};
pub use store::StateStore;
