//! repo-analyze: what is wrong with the port's repositories compared to x86_64.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use archport_analyze::{Inputs, Section, analyze, render_human};
use archport_blacklist::Blacklist;
use archport_cli::{CommonArgs, EXIT_OK, LockArgs};
use archport_config::Overrides;
use clap::Parser;

/// Report what is wrong with the port's repositories compared to x86_64 Arch Linux.
///
/// Findings are not errors: the exit code is 0 whenever the analysis ran. The run refreshes
/// the work directory's cache/ and state/, so it takes the work directory's lock
/// (build-state/build.lock) like the other tools, except with --offline, which writes nothing
/// there.
#[derive(Parser, Debug)]
// The name is the binary's, not the package's: usage lines and completion scripts use it.
#[command(
    name = "repo-analyze",
    version,
    max_term_width = 100,
    after_help = archport_cli::exit_codes::REPO_ANALYZE
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,

    #[command(flatten)]
    lock: LockArgs,

    /// Blacklist file applied to the missing sections [default: blacklist.txt when present]
    #[arg(long, value_name = "FILE", conflicts_with = "no_blacklist")]
    blacklist: Option<PathBuf>,
    /// Apply no blacklist
    #[arg(long)]
    no_blacklist: bool,
    /// Target database URLs, replacing the configured target mirror
    #[arg(long, value_name = "URL", num_args = 1..)]
    arm_urls: Option<Vec<String>>,
    /// No network: use the cached databases and the existing state checkout
    #[arg(long)]
    offline: bool,
    /// One JSON object on stdout instead of the human report
    #[arg(long)]
    json: bool,

    /// Show: pkgbases in core on one side and extra on the other
    #[arg(long, help_heading = "Sections (default: all)")]
    repo_mismatches: bool,
    /// Show: target versions newer than x86_64
    #[arg(long, help_heading = "Sections (default: all)")]
    target_newer: bool,
    /// Show: target pkgbases x86_64 neither has nor provides
    #[arg(long, help_heading = "Sections (default: all)")]
    target_only: bool,
    /// Show: x86_64 arch-specific pkgbases absent from the target
    #[arg(long, help_heading = "Sections (default: all)")]
    missing_pkgbases: bool,
    /// Show: ARCH=any packages older on the target
    #[arg(long, help_heading = "Sections (default: all)")]
    outdated_any: bool,
    /// Show: ARCH=any packages absent from the target
    #[arg(long, help_heading = "Sections (default: all)")]
    missing_any: bool,
    /// Show: names in several target repos, pkgbases in both x86_64 core and extra
    #[arg(long, help_heading = "Sections (default: all)")]
    duplicates: bool,
    /// Show: target dependencies nothing on the target provides
    #[arg(long, help_heading = "Sections (default: all)")]
    broken_deps: bool,
    /// Show: target dependencies with no satisfying version (soname drift flagged)
    #[arg(long, help_heading = "Sections (default: all)")]
    unsatisfied_deps: bool,
    /// Show: target pkgnames their x86_64 pkgbase no longer builds
    #[arg(long, help_heading = "Sections (default: all)")]
    orphaned: bool,
    /// Show: target packages newer in testing than in stable, waiting for promotion
    #[arg(long, help_heading = "Sections (default: all)")]
    in_testing: bool,
    /// Show: pkgbases of the port's own repositories ([target] port_repos)
    #[arg(long, help_heading = "Sections (default: all)")]
    port_packages: bool,
    /// Show: target -bin packages against the x86_64 package they provide (pkgver)
    #[arg(long, help_heading = "Sections (default: all)")]
    bin_packages: bool,
    /// Show: x86_64 pkgbases whose dependency chain reaches a blacklisted package
    #[arg(long, help_heading = "Sections (default: all)")]
    blocked_by_blacklist: bool,
    /// Show: packages ARCH=any on one side and architecture-specific on the other
    #[arg(long, help_heading = "Sections (default: all)")]
    arch_changed: bool,
    /// Show: pkgbases whose target build lacks x86_64 split packages
    #[arg(long, help_heading = "Sections (default: all)")]
    missing_split_packages: bool,
    /// Show: missing pkgbases another target package provides
    #[arg(long, help_heading = "Sections (default: all)")]
    provided_elsewhere: bool,
    /// Show: dependencies with an empty version (nginx=): upstream packaging bugs
    #[arg(long, help_heading = "Sections (default: all)")]
    upstream_broken: bool,
    /// Upstream testing too: core-testing/extra-testing on the x86_64 side
    #[arg(long)]
    upstream_testing: bool,
    /// Also write the report as an HTML page to FILE
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

impl Cli {
    fn sections(&self) -> Vec<Section> {
        let flags = [
            self.repo_mismatches,
            self.target_newer,
            self.target_only,
            self.missing_pkgbases,
            self.outdated_any,
            self.missing_any,
            self.duplicates,
            self.broken_deps,
            self.unsatisfied_deps,
            self.orphaned,
            self.in_testing,
            self.port_packages,
            self.bin_packages,
            self.blocked_by_blacklist,
            self.arch_changed,
            self.missing_split_packages,
            self.provided_elsewhere,
            self.upstream_broken,
        ];
        Section::ALL
            .into_iter()
            .zip(flags)
            .filter(|(_, on)| *on)
            .map(|(s, _)| s)
            .collect()
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    archport_cli::run::<Cli>(&cli.common, || {
        let mut config = cli.common.load_config_with(&Overrides {
            blacklist: cli.blacklist.clone(),
            ..Overrides::default()
        })?;
        config.x86.include_testing |= cli.upstream_testing;
        let blacklist = if cli.no_blacklist {
            Blacklist::default()
        } else {
            Blacklist::load(&config.paths.blacklist, config.paths.blacklist_required)?
        };
        let options = archport_snapshot::Options {
            offline: cli.offline,
            target_urls: cli.arm_urls.clone(),
        };
        // Loading refreshes cache/ and state/, which generate-build-list and the builds read
        // and rewrite: one writer at a time. Offline, nothing is written, so nothing waits.
        let _lock = if cli.offline {
            None
        } else {
            let path = config.workdir().lock_file();
            Some(archport_runner::RunLock::acquire_for(
                &path,
                "repo-analyze",
                cli.lock.wait,
                &mut |line| archport_cli::println_stderr(line),
            )?)
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let snapshot = runtime
            .block_on(archport_snapshot::load(&config, &options))
            .context("loading the repositories")?;
        let target_testing = config
            .target_testing_repos()
            .into_iter()
            .map(|(stable, testing)| (testing, stable))
            .collect();
        let report = analyze(&Inputs {
            state: &snapshot.state,
            x86: &snapshot.x86,
            target: &snapshot.target,
            blacklist: &blacklist,
            target_testing: &target_testing,
            port_repos: &config.target.port_repos,
            x86_testing: snapshot.x86_testing.as_ref(),
        });
        let sections = cli.sections();
        if let Some(path) = &cli.html {
            let page = archport_status::render_analysis_html(
                &report,
                &archport_status::AnalysisContext {
                    target_arch: config.arch.clone(),
                    generated_at: chrono::Utc::now(),
                },
            );
            archport_fs::write_atomic(path, page.as_bytes())
                .with_context(|| format!("{}: cannot write the HTML report", path.display()))?;
        }
        if cli.json {
            archport_cli::println_stdout(&serde_json::to_string_pretty(
                &report.to_json(&sections),
            )?);
        } else {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            archport_cli::print_stdout(&render_human(&report, &sections, color));
        }
        Ok(EXIT_OK)
    })
}
