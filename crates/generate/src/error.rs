//! Why a `generate-build-list` run failed; a leaf module, so every step can return it.

use std::path::PathBuf;

/// Why the run failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The repositories could not be loaded.
    #[error(transparent)]
    Snapshot(#[from] archport_snapshot::SnapshotError),
    /// `--dry-run` or `--no-update` found no cached databases or state clone to work from.
    #[error(
        "{flag} works offline from the databases and state repository clone an earlier run left in {}, and there are none yet ({source}); run generate-build-list once without {flag} first",
        workdir.display()
    )]
    NothingCached {
        /// `--dry-run` or `--no-update`.
        flag: &'static str,
        /// The work directory holding `cache/` and `state/`.
        workdir: PathBuf,
        /// What was missing (boxed: it is large, and errors travel by value).
        source: Box<archport_snapshot::SnapshotError>,
    },
    /// `--dry-run` could not make the temporary directory it fetches into.
    #[error("--dry-run: cannot create a temporary directory: {0}")]
    Scratch(String),
    /// The blacklist is unusable.
    #[error(transparent)]
    Blacklist(#[from] archport_blacklist::BlacklistError),
    /// The state repository has pkgbases in both core and extra.
    #[error("state repository is inconsistent: in both core and extra: {0}")]
    Inconsistent(String),
    /// A `--packages` name is neither a pkgbase nor a pkgname on x86_64.
    #[error(
        "{name}: no such pkgbase or package on x86_64{}",
        if suggestions.is_empty() { String::new() } else { format!(" (did you mean {}?)", suggestions.join(", ")) }
    )]
    UnknownPackage {
        /// The name given.
        name: String,
        /// Known names close to it, closest first.
        suggestions: Vec<String>,
    },
    /// `--local --packages X` without `pkgbuilds/X/PKGBUILD`.
    #[error("{name}: --local needs a PKGBUILD: create {}", path.display())]
    NoLocalPkgbuild {
        /// The name given.
        name: String,
        /// The file to create.
        path: PathBuf,
    },
    /// `--aur --packages X`, and X could not be fetched from the AUR.
    #[error("{name}: not on the AUR: {reason}")]
    NotOnAur {
        /// The name given.
        name: String,
        /// The repository URL tried.
        url: String,
        /// What the fetch said.
        reason: String,
    },
    /// `--output` names a place that cannot be written; found before any work is done.
    #[error("{}: cannot write the build list there: {reason}", path.display())]
    OutputNotWritable {
        /// The `--output` path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A `--packages` name is ARCH=any (and no `--force`).
    #[error(
        "{name}: pkgbase {pkgbase} is ARCH=any ({dir}); the port uses the x86_64 packages as they are, so there is nothing to build (--force builds it anyway)"
    )]
    AnyPackage {
        /// The name given.
        name: String,
        pkgbase: String,
        /// The state directory (`extra-any`).
        dir: String,
    },
    /// The state repository was read for a repository whose name is not valid.
    #[error("state repository: {0}")]
    BadRepo(#[from] archport_vercmp::RepoError),
    /// A name is not a valid package name.
    #[error("{0}")]
    BadName(String),
    /// The dependency graph is inconsistent (a bug).
    #[error(transparent)]
    Graph(#[from] archport_plan::graph::GraphError),
    /// The list could not be written.
    #[error(transparent)]
    Write(#[from] archport_buildlist::ListError),
    /// `--strict`, and some PKGBUILD fetches failed: the list is not written, so a cron job
    /// chaining `build-packages` never builds from a list with holes in it.
    #[error(
        "--strict: {} failed: {}; no build list written",
        if failures.len() == 1 { "1 PKGBUILD fetch".to_owned() } else { format!("{} PKGBUILD fetches", failures.len()) },
        failures.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(", ")
    )]
    Strict {
        /// The failed fetches, `(pkgbase, reason)`, in the order they were tried.
        failures: Vec<(String, String)>,
    },
}
