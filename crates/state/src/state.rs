//! The parsed state: which version, tag and commit each pkgbase is at, and where.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use archport_vercmp::{PkgName, tag_for_version};

use crate::entry::StateEntry;
use crate::error::StateError;
use crate::parse::read_state_dir;

/// A disagreement inside the state repository. None stops reading: the caller decides what
/// to do with them, and the list is in a stable order (by pkgbase, then kind).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Inconsistency {
    /// The pkgbase is in more than one of the repositories read (`core` and `extra`).
    SeveralRepos {
        /// The pkgbase found in more than one repository.
        pkgbase: PkgName,
        /// The repositories holding it, in the caller's order.
        repos: Vec<String>,
    },
    /// The pkgbase is in both `<repo>-<arch>/` and `<repo>-any/`.
    ArchAndAny {
        /// The pkgbase found in both directories.
        pkgbase: PkgName,
        /// The repository whose two directories hold it.
        repo: String,
    },
    /// The recorded tag is not the tag the version maps to.
    TagMismatch {
        /// The pkgbase whose state file disagrees with itself.
        pkgbase: PkgName,
        /// The directory of the entry (`core-x86_64`).
        dir: String,
        /// The recorded version.
        version: String,
        /// The recorded tag.
        tag: String,
        /// The tag the version maps to.
        expected: String,
    },
}

impl Inconsistency {
    /// The pkgbase concerned.
    pub fn pkgbase(&self) -> &PkgName {
        match self {
            Inconsistency::SeveralRepos { pkgbase, .. }
            | Inconsistency::ArchAndAny { pkgbase, .. }
            | Inconsistency::TagMismatch { pkgbase, .. } => pkgbase,
        }
    }
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inconsistency::SeveralRepos { pkgbase, repos } => {
                write!(
                    f,
                    "{pkgbase} is in several repositories: {}",
                    repos.join(", ")
                )
            }
            Inconsistency::ArchAndAny { pkgbase, repo } => {
                write!(f, "{pkgbase} is in both {repo}-<arch> and {repo}-any")
            }
            Inconsistency::TagMismatch {
                pkgbase,
                dir,
                version,
                tag,
                expected,
            } => write!(
                f,
                "{dir}/{pkgbase}: tag {tag} does not match version {version} (expected {expected})"
            ),
        }
    }
}

/// The state of a set of repositories for one architecture, read from a checkout.
///
/// Built by [`State::read`]. A pkgbase normally has one entry; when the repository is
/// inconsistent it has several, and [`State::get`] picks by precedence: the caller's
/// repository order first, then `<repo>-<arch>/` before `<repo>-any/`.
#[derive(Debug, Clone)]
pub struct State {
    root: PathBuf,
    arch: String,
    repos: Vec<String>,
    /// Entries of each pkgbase, in precedence order.
    by_pkgbase: BTreeMap<PkgName, Vec<StateEntry>>,
    inconsistencies: Vec<Inconsistency>,
}

impl State {
    /// Reads `<repo>-<arch>/` and `<repo>-any/` for each of `repos` under the checkout
    /// `root` (e.g. `["core", "extra"]`, `"x86_64"`).
    ///
    /// A missing directory is read as empty (git keeps no empty directories), but a repo
    /// with neither directory is an error, as it is most likely a misspelt name. Any
    /// malformed file is an error naming it. Inconsistencies are computed across all the
    /// repos read, so read a testing repo into its own `State`: its pkgbases are in core
    /// or extra too, by design.
    pub fn read<S: AsRef<str>>(root: &Path, repos: &[S], arch: &str) -> Result<State, StateError> {
        validate_dir_part("architecture", arch)?;
        if arch == "any" {
            return Err(StateError::InvalidName {
                what: "architecture",
                name: arch.to_owned(),
            });
        }
        let mut entries = Vec::new();
        let mut repo_names = Vec::with_capacity(repos.len());
        for repo in repos {
            let repo = repo.as_ref();
            validate_dir_part("repository", repo)?;
            if repo_names.iter().any(|seen| seen == repo) {
                continue;
            }
            let arch_dir =
                read_state_dir(root, &format!("{repo}-{arch}"), repo, false, &mut entries)?;
            let any_dir = read_state_dir(root, &format!("{repo}-any"), repo, true, &mut entries)?;
            if !arch_dir && !any_dir {
                return Err(StateError::UnknownRepo {
                    root: root.to_owned(),
                    repo: repo.to_owned(),
                    arch: arch.to_owned(),
                });
            }
            repo_names.push(repo.to_owned());
        }

        // Entries arrive in precedence order (repo order, arch before any), which each
        // pkgbase's list keeps.
        let mut by_pkgbase: BTreeMap<PkgName, Vec<StateEntry>> = BTreeMap::new();
        for entry in entries {
            by_pkgbase
                .entry(entry.pkgbase.clone())
                .or_default()
                .push(entry);
        }
        let inconsistencies = find_inconsistencies(&by_pkgbase, arch);
        tracing::debug!(
            root = %root.display(),
            pkgbases = by_pkgbase.len(),
            inconsistencies = inconsistencies.len(),
            "read state repository"
        );
        Ok(State {
            root: root.to_owned(),
            arch: arch.to_owned(),
            repos: repo_names,
            by_pkgbase,
            inconsistencies,
        })
    }

    /// The checkout root the state was read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The architecture read (`x86_64`).
    pub fn arch(&self) -> &str {
        &self.arch
    }

    /// The repositories read, in precedence order, without duplicates.
    pub fn repos(&self) -> &[String] {
        &self.repos
    }

    /// The entry of `pkgbase` that takes precedence, if the pkgbase is in the state.
    pub fn get(&self, pkgbase: &PkgName) -> Option<&StateEntry> {
        self.by_pkgbase
            .get(pkgbase)
            .and_then(|entries| entries.first())
    }

    /// Every entry of `pkgbase`, in precedence order (more than one only when inconsistent).
    pub fn all(&self, pkgbase: &PkgName) -> &[StateEntry] {
        self.by_pkgbase.get(pkgbase).map_or(&[], Vec::as_slice)
    }

    /// Whether `pkgbase` is in the state.
    pub fn contains(&self, pkgbase: &PkgName) -> bool {
        self.by_pkgbase.contains_key(pkgbase)
    }

    /// The pkgbases, sorted.
    pub fn pkgbases(&self) -> impl Iterator<Item = &PkgName> {
        self.by_pkgbase.keys()
    }

    /// The entry taking precedence for each pkgbase, sorted by pkgbase.
    pub fn entries(&self) -> impl Iterator<Item = &StateEntry> {
        self.by_pkgbase
            .values()
            .filter_map(|entries| entries.first())
    }

    /// Every entry, including those shadowed by precedence, sorted by pkgbase.
    pub fn all_entries(&self) -> impl Iterator<Item = &StateEntry> {
        self.by_pkgbase.values().flatten()
    }

    /// The number of distinct pkgbases.
    pub fn len(&self) -> usize {
        self.by_pkgbase.len()
    }

    /// Whether no pkgbase was found.
    pub fn is_empty(&self) -> bool {
        self.by_pkgbase.is_empty()
    }

    /// The inconsistencies found while reading, sorted by pkgbase then kind.
    pub fn inconsistencies(&self) -> &[Inconsistency] {
        &self.inconsistencies
    }
}

fn find_inconsistencies(
    by_pkgbase: &BTreeMap<PkgName, Vec<StateEntry>>,
    arch: &str,
) -> Vec<Inconsistency> {
    let mut found = Vec::new();
    for (pkgbase, entries) in by_pkgbase {
        let mut repos: Vec<&str> = Vec::new();
        for entry in entries {
            if !repos.contains(&entry.repo.as_str()) {
                repos.push(&entry.repo);
            }
        }
        if repos.len() > 1 {
            found.push(Inconsistency::SeveralRepos {
                pkgbase: pkgbase.clone(),
                repos: repos.iter().map(|r| (*r).to_owned()).collect(),
            });
        }
        for repo in &repos {
            let in_repo = entries.iter().filter(|e| e.repo == *repo);
            let (mut arch_dir, mut any_dir) = (false, false);
            for entry in in_repo {
                if entry.any {
                    any_dir = true;
                } else {
                    arch_dir = true;
                }
            }
            if arch_dir && any_dir {
                found.push(Inconsistency::ArchAndAny {
                    pkgbase: pkgbase.clone(),
                    repo: (*repo).to_owned(),
                });
            }
        }
        for entry in entries {
            let expected = tag_for_version(&entry.version);
            if entry.tag != expected {
                found.push(Inconsistency::TagMismatch {
                    pkgbase: pkgbase.clone(),
                    dir: entry.dir_name(arch),
                    version: entry.version.clone(),
                    tag: entry.tag.clone(),
                    expected,
                });
            }
        }
    }
    found
}

/// A repository or architecture name becomes part of a directory name: keep it to the
/// characters Arch uses and away from path syntax.
fn validate_dir_part(what: &'static str, name: &str) -> Result<(), StateError> {
    let ok = !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(StateError::InvalidName {
            what,
            name: name.to_owned(),
        })
    }
}
