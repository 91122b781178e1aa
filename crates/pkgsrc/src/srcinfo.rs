//! Package metadata from `.SRCINFO`: names, version, architectures, and the relations merged
//! for the architecture the port builds.
//!
//! The Arch project's `alpm-srcinfo` crate does the parsing and merging. It rejects a few real
//! files that makepkg itself writes (0.2 % of the 2024 repository: relations with an empty
//! version such as `nginx=`, VCS sources with `?tag=`, an empty `validpgpkeys`); for those
//! [`crate::srcinfo_fallback`] reads the same data with the same merge rules, and the result
//! says so in [`SrcInfo::alpm_srcinfo_rejection`].

use std::path::Path;
use std::str::FromStr;

use alpm_srcinfo::{MergedPackage, SourceInfoV1};
use alpm_types::{Architecture, Architectures, SystemArchitecture};
use archport_fs::{UntrustedError, read_untrusted};

use crate::limits::MAX_SRCINFO_BYTES;
use crate::makepkg::Makepkg;
use crate::srcinfo_fallback;
use crate::srcinfo_types::{SrcInfo, SrcInfoError, choose_arch, push_unique, validate};

/// Reads `dir/.SRCINFO`, or when there is none, the output of `makepkg --printsrcinfo` run in
/// `dir` (AUR repositories and local directories may lack the file), and merges for
/// `target_arch` (the port's `CARCH`, e.g. `aarch64`).
///
/// The file comes from someone else's repository: it is read only when it is a regular file
/// inside `dir` (a symbolic link to `/etc/shadow` or `/dev/zero` is refused) of at most
/// [`MAX_SRCINFO_BYTES`], and the pkgbase, the pkgnames and the version must be valid.
pub fn read_srcinfo(
    dir: &Path,
    target_arch: &str,
    makepkg: &Makepkg,
) -> Result<SrcInfo, SrcInfoError> {
    match read_srcinfo_file(dir)? {
        Some(text) => parse_srcinfo(&text, target_arch, &dir.join(".SRCINFO")),
        None => {
            let text = makepkg.print_srcinfo(dir)?;
            parse_srcinfo(&text, target_arch, dir)
        }
    }
}

/// The text of `dir/.SRCINFO`, `None` when there is none; read as [`read_srcinfo`] reads it
/// (a regular file inside `dir`, at most [`MAX_SRCINFO_BYTES`], UTF-8), for every other
/// reader of a checkout's `.SRCINFO`.
pub fn read_srcinfo_file(dir: &Path) -> Result<Option<String>, SrcInfoError> {
    let path = dir.join(".SRCINFO");
    match read_untrusted(dir, Path::new(".SRCINFO"), MAX_SRCINFO_BYTES) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| SrcInfoError::NotUtf8 { path }),
        Err(UntrustedError::NotFound) => Ok(None),
        Err(source) => Err(SrcInfoError::Read { path, source }),
    }
}

/// Parses `.SRCINFO` text and merges it for `target_arch`; `origin` names the file in errors.
///
/// Whichever reader takes the file, a pkgbase or pkgname that is not a valid package name
/// (`../../../tmp/evil`) and a version that is not `[epoch:]pkgver-pkgrel` are errors naming
/// the line, so that one bad package is skipped rather than written into the build list.
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
    let info = match SourceInfoV1::from_string(text) {
        Ok(info) => from_alpm(&info, &target),
        Err(err) => {
            let rejection = err.to_string();
            tracing::debug!(file = %origin.display(), "alpm-srcinfo rejected the file, using the fallback reader");
            let mut info = srcinfo_fallback::parse(text, &target, origin)?;
            info.alpm_srcinfo_rejection = Some(rejection);
            info
        }
    };
    validate(&info, text, origin)?;
    Ok(info)
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

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::path::PathBuf;

    use super::*;

    /// The fallback must read what alpm-srcinfo reads, the same way: on every real file that
    /// alpm-srcinfo accepts, both give the same result when merging for aarch64 (31 files list
    /// it; the others merge for x86_64, or their only architecture). Needs the real data.
    #[test]
    fn realdata_agrees_with_alpm_srcinfo_on_every_real_file_it_accepts() {
        let tar_path = archport_realdata::require("full-2024/srcinfo.tar.zst");
        let file = std::fs::File::open(tar_path).expect("real data readable");
        let mut archive = tar::Archive::new(zstd::Decoder::new(file).expect("zstd"));
        let aarch64 = SystemArchitecture::from_str("aarch64").expect("arch");
        let mut compared = 0;
        for entry in archive.entries().expect("tar") {
            let mut entry = entry.expect("entry");
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path: PathBuf = entry.path().expect("path").into_owned();
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("text");
            let primary = parse_srcinfo(&text, "aarch64", &path).expect("read");
            if primary.alpm_srcinfo_rejection.is_some() {
                continue;
            }
            let fallback =
                srcinfo_fallback::parse(&text, &aarch64, &path).expect("fallback reads it");
            assert_eq!(fallback, primary, "{}", path.display());
            compared += 1;
        }
        assert_eq!(compared, 11_467 - 24);
    }
}
