//! What `bootstrap-toolchain` was asked to do.

use std::path::PathBuf;

/// The options of a run (the command line's, without the config file).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--dry-run`: print every command, write nothing, take no lock.
    pub dry_run: bool,
    /// `--chroot`: the chroot directory (default from the config).
    pub chroot: Option<PathBuf>,
    /// `--cache`: the pacman cache (default from the config).
    pub cache: Option<PathBuf>,
    /// `--start-from`: skip the stage-1 packages before this one.
    pub start_from: Option<String>,
    /// `--continue`: resume the last run after its last step built.
    pub continue_run: bool,
    /// `--no-upload`: build, publish nothing.
    pub no_upload: bool,
    /// `-q`: only warnings and failures on the console.
    pub quiet: bool,
    /// The command line, kept in the step record.
    pub command_line: String,
}
