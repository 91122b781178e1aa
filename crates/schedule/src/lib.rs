//! Which build-list step `build-packages` starts next.
//!
//! [`jobs_from_list`] turns a build list into jobs and the dependencies between them;
//! a [`Scheduler`] holds the state of one run (ready set, running, built, failed, blocked)
//! and offers the ready job heading the heaviest remaining chain of builds, weighted by
//! previous build durations. [`simulate`] and [`lower_bound`] measure how close that gets
//! to the best possible makespan on one host, [`simulate_hosts`] and [`hosts_lower_bound`]
//! on several hosts sharing one work queue, with a delay to publish each build. Pure logic:
//! no I/O, no clock, no async; the build orchestrator drives it.

mod error;
mod graph;
mod hosts;
mod jobs;
mod options;
mod priority;
mod scheduler;
mod simulate;
mod state;

pub use error::ScheduleError;
pub use hosts::{HostSchedule, hosts_lower_bound, simulate_hosts, simulate_hosts_with};
pub use jobs::{Job, SkippedProvider, jobs_from_entries, jobs_from_list};
pub use options::{Hosts, PublishDelay};
pub use scheduler::{Counts, Outcome, Scheduler, default_weight, quantile_weight};
pub use simulate::{Schedule, critical_path, lower_bound, simulate, simulate_with};
pub use state::JobState;
