//! What `bootstrap-toolchain` was asked to do.

/// The options of a run (the command line's, without the config file).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--dry-run`: print every command, write nothing, take no lock.
    pub dry_run: bool,
    /// `--start-from`: skip the stage-1 packages before this one.
    pub start_from: Option<String>,
    /// `--continue`: resume the last run after its last step built.
    pub continue_run: bool,
    /// `--no-upload`: build, publish nothing.
    pub no_upload: bool,
    /// `-q`: only warnings and failures on the console.
    pub quiet: bool,
    /// `--wait`: when another run holds the work directory's lock, wait for it to end
    /// instead of failing, so a cron job queues behind the run before it.
    pub wait: bool,
    /// The command line, kept in the step record.
    pub command_line: String,
}
