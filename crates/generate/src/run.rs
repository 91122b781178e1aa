//! The whole `generate-build-list` run.

use std::path::PathBuf;

use archport_blacklist::Blacklist;
use archport_buildlist::{BuildList, timestamp_now};
use archport_config::Config;
use archport_pkgsrc::Makepkg;

use crate::candidate::Candidate;
use crate::console::Console;
use crate::fetching::{FetchContext, fetch_all, plan_fetch};
use crate::missing::add_missing;
use crate::select::{MissingPackage, World, check_consistency, missing_packages, select};

/// What `generate-build-list` was asked to do (the command-line options).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--packages`: pkgnames or pkgbases to build, whatever their versions.
    pub packages: Vec<String>,
    /// `--local`: use `pkgbuilds/<name>/` as it is.
    pub local: bool,
    /// `--aur`: fetch the named packages from the AUR.
    pub aur: bool,
    /// `--use-latest`: the packaging repo's newest commit instead of the version tag.
    pub use_latest: bool,
    /// `--rebuild-repo`: list every pkgbase of this repository.
    pub rebuild_repo: Option<String>,
    /// `--missing-packages`: report the pkgbases the target lacks, write no list.
    pub missing_packages: bool,
    /// `--no-update`: no git, no downloads.
    pub no_update: bool,
    /// `--output`: the build list path (default `{workdir}/packages_to_build.json`).
    pub output: Option<PathBuf>,
    /// `--dry-run`: no git, no files written.
    pub dry_run: bool,
    /// `--jobs`: concurrent fetches.
    pub jobs: usize,
    /// `--strict`: fetch failures make the run fail.
    pub strict: bool,
    /// `--blacklist`: blacklist file (must exist).
    pub blacklist: Option<PathBuf>,
    /// `--arm-urls`: target databases replacing the configured ones.
    pub arm_urls: Option<Vec<String>>,
    /// The command line, recorded in the list's `_command`.
    pub command_line: String,
}

/// How the run ended (errors aside).
#[derive(Debug)]
pub enum Outcome {
    /// The build list was written.
    Written {
        /// Where.
        path: PathBuf,
        /// The list.
        list: BuildList,
        /// Fetch failures, `(pkgbase, reason)`.
        failures: Vec<(String, String)>,
    },
    /// `--dry-run`: the ordered list that would be written.
    DryRun {
        /// The entries in order.
        list: BuildList,
    },
    /// `--missing-packages`.
    Missing(Vec<MissingPackage>),
}

/// Why the run failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The repositories could not be loaded.
    #[error(transparent)]
    Snapshot(#[from] archport_snapshot::SnapshotError),
    /// The blacklist is unusable.
    #[error(transparent)]
    Blacklist(#[from] archport_blacklist::BlacklistError),
    /// The state repository has pkgbases in both core and extra.
    #[error("state repository is inconsistent: in both core and extra: {0}")]
    Inconsistent(String),
    /// A `--packages` name is neither a pkgbase nor a pkgname on x86_64.
    #[error("{0}: no such pkgbase or package on x86_64")]
    UnknownPackage(String),
    /// A `--packages` name is ARCH=any.
    #[error(
        "{name}: pkgbase {pkgbase} is ARCH=any ({dir}); the port uses the x86_64 packages as they are, so there is nothing to build"
    )]
    AnyPackage {
        /// The name given.
        name: String,
        /// Its pkgbase.
        pkgbase: String,
        /// The state directory (`extra-any`).
        dir: String,
    },
    /// A name is not a valid package name.
    #[error("{0}")]
    BadName(String),
    /// The dependency graph is inconsistent (a bug).
    #[error(transparent)]
    Graph(#[from] archport_plan::graph::GraphError),
    /// The list could not be written.
    #[error(transparent)]
    Write(#[from] archport_buildlist::ListError),
}

/// Runs `generate-build-list`.
pub fn run(
    config: &Config,
    options: &Options,
    console: &Console,
) -> Result<Outcome, GenerateError> {
    let blacklist = match &options.blacklist {
        Some(path) => Blacklist::from_file(path)?,
        None => Blacklist::from_optional_file(&config.paths.blacklist)?,
    };
    let snapshot = archport_snapshot::load(
        config,
        &archport_snapshot::Options {
            offline: options.no_update || options.dry_run,
            target_urls: options.arm_urls.clone(),
        },
    )?;
    check_consistency(&snapshot.state)?;
    let world = World {
        state: &snapshot.state,
        x86: &snapshot.x86,
        target: &snapshot.target,
        blacklist: &blacklist,
        bootstrap_only: &config.bootstrap.only,
    };
    if options.missing_packages {
        return Ok(Outcome::Missing(missing_packages(&world)));
    }

    let mut warn = |text: String| console.warn(&text);
    let mut candidates = select(&world, options, &mut warn)?;
    let ctx = FetchContext {
        pkgbuilds: config.paths.workdir.join("pkgbuilds"),
        arch: &config.arch,
        packaging_url: &config.sources.packaging_url,
        aur_url: &config.sources.aur_url,
        makepkg: Makepkg {
            program: config.tools.makepkg.clone().into(),
            run_as: is_root().then(|| config.tools.build_user.clone()),
            ..Makepkg::default()
        },
        no_update: options.no_update,
        jobs: options.jobs.max(1),
        console,
    };

    let mut failures = Vec::new();
    let mut check: Vec<usize> = (0..candidates.len()).collect();
    loop {
        let to_fetch: Vec<usize> = check
            .iter()
            .copied()
            .filter(|&i| !candidates[i].skipped())
            .collect();
        if options.dry_run {
            for &i in &to_fetch {
                announce(&ctx, &candidates[i], console);
            }
        } else {
            failures.extend(fetch_all(&ctx, &mut candidates, &to_fetch));
        }
        let added = add_missing(&world, &mut candidates, &check, &mut warn);
        if added.is_empty() {
            break;
        }
        for &i in &added {
            console.line(&format!(
                "Adding {} {} ({})",
                candidates[i].name(),
                candidates[i].entry.version,
                candidates[i]
                    .entry
                    .added_reason
                    .as_deref()
                    .unwrap_or_default()
            ));
        }
        check = added;
    }

    let (order, entries) = crate::ordering::order(&candidates)?;
    for cycle in &order.cycles {
        console.line(&cycle.to_string());
    }
    let list = BuildList {
        command: options.command_line.clone(),
        timestamp: timestamp_now(),
        packages: entries,
    };
    summarize(console, &candidates, &order, &failures);
    if options.dry_run {
        return Ok(Outcome::DryRun { list });
    }
    let path = options
        .output
        .clone()
        .unwrap_or_else(|| config.paths.workdir.join("packages_to_build.json"));
    list.write(&path)?;
    Ok(Outcome::Written {
        path,
        list,
        failures,
    })
}

fn announce(ctx: &FetchContext<'_>, c: &Candidate, console: &Console) {
    match plan_fetch(ctx, c) {
        Ok((mode, url)) => console.line(&format!(
            "Would fetch {} {} ({mode:?}) from {url}",
            c.name(),
            if c.entry.version.is_empty() {
                "latest"
            } else {
                &c.entry.version
            }
        )),
        Err(reason) => console.warn(&format!("{}: {reason}", c.name())),
    }
}

fn summarize(
    console: &Console,
    candidates: &[Candidate],
    order: &archport_plan::order::BuildOrder,
    failures: &[(String, String)],
) {
    let built = candidates.iter().filter(|c| !c.skipped()).count();
    let added = candidates
        .iter()
        .filter(|c| !c.skipped() && c.entry.added_reason.is_some())
        .count();
    let skipped = candidates.len() - built;
    console.line(&format!(
        "{built} pkgbases to build ({added} added as missing dependencies), {} second builds for cycles, {skipped} skipped",
        order.second_builds()
    ));
    for (name, reason) in failures {
        console.line(&format!("  fetch failed: {name}: {reason}"));
    }
}

/// Whether this process runs as root (makepkg refuses to, so it runs as the build user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self is owned by the process's effective uid.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
