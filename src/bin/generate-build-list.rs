//! generate-build-list: what the port must build, in order, as packages_to_build.json.

use std::path::PathBuf;
use std::process::ExitCode;

use archport_cli::{CommonArgs, EXIT_OK, LockArgs, UsageError, println_stdout};
use archport_config::Overrides;
use archport_generate::{Console, Missing, Options, Outcome, run};
use clap::Parser;

/// Compare x86_64 Arch Linux with the port, fetch the PKGBUILDs that need building, add
/// missing dependencies, order everything by dependencies and write the build list.
///
/// Holds the work directory's lock (build-state/build.lock, shared with build-packages and
/// bootstrap-toolchain) for the whole run, except with --dry-run, which writes nothing there.
#[derive(Parser, Debug)]
#[command(
    name = "generate-build-list",
    version,
    max_term_width = 100,
    after_help = archport_cli::exit_codes::GENERATE_BUILD_LIST
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    lock: LockArgs,

    /// Build these pkgbases or pkgnames, whatever their versions
    #[arg(long, value_name = "PKG", num_args = 1..)]
    packages: Vec<String>,
    /// Use pkgbuilds/<name>/ as it is (with --packages)
    #[arg(long, requires = "packages", conflicts_with = "aur")]
    local: bool,
    /// Fetch the named packages from the AUR (with --packages)
    #[arg(long, requires = "packages")]
    aur: bool,
    /// Use the packaging repo's newest commit instead of the version tag
    #[arg(long)]
    use_latest: bool,
    /// List every pkgbase of this repository, whatever its version
    #[arg(long, value_name = "REPO", value_parser = ["core", "extra"], conflicts_with = "packages")]
    rebuild_repo: Option<String>,
    /// Print the pkgbases the target lacks as JSON on stdout; write no build list
    #[arg(long)]
    missing_packages: bool,
    /// No git, no downloads: the databases and state clone an earlier run cached in the work
    /// directory, and the checkouts as they are (--offline is the same)
    #[arg(long, visible_alias = "offline")]
    no_update: bool,
    /// Build list path [default: {workdir}/packages_to_build.json]
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Fetch no PKGBUILD, write nothing into the work directory: print what would be fetched
    /// (stderr) and the ordered list (stdout). Uses the databases and state clone an earlier
    /// run cached; on a fresh work directory it downloads them into a temporary directory it
    /// removes afterwards
    #[arg(long)]
    dry_run: bool,
    /// Concurrent PKGBUILD fetches
    #[arg(long, short, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// Exit 1 and write no build list when any PKGBUILD fetch failed
    #[arg(long)]
    strict: bool,
    /// Blacklist file [default: blacklist.txt when present]
    #[arg(long, value_name = "FILE", conflicts_with = "no_blacklist")]
    blacklist: Option<PathBuf>,
    /// Apply no blacklist
    #[arg(long)]
    no_blacklist: bool,
    /// Allow ARCH=any pkgbases named with --packages (the port rebuilds one of them)
    #[arg(long, requires = "packages")]
    force: bool,
    /// No second builds: cycles are cut and every member is built once (for ports whose
    /// repositories already serve every cycle)
    #[arg(long)]
    single_stage: bool,
    /// With --packages: build in the command-line order, each added dependency before its
    /// first dependent (one stage per build)
    #[arg(long, requires = "packages")]
    preserve_order: bool,
    /// Leave checkdepends out of ordering and the missing-dependency search, and mark the
    /// entries so build-packages builds them with --nocheck
    #[arg(long)]
    no_check: bool,
    /// Also read x86_64's core-testing/extra-testing (databases and the state repository's
    /// testing directories): a pkgbase newer there is built at that version, keeping its
    /// stable repository for the upload ([x86] include_testing = true is the same)
    #[arg(long)]
    upstream_testing: bool,
    /// Target database URLs, replacing the configured target mirror
    #[arg(long, value_name = "URL", num_args = 1..)]
    arm_urls: Option<Vec<String>>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    archport_cli::run::<Cli>(&cli.common, || {
        if cli.missing_packages && cli.dry_run {
            return Err(
                UsageError("--missing-packages and --dry-run cannot be combined".into()).into(),
            );
        }
        let mut config = cli.common.load_config_with(&Overrides {
            blacklist: cli.blacklist.clone(),
            ..Overrides::default()
        })?;
        config.x86.include_testing |= cli.upstream_testing;
        let options = Options {
            packages: cli.packages.clone(),
            local: cli.local,
            aur: cli.aur,
            use_latest: cli.use_latest,
            rebuild_repo: cli.rebuild_repo.clone(),
            missing_packages: cli.missing_packages,
            no_update: cli.no_update,
            output: cli.output.clone(),
            dry_run: cli.dry_run,
            jobs: usize::from(cli.jobs),
            strict: cli.strict,
            arm_urls: cli.arm_urls.clone(),
            no_blacklist: cli.no_blacklist,
            force: cli.force,
            no_check: cli.no_check,
            single_stage: cli.single_stage,
            preserve_order: cli.preserve_order,
            command_line: archport_cli::command_line(std::env::args_os()),
        };
        let console = Console::stderr(cli.common.quiet);
        // A dry run writes nothing into the work directory, so it never waits or refuses.
        let _lock = if cli.dry_run {
            None
        } else {
            let path = config.workdir().lock_file();
            Some(archport_runner::RunLock::acquire_for(
                &path,
                "generate-build-list",
                cli.lock.wait,
                &mut |line| console.line(line),
            )?)
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        match runtime.block_on(run(&config, &options, &console))? {
            Outcome::Missing(Missing {
                missing,
                bin_provided,
            }) => {
                println_stdout(&serde_json::to_string_pretty(&missing)?);
                for bin in &bin_provided {
                    console.line(&format!(
                        "{}: not missing, the target's {} provides it at {}",
                        bin.name, bin.provider, bin.version
                    ));
                }
                let blacklisted = missing.iter().filter(|m| m.blacklisted).count();
                console.line(&format!(
                    "{} missing from the target ({blacklisted} of them blacklisted); no build list written",
                    if missing.len() == 1 { "1 pkgbase".to_owned() } else { format!("{} pkgbases", missing.len()) }
                ));
                Ok(EXIT_OK)
            }
            Outcome::DryRun { list } => {
                for e in &list.packages {
                    println_stdout(&archport_generate::describe_entry(e));
                }
                Ok(EXIT_OK)
            }
            Outcome::Written { path, list, .. } => {
                let n = list.packages.len();
                console.line(&format!(
                    "Wrote {n} {} to {}",
                    if n == 1 { "entry" } else { "entries" },
                    path.display()
                ));
                Ok(EXIT_OK)
            }
        }
    })
}
