//! archport's one git layer, used for the state repository and for PKGBUILD checkouts.
//!
//! It owns what both need and must do the same way: a first clone made in a staging
//! directory beside the destination and renamed into place once complete (so an
//! interruption never leaves something that passes for a clone), fetching the remote's
//! default branch or one tag shallow where the transport allows it, hard-resetting a work
//! tree to a commit, and one error type that says whether the remote or the local side
//! failed. What a caller decides on top (when a clone is damaged, carrying an operator's
//! local changes over an update) stays with the caller.

mod error;
mod ops;

pub use error::GitError;
pub use ops::{
    Head, check_out, clone_fresh, fetch_branch, fetch_default_branch, fetch_tag, head_commit,
    set_origin, staging_dir,
};
