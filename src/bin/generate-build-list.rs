//! generate-build-list: what the port must build, in order, as packages_to_build.json.

use std::path::PathBuf;
use std::process::ExitCode;

use archport_cli::{CommonArgs, EXIT_OK, UsageError};
use archport_config::Overrides;
use archport_generate::{Console, Options, Outcome, run};
use clap::Parser;

/// Compare x86_64 Arch Linux with the port, fetch the PKGBUILDs that need building, add
/// missing dependencies, order everything by dependencies and write the build list.
#[derive(Parser, Debug)]
#[command(name = "generate-build-list", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

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
    /// directory, and the checkouts as they are
    #[arg(long)]
    no_update: bool,
    /// Build list path [default: {workdir}/packages_to_build.json]
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Fetch nothing, write nothing: print what would be fetched (stderr) and the ordered list
    /// (stdout). Works offline from the databases and state clone an earlier run cached in
    /// the work directory; on a fresh work directory it fails saying so
    #[arg(long)]
    dry_run: bool,
    /// Concurrent PKGBUILD fetches
    #[arg(long, short, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// Exit 1 and write no build list when any PKGBUILD fetch failed
    #[arg(long)]
    strict: bool,
    /// Blacklist file [default: blacklist.txt when present]
    #[arg(long, value_name = "FILE")]
    blacklist: Option<PathBuf>,
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
        let config = cli.common.load_config_with(&Overrides {
            blacklist: cli.blacklist.clone(),
            ..Overrides::default()
        })?;
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
            command_line: archport_cli::command_line(std::env::args_os()),
        };
        let console = Console::stderr(cli.common.quiet);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        match runtime.block_on(run(&config, &options, &console))? {
            Outcome::Missing(missing) => {
                println!("{}", serde_json::to_string_pretty(&missing)?);
                let blacklisted = missing.iter().filter(|m| m.blacklisted).count();
                console.line(&format!(
                    "{} missing from the target ({blacklisted} of them blacklisted); no build list written",
                    if missing.len() == 1 { "1 pkgbase".to_owned() } else { format!("{} pkgbases", missing.len()) }
                ));
                Ok(EXIT_OK)
            }
            Outcome::DryRun { list } => {
                for e in &list.packages {
                    println!("{}", archport_generate::describe_entry(e));
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
