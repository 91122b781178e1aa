//! Publishing built packages to the port's testing repositories.
//!
//! After a build: [`prune_older`] keeps only the newest package files in the build
//! directory, [`built_files`] picks what the build produced, an [`Uploader`] publishes them
//! (the port's `repo-upload` command, or a local tree updated with `repo-add`), and
//! [`remove_from_cache`] drops them from the pacman cache so later builds install the
//! published packages.

mod backend;
mod error;
mod files;

pub use backend::{LOCAL_LOCK_FILE, Uploader, target_repo};
pub use error::UploadError;
pub use files::{
    PackageFile, built_files, cache_files, cached_copies, empty_cache, package_files, prune_older,
    remove_from_cache,
};
