//! `--dry-run`: every external command a run would spawn, in order, with its arguments;
//! in-process actions (fetches, copies into the cache, emptying it) as `#` comments.
//! Nothing is written: no lock, no record, no logs, no directories, no checkouts, no state
//! repository sync.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use archport_config::Config;
use archport_pkgsrc::packaging_url;
use archport_runner::Console;
use archport_upload::Uploader;
use archport_vercmp::{PkgName, Version};

use crate::commands::Commands;
use crate::error::BootstrapError;
use crate::options::Options;
use crate::plan::distinct_pkgbases;
use crate::prepare::{Prepared, prepare};
use crate::record::pkgname_of;
use crate::sources::{
    Package, checkout_dir, existing_state, missing_checkouts, read_package, repo_of,
};

/// Stands for a version only the state repository's sync would tell.
const UNKNOWN_VERSION: &str = "VERSION";

/// The text `--dry-run` prints on stdout, one command per line.
pub fn plan_text(
    config: &Config,
    options: &Options,
    console: &Console,
) -> Result<String, BootstrapError> {
    let Prepared {
        record,
        first,
        note,
    } = prepare(config, options, "dry-run")?;
    let mut out = String::new();
    let left = &record.steps[first..];
    let _ = writeln!(
        out,
        "# bootstrap-toolchain --dry-run: {} builds",
        left.len()
    );
    if let Some(note) = note {
        let _ = writeln!(out, "# {note}");
    }
    if left.is_empty() {
        let _ = writeln!(out, "# nothing left to build");
        return Ok(out);
    }
    let steps: Vec<_> = left.iter().map(|r| r.step.clone()).collect();
    let pkgbases = distinct_pkgbases(&steps);
    let pkgbuilds = config.workdir().pkgbuilds();
    let missing = missing_checkouts(&pkgbuilds, &pkgbases);
    let state = existing_state(config, console);
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "# sync the state repository {} into {}",
            config.x86.state_repo,
            config.workdir().state().display()
        );
    }
    for pkgbase in &missing {
        let known = PkgName::new(pkgbase)
            .ok()
            .and_then(|name| state.as_ref().and_then(|s| s.get(&name)).cloned());
        let what = match known {
            Some(entry) => format!("{} (tag {})", entry.version, entry.tag),
            None => format!("{UNKNOWN_VERSION} (the state repository's version, tag and commit)"),
        };
        let url = PkgName::new(pkgbase)
            .ok()
            .and_then(|name| packaging_url(&config.sources.packaging_url, &name).ok())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "# fetch {pkgbase} {what} from {url} into {}",
            checkout_dir(&pkgbuilds, pkgbase).display()
        );
    }

    let commands = Commands::new(config);
    if commands.copy_exists() {
        for cmd in commands.remove_copy() {
            let _ = writeln!(out, "{cmd}");
        }
    }
    if let Some(cmd) = commands.devtools().root_chroot_cmd() {
        // The real run creates the chroot directory first (create_root_chroot).
        if let Some(mkdir) = commands.devtools().chroot_dir_cmd() {
            let _ = writeln!(out, "{mkdir}");
        }
        let _ = writeln!(out, "{cmd}");
    }
    let uploader = Uploader::from_config(config);
    let uploader = (!options.no_upload).then_some(&uploader);
    let as_root = commands.devtools().is_root();
    let mut packages: BTreeMap<&str, (Package, bool)> = BTreeMap::new();
    for pkgbase in &pkgbases {
        let entry = if missing.contains(pkgbase) {
            (not_fetched(config, pkgbase, state.as_ref())?, false)
        } else {
            let package = read_package(config, &pkgbuilds, pkgbase, state.as_ref(), as_root)?;
            (package, true)
        };
        packages.insert(pkgbase, entry);
    }

    // The package files built so far, by package name (see `Record::built_before`).
    let mut latest: BTreeMap<String, PathBuf> = record
        .built_before(first)
        .into_iter()
        .map(|f| (pkgname_of(&f), f))
        .collect();
    for step in &steps {
        let Some((package, checked_out)) = packages.get(step.pkgbase.as_str()) else {
            continue;
        };
        let _ = writeln!(out, "# {} {}", step.label(), package.version);
        if !checked_out {
            let _ = writeln!(
                out,
                "# ({} is not checked out yet: its package names and --ignorearch come from its .SRCINFO once fetched)",
                package.pkgbase
            );
        }
        let mut installed: Vec<PathBuf> = latest.values().cloned().collect();
        installed.sort();
        // The plan a run executes for this step, rendered.
        let plan = commands.plan(package, &installed, uploader)?;
        let lines = plan.render().map_err(|e| BootstrapError::Checkout {
            pkgbase: package.pkgbase.clone(),
            problem: e.to_string(),
        })?;
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        for file in plan.expected_files() {
            latest.insert(pkgname_of(&file), file);
        }
    }
    Ok(out)
}

/// What is known of a package whose checkout does not exist yet.
fn not_fetched(
    config: &Config,
    pkgbase: &str,
    state: Option<&archport_state::State>,
) -> Result<Package, BootstrapError> {
    let name = PkgName::new(pkgbase).map_err(|e| BootstrapError::BadName {
        pkgbase: pkgbase.to_owned(),
        problem: e.to_string(),
    })?;
    let text = state
        .and_then(|s| s.get(&name))
        .map_or(UNKNOWN_VERSION, |e| e.version.as_str());
    let version = Version::new(text).map_err(|e| BootstrapError::Checkout {
        pkgbase: pkgbase.to_owned(),
        problem: e.to_string(),
    })?;
    Ok(Package {
        pkgbase: pkgbase.to_owned(),
        dir: checkout_dir(&config.workdir().pkgbuilds(), pkgbase),
        version,
        pkgnames: vec![name],
        ignorearch: false,
        repo: repo_of(pkgbase, state),
    })
}
