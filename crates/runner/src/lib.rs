//! One chroot build step, for every tool that builds: `build-packages` schedules slots over
//! step plans, `bootstrap-toolchain` walks a list of them, and a worker of a shared run is
//! meant to drive them the same way.
//!
//! - [`Phase`]: where a step is, typed (keys, cache, refresh, install, checkdepends, build,
//!   upload, cleanup);
//! - [`Plan`]: a step as data, an ordered list of `(phase, action)` with the clean-up for
//!   each way it can end; `--dry-run` prints [`Plan::render`], a real run hands the same
//!   plan to [`execute`], so the two cannot drift apart;
//! - [`execute`]: runs a plan through a [`Spawn`] (the process-group runner of
//!   `archport-chroot` in production, a fake in tests), writing the log's header and footer,
//!   and returns an [`Outcome`] naming the failed [`Phase`];
//! - [`create_root_chroot`]: mkarchroot, removing a half-made root when it fails;
//! - [`apply_chroot_overrides`]: `--chroot`/`--cache`, made absolute;
//! - [`RunLock`], [`Signals`], [`Console`], [`format_duration`] and [`logs`]: the plumbing
//!   around a run.

mod console;
mod error;
mod execute;
mod lock;
pub mod logs;
mod phase;
mod plan;
mod root;
mod signals;
mod spawn;
mod stale;

pub use console::{Console, format_duration};
pub use error::{LockError, RootError};
pub use execute::{
    Failure, LogHeader, Outcome, TIMED_OUT, execute, exit_text, failure_text, record_failure,
    tool_name,
};
pub use lock::RunLock;
pub use phase::Phase;
pub use plan::{Action, Cleanup, FailureCleanup, Plan, PlanStep};
pub use root::create_root_chroot;
pub use signals::{Interrupt, Signals};
pub use spawn::{Processes, Spawn};
pub use stale::{StaleCopyError, copies_not_in_use, stale_copies_not_in_use};
