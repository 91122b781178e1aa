//! What needs building: per pkgbase, the x86_64 version (state repository) against the
//! target's, plus the pkgbases named on the command line or in a rebuilt repository.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use archport_blacklist::Blacklist;
use archport_buildlist::{Entry, Source};
use archport_repodb::Index;
use archport_state::{Inconsistency, State, StateEntry};
use archport_vercmp::{PkgName, Relation, Repo, Version, parse_relations, vercmp};
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

/// A pkgbase x86_64 has and the target lacks under its own name, but for which the target
/// ships a prebuilt `{name}-bin` providing it: not missing, and said so in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BinProvided {
    /// The x86_64 pkgbase or pkgname the `-bin` package stands in for.
    pub name: String,
    /// The target's `-bin` package.
    pub provider: String,
    /// What the `-bin` package provides `name` at (its provision's version, else its own).
    pub version: String,
}

/// What `--missing-packages` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// The pkgbases the target lacks.
    pub missing: Vec<MissingPackage>,
    /// The ones left out because a target `-bin` package provides them.
    pub bin_provided: Vec<BinProvided>,
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
pub(crate) fn extend_unique<T: PartialEq>(list: &mut Vec<T>, new: impl IntoIterator<Item = T>) {
    for item in new {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

/// A version read from a database or the state repository, which check versions as they
/// read them; one that still fails this check is taken as unknown.
fn known_version(text: &str) -> Option<Version> {
    Version::new(text).ok()
}

/// The entry of a pkgbase the state repository knows, with x86_64 database metadata.
/// Database relations that do not parse are reported to `warn` and left out (the policy
/// documented on `Relation`); the `.SRCINFO` replaces them all once it is read.
pub(crate) fn entry_from_state(
    state: &StateEntry,
    x86: &Index,
    arm_version: Option<&str>,
    warn: &mut dyn FnMut(String),
) -> Result<Entry, GenerateError> {
    let mut entry = Entry {
        pkgnames: Vec::new(),
        arm_version: arm_version.and_then(known_version),
        tag: Some(state.tag.clone()),
        commit: Some(state.commit.clone()),
        ..Entry::new(
            state.pkgbase.clone(),
            known_version(&state.version),
            Repo::new(&state.repo)?,
        )
    };
    if let Some(group) = x86.pkgbase(state.pkgbase.as_str()) {
        for pkg in group.packages() {
            let mut relations = |kind: &str, texts: &mut dyn Iterator<Item = &str>| {
                parse_relations(texts, |bad| {
                    warn(format!(
                        "{}: x86_64 database {kind} of {}: {bad}; left out",
                        state.pkgbase,
                        pkg.name()
                    ));
                })
            };
            let depends: Vec<Relation> = relations("depends", &mut pkg.depends());
            let makedepends = relations("makedepends", &mut pkg.makedepends());
            let checkdepends = relations("checkdepends", &mut pkg.checkdepends());
            let provides = relations("provides", &mut pkg.provides());
            extend_unique(&mut entry.pkgnames, PkgName::new(pkg.name()).ok());
            extend_unique(&mut entry.depends, depends);
            extend_unique(&mut entry.makedepends, makedepends);
            extend_unique(&mut entry.checkdepends, checkdepends);
            extend_unique(&mut entry.provides, provides);
        }
    }
    if entry.pkgnames.is_empty() {
        entry.pkgnames.push(entry.name.clone());
    }
    Ok(entry)
}

/// An entry for a pkgbase known only once its PKGBUILD is read (AUR, local).
fn bare_entry(
    name: &PkgName,
    repo: Repo,
    state: Option<&StateEntry>,
    arm_version: Option<&str>,
) -> Entry {
    Entry {
        arm_version: arm_version.and_then(known_version),
        ..Entry::new(
            name.clone(),
            state.and_then(|s| known_version(&s.version)),
            repo,
        )
    }
}

/// The state of the world the selection reads.
pub(crate) struct World<'a> {
    pub state: &'a State,
    pub x86: &'a Index,
    pub target: &'a Index,
    pub blacklist: &'a Blacklist,
    pub bootstrap_only: &'a [String],
    /// `--upstream-testing`: the state repository's testing directories, whose entries
    /// win over stable ones when newer.
    pub testing: Option<&'a State>,
}

impl<'a> World<'a> {
    /// The entry to build `stable` from: upstream testing's when it is newer, carrying the
    /// stable repository (`core`, not `core-testing`) because uploads map by that name.
    pub(crate) fn newest(&self, stable: &'a StateEntry) -> Cow<'a, StateEntry> {
        let testing = self
            .testing
            .and_then(|t| t.get(&stable.pkgbase))
            .filter(|t| vercmp(&t.version, &stable.version).is_gt());
        match testing {
            Some(t) => Cow::Owned(StateEntry {
                repo: stable.repo.clone(),
                ..t.clone()
            }),
            None => Cow::Borrowed(stable),
        }
    }

    /// Every pkgbase of the state repository as [`World::newest`] gives it, then those only
    /// upstream testing has, with their stable repository.
    pub(crate) fn entries(&self) -> impl Iterator<Item = Cow<'a, StateEntry>> + '_ {
        let state = self.state;
        let only_testing = self
            .testing
            .into_iter()
            .flat_map(State::entries)
            .filter(move |t| !state.contains(&t.pkgbase))
            .map(|t| Cow::Owned(stable_repo(t)));
        state.entries().map(|s| self.newest(s)).chain(only_testing)
    }

    /// The entry of `pkgbase`, from stable or upstream testing, whichever is newer.
    pub(crate) fn get(&self, pkgbase: &PkgName) -> Option<Cow<'a, StateEntry>> {
        match self.state.get(pkgbase) {
            Some(stable) => Some(self.newest(stable)),
            None => self
                .testing
                .and_then(|t| t.get(pkgbase))
                .map(|t| Cow::Owned(stable_repo(t))),
        }
    }
}

/// A testing entry with its stable repository (`core-testing` -> `core`).
fn stable_repo(testing: &StateEntry) -> StateEntry {
    let repo = testing
        .repo
        .strip_suffix("-testing")
        .unwrap_or(&testing.repo)
        .to_owned();
    StateEntry {
        repo,
        ..testing.clone()
    }
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

/// The pkgbases x86_64 has (arch-specific) and the target lacks; a pkgbase one of whose
/// names a target `{name}-bin` provides is not missing, and is listed apart.
pub(crate) fn missing_packages(world: &World<'_>) -> Result<Missing, GenerateError> {
    let target = target_versions(world.target);
    let mut found = Missing::default();
    for s in world
        .entries()
        .filter(|s| !s.any && !target.contains_key(s.pkgbase.as_str()))
    {
        // Only names and versions are listed: the relations, and so their warnings, do
        // not matter here.
        let entry = entry_from_state(&s, world.x86, None, &mut |_| {})?;
        let names = std::iter::once(&entry.name).chain(&entry.pkgnames);
        if let Some(bin) = names
            .filter_map(|n| bin_provided(world.target, n.as_str()))
            .next()
        {
            found.bin_provided.push(bin);
            continue;
        }
        found.missing.push(MissingPackage {
            blacklisted: world
                .blacklist
                .is_blacklisted(&entry.name, entry.pkgnames.iter().map(PkgName::as_str)),
            pkgbase: entry.name.to_string(),
            version: entry.version_text().to_owned(),
            repo: entry.repo.to_string(),
            pkgnames: entry.pkgnames.iter().map(ToString::to_string).collect(),
        });
    }
    Ok(found)
}

/// The target's `{name}-bin` standing in for `name`, if it has one.
pub(crate) fn bin_provided(target: &Index, name: &str) -> Option<BinProvided> {
    target.bin_providers(name).next().map(|p| BinProvided {
        name: name.to_owned(),
        provider: p.package.name().to_owned(),
        version: p.version.unwrap_or(p.package.version()).to_owned(),
    })
}

/// What [`select`] chose, and what it left out.
pub(crate) struct Selection {
    /// The pkgbases to build, by name.
    pub candidates: Vec<Candidate>,
    /// `--rebuild-repo` pkgbases left out because the target's version is newer.
    pub left_out: Vec<LeftOut>,
}

/// A pkgbase left out of the list because building it would downgrade the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeftOut {
    pub pkgbase: String,
    /// What x86_64 (the state repository) has.
    pub x86_version: String,
    /// What the target has, newer.
    pub target_version: String,
}

/// Known pkgbases and pkgnames close to `name` (edit distance at most a third of its
/// length, at least 1), closest first, at most three: `zlb` suggests `zlib`.
fn close_names(world: &World<'_>, name: &str) -> Vec<String> {
    let limit = (name.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, String)> = world
        .state
        .entries()
        .map(|s| s.pkgbase.to_string())
        .chain(world.x86.packages().iter().map(|p| p.name().to_owned()))
        .filter_map(|known| {
            let distance = strsim::damerau_levenshtein(name, &known);
            (distance <= limit).then_some((distance, known))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Resolves a name given with `--packages` (a pkgbase or a pkgname) to its state entry;
/// an ARCH=any pkgbase only with `force`.
fn resolve_named<'a>(
    world: &World<'a>,
    name: &PkgName,
    force: bool,
) -> Result<Cow<'a, StateEntry>, GenerateError> {
    let base = match world.get(name) {
        Some(entry) => entry,
        None => {
            let by_pkgname = world
                .x86
                .by_name(name.as_str())
                .map(|p| p.base().to_owned());
            let entry = by_pkgname
                .and_then(|b| PkgName::new(&b).ok())
                .and_then(|b| world.get(&b));
            entry.ok_or_else(|| GenerateError::UnknownPackage {
                name: name.to_string(),
                suggestions: close_names(world, name.as_str()),
            })?
        }
    };
    if base.any && !force {
        return Err(GenerateError::AnyPackage {
            name: name.to_string(),
            pkgbase: base.pkgbase.to_string(),
            dir: base.dir_name("x86_64"),
        });
    }
    Ok(base)
}

/// Chooses the pkgbases to build. Warnings (bootstrap-only packages left out, a
/// `--rebuild-repo` pkgbase newer on the target, a blacklisted name given with
/// `--packages`) go to `warn`.
pub(crate) fn select(
    world: &World<'_>,
    options: &Options,
    warn: &mut dyn FnMut(String),
) -> Result<Selection, GenerateError> {
    let target = target_versions(world.target);
    let mut chosen: BTreeMap<String, Candidate> = BTreeMap::new();
    let mut left_out = Vec::new();

    if !options.packages.is_empty() {
        for raw in &options.packages {
            let name = PkgName::new(raw).map_err(|e| GenerateError::BadName(e.to_string()))?;
            let candidate = if options.aur || options.local {
                let state = world.get(&name).filter(|s| !s.any);
                let repo = state
                    .as_ref()
                    .map_or(Ok(Repo::Extra), |s| Repo::new(&s.repo))?;
                let mut entry = bare_entry(
                    &name,
                    repo,
                    state.as_deref(),
                    target.get(name.as_str()).copied(),
                );
                // `--local` wins over `--aur`, as it always did when fetching.
                entry.source = if options.local {
                    Source::Local
                } else {
                    Source::Aur
                };
                Candidate {
                    entry,
                    origin: Origin::Named,
                    state_commit: None,
                    has_srcinfo: false,
                    no_check: false,
                }
            } else {
                let state = resolve_named(world, &name, options.force)?;
                let mut entry = entry_from_state(
                    &state,
                    world.x86,
                    target.get(state.pkgbase.as_str()).copied(),
                    warn,
                )?;
                if options.use_latest {
                    entry.source = Source::Latest;
                }
                Candidate {
                    state_commit: Some(state.commit.clone()),
                    entry,
                    origin: Origin::Named,
                    has_srcinfo: false,
                    no_check: false,
                }
            };
            chosen.insert(candidate.name().to_owned(), candidate);
        }
    } else {
        for state in world.entries().filter(|s| !s.any) {
            let arm = target.get(state.pkgbase.as_str()).copied();
            let origin = match options.rebuild_repo.as_deref() {
                // `--rebuild-repo` lists that repository and nothing else.
                Some(repo) if repo != state.repo.as_str() => continue,
                Some(repo) => {
                    if let Some(arm) = arm.filter(|arm| vercmp(&state.version, arm).is_lt()) {
                        warn(format!(
                            "{} {}: left out of --rebuild-repo {repo}: the target has {arm}, \
                             which is newer (rebuilding would downgrade it)",
                            state.pkgbase, state.version
                        ));
                        left_out.push(LeftOut {
                            pkgbase: state.pkgbase.to_string(),
                            x86_version: state.version.clone(),
                            target_version: arm.to_owned(),
                        });
                        continue;
                    }
                    Origin::Rebuild
                }
                None if arm.is_some_and(|arm| vercmp(&state.version, arm).is_gt()) => {
                    Origin::Outdated
                }
                None => continue,
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
            let mut entry = entry_from_state(&state, world.x86, arm, warn)?;
            if options.use_latest {
                entry.source = Source::Latest;
            }
            chosen.insert(
                entry.name.to_string(),
                Candidate {
                    entry,
                    origin,
                    state_commit: Some(state.commit.clone()),
                    has_srcinfo: false,
                    no_check: false,
                },
            );
        }
    }

    let mut list: Vec<Candidate> = chosen.into_values().collect();
    for candidate in &mut list {
        let names = candidate.entry.pkgnames.clone();
        if let Some(reason) = world
            .blacklist
            .reason(&candidate.entry.name, names.iter().map(PkgName::as_str))
        {
            if candidate.origin == Origin::Named {
                warn(format!(
                    "{}: named with --packages, but {reason}; skipped (--no-blacklist builds it)",
                    candidate.name()
                ));
            }
            candidate.skip(reason);
        }
    }
    Ok(Selection {
        candidates: list,
        left_out,
    })
}
