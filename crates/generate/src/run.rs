//! The whole `generate-build-list` run.

use std::path::PathBuf;

use archport_blacklist::Blacklist;
use archport_buildlist::{BuildList, timestamp_now};
use archport_config::Config;
use archport_pkgsrc::Makepkg;

use crate::candidate::Candidate;
use crate::console::Console;
use crate::dry_run::preview_all;
use crate::error::GenerateError;
use crate::fetching::{FetchContext, fetch_all};
use crate::missing::{add_missing, skip_dependents};
use crate::options::Options;
use crate::select::{MissingPackage, World, check_consistency, missing_packages, select};

/// How the run ended (errors aside).
#[derive(Debug)]
pub enum Outcome {
    /// The build list was written.
    Written {
        /// `--output`, else the work directory's `packages_to_build.json`.
        path: PathBuf,
        /// The list as written.
        list: BuildList,
        /// Fetch failures, `(pkgbase, reason)`; their entries are in the list, skipped.
        failures: Vec<(String, String)>,
    },
    /// `--dry-run`: the ordered list that would be written.
    DryRun {
        /// The list that would be written, entries in build order.
        list: BuildList,
    },
    /// `--missing-packages`.
    Missing(Vec<MissingPackage>),
}

/// Runs `generate-build-list` with `config` (command-line overrides already applied).
///
/// With `options.strict`, a failed PKGBUILD fetch fails the run with
/// [`GenerateError::Strict`] after the summary, and no list is written.
pub async fn run(
    config: &Config,
    options: &Options,
    console: &Console,
) -> Result<Outcome, GenerateError> {
    let blacklist = Blacklist::load(&config.paths.blacklist, config.paths.blacklist_required)?;
    let workdir = config.workdir();
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
    .await
    .map_err(|source| match offline_flag {
        Some(flag) if nothing_cached(&source) => GenerateError::NothingCached {
            flag,
            workdir: workdir.root().to_owned(),
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
        return Ok(Outcome::Missing(missing_packages(&world)?));
    }

    let mut warn = |text: String| console.warn(&text);
    let mut candidates = select(&world, options, &mut warn)?;
    let ctx = FetchContext {
        workdir: workdir.clone(),
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
                candidates[i].entry.version_text(),
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
    if options.strict && !failures.is_empty() {
        return Err(GenerateError::Strict { failures });
    }
    let path = options
        .output
        .clone()
        .unwrap_or_else(|| workdir.build_list());
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
            c.entry
                .skip
                .as_ref()
                .map_or("no reason given", |r| r.text_or("no reason given"))
        ));
    }
}
