//! What needs building: per pkgbase, the x86_64 version (state repository) against the
//! target's, plus the pkgbases named on the command line or in a rebuilt repository.

use std::collections::{BTreeMap, HashMap};

use archport_blacklist::Blacklist;
use archport_buildlist::Entry;
use archport_repodb::Index;
use archport_state::{Inconsistency, State, StateEntry};
use archport_vercmp::{PkgName, vercmp};
use serde::Serialize;

use crate::candidate::{Candidate, Origin};
use crate::error::GenerateError;
use crate::options::Options;

/// A pkgbase x86_64 has and the target lacks, for `--missing-packages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingPackage {
    pub pkgbase: String,
    /// Its x86_64 version.
    pub version: String,
    pub repo: String,
    /// Its packages (from the x86_64 database).
    pub pkgnames: Vec<String>,
    /// Whether the blacklist names it.
    pub blacklisted: bool,
}

/// The highest version of each pkgbase over all target packages.
pub(crate) fn target_versions(target: &Index) -> HashMap<&str, &str> {
    let mut versions: HashMap<&str, &str> = HashMap::new();
    for pkg in target.packages() {
        versions
            .entry(pkg.base())
            .and_modify(|v| {
                if vercmp(pkg.version(), v).is_gt() {
                    *v = pkg.version();
                }
            })
            .or_insert(pkg.version());
    }
    versions
}

/// Appends the items of `new` to `list` that it does not hold yet, in order.
pub(crate) fn extend_unique<'a>(list: &mut Vec<String>, new: impl IntoIterator<Item = &'a str>) {
    for item in new {
        if !list.iter().any(|have| have == item) {
            list.push(item.to_owned());
        }
    }
}

/// The entry of a pkgbase the state repository knows, with x86_64 database metadata.
pub(crate) fn entry_from_state(
    state: &StateEntry,
    x86: &Index,
    arm_version: Option<&str>,
) -> Entry {
    let mut entry = Entry {
        pkgnames: Vec::new(),
        arm_version: arm_version.map(str::to_owned),
        tag: Some(state.tag.clone()),
        commit: Some(state.commit.clone()),
        ..Entry::new(state.pkgbase.as_str(), &state.version, &state.repo)
    };
    if let Some(group) = x86.pkgbase(state.pkgbase.as_str()) {
        for pkg in group.packages() {
            extend_unique(&mut entry.pkgnames, [pkg.name()]);
            extend_unique(&mut entry.depends, pkg.depends());
            extend_unique(&mut entry.makedepends, pkg.makedepends());
            extend_unique(&mut entry.checkdepends, pkg.checkdepends());
            extend_unique(&mut entry.provides, pkg.provides());
        }
    }
    if entry.pkgnames.is_empty() {
        entry.pkgnames.push(entry.name.clone());
    }
    entry
}

/// An entry for a pkgbase known only once its PKGBUILD is read (AUR, local).
fn bare_entry(
    name: &PkgName,
    repo: &str,
    state: Option<&StateEntry>,
    arm_version: Option<&str>,
) -> Entry {
    let version = state.map(|s| s.version.as_str()).unwrap_or_default();
    Entry {
        arm_version: arm_version.map(str::to_owned),
        ..Entry::new(name.as_str(), version, repo)
    }
}

/// The state of the world the selection reads.
pub(crate) struct World<'a> {
    pub state: &'a State,
    pub x86: &'a Index,
    pub target: &'a Index,
    pub blacklist: &'a Blacklist,
    pub bootstrap_only: &'a [String],
}

/// Refuses a state repository that has a pkgbase in both core and extra.
pub(crate) fn check_consistency(state: &State) -> Result<(), GenerateError> {
    let both: Vec<String> = state
        .inconsistencies()
        .iter()
        .filter_map(|i| match i {
            Inconsistency::SeveralRepos { pkgbase, repos } => {
                Some(format!("{pkgbase} ({})", repos.join(", ")))
            }
            _ => None,
        })
        .collect();
    if both.is_empty() {
        Ok(())
    } else {
        Err(GenerateError::Inconsistent(both.join(", ")))
    }
}

/// The pkgbases x86_64 has (arch-specific) and the target lacks.
pub(crate) fn missing_packages(world: &World<'_>) -> Vec<MissingPackage> {
    let target = target_versions(world.target);
    world
        .state
        .entries()
        .filter(|s| !s.any && !target.contains_key(s.pkgbase.as_str()))
        .map(|s| {
            let entry = entry_from_state(s, world.x86, None);
            MissingPackage {
                blacklisted: world
                    .blacklist
                    .is_blacklisted(&entry.name, entry.pkgnames.iter().map(String::as_str)),
                pkgbase: entry.name,
                version: entry.version,
                repo: entry.repo,
                pkgnames: entry.pkgnames,
            }
        })
        .collect()
}

/// Resolves a name given with `--packages` (a pkgbase or a pkgname) to its state entry.
fn resolve_named<'a>(world: &World<'a>, name: &PkgName) -> Result<&'a StateEntry, GenerateError> {
    let base = match world.state.get(name) {
        Some(entry) => entry,
        None => {
            let by_pkgname = world
                .x86
                .by_name(name.as_str())
                .map(|p| p.base().to_owned());
            let entry = by_pkgname
                .and_then(|b| PkgName::new(&b).ok())
                .and_then(|b| world.state.get(&b));
            entry.ok_or_else(|| GenerateError::UnknownPackage(name.to_string()))?
        }
    };
    if base.any {
        return Err(GenerateError::AnyPackage {
            name: name.to_string(),
            pkgbase: base.pkgbase.to_string(),
            dir: base.dir_name("x86_64"),
        });
    }
    Ok(base)
}

/// Chooses the pkgbases to build. Warnings (bootstrap-only packages left out) go to `warn`.
pub(crate) fn select(
    world: &World<'_>,
    options: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<Vec<Candidate>, GenerateError> {
    let target = target_versions(world.target);
    let mut chosen: BTreeMap<String, Candidate> = BTreeMap::new();

    if !options.packages.is_empty() {
        for raw in &options.packages {
            let name = PkgName::new(raw).map_err(|e| GenerateError::BadName(e.to_string()))?;
            let candidate = if options.aur || options.local {
                let state = world.state.get(&name).filter(|s| !s.any);
                let repo = state.map_or("extra", |s| s.repo.as_str());
                let mut entry = bare_entry(&name, repo, state, target.get(name.as_str()).copied());
                entry.use_aur = options.aur;
                entry.use_local = options.local;
                Candidate {
                    entry,
                    origin: Origin::Named,
                    state_commit: None,
                    has_srcinfo: false,
                }
            } else {
                let state = resolve_named(world, &name)?;
                let mut entry = entry_from_state(
                    state,
                    world.x86,
                    target.get(state.pkgbase.as_str()).copied(),
                );
                entry.force_latest = options.use_latest;
                Candidate {
                    state_commit: Some(state.commit.clone()),
                    entry,
                    origin: Origin::Named,
                    has_srcinfo: false,
                }
            };
            chosen.insert(candidate.name().to_owned(), candidate);
        }
    } else {
        for state in world.state.entries().filter(|s| !s.any) {
            let arm = target.get(state.pkgbase.as_str()).copied();
            let origin = if options.rebuild_repo.as_deref() == Some(state.repo.as_str()) {
                Origin::Rebuild
            } else if arm.is_some_and(|arm| vercmp(&state.version, arm).is_gt()) {
                Origin::Outdated
            } else {
                continue;
            };
            if world
                .bootstrap_only
                .iter()
                .any(|b| b == state.pkgbase.as_str())
            {
                warn(format!(
                    "{} {} is left to bootstrap-toolchain (name it with --packages to build it here)",
                    state.pkgbase, state.version
                ));
                continue;
            }
            let mut entry = entry_from_state(state, world.x86, arm);
            entry.force_latest = options.use_latest;
            chosen.insert(
                entry.name.clone(),
                Candidate {
                    entry,
                    origin,
                    state_commit: Some(state.commit.clone()),
                    has_srcinfo: false,
                },
            );
        }
    }

    let mut list: Vec<Candidate> = chosen.into_values().collect();
    for candidate in &mut list {
        let names = candidate.entry.pkgnames.clone();
        if let Some(reason) = world
            .blacklist
            .reason(&candidate.entry.name, names.iter().map(String::as_str))
        {
            candidate.skip(reason);
        }
    }
    Ok(list)
}
