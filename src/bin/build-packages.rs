//! build-packages: build the build list in clean chroots, in dependency order, durably.

use std::path::PathBuf;
use std::process::ExitCode;

use archport_builder::status::{status, status_html};
use archport_builder::{Options, run};
use archport_cli::{
    CommonArgs, EXIT_ERROR, EXIT_OK, LockArgs, UsageError, print_stderr, print_stdout,
    println_stderr,
};
use archport_config::Overrides;
use archport_preflight::RunKind;
use clap::Parser;

/// Build packages_to_build.json in clean chroots (devtools), in dependency order, publish them
/// to the testing repos, and keep a durable record that survives interruptions.
#[derive(Parser, Debug)]
#[command(
    name = "build-packages",
    version,
    max_term_width = 100,
    after_help = archport_cli::exit_codes::BUILD_PACKAGES
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    #[command(flatten)]
    lock: LockArgs,

    /// The build list [default: {workdir}/packages_to_build.json]; a failed_packages.json works
    /// too. (With --status and no FILE: the old spelling of --format json)
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
    /// With --status: text for people, or json for scripts (a document saying there is no
    /// run when there is none)
    #[arg(long, value_name = "FORMAT", value_parser = ["text", "json"], requires = "status")]
    format: Option<String>,
    /// With --status: write the run's status page (one HTML file, the logs it links to
    /// under logs/ beside it) to FILE instead of printing; exit 1 when there is no run
    #[arg(
        long,
        value_name = "FILE",
        requires = "status",
        conflicts_with = "format"
    )]
    html: Option<PathBuf>,
    /// Only check that everything a run needs is in place (tools, chroot config, build user,
    /// sudo, directories, free space, keys); exit 0 when it is, 1 with every problem
    #[arg(long, conflicts_with_all = ["dry_run", "continue_run", "status"])]
    check: bool,
    /// The PostgreSQL database of a run shared by several build hosts
    /// (postgres://user@host/db; credentials also from PGPASSWORD or ~/.pgpass) [default:
    /// [queue] url, else SQLite in {workdir}/build-state/]
    #[arg(long, value_name = "URL")]
    queue: Option<String>,
    /// Build for the newest unfinished run of the shared queue (another host created it from
    /// its list) with this host's chroot, cache and --parallel-jobs; exit when it is finished
    #[arg(long, conflicts_with_all = ["dry_run", "continue_run", "json", "check"])]
    worker: bool,
    /// With --worker: after a run, wait for the next one instead of exiting
    #[arg(long, requires = "worker")]
    follow: bool,
}

/// The build list given on the command line, made absolute: the run records where its list
/// came from.
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
        let config = cli.common.load_config_with(&Overrides {
            chroot: cli.chroot.clone(),
            cache: cli.cache.clone(),
            blacklist: cli.blacklist.clone(),
        })?;
        if cli.check {
            let options = archport_preflight::Options::new(RunKind::BuildPackages, &config);
            let report = runtime()?.block_on(archport_preflight::check(&config, &options));
            print_stdout(&report.to_string());
            println_stderr(&report.verdict("build-packages --check").to_string());
            return Ok(if report.is_ok() { EXIT_OK } else { EXIT_ERROR });
        }
        if cli.status
            && let Some(file) = &cli.html
        {
            let written = runtime()?
                .block_on(status_html(&config, cli.queue.as_deref(), file))
                .map_err(anyhow::Error::msg)?;
            if !written {
                println_stderr("no build run recorded yet: no page written");
                return Ok(EXIT_ERROR);
            }
            return Ok(EXIT_OK);
        }
        if cli.status {
            let json = match &cli.json {
                None => cli.format.as_deref() == Some("json"),
                Some(None) => true,
                Some(Some(_)) => {
                    return Err(UsageError(
                        "--status prints no list: use --status --format json".into(),
                    )
                    .into());
                }
            };
            let text = runtime()?.block_on(status(&config, cli.queue.as_deref(), json));
            print_stdout(&text.map_err(anyhow::Error::msg)?);
            return Ok(EXIT_OK);
        }
        let json = match &cli.json {
            None => None,
            Some(Some(file)) => Some(file.clone()),
            Some(None) => {
                return Err(UsageError(
                    "--json needs a FILE (the status as JSON: --status --format json)".into(),
                )
                .into());
            }
        };
        let options = Options {
            json: absolute(&json)?,
            no_upload: cli.no_upload,
            no_cache: cli.no_cache,
            continue_run: cli.continue_run,
            stop_on_failure: cli.stop_on_failure,
            parallel_jobs: usize::from(cli.parallel_jobs),
            no_check: cli.no_check,
            cleanup_on_failure: cli.cleanup_on_failure,
            dry_run: cli.dry_run,
            quiet: cli.common.quiet,
            command_line: archport_cli::command_line(std::env::args_os()),
            queue: cli.queue.clone(),
            worker: cli.worker,
            follow: cli.follow,
            wait: cli.lock.wait,
        };
        let summary = runtime()?.block_on(run(&config, &options))?;
        if let Some(text) = &summary.nothing_to_continue {
            println_stderr(text);
            return Ok(EXIT_OK);
        }
        if let Some(text) = &summary.dry_run {
            print_stdout(text);
            return Ok(EXIT_OK);
        }
        print_stderr(&summary.render());
        Ok(summary.exit_code())
    })
}
