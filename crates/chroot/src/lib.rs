//! The devtools driver: the commands that create the root chroot, prepare a working copy
//! and build one pkgbase with `makechrootpkg`, plus the runner that executes them
//! unattended (output into a log file, the whole process group stopped on cancel).
//!
//! Commands are built as data ([`Cmd`]) so `--dry-run` prints exactly what a real run
//! spawns. See [`devtools`](crate::Devtools) for how checkdepends reach the working copy
//! despite `makechrootpkg -c`, and for the sudo rules.

mod cmd;
mod copies;
mod devtools;
mod epoch;
mod error;
mod keys;
mod run;

pub use cmd::Cmd;
pub use copies::{
    COPY_PREFIX, FAILED_PREFIX, copy_in_use, copy_name, failed_copies, failed_copy_name,
    is_copy_name, stale_copies,
};
pub use devtools::{BuildSpec, Devtools};
pub use epoch::commit_time;
pub use error::{ChrootError, RunError};
pub use keys::find_keys;
pub use run::{Cancel, CancelLevel, DEFAULT_GRACE, Finished, run, run_captured};
