//! `build-packages`: turns `packages_to_build.json` into published packages, unattended.
//!
//! - [`prepare`]: the list, the blacklist, the jobs and their dependencies;
//! - [`dry_run`]: every command a run would spawn, in order, touching nothing;
//! - [`job`]: one build: keys, working copy, makechrootpkg, upload, cache, copy removal;
//! - [`orchestrate`]: the run: set-up, the slots, the build tasks;
//! - `run_state`: every job transition, kept in step in the scheduler, the durable queue,
//!   the console and the summary;
//! - `setup`: stale working copies and the root chroot, before the first build;
//! - `signals`: SIGINT and SIGTERM, stopping the builds;
//! - [`summary`]: how a run ended, its exit code;
//! - [`display`]: live lines on a terminal, timestamped lines otherwise;
//! - [`failed`]: writes `failed_packages.json`;
//! - [`logs`]: per-build logs, three kept per pkgbase.

pub mod display;
pub mod dry_run;
pub mod failed;
pub mod job;
pub mod logs;
pub mod orchestrate;
pub mod prepare;
pub mod run_lock;
mod run_state;
mod setup;
mod signals;
pub mod status;
pub mod summary;

pub use orchestrate::{BuildError, Options, run};
pub use summary::Summary;
