//! `--dry-run`: every external command a run would spawn, in order, with its arguments;
//! in-process actions (fetches, copies into the cache, emptying it) as `#` comments.
//! Nothing is written: no lock, no record, no logs, no directories, no checkouts, no state
//! repository sync.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use archport_config::{Config, makepkg_conf_value};
use archport_pkgsrc::packaging_url;
use archport_upload::Uploader;
use archport_vercmp::PkgName;

use crate::commands::Commands;
use crate::console::Console;
use crate::error::BootstrapError;
use crate::plan::distinct_pkgbases;
use crate::record::pkgname_of;
use crate::run::{Prepared, pkgbuilds_dir, prepare};
use crate::sources::{
    Package, checkout_dir, existing_state, missing_checkouts, read_package, repo_of, state_dir,
};
use crate::summary::Options;

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
    let pkgbuilds = pkgbuilds_dir(config);
    let missing = missing_checkouts(&pkgbuilds, &pkgbases);
    let state = existing_state(config, console);
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "# sync the state repository {} into {}",
            config.x86.state_repo,
            state_dir(config).display()
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
        let _ = writeln!(out, "{cmd}");
    }
    let pkgext = makepkg_conf_value(&config.paths.chroot_config.join("makepkg.conf"), "PKGEXT")
        .unwrap_or_else(|| ".pkg.tar.zst".into());
    let uploader = Uploader::from_config(config);
    let as_root = commands.devtools().is_root();
    let mut packages: BTreeMap<&str, (Package, bool)> = BTreeMap::new();
    for pkgbase in &pkgbases {
        let entry = if missing.contains(pkgbase) {
            (not_fetched(config, pkgbase, state.as_ref()), false)
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
        let _ = writeln!(out, "{}", commands.refresh());
        let mut installed: Vec<PathBuf> = latest.values().cloned().collect();
        installed.sort();
        if let Some(install) = commands.install(&installed) {
            for file in &installed {
                let _ = writeln!(
                    out,
                    "# copy {} {}",
                    file.display(),
                    commands.cached_path(file).display()
                );
            }
            let _ = writeln!(out, "{install}");
        }
        let _ = writeln!(out, "# empty the cache {}", commands.cache().display());
        for cmd in commands.build(package)?.cmds {
            let _ = writeln!(out, "{cmd}");
        }
        // The file names the build will produce, as makepkg names them.
        let files: Vec<PathBuf> = package
            .pkgnames
            .iter()
            .map(|n| {
                package
                    .dir
                    .join(format!("{n}-{}-{}{pkgext}", package.version, config.arch))
            })
            .collect();
        if !options.no_upload {
            let cmds = uploader.upload_cmds(&files, &package.repo).map_err(|e| {
                BootstrapError::Checkout {
                    pkgbase: package.pkgbase.clone(),
                    problem: e.to_string(),
                }
            })?;
            for cmd in cmds {
                let _ = writeln!(out, "{cmd}");
            }
        }
        for cmd in commands.remove_copy() {
            let _ = writeln!(out, "{cmd}");
        }
        for file in files {
            latest.insert(pkgname_of(&file), file);
        }
    }
    Ok(out)
}

/// What is known of a package whose checkout does not exist yet.
fn not_fetched(config: &Config, pkgbase: &str, state: Option<&archport_state::State>) -> Package {
    let version = PkgName::new(pkgbase)
        .ok()
        .and_then(|name| state.and_then(|s| s.get(&name)).map(|e| e.version.clone()))
        .unwrap_or_else(|| UNKNOWN_VERSION.to_owned());
    Package {
        pkgbase: pkgbase.to_owned(),
        dir: checkout_dir(&pkgbuilds_dir(config), pkgbase),
        version,
        pkgnames: vec![pkgbase.to_owned()],
        ignorearch: false,
        repo: repo_of(pkgbase, state),
    }
}
