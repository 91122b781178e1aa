//! What every archport binary shares: the common options, logging on stderr, config
//! loading, shell completions and the mapping of outcomes to exit codes.
//!
//! Binaries stay thin: parse arguments with clap, call [`run`] with their body, and let it
//! turn errors into one `error: ...` line and the documented exit code.

mod command_line;
pub mod exit_codes;
mod output;

pub use command_line::command_line;
pub use output::{print_stderr, print_stdout, println_stderr, println_stdout};

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use archport_config::{Config, Overrides};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: an error (bad input, network, a failed package).
pub const EXIT_ERROR: u8 = 1;
/// Exit code: usage error (clap uses 2 for its own errors too).
pub const EXIT_USAGE: u8 = 2;

/// `--wait`, for the tools that take the work directory's lock (flattened into their
/// arguments): without it a second run is refused naming the holder; with it, it waits,
/// so a cron job queues behind the run before it instead of failing.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct LockArgs {
    /// When another run holds the work directory's lock, wait for it to finish instead of
    /// exiting 1
    #[arg(long)]
    pub wait: bool,
}

/// Options every binary accepts.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Configuration file [default: ./archport.toml when present, else built-in defaults]
    #[arg(long, value_name = "FILE", env = "ARCHPORT_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// More detail on stderr (-v: debug, -vv: trace)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only warnings and errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print a shell completion script for this command and exit
    #[arg(long, value_name = "SHELL", exclusive = true)]
    pub completions: Option<Shell>,

    /// Print this command's man page (roff) and exit; packagers install it as man1
    #[arg(long, exclusive = true, hide = true)]
    pub man: bool,
}

impl CommonArgs {
    /// Loads the configuration these options point at, relative to the current directory.
    pub fn load_config(&self) -> anyhow::Result<Config> {
        self.load_config_with(&Overrides::default())
    }

    /// Loads the configuration and applies the command line's path overrides, all relative
    /// to the current directory: the one way every binary turns its options into a config.
    pub fn load_config_with(&self, overrides: &Overrides) -> anyhow::Result<Config> {
        let cwd = std::env::current_dir()
            .map_err(|e| anyhow::anyhow!("cannot read the current directory: {e}"))?;
        let mut config = Config::load(self.config.as_deref(), &cwd)?;
        if config.file.is_none() && !self.quiet {
            println_stderr(&format!(
                "note: no configuration file (--config, ARCHPORT_CONFIG, ./{}, {}): using the \
                 built-in defaults (the real Arch mirrors and services), work directory {}",
                archport_config::DEFAULT_FILE,
                archport_config::SYSTEM_FILE,
                config.paths.workdir.display()
            ));
        }
        config.apply_overrides(overrides, &cwd);
        Ok(config)
    }
}

/// An outcome that already printed what it had to say and only needs its exit code
/// (e.g. an interrupted run exiting 130).
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// A usage error found after argument parsing: printed like clap's, exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Sets up logging on stderr: warnings by default (also with `-q`, which only drops the
/// informational lines the tools print), `-v` debug, `-vv` trace; `RUST_LOG` overrides.
/// Colour only on a terminal.
pub fn init_logging(common: &CommonArgs) {
    let level = match common.verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .with_target(false)
        .try_init();
}

/// Runs a binary's body: prints completions or the man page when asked, sets up logging, and maps the
/// result to an exit code. Errors become one `error: ...` line with their causes joined.
pub fn run<C: CommandFactory>(
    common: &CommonArgs,
    body: impl FnOnce() -> anyhow::Result<u8>,
) -> ExitCode {
    if let Some(shell) = common.completions {
        let mut cmd = C::command();
        let name = cmd.get_name().to_owned();
        // Written through a buffer: clap_complete panics when its writer fails.
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut cmd, name, &mut script);
        print_stdout(&String::from_utf8_lossy(&script));
        return ExitCode::SUCCESS;
    }
    if common.man {
        return match clap_mangen::Man::new(C::command()).render(&mut std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                println_stderr(&format!("error: writing the man page: {e}"));
                ExitCode::from(EXIT_ERROR)
            }
        };
    }
    init_logging(common);
    match body() {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if let Some(Exit(code)) = err.downcast_ref::<Exit>() {
                return ExitCode::from(*code);
            }
            let code = if err.downcast_ref::<UsageError>().is_some() {
                EXIT_USAGE
            } else {
                EXIT_ERROR
            };
            println_stderr(&format!("error: {}", one_line(&err)));
            ExitCode::from(code)
        }
    }
}

/// An error and its causes on one line, without repeating a cause the message already holds.
pub fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}
