//! `bootstrap-toolchain`: the staged rebuild of the toolchain.
//!
//! The toolchain cannot be rebuilt in plain dependency order: glibc, binutils and gcc are
//! each built against the others, so every part is built twice. Stage 1 builds
//! `linux-api-headers glibc binutils gcc gmp mpfr libmpc libisl`, stage 2 rebuilds
//! `glibc binutils gcc libtool valgrind` against stage 1 (both lists come from the
//! `[bootstrap]` table of the config). Before each build the root chroot gets every
//! toolchain package built so far, so each build runs against the newest toolchain.
//!
//! - [`plan`]: the steps and their `Stage 1/2 (3/8): binutils` labels;
//! - [`sources`]: gcc and glibc checked out by hand, the others fetched when missing;
//! - [`commands`]: each step's devtools commands (shared with `--dry-run`);
//! - [`step`]: one step, into its log;
//! - [`lock`]: one bootstrap per work directory, taken over from a dead holder;
//! - [`record`]: the step record `--continue` resumes from;
//! - [`run`](mod@run): the whole run, with signals;
//! - [`dry_run`]: what a run would do, touching nothing.
//!
//! The devtools driver, the process runner, uploads and log naming are shared with
//! `build-packages` (`archport-chroot`, `archport-upload`, `archport_build::logs`).

#![warn(missing_docs)]

pub mod commands;
pub mod console;
pub mod dry_run;
mod error;
pub mod lock;
pub mod plan;
pub mod record;
pub mod run;
mod signals;
pub mod sources;
pub mod step;
mod summary;

pub use error::BootstrapError;
pub use run::run;
pub use summary::{Options, StepFailure, Summary};
