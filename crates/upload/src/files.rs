//! Package files in a build directory and in the pacman cache.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use archport_vercmp::vercmp;

use crate::error::UploadError;

/// What a package file's name says: `<pkgname>-<version>-<arch>.pkg.tar[.<ext>]`, where
/// `version` is `[epoch:]pkgver-pkgrel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    /// The package name.
    pub pkgname: String,
    /// `[epoch:]pkgver-pkgrel`.
    pub version: String,
    /// The package architecture (`aarch64`, `any`, ...).
    pub arch: String,
}

impl PackageFile {
    /// Parses a package file name, `None` for anything else (signatures, logs, sources).
    /// The name is split at its last three `-`: pkgver and pkgrel cannot contain `-`,
    /// package names can.
    pub fn parse(file_name: &str) -> Option<PackageFile> {
        let (stem, ext) = file_name.split_once(".pkg.tar")?;
        // `.pkg.tar` alone (uncompressed) or one compression suffix; never `.sig`.
        if !(ext.is_empty() || (ext.starts_with('.') && !ext[1..].contains('.'))) {
            return None;
        }
        let mut fields = stem.rsplitn(4, '-');
        let arch = fields.next()?;
        let pkgrel = fields.next()?;
        let pkgver = fields.next()?;
        let pkgname = fields.next()?;
        if [arch, pkgrel, pkgver, pkgname].iter().any(|f| f.is_empty()) {
            return None;
        }
        Some(PackageFile {
            pkgname: pkgname.to_owned(),
            version: format!("{pkgver}-{pkgrel}"),
            arch: arch.to_owned(),
        })
    }
}

/// The package files directly in `dir`, with what their names say, sorted by path.
pub fn package_files(dir: &Path) -> Result<Vec<(PathBuf, PackageFile)>, UploadError> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(UploadError::io(dir))? {
        let entry = entry.map_err(UploadError::io(dir))?;
        let name = entry.file_name();
        let Some(parsed) = name.to_str().and_then(PackageFile::parse) else {
            continue;
        };
        if entry
            .file_type()
            .map_err(UploadError::io(entry.path()))?
            .is_file()
        {
            found.push((entry.path(), parsed));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// Removes older builds from `dir`: for each of `pkgnames`, every package file whose
/// version is older (pacman's `vercmp`) than the newest one there, with its `.sig`.
/// Packages of other names are left alone. Returns the removed paths, sorted.
pub fn prune_older<S: AsRef<str>>(dir: &Path, pkgnames: &[S]) -> Result<Vec<PathBuf>, UploadError> {
    let mut by_name: BTreeMap<&str, Vec<(PathBuf, String)>> = BTreeMap::new();
    let files = package_files(dir)?;
    for (path, parsed) in &files {
        if let Some(name) = pkgnames.iter().find(|n| n.as_ref() == parsed.pkgname) {
            by_name
                .entry(name.as_ref())
                .or_default()
                .push((path.clone(), parsed.version.clone()));
        }
    }
    let mut removed = Vec::new();
    for candidates in by_name.values() {
        let Some(newest) = candidates
            .iter()
            .map(|(_, v)| v.as_str())
            .max_by(|a, b| vercmp(a, b))
        else {
            continue;
        };
        for (path, version) in candidates {
            if vercmp(version, newest) == Ordering::Less {
                remove_with_signature(path, &mut removed)?;
            }
        }
    }
    removed.sort();
    Ok(removed)
}

/// The package files `dir` holds for `pkgnames` at exactly `version`: what a build just
/// produced, to upload and then drop from the cache. Every pkgname must have one;
/// packages outside `pkgnames` (such as `-debug` packages) are not included.
pub fn built_files<S: AsRef<str>>(
    dir: &Path,
    pkgnames: &[S],
    version: &str,
) -> Result<Vec<PathBuf>, UploadError> {
    let files = package_files(dir)?;
    let mut built = Vec::new();
    for name in pkgnames {
        let name = name.as_ref();
        let before = built.len();
        built.extend(
            files
                .iter()
                .filter(|(_, p)| p.pkgname == name && p.version == version)
                .map(|(path, _)| path.clone()),
        );
        if built.len() == before {
            return Err(UploadError::MissingPackage {
                pkgname: name.to_owned(),
                version: version.to_owned(),
                dir: dir.to_owned(),
            });
        }
    }
    Ok(built)
}

/// Removes the packages named like `files` (and their `.sig`) from the pacman cache
/// `cache`, so that later builds download the uploaded packages instead of reusing a
/// stale file of the same name. Returns what was removed; absent files are skipped.
pub fn remove_from_cache(cache: &Path, files: &[PathBuf]) -> Result<Vec<PathBuf>, UploadError> {
    let mut removed = Vec::new();
    for file in files {
        let Some(name) = file.file_name() else {
            continue;
        };
        remove_with_signature(&cache.join(name), &mut removed)?;
    }
    Ok(removed)
}

/// The files of the pacman cache `cache` named like `files`, and their `.sig`, that exist:
/// what [`remove_from_cache`] removes, for removing them another way (through sudo).
pub fn cached_copies(cache: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for name in files.iter().filter_map(|f| f.file_name()) {
        let path = cache.join(name);
        let mut sig = path.as_os_str().to_owned();
        sig.push(".sig");
        for candidate in [path, PathBuf::from(sig)] {
            if candidate.symlink_metadata().is_ok() {
                found.push(candidate);
            }
        }
    }
    found
}

/// The files (everything but directories) in the pacman cache `dir`, sorted: what
/// [`empty_cache`] removes. A missing cache has none.
pub fn cache_files(dir: &Path) -> Result<Vec<PathBuf>, UploadError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(UploadError::io(dir)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(UploadError::io(dir))?;
        if !entry.file_type().map_err(UploadError::io(dir))?.is_dir() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Removes `path` and `path.sig` when present, recording each removal.
fn remove_with_signature(path: &Path, removed: &mut Vec<PathBuf>) -> Result<(), UploadError> {
    let mut sig = path.as_os_str().to_owned();
    sig.push(".sig");
    for target in [path.to_owned(), PathBuf::from(sig)] {
        match std::fs::remove_file(&target) {
            Ok(()) => removed.push(target),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(UploadError::io(target)(e)),
        }
    }
    Ok(())
}

/// Empties the pacman cache `dir` (`--no-cache`, and before each bootstrap step): removes
/// every file in it, keeps the directory and any subdirectory. A missing cache is empty.
pub fn empty_cache(dir: &Path) -> Result<(), UploadError> {
    let io = |source| UploadError::Io {
        path: dir.to_owned(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io)?;
        if !entry.file_type().map_err(io)?.is_dir() {
            std::fs::remove_file(entry.path()).map_err(io)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, names: &[&str]) {
        for name in names {
            std::fs::write(dir.join(name), name).unwrap();
        }
    }

    fn names(paths: &[PathBuf]) -> Vec<String> {
        paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn parses_names_with_dashes_epochs_and_any_compression() {
        assert_eq!(
            PackageFile::parse("sound-tools-1:2.0.rc1-1.1-aarch64.pkg.tar.zst"),
            Some(PackageFile {
                pkgname: "sound-tools".into(),
                version: "1:2.0.rc1-1.1".into(),
                arch: "aarch64".into(),
            })
        );
        assert_eq!(
            PackageFile::parse("zlib-1.3-1-any.pkg.tar")
                .unwrap()
                .version,
            "1.3-1"
        );
        for not_a_package in [
            "zlib-1.3-1-x86_64.pkg.tar.zst.sig",
            "zlib-1.3-1-x86_64.src.tar.gz",
            "zlib-1.3-x86_64.pkg.tar.gz",
            "PKGBUILD",
            "-1.3-1-x86_64.pkg.tar.gz",
        ] {
            assert_eq!(PackageFile::parse(not_a_package), None, "{not_a_package}");
        }
    }

    #[test]
    fn prune_keeps_only_the_newest_of_each_pkgname() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &[
                "zlib-1.3.1-2-aarch64.pkg.tar.gz",
                "zlib-1.3.1-2-aarch64.pkg.tar.gz.sig",
                "zlib-1:1.3.1-1-aarch64.pkg.tar.zst",
                "zlib-1:1.3.1-2-aarch64.pkg.tar.zst",
                "zlib-1.10-1-aarch64.pkg.tar.gz",
                "libsound-1.9-1-aarch64.pkg.tar.zst",
                "libsound-1.10-1-aarch64.pkg.tar.zst",
                "sound-docs-1.0-1-any.pkg.tar.zst",
                "zlib-ng-0.1-1-aarch64.pkg.tar.zst",
            ],
        );
        let removed = prune_older(dir.path(), &["zlib", "libsound", "sound-docs"]).unwrap();
        assert_eq!(
            names(&removed),
            [
                "libsound-1.9-1-aarch64.pkg.tar.zst",
                "zlib-1.10-1-aarch64.pkg.tar.gz",
                "zlib-1.3.1-2-aarch64.pkg.tar.gz",
                "zlib-1.3.1-2-aarch64.pkg.tar.gz.sig",
                "zlib-1:1.3.1-1-aarch64.pkg.tar.zst",
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "libsound-1.10-1-aarch64.pkg.tar.zst",
                "sound-docs-1.0-1-any.pkg.tar.zst",
                "zlib-1:1.3.1-2-aarch64.pkg.tar.zst",
                "zlib-ng-0.1-1-aarch64.pkg.tar.zst",
            ]
        );
    }

    #[test]
    fn built_files_are_the_given_version_of_every_pkgname() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &[
                "libsound-1.2.0-1-aarch64.pkg.tar.gz",
                "libsound-1.1.0-1-aarch64.pkg.tar.gz",
                "sound-docs-1.2.0-1-any.pkg.tar.gz",
                "sound-debug-1.2.0-1-aarch64.pkg.tar.gz",
            ],
        );
        let built = built_files(dir.path(), &["libsound", "sound-docs"], "1.2.0-1").unwrap();
        assert_eq!(
            names(&built),
            [
                "libsound-1.2.0-1-aarch64.pkg.tar.gz",
                "sound-docs-1.2.0-1-any.pkg.tar.gz"
            ]
        );
        let missing = built_files(dir.path(), &["libsound", "sound-tools"], "1.2.0-1")
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("no package file for sound-tools 1.2.0-1"),
            "{missing}"
        );
    }

    #[test]
    fn cache_removal_takes_same_named_files_and_signatures() {
        let build = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        touch(build.path(), &["zlib-1.3-1-aarch64.pkg.tar.gz"]);
        touch(
            cache.path(),
            &[
                "zlib-1.3-1-aarch64.pkg.tar.gz",
                "zlib-1.3-1-aarch64.pkg.tar.gz.sig",
                "zlib-1.2-1-aarch64.pkg.tar.gz",
            ],
        );
        let built = vec![build.path().join("zlib-1.3-1-aarch64.pkg.tar.gz")];
        let removed = remove_from_cache(cache.path(), &built).unwrap();
        assert_eq!(
            names(&removed),
            [
                "zlib-1.3-1-aarch64.pkg.tar.gz",
                "zlib-1.3-1-aarch64.pkg.tar.gz.sig"
            ]
        );
        assert!(cache.path().join("zlib-1.2-1-aarch64.pkg.tar.gz").exists());
        assert!(remove_from_cache(cache.path(), &built).unwrap().is_empty());
    }
}
