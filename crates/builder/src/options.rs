//! What `build-packages` was asked to do.

use std::path::PathBuf;

/// What `build-packages` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--json`: the build list (default `{workdir}/packages_to_build.json`).
    pub json: Option<PathBuf>,
    pub no_upload: bool,
    /// `--no-cache`: empty the cache before each build.
    pub no_cache: bool,
    /// `--continue`: resume the last run.
    pub continue_run: bool,
    /// `--stop-on-failure`: start nothing new after the first failure.
    pub stop_on_failure: bool,
    /// `--parallel-jobs`: concurrent builds.
    pub parallel_jobs: usize,
    /// `--no-check`: no checkdepends, `--nocheck` to makepkg.
    pub no_check: bool,
    /// `--cleanup-on-failure`: remove a failed build's working copy.
    pub cleanup_on_failure: bool,
    /// `--dry-run`: print the commands, touch nothing.
    pub dry_run: bool,
    /// `-q`: only failures on the console.
    pub quiet: bool,
    /// The command line, recorded in the queue and `failed_packages.json`.
    pub command_line: String,
    /// `--queue URL`: the PostgreSQL database of a run shared by several hosts; overrides
    /// `[queue] url`.
    pub queue: Option<String>,
    /// `--worker`: build for the newest unfinished run of the queue instead of starting one
    /// from a list; exit when it is finished.
    pub worker: bool,
    /// `--follow` (with `--worker`): after a run, wait for the next one instead of exiting.
    pub follow: bool,
    /// `--wait`: when another run holds the work directory's lock, wait for it instead of
    /// failing.
    pub wait: bool,
}
