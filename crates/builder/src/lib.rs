//! `build-packages`: turns `packages_to_build.json` into published packages, unattended.
//!
//! - [`prepare`]: the list, the blacklist, the jobs and their dependencies;
//! - [`job`]: one build as a step plan (keys, working copy, makechrootpkg, upload, cache,
//!   copy removal), executed by `archport-runner`;
//! - [`dry_run`]: the plans a run would execute, rendered, touching nothing;
//! - [`orchestrate`]: the run: set-up, the slots, the build tasks;
//! - `run_state`: every job transition, kept in step in the scheduler, the durable queue,
//!   the console and the summary;
//! - `setup`: stale working copies, before the first build;
//! - [`summary`]: how a run ended, its exit code;
//! - [`display`]: live lines on a terminal, timestamped lines otherwise;
//! - [`failed`]: writes `failed_packages.json`;
//! - [`status`]: `--status`, from the durable queue.
//!
//! The root chroot, logs, signals and the work-directory lock are `archport-runner`'s,
//! shared with `bootstrap-toolchain`.

pub mod display;
pub mod dry_run;
mod error;
pub mod failed;
pub mod job;
mod options;
pub mod orchestrate;
pub mod prepare;
mod run_state;
mod setup;
pub mod status;
pub mod summary;

pub use error::BuildError;
pub use options::Options;
pub use orchestrate::run;
pub use summary::Summary;
