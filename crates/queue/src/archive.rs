//! Packing a `pkgbuilds/<pkgbase>` tree into the archive a job carries, and unpacking it on
//! the worker: a zstd-compressed tar, deterministic (sorted entries, no owners, no times), so
//! the same tree always gives the same sha256. The `.git` directory and makepkg's outputs
//! (`src/`, `pkg/`, built and source packages, logs) are left out: workers build exactly the
//! planned PKGBUILD, the operator's local patches included, and nothing else travels.

use std::path::{Path, PathBuf};

use crate::error::ArchiveError;
use crate::work::{MAX_PKGBUILD_ARCHIVE_BYTES, PkgbuildArchive};

/// The zstd level: PKGBUILD trees are small text, a higher level buys little.
const ZSTD_LEVEL: i32 = 3;

/// Whether a top-level entry of a PKGBUILD tree stays out of its archive.
fn left_out(name: &str, is_dir: bool) -> bool {
    if is_dir {
        return matches!(name, ".git" | "src" | "pkg");
    }
    name.contains(".pkg.tar") || name.contains(".src.tar") || name.ends_with(".log")
}

/// The tree's files, relative to `dir`, sorted, without what [`left_out`] drops.
fn tree_entries(dir: &Path) -> Result<Vec<PathBuf>, ArchiveError> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let path = dir.join(&relative);
        let read = std::fs::read_dir(&path).map_err(|source| ArchiveError::Io {
            path: path.clone(),
            source,
        })?;
        for entry in read {
            let entry = entry.map_err(|source| ArchiveError::Io {
                path: path.clone(),
                source,
            })?;
            let kind = entry.file_type().map_err(|source| ArchiveError::Io {
                path: entry.path(),
                source,
            })?;
            let name = entry.file_name();
            let child = relative.join(&name);
            if relative.as_os_str().is_empty() && left_out(&name.to_string_lossy(), kind.is_dir()) {
                continue;
            }
            if kind.is_dir() {
                pending.push(child.clone());
            }
            found.push(child);
        }
    }
    found.sort();
    Ok(found)
}

/// Packs the PKGBUILD tree at `dir` for `pkgbase`. Fails naming the pkgbase when the
/// archive would exceed [`MAX_PKGBUILD_ARCHIVE_BYTES`].
pub fn pack_pkgbuild(pkgbase: &str, dir: &Path) -> Result<PkgbuildArchive, ArchiveError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ArchiveError::Io { path, source }
    };
    let encoder = zstd::Encoder::new(Vec::new(), ZSTD_LEVEL).map_err(io(dir))?;
    let mut builder = tar::Builder::new(encoder);
    builder.mode(tar::HeaderMode::Deterministic);
    builder.follow_symlinks(false);
    for relative in tree_entries(dir)? {
        let path = dir.join(&relative);
        builder
            .append_path_with_name(&path, &relative)
            .map_err(io(&path))?;
    }
    let bytes = builder
        .into_inner()
        .and_then(zstd::Encoder::finish)
        .map_err(io(dir))?;
    if bytes.len() > MAX_PKGBUILD_ARCHIVE_BYTES {
        return Err(ArchiveError::TooLarge {
            pkgbase: pkgbase.to_owned(),
            dir: dir.to_owned(),
            size: bytes.len(),
            max: MAX_PKGBUILD_ARCHIVE_BYTES,
        });
    }
    Ok(PkgbuildArchive::new(bytes))
}

/// Unpacks `archive` into `dest` (created if missing). Entries that would land outside
/// `dest` (absolute paths, `..`) are refused by the tar reader.
pub fn unpack_pkgbuild(archive: &PkgbuildArchive, dest: &Path) -> Result<(), ArchiveError> {
    let io = |source| ArchiveError::Io {
        path: dest.to_owned(),
        source,
    };
    std::fs::create_dir_all(dest).map_err(io)?;
    let decoder = zstd::Decoder::new(archive.bytes()).map_err(io)?;
    let mut tar = tar::Archive::new(decoder);
    tar.set_preserve_permissions(true);
    tar.set_overwrite(true);
    for entry in tar.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        let unpacked = entry.unpack_in(dest).map_err(io)?;
        if !unpacked {
            let name = entry
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            return Err(ArchiveError::Unsafe {
                dest: dest.to_owned(),
                entry: name,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn a_tree_round_trips_without_git_and_build_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("zlib");
        write(&tree.join("PKGBUILD"), "pkgname=zlib\n");
        write(&tree.join("keys/pgp/A.asc"), "key\n");
        write(&tree.join("local.patch"), "--- a\n+++ b\n");
        write(&tree.join(".git/HEAD"), "ref: refs/heads/main\n");
        write(&tree.join("src/zlib/configure"), "#!/bin/sh\n");
        write(&tree.join("pkg/zlib/usr/lib/libz.so"), "elf\n");
        write(&tree.join("zlib-1.3-1-aarch64.pkg.tar.zst"), "package\n");
        write(&tree.join("zlib-1.3-1-aarch64-build.log"), "log\n");

        let archive = pack_pkgbuild("zlib", &tree).unwrap();
        assert_eq!(
            pack_pkgbuild("zlib", &tree).unwrap().sha256(),
            archive.sha256(),
            "the same tree gives the same archive"
        );
        let out = dir.path().join("out");
        unpack_pkgbuild(&archive, &out).unwrap();
        let mut files: Vec<String> = tree_entries(&out)
            .unwrap()
            .into_iter()
            .map(|p| p.display().to_string())
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "PKGBUILD",
                "keys",
                "keys/pgp",
                "keys/pgp/A.asc",
                "local.patch"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(out.join("local.patch")).unwrap(),
            "--- a\n+++ b\n"
        );
    }

    #[test]
    fn an_oversized_tree_is_refused_naming_the_pkgbase() {
        let dir = tempfile::tempdir().unwrap();
        // Incompressible bytes over the cap.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: Vec<u8> = (0..MAX_PKGBUILD_ARCHIVE_BYTES + 4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        std::fs::write(dir.path().join("PKGBUILD"), "x").unwrap();
        std::fs::write(dir.path().join("sources.tar"), noise).unwrap();
        let error = pack_pkgbuild("bigthing", dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("bigthing"),
            "the message names the pkgbase: {error}"
        );
    }
}
