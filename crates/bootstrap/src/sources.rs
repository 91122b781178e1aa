//! The toolchain's PKGBUILD checkouts in `{workdir}/pkgbuilds/`: gcc and glibc checked out
//! by hand, the others fetched at the state repository's version when missing, and what
//! each `.SRCINFO` says.
//!
//! An existing checkout is never touched: not updated, not even fetched. The toolchain is
//! where an operator carries local fixes and pins, and a bootstrap must build exactly what
//! is there (pkgsrc's tag mode would move a checkout to the state repository's version,
//! carrying local changes over).

use std::path::{Path, PathBuf};
use std::time::Duration;

use archport_config::Config;
use archport_pkgsrc::{FetchMode, FetchRequest, Makepkg, fetch, packaging_url, read_srcinfo};
use archport_runner::Console;
use archport_state::{State, open_existing, sync_state_repo};
use archport_vercmp::{PkgName, Repo, Version};

use crate::error::BootstrapError;
use crate::plan::fallback_repo;

/// The packages that come from special repositories and must be checked out by hand.
pub const HAND_CHECKOUTS: [&str; 2] = ["gcc", "glibc"];

/// A toolchain package ready to build: its checkout and what its `.SRCINFO` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The pkgbase, also its checkout's directory name.
    pub pkgbase: String,
    /// The checkout, `{workdir}/pkgbuilds/<pkgbase>`.
    pub dir: PathBuf,
    /// The version the checkout builds.
    pub version: Version,
    /// The packages it builds for the target.
    pub pkgnames: Vec<PkgName>,
    /// The PKGBUILD's `arch` lacks the target: build with `--ignorearch`.
    pub ignorearch: bool,
    /// Its repository (`core`, `extra`): the state repository's, else [`fallback_repo`].
    pub repo: Repo,
}

/// The checkout directory of `pkgbase`.
pub fn checkout_dir(pkgbuilds: &Path, pkgbase: &str) -> PathBuf {
    pkgbuilds.join(pkgbase)
}

/// Fails naming every one of [`HAND_CHECKOUTS`] among `pkgbases` whose checkout holds no
/// PKGBUILD.
pub fn check_hand_checkouts(pkgbuilds: &Path, pkgbases: &[&str]) -> Result<(), BootstrapError> {
    let missing: Vec<PathBuf> = HAND_CHECKOUTS
        .iter()
        .filter(|name| pkgbases.contains(name))
        .map(|name| checkout_dir(pkgbuilds, name))
        .filter(|dir| !dir.join("PKGBUILD").is_file())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(BootstrapError::MissingHandCheckouts { missing })
    }
}

/// The pkgbases among `pkgbases` that have no checkout at all (nothing at the path).
pub fn missing_checkouts<'a>(pkgbuilds: &Path, pkgbases: &[&'a str]) -> Vec<&'a str> {
    pkgbases
        .iter()
        .copied()
        .filter(|p| checkout_dir(pkgbuilds, p).symlink_metadata().is_err())
        .collect()
}

/// The state repository, brought up to date with the remote first.
pub fn synced_state(config: &Config) -> Result<State, BootstrapError> {
    let dir = config.workdir().state();
    sync_state_repo(&config.x86.state_repo, &dir)?;
    Ok(State::read(&dir, &config.repos, "x86_64")?)
}

/// The state repository as an earlier run left it, without any network; `None` (with a
/// warning when it exists but cannot be read) otherwise. Only the repository of each
/// package is taken from it then, which does not change between syncs.
pub fn existing_state(config: &Config, console: &Console) -> Option<State> {
    let dir = config.workdir().state();
    if dir.symlink_metadata().is_err() {
        return None;
    }
    match open_existing(&dir).and_then(|_| State::read(&dir, &config.repos, "x86_64")) {
        Ok(state) => Some(state),
        Err(e) => {
            console.alert(&format!(
                "warning: state repository {}: {e}; using the default repositories",
                dir.display()
            ));
            None
        }
    }
}

/// Fetches each of `missing` at the version `state` records, with its tag, into
/// `pkgbuilds`, printing pkgsrc's progress lines.
pub fn fetch_missing(
    config: &Config,
    pkgbuilds: &Path,
    missing: &[&str],
    state: &State,
    console: &Console,
) -> Result<(), BootstrapError> {
    if missing.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(pkgbuilds).map_err(BootstrapError::io(pkgbuilds))?;
    for pkgbase in missing {
        let name = pkg_name(pkgbase)?;
        let entry = state.get(&name).ok_or_else(|| BootstrapError::NotInState {
            pkgbase: (*pkgbase).to_owned(),
            repos: state.repos().join(", "),
            dir: checkout_dir(pkgbuilds, pkgbase),
        })?;
        let url = packaging_url(&config.sources.packaging_url, &name).map_err(|e| {
            BootstrapError::Checkout {
                pkgbase: (*pkgbase).to_owned(),
                problem: e.to_string(),
            }
        })?;
        let outcome = fetch(&FetchRequest {
            pkgbase: &name,
            version: &entry.version,
            commit: Some(&entry.commit),
            mode: FetchMode::Tag,
            url,
            dest_root: pkgbuilds,
        })?;
        console.note(&outcome.progress.to_string());
        for warning in &outcome.warnings {
            console.alert(&format!("warning: {warning}"));
        }
    }
    Ok(())
}

/// Reads the checkout of `pkgbase` for the target architecture.
pub fn read_package(
    config: &Config,
    pkgbuilds: &Path,
    pkgbase: &str,
    state: Option<&State>,
    as_root: bool,
) -> Result<Package, BootstrapError> {
    let dir = checkout_dir(pkgbuilds, pkgbase);
    if !dir.join("PKGBUILD").is_file() {
        return Err(BootstrapError::NoPkgbuild {
            pkgbase: pkgbase.to_owned(),
            dir,
        });
    }
    let makepkg = Makepkg {
        program: config.tools.makepkg.clone().into(),
        run_as: as_root.then(|| config.tools.build_user.clone()),
        timeout: Duration::from_secs(config.limits.printsrcinfo_secs),
        ..Makepkg::default()
    };
    let problem = |problem: String| BootstrapError::Checkout {
        pkgbase: pkgbase.to_owned(),
        problem,
    };
    let info = read_srcinfo(&dir, &config.arch, &makepkg).map_err(|e| problem(e.to_string()))?;
    if info.pkgbase != pkgbase {
        return Err(problem(format!(
            "{} is for pkgbase {:?}",
            dir.join(".SRCINFO").display(),
            info.pkgbase
        )));
    }
    let at_srcinfo =
        |e: &dyn std::fmt::Display| problem(format!("{}: {e}", dir.join(".SRCINFO").display()));
    let version = Version::new(&info.version).map_err(|e| at_srcinfo(&e))?;
    let pkgnames = info
        .pkgnames
        .iter()
        .map(|n| PkgName::new(n).map_err(|e| at_srcinfo(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Package {
        pkgbase: pkgbase.to_owned(),
        repo: repo_of(pkgbase, state),
        dir,
        version,
        pkgnames,
        ignorearch: info.needs_ignorearch,
    })
}

/// The repository of `pkgbase`: the state repository's entry when it has one, else
/// [`fallback_repo`].
pub fn repo_of(pkgbase: &str, state: Option<&State>) -> Repo {
    PkgName::new(pkgbase)
        .ok()
        .and_then(|name| state.and_then(|s| s.get(&name)))
        .and_then(|e| Repo::new(&e.repo).ok())
        .unwrap_or_else(|| match fallback_repo(pkgbase) {
            "extra" => Repo::Extra,
            _ => Repo::Core,
        })
}

fn pkg_name(pkgbase: &str) -> Result<PkgName, BootstrapError> {
    PkgName::new(pkgbase).map_err(|e| BootstrapError::BadName {
        pkgbase: pkgbase.to_owned(),
        problem: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_checkouts_must_hold_a_pkgbuild() {
        let dir = tempfile::tempdir().unwrap();
        let pkgbuilds = dir.path();
        std::fs::create_dir_all(pkgbuilds.join("glibc")).unwrap();
        let err = check_hand_checkouts(pkgbuilds, &["glibc", "gcc", "binutils"])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "{}, {}: missing; gcc and glibc",
                pkgbuilds.join("gcc").display(),
                pkgbuilds.join("glibc").display()
            )),
            "{err}"
        );
        std::fs::write(pkgbuilds.join("glibc/PKGBUILD"), "").unwrap();
        let err = check_hand_checkouts(pkgbuilds, &["glibc", "gcc"])
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("glibc:") && err.contains("/gcc: missing"),
            "{err}"
        );
        // Only the ones the run builds are needed.
        check_hand_checkouts(pkgbuilds, &["glibc", "binutils"]).unwrap();
        assert_eq!(
            missing_checkouts(pkgbuilds, &["glibc", "gcc", "binutils"]),
            ["gcc", "binutils"]
        );
    }

    #[test]
    fn repo_falls_back_without_state() {
        assert_eq!(repo_of("valgrind", None), Repo::Extra);
        assert_eq!(repo_of("binutils", None), Repo::Core);
    }
}
