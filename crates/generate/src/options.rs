//! What `generate-build-list` was asked to do: a leaf module, so the pipeline's steps can
//! read the options without importing the module that drives them.

use std::path::PathBuf;

/// What `generate-build-list` was asked to do (the command-line options).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--packages`: pkgnames or pkgbases to build, whatever their versions.
    pub packages: Vec<String>,
    /// `--local`: use `pkgbuilds/<name>/` as it is.
    pub local: bool,
    /// `--aur`: fetch the named packages from the AUR.
    pub aur: bool,
    /// `--use-latest`: the packaging repo's newest commit instead of the version tag.
    pub use_latest: bool,
    /// `--rebuild-repo`: list every pkgbase of this repository.
    pub rebuild_repo: Option<String>,
    /// `--missing-packages`: report the pkgbases the target lacks, write no list.
    pub missing_packages: bool,
    /// `--no-update`: no git, no downloads.
    pub no_update: bool,
    /// `--output`: the build list path (default `{workdir}/packages_to_build.json`).
    pub output: Option<PathBuf>,
    /// `--dry-run`: no git, no files written.
    pub dry_run: bool,
    /// `--jobs`: concurrent fetches.
    pub jobs: usize,
    /// `--strict`: fetch failures make the run fail.
    pub strict: bool,
    /// `--arm-urls`: target databases replacing the configured ones.
    pub arm_urls: Option<Vec<String>>,
    /// `--no-blacklist`: apply no blacklist.
    pub no_blacklist: bool,
    /// `--force`: allow ARCH=any pkgbases named with `--packages`.
    pub force: bool,
    /// `--no-check`: checkdepends take no part in ordering or the missing-dependency
    /// search, and the list tells build-packages to build with `--nocheck`.
    pub no_check: bool,
    /// `--single-stage`: no second builds; cycles are cut and every member built once.
    pub single_stage: bool,
    /// `--preserve-order`: with `--packages`, build in the command-line order, added
    /// dependencies before their first dependent.
    pub preserve_order: bool,
    /// The command line, recorded in the list's `_command`.
    pub command_line: String,
}
