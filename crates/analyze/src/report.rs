//! The report: one list per finding kind, each item naming the pkgbase or package and the
//! versions and repositories involved. Field names are part of the `--json` interface.

use serde::Serialize;

/// A pkgbase in core on one side and extra on the other.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RepoMismatch {
    pub pkgbase: String,
    pub x86_repo: String,
    pub target_repo: String,
    pub x86_version: String,
    pub target_version: String,
}

/// A pkgbase whose version on one side is compared with the other's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VersionPair {
    pub pkgbase: String,
    pub repo: String,
    pub x86_version: String,
    pub target_version: String,
}

/// A pkgbase present on one side only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OneSided {
    pub pkgbase: String,
    pub repo: String,
    pub version: String,
    pub pkgnames: Vec<String>,
}

/// A name found where it should be unique.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Duplicate {
    /// The duplicated pkgname (target) or pkgbase (x86_64 state repository).
    pub name: String,
    /// `target_pkgname` or `x86_pkgbase`.
    pub kind: &'static str,
    pub repos: Vec<String>,
    pub versions: Vec<String>,
}

/// A target package's dependency no target package provides at all.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BrokenDep {
    pub name: String,
    pub pkgbase: String,
    pub repo: String,
    pub version: String,
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
    pub name: String,
    pub pkgbase: String,
    pub repo: String,
    pub version: String,
    pub dependency: String,
    pub candidates: Vec<Candidate>,
    /// A shared-library dependency (`libfoo.so=5`) whose soname version moved on
    /// (`libfoo.so=6` provided): the dependent needs a rebuild.
    pub soname_drift: bool,
}

/// A target pkgname whose pkgbase still exists on x86_64 but no longer builds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Orphaned {
    pub name: String,
    pub pkgbase: String,
    pub repo: String,
    pub version: String,
}

/// Everything `repo-analyze` finds. Findings are facts about the repos, not errors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub repo_mismatches: Vec<RepoMismatch>,
    pub target_newer: Vec<VersionPair>,
    pub target_only: Vec<OneSided>,
    pub missing_pkgbases: Vec<OneSided>,
    pub outdated_any: Vec<VersionPair>,
    pub missing_any: Vec<OneSided>,
    pub duplicates: Vec<Duplicate>,
    pub broken_deps: Vec<BrokenDep>,
    pub unsatisfied_deps: Vec<UnsatisfiedDep>,
    pub orphaned: Vec<Orphaned>,
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
    }

    /// The JSON object of `--json`, restricted to `sections` (all when empty).
    pub fn to_json(&self, sections: &[crate::Section]) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            if !sections.is_empty() {
                map.retain(|key, _| sections.iter().any(|s| s.key() == key));
            }
        }
        value
    }
}
