//! Both sides reduced to pkgbases, and the per-pkgbase comparisons.

use std::collections::{BTreeMap, BTreeSet};

use archport_blacklist::Blacklist;
use archport_repodb::Index;
use archport_state::{Inconsistency, State};
use archport_vercmp::vercmp;

use crate::report::{Duplicate, InTesting, OneSided, RepoMismatch, Report, VersionPair};

/// What the analysis reads.
pub struct Inputs<'a> {
    /// The x86_64 state repository (`core-x86_64`, `extra-x86_64`, `*-any`).
    pub state: &'a State,
    /// The x86_64 sync databases.
    pub x86: &'a Index,
    /// The port's sync databases.
    pub target: &'a Index,
    /// Applied to the missing sections: a blacklisted package is meant to be absent.
    pub blacklist: &'a Blacklist,
    /// The port's testing repositories among the target's, each with the stable repository
    /// it is promoted into (`core-testing` -> `core`). Their packages count for the stable
    /// repository at the highest version, and newer ones are reported as waiting in
    /// testing rather than as duplicates.
    pub target_testing: &'a BTreeMap<String, String>,
    /// The port's own repositories (`[target] port_repos`): their pkgbases are listed in
    /// `port_packages`, never as `target_only` or in another repository than x86_64's.
    pub port_repos: &'a [String],
    /// Upstream testing (`--upstream-testing`): the state repository's testing directories.
    /// A pkgbase newer there is compared at that version, keeping its stable repository.
    pub x86_testing: Option<&'a State>,
}

impl Inputs<'_> {
    /// Whether `repo` is one of the port's own repositories.
    pub(crate) fn is_port_repo(&self, repo: &str) -> bool {
        self.port_repos.iter().any(|r| r == repo)
    }

    /// The repository a target package counts for: the stable one for a testing repo.
    pub(crate) fn stable_repo<'r>(&'r self, repo: &'r str) -> &'r str {
        self.target_testing.get(repo).map_or(repo, String::as_str)
    }
}

/// One x86_64 pkgbase: the state repository's version when it has one, else the database's.
pub(crate) struct X86Base<'a> {
    pub repo: &'a str,
    pub version: &'a str,
    pub any: bool,
    pub pkgnames: Vec<&'a str>,
}

/// One target pkgbase, over all target repositories.
pub(crate) struct TargetBase<'a> {
    pub repos: BTreeSet<&'a str>,
    pub version: &'a str,
    pub pkgnames: Vec<&'a str>,
}

pub(crate) fn x86_side<'a>(inputs: &Inputs<'a>) -> BTreeMap<&'a str, X86Base<'a>> {
    let mut bases: BTreeMap<&str, X86Base> = BTreeMap::new();
    for pkgbase in inputs.state.pkgbases() {
        // `get` applies the state's precedence when a pkgbase is in several repos.
        let Some(entry) = inputs.state.get(pkgbase) else {
            continue;
        };
        bases.insert(
            entry.pkgbase.as_str(),
            X86Base {
                repo: &entry.repo,
                version: &entry.version,
                any: entry.any,
                pkgnames: Vec::new(),
            },
        );
    }
    for entry in inputs.x86_testing.iter().flat_map(|t| t.entries()) {
        let stable = entry
            .repo
            .strip_suffix("-testing")
            .unwrap_or(entry.repo.as_str());
        let base = bases
            .entry(entry.pkgbase.as_str())
            .or_insert_with(|| X86Base {
                repo: stable,
                version: &entry.version,
                any: entry.any,
                pkgnames: Vec::new(),
            });
        if vercmp(&entry.version, base.version).is_gt() {
            base.version = &entry.version;
        }
    }
    for pkg in inputs.x86.packages() {
        let base = bases.entry(pkg.base()).or_insert_with(|| X86Base {
            repo: pkg.repo(),
            version: pkg.version(),
            any: pkg.arch() == "any",
            pkgnames: Vec::new(),
        });
        base.pkgnames.push(pkg.name());
    }
    bases
}

pub(crate) fn target_side<'a>(inputs: &'a Inputs<'a>) -> BTreeMap<&'a str, TargetBase<'a>> {
    let mut bases: BTreeMap<&str, TargetBase> = BTreeMap::new();
    for pkg in inputs.target.packages() {
        let base = bases.entry(pkg.base()).or_insert_with(|| TargetBase {
            repos: BTreeSet::new(),
            version: pkg.version(),
            pkgnames: Vec::new(),
        });
        base.repos.insert(inputs.stable_repo(pkg.repo()));
        if vercmp(pkg.version(), base.version).is_gt() {
            base.version = pkg.version();
        }
        base.pkgnames.push(pkg.name());
    }
    bases
}

fn owned(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v.dedup();
    v
}

pub(crate) fn compare(
    inputs: &Inputs<'_>,
    x86: &BTreeMap<&str, X86Base<'_>>,
    target: &BTreeMap<&str, TargetBase<'_>>,
    report: &mut Report,
) {
    for (&name, x) in x86 {
        let Some(t) = target.get(name) else {
            if inputs
                .blacklist
                .is_blacklisted(name, x.pkgnames.iter().copied())
            {
                continue;
            }
            let item = OneSided {
                pkgbase: name.into(),
                repo: x.repo.into(),
                version: x.version.into(),
                pkgnames: owned(&x.pkgnames),
            };
            if x.any {
                report.missing_any.push(item);
            } else {
                report.missing_pkgbases.push(item);
            }
            continue;
        };
        if !t.repos.contains(x.repo) && !t.repos.iter().any(|r| inputs.is_port_repo(r)) {
            report.repo_mismatches.push(RepoMismatch {
                pkgbase: name.into(),
                x86_repo: x.repo.into(),
                target_repo: t.repos.iter().copied().collect::<Vec<_>>().join(","),
                x86_version: x.version.into(),
                target_version: t.version.into(),
            });
        }
        let pair = || VersionPair {
            pkgbase: name.into(),
            repo: x.repo.into(),
            x86_version: x.version.into(),
            target_version: t.version.into(),
        };
        match vercmp(t.version, x.version) {
            std::cmp::Ordering::Greater => report.target_newer.push(pair()),
            std::cmp::Ordering::Less if x.any => report.outdated_any.push(pair()),
            _ => {}
        }
    }

    for (&name, t) in target {
        let in_port_repo = t.repos.iter().any(|r| inputs.is_port_repo(r));
        if in_port_repo {
            report.port_packages.push(OneSided {
                pkgbase: name.into(),
                repo: t.repos.iter().copied().collect::<Vec<_>>().join(","),
                version: t.version.into(),
                pkgnames: owned(&t.pkgnames),
            });
        }
        if x86.contains_key(name) || in_port_repo {
            continue;
        }
        // A renamed or merged package is still accounted for when x86_64 provides its names.
        let known = std::iter::once(name)
            .chain(t.pkgnames.iter().copied())
            .any(|n| inputs.x86.by_name(n).is_some() || inputs.x86.providers(n).next().is_some());
        if !known {
            report.target_only.push(OneSided {
                pkgbase: name.into(),
                repo: t.repos.iter().copied().collect::<Vec<_>>().join(","),
                version: t.version.into(),
                pkgnames: owned(&t.pkgnames),
            });
        }
    }

    duplicates(inputs, report);
    orphaned(inputs, x86, report);
}

/// Target packages whose testing version is newer than their stable one (or that stable
/// lacks): waiting for promotion, which is not a duplicate. Returns the (name, testing
/// repo) pairs reported, for [`duplicates`] to leave out.
fn in_testing<'a>(inputs: &'a Inputs<'a>, report: &mut Report) -> BTreeSet<(&'a str, &'a str)> {
    let mut waiting = BTreeSet::new();
    for pkg in inputs.target.packages() {
        let Some(stable) = inputs.target_testing.get(pkg.repo()) else {
            continue;
        };
        let stable_version = inputs
            .target
            .all_named(pkg.name())
            .filter(|p| p.repo() == stable)
            .map(|p| p.version())
            .max_by(|a, b| vercmp(a, b));
        if stable_version.is_some_and(|v| vercmp(pkg.version(), v).is_le()) {
            continue;
        }
        waiting.insert((pkg.name(), pkg.repo()));
        report.in_testing.push(InTesting {
            name: pkg.name().into(),
            pkgbase: pkg.base().into(),
            repo: stable.clone(),
            testing_repo: pkg.repo().into(),
            stable_version: stable_version.map(Into::into),
            testing_version: pkg.version().into(),
        });
    }
    waiting
}

fn duplicates(inputs: &Inputs<'_>, report: &mut Report) {
    let waiting = in_testing(inputs, report);
    let mut by_name: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for pkg in inputs.target.packages() {
        if waiting.contains(&(pkg.name(), pkg.repo())) {
            continue;
        }
        by_name
            .entry(pkg.name())
            .or_default()
            .push((pkg.repo(), pkg.version()));
    }
    for (name, places) in by_name {
        let repos: BTreeSet<&str> = places.iter().map(|(r, _)| *r).collect();
        if repos.len() > 1 {
            report.duplicates.push(Duplicate {
                name: name.into(),
                kind: "target_pkgname",
                repos: places.iter().map(|(r, _)| r.to_string()).collect(),
                versions: places.iter().map(|(_, v)| v.to_string()).collect(),
            });
        }
    }
    for inconsistency in inputs.state.inconsistencies() {
        if let Inconsistency::SeveralRepos { pkgbase, repos } = inconsistency {
            let versions = inputs
                .state
                .all(pkgbase)
                .iter()
                .map(|e| e.version.clone())
                .collect();
            report.duplicates.push(Duplicate {
                name: pkgbase.to_string(),
                kind: "x86_pkgbase",
                repos: repos.clone(),
                versions,
            });
        }
    }
}

fn orphaned(inputs: &Inputs<'_>, x86: &BTreeMap<&str, X86Base<'_>>, report: &mut Report) {
    for pkg in inputs.target.packages() {
        let Some(base) = x86.get(pkg.base()) else {
            continue;
        };
        // Only judge pkgbases whose x86_64 packages we can see.
        if base.pkgnames.is_empty() || inputs.x86.by_name(pkg.name()).is_some() {
            continue;
        }
        report.orphaned.push(crate::report::Orphaned {
            name: pkg.name().into(),
            pkgbase: pkg.base().into(),
            repo: pkg.repo().into(),
            version: pkg.version().into(),
        });
    }
}
