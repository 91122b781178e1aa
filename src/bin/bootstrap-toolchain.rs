//! bootstrap-toolchain: the staged rebuild of the toolchain.

use std::path::PathBuf;
use std::process::ExitCode;

use archport_bootstrap::{Options, run};
use archport_cli::{CommonArgs, EXIT_OK, UsageError};
use clap::Parser;

/// Rebuild the toolchain in two stages (each part built against the others twice), in clean
/// chroots, publishing to the testing repositories. Stages come from the `[bootstrap]` table
/// of the config; pkgbuilds/gcc and pkgbuilds/glibc must be checked out by hand, the others
/// are fetched at the state repository's version when missing. One run per work directory
/// (build-state/build.lock, shared with build-packages); a failed or interrupted run resumes with --continue.
///
/// Exit codes: 0 every step built; 1 a step failed (or an error); 2 usage; 130/143
/// interrupted by SIGINT/SIGTERM.
#[derive(Parser, Debug)]
#[command(name = "bootstrap-toolchain", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    /// Print every command in order and touch nothing (no lock, no record, no logs)
    #[arg(long)]
    dry_run: bool,
    /// Chroot directory [default: from the config, /var/tmp/builder]
    #[arg(long, value_name = "DIR")]
    chroot: Option<PathBuf>,
    /// pacman cache shared with the chroots [default: from the config, /var/tmp/builder/pacman-cache]
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Skip the stage-1 packages before PKG (stage 2 always runs whole)
    #[arg(long, value_name = "PKG", conflicts_with = "continue_run")]
    start_from: Option<String>,
    /// Resume the last run after its last step built
    #[arg(long = "continue")]
    continue_run: bool,
    /// Build, but publish nothing
    #[arg(long)]
    no_upload: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    archport_cli::run::<Cli>(&cli.common, || {
        let config = cli.common.load_config()?;
        let options = Options {
            dry_run: cli.dry_run,
            chroot: cli.chroot.clone(),
            cache: cli.cache.clone(),
            start_from: cli.start_from.clone(),
            continue_run: cli.continue_run,
            no_upload: cli.no_upload,
            quiet: cli.common.quiet,
            command_line: archport_cli::command_line(std::env::args_os()),
        };
        // Two workers: the signal listener runs while one is busy with blocking work (git
        // fetches, makepkg --printsrcinfo).
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| anyhow::anyhow!("tokio runtime: {e}"))?;
        let summary = match runtime.block_on(run(&config, &options)) {
            Ok(summary) => summary,
            Err(e) if e.is_usage() => return Err(UsageError(e.to_string()).into()),
            Err(e) => return Err(e.into()),
        };
        if let Some(text) = &summary.dry_run {
            print!("{text}");
            return Ok(EXIT_OK);
        }
        eprint!("{}", summary.render());
        Ok(summary.exit_code())
    })
}
