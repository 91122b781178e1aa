//! PKGBUILD sources for `generate-build-list`: where a pkgbase's packaging repository lives,
//! bringing its checkout in `{pkgbuilds}/<pkgbase>/` to the wanted version (official tag,
//! latest commit, AUR, local directory), and the metadata its `.SRCINFO` holds.
//!
//! - [`gitlab_project_path`], [`packaging_url`], [`aur_url`]: devtools' naming rules and the
//!   configurable URL templates.
//! - [`fetch`]: one pkgbase, synchronously; safe to run concurrently for different pkgbases.
//! - [`read_srcinfo`], [`parse_srcinfo`]: names, version, architectures and merged relations.

mod checkout_version;
mod error;
mod fetch;
mod git_ops;
mod gitlab_path;
mod limits;
mod makepkg;
mod srcinfo;
mod srcinfo_fallback;
mod srcinfo_types;

pub use checkout_version::current_version;
pub use error::FetchError;
pub use fetch::{
    FetchMode, FetchOutcome, FetchRequest, FetchWarning, Progress, fetch, fetch_following,
};
pub use gitlab_path::{
    PATH_PLACEHOLDER, PKGBASE_PLACEHOLDER, UrlTemplateError, aur_url, gitlab_project_path,
    packaging_url,
};
pub use limits::{DEFAULT_PRINTSRCINFO_TIMEOUT, MAX_SRCINFO_BYTES};
pub use makepkg::{Makepkg, MakepkgError};
pub use srcinfo::{parse_srcinfo, read_srcinfo, read_srcinfo_file};
pub use srcinfo_types::{FALLBACK_ARCH, SrcInfo, SrcInfoError};
