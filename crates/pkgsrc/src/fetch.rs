//! Bringing one pkgbase's PKGBUILD checkout (`{pkgbuilds}/<pkgbase>/`) to the wanted state.
//!
//! [`fetch`] is synchronous and touches only its own pkgbase's directory (plus a uniquely named
//! temporary directory beside it), so callers may run it for different pkgbases on a bounded
//! thread pool. It returns a [`Progress`] whose `Display` is the exact line to print.

use std::fmt;
use std::path::{Path, PathBuf};

use archport_vercmp::{PkgName, tag_for_version};

use crate::checkout_version::current_version;
use crate::error::FetchError;
use crate::git_ops;

/// Where the PKGBUILD comes from, and whether to move an existing checkout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchMode {
    /// The official packaging repository at the tag of the wanted version (the default).
    Tag,
    /// The official packaging repository's default branch, newest commit.
    Latest,
    /// The AUR repository's newest commit.
    Aur,
    /// `{pkgbuilds}/<pkgbase>/` as it is: no git at all.
    Local,
    /// The existing checkout as it is: no git at all.
    NoUpdate,
}

/// One pkgbase to fetch.
#[derive(Clone, Debug)]
pub struct FetchRequest<'a> {
    /// The pkgbase; also the checkout directory's name.
    pub pkgbase: &'a PkgName,
    /// The wanted full version (`[epoch:]pkgver-pkgrel`), from the state repository.
    pub version: &'a str,
    /// The commit the state repository records for that version, if known.
    pub commit: Option<&'a str>,
    /// What to do.
    pub mode: FetchMode,
    /// The clone URL (see [`crate::packaging_url`] and [`crate::aur_url`]); unused by
    /// [`FetchMode::Local`] and [`FetchMode::NoUpdate`].
    pub url: String,
    /// The pkgbuilds directory holding one checkout per pkgbase.
    pub dest_root: &'a Path,
}

/// What [`fetch`] did, as the progress line the caller prints (`Display` gives it exactly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// A first checkout: `Processing vim (fetching 9.1.1734-1)...`.
    Fetching {
        pkgbase: String,
        /// The version fetched (in latest mode, the version the caller expected).
        version: String,
    },
    /// The checkout already holds the version: `Processing vim (already up to date: 9.1.1734-1)...`.
    UpToDate {
        pkgbase: String,
        /// The version it holds.
        version: String,
    },
    /// Moved to another tag: `Processing vim (updating 9.1.1730-1 -> 9.1.1734-1)...`.
    Updating {
        pkgbase: String,
        /// The version the checkout held (`unknown` when it could not be read).
        from: String,
        /// The version it holds now.
        to: String,
    },
    /// Moved to the default branch's newest commit: `Processing vim (updating to latest commit)...`.
    UpdatingToLatest { pkgbase: String },
    /// Left alone on request: `Processing vim (no update, current: 9.1.1730-1)...`.
    NoUpdate {
        pkgbase: String,
        /// The version the checkout holds (`unknown` when it could not be read).
        current: String,
    },
    /// Cloned or moved to the AUR's newest commit: `Processing vim (fetching from AUR)...`.
    FetchingFromAur { pkgbase: String },
    /// A local PKGBUILD directory used as it is: `Processing vim (using local PKGBUILD)...`.
    Local { pkgbase: String },
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Fetching { pkgbase, version } => {
                write!(f, "Processing {pkgbase} (fetching {version})...")
            }
            Progress::UpToDate { pkgbase, version } => {
                write!(f, "Processing {pkgbase} (already up to date: {version})...")
            }
            Progress::Updating { pkgbase, from, to } => {
                write!(f, "Processing {pkgbase} (updating {from} -> {to})...")
            }
            Progress::UpdatingToLatest { pkgbase } => {
                write!(f, "Processing {pkgbase} (updating to latest commit)...")
            }
            Progress::NoUpdate { pkgbase, current } => {
                write!(f, "Processing {pkgbase} (no update, current: {current})...")
            }
            Progress::FetchingFromAur { pkgbase } => {
                write!(f, "Processing {pkgbase} (fetching from AUR)...")
            }
            Progress::Local { pkgbase } => {
                write!(f, "Processing {pkgbase} (using local PKGBUILD)...")
            }
        }
    }
}

/// Something worth telling the operator that did not stop the fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchWarning {
    /// The tag does not point at the commit the state repository records.
    CommitMismatch {
        pkgbase: String,
        /// The tag checked out.
        tag: String,
        /// The commit the state repository records.
        expected: String,
        /// The commit the tag points at.
        actual: String,
    },
}

impl fmt::Display for FetchWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchWarning::CommitMismatch {
                pkgbase,
                tag,
                expected,
                actual,
            } => write!(
                f,
                "{pkgbase}: tag {tag} is at commit {actual}, but the state repository records {expected}"
            ),
        }
    }
}

/// The result of a successful [`fetch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOutcome {
    /// The line to print.
    pub progress: Progress,
    /// The checkout directory (`{dest_root}/<pkgbase>`).
    pub dir: PathBuf,
    /// The commit checked out (`None` for [`FetchMode::Local`] and [`FetchMode::NoUpdate`],
    /// which do not look at git).
    pub commit: Option<String>,
    /// Warnings for the caller to print (logged only at debug level here).
    pub warnings: Vec<FetchWarning>,
    /// Paths (relative to the checkout) of local changes carried over an update: modified
    /// tracked files and untracked files, e.g. an operator's `fix-arm.patch`.
    pub carried_changes: Vec<String>,
}

/// Brings `{dest_root}/<pkgbase>` to the state `req.mode` asks for.
///
/// In [`FetchMode::Tag`] the version an existing checkout holds is read first (from its
/// `.SRCINFO`, else its PKGBUILD); when it equals the wanted version no git operation runs
/// except reading the local HEAD to report the commit. Otherwise only the wanted tag is
/// fetched (shallow where the transport supports it). A first fetch clones into a temporary
/// directory beside the checkout and renames it into place, so a failure leaves no directory
/// behind that could later pass for a checkout. Local changes in an existing checkout are
/// carried over the update, or the fetch fails naming the files.
pub fn fetch(req: &FetchRequest<'_>) -> Result<FetchOutcome, FetchError> {
    fetch_following(req, None)
}

/// [`fetch`], but in [`FetchMode::Latest`] the head of `branch` (when given) is checked out
/// instead of the remote's default branch: a per-package source that follows one branch of
/// the port's own fork. A branch the remote lacks fails with [`FetchError::BranchMissing`].
pub fn fetch_following(
    req: &FetchRequest<'_>,
    branch: Option<&str>,
) -> Result<FetchOutcome, FetchError> {
    // PkgName is validated (no `/`, no leading `.`), so the join stays inside dest_root.
    let dir = req.dest_root.join(req.pkgbase.as_str());
    let outcome = match req.mode {
        FetchMode::Local => use_as_is(req, dir, |pkgbase| Progress::Local { pkgbase }),
        FetchMode::NoUpdate => {
            let current = current_version(&dir).unwrap_or_else(|| "unknown".to_owned());
            use_as_is(req, dir, |pkgbase| Progress::NoUpdate { pkgbase, current })
        }
        FetchMode::Tag => fetch_tag(req, dir),
        FetchMode::Latest => fetch_latest(req, dir, branch),
        FetchMode::Aur => fetch_latest(req, dir, None),
    }?;
    // Warnings are returned, not logged: the caller prints them once, in its own voice.
    for warning in &outcome.warnings {
        tracing::debug!("{warning}");
    }
    Ok(outcome)
}

fn use_as_is(
    req: &FetchRequest<'_>,
    dir: PathBuf,
    progress: impl FnOnce(String) -> Progress,
) -> Result<FetchOutcome, FetchError> {
    if !dir.join("PKGBUILD").is_file() {
        return Err(FetchError::NoPkgbuild {
            pkgbase: req.pkgbase.to_string(),
            dir,
        });
    }
    Ok(FetchOutcome {
        progress: progress(req.pkgbase.to_string()),
        dir,
        commit: None,
        warnings: Vec::new(),
        carried_changes: Vec::new(),
    })
}

fn fetch_tag(req: &FetchRequest<'_>, dir: PathBuf) -> Result<FetchOutcome, FetchError> {
    let pkgbase = req.pkgbase.to_string();
    let tag = tag_for_version(req.version);
    if req.version.is_empty() || !git2::Reference::is_valid_name(&format!("refs/tags/{tag}")) {
        return Err(FetchError::InvalidVersion {
            pkgbase,
            version: req.version.to_owned(),
        });
    }
    let git = git_ops::Git::new(&pkgbase, &req.url, &dir);

    if dir.symlink_metadata().is_ok() {
        let current = current_version(&dir);
        if current.as_deref() == Some(req.version) {
            let commit = archport_git::head_commit(&dir);
            let warnings = commit
                .as_deref()
                .and_then(|actual| commit_mismatch(req, &tag, actual))
                .into_iter()
                .collect();
            return Ok(FetchOutcome {
                progress: Progress::UpToDate {
                    pkgbase,
                    version: req.version.to_owned(),
                },
                dir,
                commit,
                warnings,
                carried_changes: Vec::new(),
            });
        }
        let repo = git.open_checkout()?;
        git.ensure_no_local_commits(&repo)?;
        let oid = git.fetch_tag(&repo, &tag, req.version)?;
        let carried_changes = git.switch_to(&repo, oid, &tag)?;
        let commit = oid.to_string();
        return Ok(FetchOutcome {
            warnings: commit_mismatch(req, &tag, &commit).into_iter().collect(),
            progress: Progress::Updating {
                pkgbase,
                from: current.unwrap_or_else(|| "unknown".to_owned()),
                to: req.version.to_owned(),
            },
            dir,
            commit: Some(commit),
            carried_changes,
        });
    }

    let oid = git.clone_fresh(|repo| git.fetch_tag(repo, &tag, req.version))?;
    let commit = oid.to_string();
    Ok(FetchOutcome {
        warnings: commit_mismatch(req, &tag, &commit).into_iter().collect(),
        progress: Progress::Fetching {
            pkgbase,
            version: req.version.to_owned(),
        },
        dir,
        commit: Some(commit),
        carried_changes: Vec::new(),
    })
}

fn fetch_latest(
    req: &FetchRequest<'_>,
    dir: PathBuf,
    branch: Option<&str>,
) -> Result<FetchOutcome, FetchError> {
    let pkgbase = req.pkgbase.to_string();
    let git = git_ops::Git::new(&pkgbase, &req.url, &dir);
    let exists = dir.symlink_metadata().is_ok();
    let progress = match (req.mode, exists) {
        (FetchMode::Aur, _) => Progress::FetchingFromAur {
            pkgbase: pkgbase.clone(),
        },
        (_, true) => Progress::UpdatingToLatest {
            pkgbase: pkgbase.clone(),
        },
        (_, false) => Progress::Fetching {
            pkgbase: pkgbase.clone(),
            version: if req.version.is_empty() {
                "latest commit".to_owned()
            } else {
                req.version.to_owned()
            },
        },
    };

    let (oid, carried_changes) = if exists {
        let repo = git.open_checkout()?;
        git.ensure_no_local_commits(&repo)?;
        let oid = fetch_head(&git, &repo, branch)?;
        let carried = git.switch_to(&repo, oid, "the latest commit")?;
        (oid, carried)
    } else {
        let oid = git.clone_fresh(|repo| fetch_head(&git, repo, branch))?;
        (oid, Vec::new())
    };
    Ok(FetchOutcome {
        progress,
        dir,
        commit: Some(oid.to_string()),
        warnings: Vec::new(),
        carried_changes,
    })
}

/// Fetches the newest commit of the branch `req.branch` names, else of the default one.
fn fetch_head(
    git: &git_ops::Git<'_>,
    repo: &git2::Repository,
    branch: Option<&str>,
) -> Result<git2::Oid, FetchError> {
    match branch {
        Some(branch) => git.fetch_branch(repo, branch),
        None => git.fetch_default_branch(repo),
    }
}

/// A warning when the tag's commit is not the one the state repository records (which may
/// be given abbreviated).
fn commit_mismatch(req: &FetchRequest<'_>, tag: &str, actual: &str) -> Option<FetchWarning> {
    let expected = req.commit?.trim();
    let matches = if expected.len() >= 40 {
        actual.eq_ignore_ascii_case(expected)
    } else {
        !expected.is_empty() && actual.starts_with(&expected.to_ascii_lowercase())
    };
    (!matches).then(|| FetchWarning::CommitMismatch {
        pkgbase: req.pkgbase.to_string(),
        tag: tag.to_owned(),
        expected: expected.to_owned(),
        actual: actual.to_owned(),
    })
}
