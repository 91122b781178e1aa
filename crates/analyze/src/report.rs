//! The report: one list per finding kind, each item naming the pkgbase or package and the
//! versions and repositories involved. Field names are part of the `--json` interface.

use serde::Serialize;

/// A pkgbase in core on one side and extra on the other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RepoMismatch {
    pub pkgbase: String,
    /// Its repository on x86_64.
    pub x86_repo: String,
    /// Its target repositories, comma-separated.
    pub target_repo: String,
    /// The x86_64 version.
    pub x86_version: String,
    /// The highest target version.
    pub target_version: String,
}

/// A pkgbase whose version on one side is compared with the other's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VersionPair {
    pub pkgbase: String,
    /// Its x86_64 repository.
    pub repo: String,
    /// The x86_64 version.
    pub x86_version: String,
    /// The highest target version.
    pub target_version: String,
}

/// A pkgbase present on one side only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OneSided {
    pub pkgbase: String,
    /// Its repository (comma-separated when in several).
    pub repo: String,
    /// Its version on the side that has it.
    pub version: String,
    /// Its packages there, sorted.
    pub pkgnames: Vec<String>,
}

/// A name found where it should be unique.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Duplicate {
    /// The duplicated pkgname (target) or pkgbase (x86_64 state repository).
    pub name: String,
    /// `target_pkgname` or `x86_pkgbase`.
    pub kind: &'static str,
    /// Every repository holding it, in configuration order.
    pub repos: Vec<String>,
    /// The version in each of `repos`.
    pub versions: Vec<String>,
}

/// A target package's dependency no target package provides at all.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BrokenDep {
    /// The package with the dependency.
    pub name: String,
    pub pkgbase: String,
    /// Its target repository.
    pub repo: String,
    pub version: String,
    /// The dependency as written in `%DEPENDS%`.
    pub dependency: String,
}

/// A candidate for a dependency that does not meet its version constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Candidate {
    /// The package offering the name.
    pub package: String,
    /// The version offered: the package's own, or that of its provision (`None`: unversioned).
    pub version: Option<String>,
}

/// A target package's dependency found by name, but with no version that satisfies it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UnsatisfiedDep {
    /// The package with the dependency.
    pub name: String,
    pub pkgbase: String,
    /// Its target repository.
    pub repo: String,
    pub version: String,
    /// The dependency as written in `%DEPENDS%`.
    pub dependency: String,
    /// What the target offers under that name, none fitting.
    pub candidates: Vec<Candidate>,
    /// A shared-library dependency (`libfoo.so=5`) whose soname version moved on
    /// (`libfoo.so=6` provided): the dependent needs a rebuild.
    pub soname_drift: bool,
}

/// A target pkgname whose pkgbase still exists on x86_64 but no longer builds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Orphaned {
    /// The target pkgname x86_64 no longer has.
    pub name: String,
    /// Its pkgbase, still on x86_64.
    pub pkgbase: String,
    /// Its target repository.
    pub repo: String,
    /// Its target version.
    pub version: String,
}

/// A target package in a testing repository, newer there than in the stable repository it
/// is promoted into (or not in it yet): waiting for promotion, not to be rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct InTesting {
    /// The pkgname.
    pub name: String,
    pub pkgbase: String,
    /// The stable repository it is promoted into.
    pub repo: String,
    /// The testing repository holding it.
    pub testing_repo: String,
    /// Its version in `repo` (`None`: new, not in stable yet).
    pub stable_version: Option<String>,
    /// Its version in `testing_repo`.
    pub testing_version: String,
}

/// A target `-bin` package standing in for an x86_64 package: `foo-bin` provides `foo=VER`,
/// compared with x86_64's `foo` by pkgver only (a prebuilt binary has its own pkgrel).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BinPackage {
    /// The target `-bin` package.
    pub name: String,
    /// Its target repository.
    pub repo: String,
    /// Its own version.
    pub version: String,
    /// The name it provides (`foo`).
    pub provides: String,
    /// The version it provides for that name.
    pub provided_version: String,
    /// The x86_64 pkgbase building `provides`.
    pub x86_pkgbase: String,
    /// That pkgbase's x86_64 version.
    pub x86_version: String,
    /// `matching`, `newer` or `outdated`, comparing the pkgvers.
    pub status: &'static str,
}

/// An x86_64 pkgbase the target cannot build because a depends or makedepends chain ends
/// at a blacklisted package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Blocked {
    pub pkgbase: String,
    /// Its x86_64 repository.
    pub repo: String,
    /// Its x86_64 version.
    pub version: String,
    /// The pkgbases from this one to the blacklisted one, each needing the next.
    pub chain: Vec<String>,
}

/// A package that is ARCH=any on one side and architecture-specific on the other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ArchChanged {
    /// The pkgname.
    pub name: String,
    pub pkgbase: String,
    /// Its target repository.
    pub repo: String,
    /// Its x86_64 architecture (`any` or `x86_64`).
    pub x86_arch: String,
    /// Its target architecture.
    pub target_arch: String,
    pub x86_version: String,
    pub target_version: String,
}

/// A pkgbase on both sides whose target build lacks split packages x86_64 builds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MissingSplit {
    pub pkgbase: String,
    /// Its x86_64 repository.
    pub repo: String,
    pub x86_version: String,
    pub target_version: String,
    /// The x86_64 pkgnames the target lacks, sorted.
    pub missing: Vec<String>,
}

/// A pkgbase missing from the target whose name another target package provides.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProvidedElsewhere {
    /// The missing pkgbase (still listed among the missing).
    pub pkgbase: String,
    /// Its x86_64 repository.
    pub repo: String,
    /// Its x86_64 version.
    pub version: String,
    /// Its name the target provides (the pkgbase or one of its pkgnames).
    pub name: String,
    /// The target package providing it.
    pub provider: String,
    /// The provider's target repository.
    pub provider_repo: String,
    /// The provider's version.
    pub provider_version: String,
}

/// Everything `repo-analyze` finds. Findings are facts about the repos, not errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Pkgbases in core on one side and extra on the other.
    pub repo_mismatches: Vec<RepoMismatch>,
    /// Pkgbases newer on the target.
    pub target_newer: Vec<VersionPair>,
    /// Target pkgbases x86_64 neither has nor provides.
    pub target_only: Vec<OneSided>,
    /// Arch-specific x86_64 pkgbases the target lacks (blacklist applied).
    pub missing_pkgbases: Vec<OneSided>,
    /// ARCH=any pkgbases older on the target.
    pub outdated_any: Vec<VersionPair>,
    /// ARCH=any pkgbases the target lacks (blacklist applied).
    pub missing_any: Vec<OneSided>,
    /// Target pkgnames in several repositories; x86_64 pkgbases in several repositories.
    pub duplicates: Vec<Duplicate>,
    /// Target dependencies nothing on the target offers.
    pub broken_deps: Vec<BrokenDep>,
    /// Target dependencies offered at no fitting version.
    pub unsatisfied_deps: Vec<UnsatisfiedDep>,
    /// Target pkgnames their x86_64 pkgbase no longer builds.
    pub orphaned: Vec<Orphaned>,
    /// Target packages newer in a testing repository than in stable, waiting for promotion.
    pub in_testing: Vec<InTesting>,
    /// Pkgbases of the port's own repositories (`[target] port_repos`), not `target_only`.
    pub port_packages: Vec<OneSided>,
    /// Target `-bin` packages compared by pkgver with the x86_64 package they provide.
    pub bin_packages: Vec<BinPackage>,
    /// x86_64 pkgbases whose depends/makedepends chain reaches a blacklisted package.
    pub blocked_by_blacklist: Vec<Blocked>,
    /// Packages ARCH=any on one side and architecture-specific on the other.
    pub arch_changed: Vec<ArchChanged>,
    /// Pkgbases whose target build lacks some x86_64 split packages.
    pub missing_split_packages: Vec<MissingSplit>,
    /// Missing pkgbases whose name another target package provides.
    pub provided_elsewhere: Vec<ProvidedElsewhere>,
    /// Target dependencies with an empty version (`nginx=`): unsatisfiable, as in libalpm;
    /// upstream packaging bugs, apart from the port's own broken dependencies.
    pub upstream_broken: Vec<BrokenDep>,
}

impl Report {
    /// Sorts every section so output never depends on hash or database order.
    pub(crate) fn sort(&mut self) {
        self.repo_mismatches.sort();
        self.target_newer.sort();
        self.target_only.sort();
        self.missing_pkgbases.sort();
        self.outdated_any.sort();
        self.missing_any.sort();
        self.duplicates.sort();
        self.broken_deps.sort();
        self.unsatisfied_deps.sort();
        self.orphaned.sort();
        self.in_testing.sort();
        self.port_packages.sort();
        self.bin_packages.sort();
        self.blocked_by_blacklist.sort();
        self.arch_changed.sort();
        self.missing_split_packages.sort();
        self.provided_elsewhere.sort();
        self.upstream_broken.sort();
    }

    /// The JSON object of `--json`, restricted to `sections` (all when empty).
    pub fn to_json(&self, sections: &[crate::Section]) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut()
            && !sections.is_empty()
        {
            map.retain(|key, _| sections.iter().any(|s| s.key() == key));
        }
        value
    }
}
