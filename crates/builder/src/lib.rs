//! `build-packages`: turns `packages_to_build.json` into published packages, unattended.
//!
//! - [`prepare`]: the list, the blacklist, the jobs and their dependencies;
//! - [`job`]: one build as a step plan (keys, working copy, makechrootpkg, upload, cache,
//!   copy removal), executed by `archport-runner`;
//! - [`dry_run`]: the plans a run would execute, rendered, touching nothing;
//! - [`orchestrate`]: the run: set-up, the run in the queue (created, resumed or joined
//!   as a worker), this host's slots claiming jobs;
//! - `backend`: the queue (SQLite for one host, PostgreSQL for many) and this host's name;
//! - `enqueue`: the list's entries as the queue's jobs (dependencies, priorities, entries,
//!   PKGBUILD trees);
//! - `task`: one claimed job: its PKGBUILD, the build, publishing as a state of its own,
//!   the result, the lease renewed meanwhile;
//! - `run_state`: this host's console and summary, kept in step with every job;
//! - `setup`: stale working copies, before the first build;
//! - [`summary`]: how a run ended, its exit code;
//! - [`display`]: live lines on a terminal, timestamped lines otherwise;
//! - [`failed`]: writes `failed_packages.json`;
//! - [`status`]: `--status`, from the durable queue, failures with their category;
//! - `status_page`: the status page and `status.json`, refreshed at every transition.
//!
//! The root chroot, logs, signals and the work-directory lock are `archport-runner`'s,
//! shared with `bootstrap-toolchain`.

mod backend;
pub mod display;
pub mod dry_run;
mod enqueue;
mod error;
pub mod failed;
pub mod job;
mod options;
pub mod orchestrate;
pub mod prepare;
mod run_list;
mod run_state;
mod setup;
pub mod status;
mod status_page;
pub mod summary;
mod task;

pub use error::BuildError;
pub use options::Options;
pub use orchestrate::run;
pub use summary::Summary;
