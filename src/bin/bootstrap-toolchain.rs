//! bootstrap-toolchain: the staged rebuild of the toolchain.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use archport_bootstrap::{Options, run};
use archport_cli::{
    CommonArgs, EXIT_ERROR, EXIT_OK, LockArgs, UsageError, print_stderr, print_stdout,
    println_stderr, println_stdout,
};
use archport_config::Config;
use archport_config::Overrides;
use archport_preflight::RunKind;
use clap::Parser;

/// Rebuild the toolchain in two stages (each part built against the others twice), in clean
/// chroots, publishing to the testing repositories. Stages come from the `[bootstrap]` table
/// of the config; pkgbuilds/gcc and pkgbuilds/glibc must be checked out by hand, the others
/// are fetched at the state repository's version when missing. One run per work directory
/// (build-state/build.lock, shared with build-packages); a failed or interrupted run resumes with --continue.
#[derive(Parser, Debug)]
#[command(
    name = "bootstrap-toolchain",
    version,
    max_term_width = 100,
    after_help = archport_cli::exit_codes::BOOTSTRAP_TOOLCHAIN
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    #[command(flatten)]
    lock: LockArgs,

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
    /// Only check that everything a run needs is in place (tools, chroot config, build user,
    /// sudo, directories, free space, keys); exit 0 when it is, 1 with every problem
    #[arg(long, conflicts_with_all = ["dry_run", "continue_run"])]
    check: bool,
    /// Print the current or last bootstrap's state (from build-state/bootstrap.json) and exit
    #[arg(long, conflicts_with_all = ["dry_run", "continue_run", "check", "start_from", "no_upload"])]
    status: bool,
    /// With --status: the state as status.json's schema, for scripts
    #[arg(long, requires = "status", conflicts_with = "html")]
    json: bool,
    /// With --status: write the status page to FILE (the logs it links to go into logs/ next
    /// to it); the page in [status] dir is kept current by every run anyway
    #[arg(long, value_name = "FILE", requires = "status")]
    html: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    archport_cli::run::<Cli>(&cli.common, || {
        let config = cli.common.load_config_with(&Overrides {
            chroot: cli.chroot.clone(),
            cache: cli.cache.clone(),
            ..Overrides::default()
        })?;
        let options = Options {
            dry_run: cli.dry_run,
            start_from: cli.start_from.clone(),
            continue_run: cli.continue_run,
            no_upload: cli.no_upload,
            wait: cli.lock.wait,
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
        if cli.check {
            let options = archport_preflight::Options::new(RunKind::BootstrapToolchain, &config);
            let report = runtime.block_on(archport_preflight::check(&config, &options));
            print_stdout(&report.to_string());
            println_stderr(&report.verdict("bootstrap-toolchain --check"));
            return Ok(if report.is_ok() { EXIT_OK } else { EXIT_ERROR });
        }
        if cli.status {
            return runtime.block_on(status(&config, cli.json, cli.html.as_deref()));
        }
        let summary = match runtime.block_on(run(&config, &options)) {
            Ok(summary) => summary,
            Err(e) if e.is_usage() => return Err(UsageError(e.to_string()).into()),
            Err(e) => return Err(e.into()),
        };
        if let Some(text) = &summary.dry_run {
            print_stdout(text);
            return Ok(EXIT_OK);
        }
        print_stderr(&summary.render());
        Ok(summary.exit_code())
    })
}

/// `--status`: the last bootstrap as text, as JSON (`--json`) or as a page (`--html FILE`).
async fn status(config: &Config, json: bool, html: Option<&Path>) -> anyhow::Result<u8> {
    let record = config
        .paths
        .workdir
        .join(archport_bootstrap::record::RECORD_FILE);
    let no_run = || {
        anyhow::anyhow!(
            "{}: no bootstrap run recorded yet; run bootstrap-toolchain first",
            record.display()
        )
    };
    if let Some(file) = html {
        if !archport_bootstrap::status::write_page(config, file).await? {
            return Err(no_run());
        }
        println_stderr(&format!("wrote {}", file.display()));
        return Ok(EXIT_OK);
    }
    let status = archport_bootstrap::status::current(config)
        .await?
        .ok_or_else(no_run)?;
    if json {
        println_stdout(&serde_json::to_string_pretty(&status)?);
    } else {
        print_stdout(&archport_bootstrap::status::render_text(&status));
    }
    Ok(EXIT_OK)
}
