//! `build-packages`: turns `packages_to_build.json` into published packages, unattended.
//!
//! - [`prepare`]: the list, the blacklist, the jobs and their dependencies;
//! - [`dry_run`]: every command a run would spawn, in order, touching nothing;
//! - [`job`]: one build: keys, working copy, makechrootpkg, upload, cache, copy removal;
//! - [`orchestrate`]: slots, the scheduler, the durable queue, signals;
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
mod run_lock;
pub mod status;

pub use orchestrate::{BuildError, Options, Summary, run};
