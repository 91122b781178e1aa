//! The whole `generate-build-list` run.

use std::path::PathBuf;

use archport_blacklist::Blacklist;
use archport_buildlist::{BuildList, Source, timestamp_now};
use archport_config::Config;
use archport_pkgsrc::Makepkg;

use crate::candidate::{Candidate, Origin};
use crate::console::Console;
use crate::dry_run::preview_all;
use crate::error::GenerateError;
use crate::fetching::{FetchContext, fetch_all};
use crate::missing::{add_missing, skip_dependents};
use crate::options::Options;
use crate::select::{Missing, Selection, World, check_consistency, missing_packages, select};

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
    Missing(Missing),
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
    let blacklist = if options.no_blacklist {
        Blacklist::default()
    } else {
        Blacklist::load(&config.paths.blacklist, config.paths.blacklist_required)?
    };
    let workdir = config.workdir();
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| workdir.build_list());
    if !options.dry_run && !options.missing_packages {
        // Found now, not after every fetch: the list is the only thing the run is for.
        check_writable(&output)?;
    }
    let offline_flag = if options.dry_run {
        Some("--dry-run")
    } else if options.no_update {
        Some("--no-update")
    } else {
        None
    };
    let snapshot_options = archport_snapshot::Options {
        offline: offline_flag.is_some(),
        target_urls: options.arm_urls.clone(),
    };
    let snapshot = match archport_snapshot::load(config, &snapshot_options).await {
        Ok(snapshot) => snapshot,
        // A dry run on a fresh work directory (a CI job) downloads what it needs into a
        // temporary directory, removed when the run ends, and leaves the work directory as
        // it found it.
        Err(source) if options.dry_run && nothing_cached(&source) => {
            console.line(
                "No cached databases or state clone in the work directory: fetching them into a temporary directory (--dry-run)",
            );
            let scratch = tempfile::Builder::new()
                .prefix("archport-dry-run.")
                .tempdir()
                .map_err(|e| GenerateError::Scratch(e.to_string()))?;
            let mut scratch_config = config.clone();
            scratch_config.paths.workdir = scratch.path().to_owned();
            archport_snapshot::load(
                &scratch_config,
                &archport_snapshot::Options {
                    offline: false,
                    ..snapshot_options
                },
            )
            .await?
        }
        Err(source) => {
            return Err(match offline_flag {
                Some(flag) if nothing_cached(&source) => GenerateError::NothingCached {
                    flag,
                    workdir: workdir.root().to_owned(),
                    source: Box::new(source),
                },
                _ => GenerateError::Snapshot(source),
            });
        }
    };
    check_consistency(&snapshot.state)?;
    let world = World {
        state: &snapshot.state,
        x86: &snapshot.x86,
        target: &snapshot.target,
        blacklist: &blacklist,
        bootstrap_only: &config.bootstrap.only,
        testing: snapshot.x86_testing.as_ref(),
    };
    if options.missing_packages {
        return Ok(Outcome::Missing(missing_packages(&world)?));
    }

    let mut warn = |text: String| console.warn(&text);
    let Selection {
        mut candidates,
        left_out,
    } = select(&world, options, &mut warn)?;
    // An explicit `--local` request without its PKGBUILD cannot be met: say which file to
    // create before fetching anything.
    for c in candidates
        .iter()
        .filter(|c| c.entry.source == Source::Local)
    {
        let path = workdir.pkgbuild_dir(c.name()).join("PKGBUILD");
        if !path.is_file() {
            return Err(GenerateError::NoLocalPkgbuild {
                name: c.name().to_owned(),
                path,
            });
        }
    }
    if options.no_check {
        for c in &mut candidates {
            c.no_check = true;
        }
    }
    let ctx = FetchContext {
        workdir: workdir.clone(),
        arch: &config.arch,
        packaging_url: &config.sources.packaging_url,
        aur_url: &config.sources.aur_url,
        makepkg: Makepkg {
            program: config.tools.makepkg.clone().into(),
            // Used only when archport runs as root (makepkg refuses to).
            run_as: Some(config.tools.build_user.clone()),
            timeout: std::time::Duration::from_secs(config.limits.printsrcinfo_secs),
            ..Makepkg::default()
        },
        no_update: options.no_update,
        jobs: options.jobs.max(1),
        console,
    };

    let mut failures = Vec::new();
    let mut bin_provided = Vec::new();
    let mut check: Vec<usize> = (0..candidates.len()).collect();
    loop {
        crate::fetching::use_package_sources(&config.package_sources, &mut candidates);
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
        let added = add_missing(
            &world,
            &mut candidates,
            &check,
            &mut bin_provided,
            &mut warn,
        );
        for &i in &added {
            candidates[i].no_check = options.no_check;
        }
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
    // An explicit `--aur` request that cannot be fetched fails the run: a list without the
    // one package asked for is no answer.
    for (name, reason) in &failures {
        let Some(c) = candidates.iter().find(|c| c.name() == name) else {
            continue;
        };
        if c.origin == Origin::Named && c.entry.source == Source::Aur {
            let url = archport_pkgsrc::aur_url(&config.sources.aur_url, &c.entry.name)
                .unwrap_or_else(|e| e.to_string());
            return Err(GenerateError::NotOnAur {
                name: name.clone(),
                url,
                reason: reason.clone(),
            });
        }
    }
    skip_dependents(&world, &mut candidates);

    for c in &mut candidates {
        c.entry.nocheck = c.no_check;
    }
    // `--preserve-order`: the named pkgbases in command-line order (a pkgname stands for
    // its pkgbase).
    let named: Vec<String> = options
        .packages
        .iter()
        .filter_map(|raw| {
            candidates
                .iter()
                .find(|c| {
                    c.origin == Origin::Named
                        && (c.name() == raw || c.entry.pkgnames.iter().any(|p| p.as_str() == raw))
                })
                .map(|c| c.name().to_owned())
        })
        .fold(Vec::new(), |mut names, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        });
    let shape = crate::ordering::Shape {
        single_stage: options.single_stage,
        preserve: options.preserve_order.then_some(named.as_slice()),
    };
    let (order, entries) = crate::ordering::order(&candidates, shape)?;
    for cycle in &order.cycles {
        console.line(&cycle.to_string());
    }
    let list = BuildList {
        command: options.command_line.clone(),
        timestamp: timestamp_now(),
        packages: entries,
    };
    summarize(console, &candidates, &order);
    for line in crate::summary::by_category(&candidates, &left_out, options) {
        console.line(&line);
    }
    for line in crate::summary::bin_provided(&bin_provided) {
        console.line(&line);
    }
    if options.dry_run {
        return Ok(Outcome::DryRun { list });
    }
    if options.strict && !failures.is_empty() {
        return Err(GenerateError::Strict { failures });
    }
    list.write(&output)?;
    Ok(Outcome::Written {
        path: output,
        list,
        failures,
    })
}

/// Fails unless a file can be created next to `path` (where the atomic write puts its
/// temporary file) and `path` itself is not a directory.
fn check_writable(path: &std::path::Path) -> Result<(), GenerateError> {
    let fail = |reason: String| GenerateError::OutputNotWritable {
        path: path.to_owned(),
        reason,
    };
    if path.is_dir() {
        return Err(fail("it is a directory".to_owned()));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".archport-write-check.")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| {
            // tempfile's message names the random file it tried; the directory is what
            // matters, with the kind of failure.
            let what = if dir.is_dir() {
                std::io::Error::from(e.kind()).to_string()
            } else {
                "no such directory".to_owned()
            };
            fail(format!("{}: {what}", dir.display()))
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
