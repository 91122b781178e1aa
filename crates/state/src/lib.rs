//! The Arch state repository (`gitlab.archlinux.org/archlinux/packaging/state`): which
//! version, git tag and commit every pkgbase of every repository is at.
//!
//! The repository holds one directory per `<repo>-<arch>` (`core-x86_64`, `extra-any`,
//! ...) and in it one file per pkgbase holding `pkgbase version tag commit-sha1`.
//!
//! - [`sync_state_repo`] keeps a shallow clone in step with the remote, replacing a
//!   damaged clone; [`open_existing`] uses an existing checkout without any network.
//! - [`State::read`] reads a checkout's work tree into entries looked up by pkgbase, with
//!   the repository's own [inconsistencies](Inconsistency) listed.

#![warn(missing_docs)]

mod checkout;
mod entry;
mod error;
mod parse;
mod state;
mod sync;

pub use checkout::{Checkout, open_existing};
pub use entry::StateEntry;
pub use error::{LineProblem, StateError};
pub use state::{Inconsistency, State};
pub use sync::{SyncAction, SyncOutcome, sync_state_repo};
