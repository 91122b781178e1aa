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
//! - [`commands`]: each step's plan (shared with `--dry-run`);
//! - [`step`]: one step, executed by `archport-runner` into its log;
//! - [`record`]: the step record `--continue` resumes from;
//! - `prepare`: the steps a run (or dry run) builds;
//! - [`run`](mod@run): the whole run, with signals;
//! - [`dry_run`]: what a run would do, touching nothing;
//! - [`status`]: the status page (`[status] dir`), kept current at every transition, and
//!   `--status --html FILE`.
//!
//! Running a step, the root chroot, logs, signals, the console and the work-directory lock
//! (shared with `build-packages`, which uses the same chroot) are `archport-runner`'s; the
//! devtools commands and uploads are `archport-chroot`'s and `archport-upload`'s.

#![warn(missing_docs)]

pub mod commands;
pub mod dry_run;
mod error;
mod options;
pub mod plan;
mod prepare;
pub mod record;
pub mod run;
pub mod sources;
pub mod status;
pub mod step;
mod summary;

pub use error::BootstrapError;
pub use options::Options;
pub use run::run;
pub use summary::{StepFailure, Summary};
