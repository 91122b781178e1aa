//! The whole `generate-build-list` run.

use std::path::PathBuf;

use archport_blacklist::Blacklist;
use archport_buildlist::{BuildList, timestamp_now};
use archport_config::Config;
use archport_pkgsrc::Makepkg;

use crate::candidate::Candidate;
use crate::console::Console;
use crate::dry_run::preview_all;
use crate::fetching::{FetchContext, fetch_all};
use crate::missing::{add_missing, skip_dependents};
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
    /// `--dry-run` or `--no-update` found no cached databases or state clone to work from.
    #[error(
        "{flag} works offline from the databases and state repository clone an earlier run left in {}, and there are none yet ({source}); run generate-build-list once without {flag} first",
        workdir.display()
    )]
    NothingCached {
        /// `--dry-run` or `--no-update`.
        flag: &'static str,
        /// The work directory holding `cache/` and `state/`.
        workdir: PathBuf,
        /// What was missing (boxed: it is large, and errors travel by value).
        source: Box<archport_snapshot::SnapshotError>,
    },
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
    let offline_flag = if options.dry_run {
        Some("--dry-run")
    } else if options.no_update {
        Some("--no-update")
    } else {
        None
    };
    let snapshot = archport_snapshot::load(
        config,
        &archport_snapshot::Options {
            offline: offline_flag.is_some(),
            target_urls: options.arm_urls.clone(),
        },
    )
    .map_err(|source| match offline_flag {
        Some(flag) if nothing_cached(&source) => GenerateError::NothingCached {
            flag,
            workdir: config.paths.workdir.clone(),
            source: Box::new(source),
        },
        _ => GenerateError::Snapshot(source),
    })?;
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
            // Used only when archport runs as root (makepkg refuses to).
            run_as: Some(config.tools.build_user.clone()),
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
            failures.extend(preview_all(&ctx, &mut candidates, &to_fetch));
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
    skip_dependents(&world, &mut candidates);

    let (order, entries) = crate::ordering::order(&candidates)?;
    for cycle in &order.cycles {
        console.line(&cycle.to_string());
    }
    let list = BuildList {
        command: options.command_line.clone(),
        timestamp: timestamp_now(),
        packages: entries,
    };
    summarize(console, &candidates, &order);
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

/// Whether loading failed only because an offline run found nothing cached.
fn nothing_cached(err: &archport_snapshot::SnapshotError) -> bool {
    use archport_snapshot::SnapshotError;
    matches!(
        err,
        SnapshotError::Download(archport_repodb::DownloadError::NotCached { .. })
            | SnapshotError::State(archport_state::StateError::NoCheckout { .. })
    )
}

/// `1 pkgbase`, `2 pkgbases`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The closing lines: what will be built, and every skipped pkgbase with its reason.
fn summarize(
    console: &Console,
    candidates: &[Candidate],
    order: &archport_plan::order::BuildOrder,
) {
    let built = candidates.iter().filter(|c| !c.skipped()).count();
    let added = candidates
        .iter()
        .filter(|c| !c.skipped() && c.entry.added_reason.is_some())
        .count();
    let skipped = candidates.len() - built;
    console.line(&format!(
        "{} to build ({added} added as missing dependencies), {} for cycles, {skipped} skipped",
        count(built, "pkgbase", "pkgbases"),
        count(order.second_builds(), "second build", "second builds"),
    ));
    let mut skipped: Vec<&Candidate> = candidates.iter().filter(|c| c.skipped()).collect();
    skipped.sort_by(|a, b| a.name().cmp(b.name()));
    for c in skipped {
        console.line(&format!(
            "  skipped {}: {}",
            c.name(),
            c.entry.skip_reason.as_deref().unwrap_or("no reason given")
        ));
    }
}
