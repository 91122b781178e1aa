//! Package metadata from `.SRCINFO`: names, version, architectures, and the relations merged
//! for the architecture the port builds.
//!
//! The Arch project's `alpm-srcinfo` crate does the parsing and merging. It rejects a few real
//! files that makepkg itself writes (0.2 % of the 2024 repository: relations with an empty
//! version such as `nginx=`, VCS sources with `?tag=`, an empty `validpgpkeys`); for those
//! [`crate::srcinfo_fallback`] reads the same data with the same merge rules, and the result
//! says so in [`SrcInfo::alpm_srcinfo_rejection`].

use std::path::{Path, PathBuf};
use std::str::FromStr;

use alpm_srcinfo::{MergedPackage, SourceInfoV1};
use alpm_types::{Architecture, Architectures, SystemArchitecture};

use crate::makepkg::{Makepkg, MakepkgError};
use crate::srcinfo_fallback;

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
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The `.SRCINFO` file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
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

/// Reads `dir/.SRCINFO`, or when there is none, the output of `makepkg --printsrcinfo` run in
/// `dir` (AUR repositories and local directories may lack the file), and merges for
/// `target_arch` (the port's `CARCH`, e.g. `aarch64`).
pub fn read_srcinfo(
    dir: &Path,
    target_arch: &str,
    makepkg: &Makepkg,
) -> Result<SrcInfo, SrcInfoError> {
    let path = dir.join(".SRCINFO");
    match std::fs::read(&path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| SrcInfoError::NotUtf8 { path: path.clone() })?;
            parse_srcinfo(&text, target_arch, &path)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let text = makepkg.print_srcinfo(dir)?;
            parse_srcinfo(&text, target_arch, dir)
        }
        Err(source) => Err(SrcInfoError::Read { path, source }),
    }
}

/// Parses `.SRCINFO` text and merges it for `target_arch`; `origin` names the file in errors.
pub fn parse_srcinfo(
    text: &str,
    target_arch: &str,
    origin: &Path,
) -> Result<SrcInfo, SrcInfoError> {
    let target =
        SystemArchitecture::from_str(target_arch).map_err(|err| SrcInfoError::TargetArch {
            arch: target_arch.to_owned(),
            reason: err.to_string(),
        })?;
    match SourceInfoV1::from_string(text) {
        Ok(info) => Ok(from_alpm(&info, &target)),
        Err(err) => {
            let rejection = err.to_string();
            tracing::debug!(file = %origin.display(), "alpm-srcinfo rejected the file, using the fallback reader: {rejection}");
            let mut info = srcinfo_fallback::parse(text, &target, origin)?;
            info.alpm_srcinfo_rejection = Some(rejection);
            Ok(info)
        }
    }
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

fn from_alpm(info: &SourceInfoV1, target: &SystemArchitecture) -> SrcInfo {
    let (merged_arch, needs_ignorearch) = choose_arch(&info.base.architectures, target);
    let packages: Vec<MergedPackage> = info
        .packages_for_architecture(Architecture::Some(merged_arch.clone()))
        .collect();
    let mut out = SrcInfo {
        pkgbase: info.base.name.to_string(),
        pkgnames: packages.iter().map(|p| p.name.to_string()).collect(),
        version: info.base.version.to_string(),
        arches: arch_strings(&info.base.architectures),
        merged_arch: merged_arch.to_string(),
        needs_ignorearch,
        depends: Vec::new(),
        makedepends: Vec::new(),
        checkdepends: Vec::new(),
        provides: Vec::new(),
        alpm_srcinfo_rejection: None,
    };
    for package in &packages {
        push_unique(
            &mut out.depends,
            package.dependencies.iter().map(ToString::to_string),
        );
        push_unique(
            &mut out.makedepends,
            package.make_dependencies.iter().map(ToString::to_string),
        );
        push_unique(
            &mut out.checkdepends,
            package.check_dependencies.iter().map(ToString::to_string),
        );
        push_unique(
            &mut out.provides,
            package.provides.iter().map(ToString::to_string),
        );
    }
    out
}

fn arch_strings(arches: &Architectures) -> Vec<String> {
    match arches {
        Architectures::Any => vec!["any".to_owned()],
        Architectures::Some(list) => list.iter().map(ToString::to_string).collect(),
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
