//! Durable build state of `build-packages`: which run is going, where every job of it
//! stands (queued, building, built, failed, blocked, skipped, interrupted) with its version,
//! times, slot, log and attempt, and the history of every transition. Each transition is
//! committed before the caller goes on, so `--continue` loses nothing after `kill -9` or a
//! power cut.
//!
//! [`StateStore`] is the backend-neutral interface; [`SqliteStore`] keeps the state in one
//! SQLite file in the work dir (see [`default_path`]), [`PostgresStore`] in a PostgreSQL
//! database shared by many build hosts. [`WorkQueue`] is the pull model over both: the
//! database hands out the highest-priority ready job to a slot of any host under a lease with
//! a fencing token, and accepts heartbeats, publishing and results only from the current
//! holder. The store records what the build
//! orchestration decides and never decides itself. [`StatusReport`] and [`render_status`]
//! are `build-packages --status` (`--status --json` serializes the report).
//!
//! Times are stored as unix milliseconds (UTC) and reported as [`chrono::DateTime<Utc>`]
//! (RFC 3339 in JSON); durations as seconds.

mod archive;
mod clock;
mod error;
mod fencing;
mod model;
mod outcome;
mod postgres;
mod publish_lock;
mod reconcile;
mod report;
mod rows;
mod sqlite;
mod store;
mod work;

pub use archive::{pack_pkgbuild, unpack_pkgbuild};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ArchiveError, QueueError};
pub use model::{
    JobKey, JobRecord, JobState, NewJob, Resume, RunId, RunInfo, Transition, TransitionRecord,
    UnknownState,
};
pub use postgres::{PostgresStore, redact_url};
pub use publish_lock::PublishLock;
pub use report::{FailedJob, RunSummary, RunningJob, StatusReport, UNKNOWN_BLOCKER, render_status};
pub use sqlite::{SqliteStore, default_path};
pub use store::{StateStore, WorkQueue};
pub use work::{
    Claim, Completion, FenceToken, Fenced, HostStatus, JobResult, Lease,
    MAX_PKGBUILD_ARCHIVE_BYTES, PkgbuildArchive, Refusal, RunOptions, WorkJob,
};
