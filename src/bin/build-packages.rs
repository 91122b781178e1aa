//! build-packages: build the build list in clean chroots, in dependency order, durably.

use std::path::PathBuf;
use std::process::ExitCode;

use archport_builder::{Options, run, status::status};
use archport_cli::{CommonArgs, EXIT_OK, UsageError};
use clap::Parser;

/// Build packages_to_build.json in clean chroots (devtools), in dependency order, publish them
/// to the testing repos, and keep a durable record that survives interruptions.
///
/// Exit codes: 0 all built; 1 any failed or blocked (or an error); 2 usage; 130/143 interrupted
/// by SIGINT/SIGTERM.
#[derive(Parser, Debug)]
#[command(name = "build-packages", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    /// The build list [default: {workdir}/packages_to_build.json]; a failed_packages.json works
    /// too. With --status and no FILE: the status as JSON for scripts
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    json: Option<Option<PathBuf>>,
    /// Do not build entries matching this blacklist [default: blacklist.txt when present]
    #[arg(long, value_name = "FILE")]
    blacklist: Option<PathBuf>,
    /// Build, but publish nothing
    #[arg(long)]
    no_upload: bool,
    /// pacman cache shared with the chroots [default: from the config, /var/tmp/builder/pacman-cache]
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Empty the cache before each build
    #[arg(long)]
    no_cache: bool,
    /// Resume the last run: what was built at the same version is not rebuilt
    #[arg(long = "continue")]
    continue_run: bool,
    /// Start nothing new after the first failure; running builds finish
    #[arg(long)]
    stop_on_failure: bool,
    /// Chroot directory [default: from the config, /var/tmp/builder]
    #[arg(long, value_name = "DIR")]
    chroot: Option<PathBuf>,
    /// Concurrent builds, each in its own working copy
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    parallel_jobs: u16,
    /// Skip checkdepends and the check() function (makepkg --nocheck)
    #[arg(long)]
    no_check: bool,
    /// Remove a failed build's working copy too (kept for inspection by default)
    #[arg(long)]
    cleanup_on_failure: bool,
    /// Print every external command in order and touch nothing
    #[arg(long)]
    dry_run: bool,
    /// Print the current or last run's state and exit
    #[arg(long, conflicts_with_all = ["dry_run", "continue_run"])]
    status: bool,
}

/// The build list or blacklist given on the command line, made absolute: the run records
/// where its list came from. (`--chroot` and `--cache` are made absolute by the runner.)
fn absolute(path: &Option<PathBuf>) -> anyhow::Result<Option<PathBuf>> {
    path.as_deref()
        .map(std::path::absolute)
        .transpose()
        .map_err(|e| anyhow::anyhow!("current directory: {e}"))
}

/// The runtime of a run: the builds' tasks, their signals and the durable queue. Two
/// workers: the signal listener and the slots keep going while one is busy.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("tokio runtime: {e}"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    archport_cli::run::<Cli>(&cli.common, || {
        let config = cli.common.load_config()?;
        if cli.status {
            let json = match &cli.json {
                None => false,
                Some(None) => true,
                Some(Some(_)) => {
                    return Err(UsageError("--status takes --json without a FILE".into()).into());
                }
            };
            let text = runtime()?.block_on(status(&config, json));
            print!("{}", text.map_err(anyhow::Error::msg)?);
            return Ok(EXIT_OK);
        }
        let json = match &cli.json {
            None => None,
            Some(Some(file)) => Some(file.clone()),
            Some(None) => {
                return Err(
                    UsageError("--json needs a FILE (or --status for JSON status)".into()).into(),
                );
            }
        };
        let options = Options {
            json: absolute(&json)?,
            blacklist: absolute(&cli.blacklist)?,
            no_upload: cli.no_upload,
            cache: cli.cache.clone(),
            no_cache: cli.no_cache,
            continue_run: cli.continue_run,
            stop_on_failure: cli.stop_on_failure,
            chroot: cli.chroot.clone(),
            parallel_jobs: usize::from(cli.parallel_jobs),
            no_check: cli.no_check,
            cleanup_on_failure: cli.cleanup_on_failure,
            dry_run: cli.dry_run,
            quiet: cli.common.quiet,
            command_line: archport_cli::command_line(std::env::args_os()),
        };
        let summary = runtime()?.block_on(run(&config, &options))?;
        if let Some(text) = &summary.dry_run {
            print!("{text}");
            return Ok(EXIT_OK);
        }
        eprint!("{}", summary.render());
        Ok(summary.exit_code())
    })
}
