//! What reading a `.SRCINFO` gives and how it fails, with the merge rules both readers
//! share: a leaf module, so the alpm-srcinfo reader and the fallback reader do not import
//! each other.

use std::path::{Path, PathBuf};

use alpm_types::{Architectures, SystemArchitecture};
use archport_fs::UntrustedError;
use archport_vercmp::PkgName;

use crate::makepkg::MakepkgError;

/// The architecture merged when the PKGBUILD does not list the target (the build then needs
/// `--ignorearch`, and x86_64 is what Arch itself builds).
pub const FALLBACK_ARCH: &str = "x86_64";

/// What the planner needs from a pkgbase's `.SRCINFO`.
///
/// Relation strings are as written in `.SRCINFO` (`glibc>=2.38`, `libfoo.so=5-64`, `nginx=`).
/// Lists are unions over the split packages built for [`SrcInfo::merged_arch`], deduplicated,
/// in first-seen order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrcInfo {
    /// The `pkgbase` value.
    pub pkgbase: String,
    /// The split packages built for [`SrcInfo::merged_arch`], in file order.
    pub pkgnames: Vec<String>,
    /// `[epoch:]pkgver-pkgrel`.
    pub version: String,
    /// The pkgbase's `arch` list as written (`["any"]` for architecture-independent packages).
    pub arches: Vec<String>,
    /// The architecture the relations were merged for: the target when `arches` lists it (or is
    /// `any`), otherwise [`FALLBACK_ARCH`] (or the first listed architecture if even that is
    /// missing).
    pub merged_arch: String,
    /// True when `arches` lacks the target: makepkg must be given `--ignorearch`.
    pub needs_ignorearch: bool,
    /// Run-time dependencies.
    pub depends: Vec<String>,
    /// Build dependencies.
    pub makedepends: Vec<String>,
    /// Test dependencies.
    pub checkdepends: Vec<String>,
    /// Provisions.
    pub provides: Vec<String>,
    /// `None` when `alpm-srcinfo` parsed the file; otherwise its error, and the data came from
    /// the fallback reader.
    pub alpm_srcinfo_rejection: Option<String>,
}

/// Why no [`SrcInfo`] could be produced.
#[derive(Debug, thiserror::Error)]
pub enum SrcInfoError {
    /// The file could not be read, or is not a regular file inside the checkout (a symbolic
    /// link, a FIFO, a device), or is larger than [`crate::MAX_SRCINFO_BYTES`].
    #[error("{}: {source}", path.display())]
    Read {
        /// The `.SRCINFO` file.
        path: PathBuf,
        /// What is wrong; never the file's content.
        source: UntrustedError,
    },
    /// The file is not UTF-8 text.
    #[error("{}: not UTF-8 text", path.display())]
    NotUtf8 {
        /// The `.SRCINFO` file.
        path: PathBuf,
    },
    /// Neither `alpm-srcinfo` nor the fallback reader could make sense of the file.
    #[error("{}: line {line}: {reason}", path.display())]
    Invalid {
        /// The `.SRCINFO` file (or the directory whose `makepkg --printsrcinfo` output it was).
        path: PathBuf,
        /// 1-based line number (0 when the problem is the file as a whole).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The target architecture is not a valid system architecture.
    #[error("target architecture {arch:?} is not a valid architecture: {reason}")]
    TargetArch {
        /// The architecture as given.
        arch: String,
        /// The parser's complaint.
        reason: String,
    },
    /// `makepkg --printsrcinfo` failed.
    #[error(transparent)]
    Makepkg(#[from] MakepkgError),
}

/// Checks what the build list and the build take from the file: the pkgbase and every pkgname
/// must be valid package names (they become paths and arguments), the version must be
/// `[epoch:]pkgver-pkgrel` as makepkg allows it. The error names the line, never its value.
pub(crate) fn validate(info: &SrcInfo, text: &str, origin: &Path) -> Result<(), SrcInfoError> {
    let invalid = |key: &str, value: &str, reason: &str| SrcInfoError::Invalid {
        path: origin.to_path_buf(),
        line: line_of(text, key, value),
        reason: reason.to_owned(),
    };
    if PkgName::new(&info.pkgbase).is_err() {
        return Err(invalid(
            "pkgbase",
            &info.pkgbase,
            "pkgbase is not a valid package name",
        ));
    }
    for name in &info.pkgnames {
        if PkgName::new(name).is_err() {
            return Err(invalid(
                "pkgname",
                name,
                "pkgname is not a valid package name",
            ));
        }
    }
    if !is_valid_version(&info.version) {
        return Err(SrcInfoError::Invalid {
            path: origin.to_path_buf(),
            line: 0,
            reason: "epoch, pkgver and pkgrel do not form a valid version".to_owned(),
        });
    }
    Ok(())
}

/// The 1-based number of the first line `key = value` (0 when none is found, e.g. for
/// output that alpm-srcinfo normalised).
fn line_of(text: &str, key: &str, value: &str) -> usize {
    text.lines()
        .position(|line| {
            line.trim()
                .split_once('=')
                .is_some_and(|(k, v)| k.trim() == key && v.trim() == value)
        })
        .map_or(0, |index| index + 1)
}

/// `[epoch:]pkgver-pkgrel` as makepkg allows it: a numeric epoch; a pkgver of printable
/// ASCII without `:`, `/`, `-` or blanks; a pkgrel of digits with at most one dot.
pub(crate) fn is_valid_version(version: &str) -> bool {
    let rest = match version.split_once(':') {
        Some((epoch, rest)) => {
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            rest
        }
        None => version,
    };
    let Some((pkgver, pkgrel)) = rest.rsplit_once('-') else {
        return false;
    };
    let pkgrel_ok = match pkgrel.split_once('.') {
        Some((major, minor)) => is_digits(major) && is_digits(minor),
        None => is_digits(pkgrel),
    };
    !pkgver.is_empty()
        && pkgver
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b':' | b'/' | b'-'))
        && pkgrel_ok
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Which architecture to merge for, given the pkgbase's `arch` list.
pub(crate) fn choose_arch(
    arches: &Architectures,
    target: &SystemArchitecture,
) -> (SystemArchitecture, bool) {
    match arches {
        Architectures::Any => (target.clone(), false),
        Architectures::Some(list) if list.contains(target) => (target.clone(), false),
        Architectures::Some(list) => {
            let fallback = SystemArchitecture::X86_64;
            if list.contains(&fallback) || list.is_empty() {
                (fallback, true)
            } else {
                (list[0].clone(), true)
            }
        }
    }
}

/// Appends the values not already in `list`, keeping first-seen order.
pub(crate) fn push_unique(list: &mut Vec<String>, values: impl IntoIterator<Item = String>) {
    for value in values {
        if !list.contains(&value) {
            list.push(value);
        }
    }
}
