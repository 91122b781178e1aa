//! PGP keys a build needs imported before makepkg verifies its sources.

use std::path::{Path, PathBuf};

use crate::error::ChrootError;

/// The keys to import for a build: `{workdir}/keys/pgp/*.asc` (the port's own), then
/// `{dir}/keys/pgp/*.asc` (the packaging repository's), each group sorted by name. A
/// missing directory contributes nothing. The packaging repository is someone else's: a key
/// of it that is a symbolic link (or lies under one), a FIFO or a device is an error, so
/// that gpg never reads a file outside the checkout.
pub fn find_keys(workdir: &Path, dir: &Path) -> Result<Vec<PathBuf>, ChrootError> {
    let mut keys = asc_files(&workdir.join("keys/pgp"))?;
    for key in asc_files(&dir.join("keys/pgp"))? {
        let inside = key.strip_prefix(dir).unwrap_or(&key);
        archport_fs::is_untrusted_regular_file(dir, inside)
            .map_err(|e| ChrootError::io(&key)(std::io::Error::other(e)))?;
        keys.push(key);
    }
    Ok(keys)
}

fn asc_files(dir: &Path) -> Result<Vec<PathBuf>, ChrootError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ChrootError::io(dir)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(ChrootError::io(dir))?.path();
        if path.extension().is_some_and(|e| e == "asc") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_keys_come_first_then_the_packages_own() {
        let work = tempfile::tempdir().unwrap();
        let pkg = work.path().join("pkgbuilds/zlib");
        std::fs::create_dir_all(work.path().join("keys/pgp")).unwrap();
        std::fs::create_dir_all(pkg.join("keys/pgp")).unwrap();
        for f in ["keys/pgp/B.asc", "keys/pgp/A.asc", "keys/pgp/notes.txt"] {
            std::fs::write(work.path().join(f), "").unwrap();
        }
        std::fs::write(pkg.join("keys/pgp/C.asc"), "").unwrap();
        assert_eq!(
            find_keys(work.path(), &pkg).unwrap(),
            [
                work.path().join("keys/pgp/A.asc"),
                work.path().join("keys/pgp/B.asc"),
                pkg.join("keys/pgp/C.asc"),
            ]
        );
        let bare = tempfile::tempdir().unwrap();
        assert!(find_keys(bare.path(), bare.path()).unwrap().is_empty());
    }

    #[test]
    fn a_package_key_linked_out_of_the_checkout_is_refused() {
        let work = tempfile::tempdir().unwrap();
        let secret = work.path().join("secret");
        std::fs::write(&secret, "db_password=hunter2").unwrap();
        let pkg = work.path().join("pkgbuilds/zlib");
        std::fs::create_dir_all(pkg.join("keys/pgp")).unwrap();
        std::os::unix::fs::symlink(&secret, pkg.join("keys/pgp/C.asc")).unwrap();
        let error = find_keys(work.path(), &pkg).unwrap_err().to_string();
        assert!(error.contains("keys/pgp/C.asc"), "{error}");
        assert!(error.contains("symbolic link"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }
}
