//! Working copies of the root chroot: one per build slot, named so that a crashed run's
//! leftovers can be recognised and removed, and the copies of failed builds, set aside
//! under the pkgbase's name so that the slot can build on while they wait for inspection.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::ChrootError;

/// The prefix of every working copy archport creates (`archport-slot1`, ...).
pub const COPY_PREFIX: &str = "archport-slot";

/// The prefix of a failed build's copy kept for inspection (`archport-failed-zlib`).
pub const FAILED_PREFIX: &str = "archport-failed-";

/// The name a failed build's working copy is kept under: one per pkgbase, so a pkgbase
/// that fails again replaces its previous copy rather than piling up chroots.
pub fn failed_copy_name(pkgbase: &str) -> String {
    format!("{FAILED_PREFIX}{pkgbase}")
}

/// The failed builds' copies kept in `chroot` ([`FAILED_PREFIX`] directories), newest
/// first by modification time (ties by name); none when `chroot` does not exist.
pub fn failed_copies(chroot: &Path) -> Result<Vec<String>, ChrootError> {
    let entries = match std::fs::read_dir(chroot) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ChrootError::io(chroot)(e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(ChrootError::io(chroot))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !name.starts_with(FAILED_PREFIX) {
            continue;
        }
        // Not followed: a symlink is nothing archport made.
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            let modified = meta.modified().unwrap_or(std::time::SystemTime::UNIX_EPOCH);
            found.push((std::cmp::Reverse(modified), name));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, name)| name).collect())
}

/// Whether working copy `copy` in `chroot` is in use: its `<copy>.lock` is locked, as
/// makechrootpkg keeps it (flock) for the whole build. A build left running by a run that
/// was killed holds it; removing the copy from under it would break that build and let
/// two builds share the copy.
pub fn copy_in_use(chroot: &Path, copy: &str) -> Result<bool, ChrootError> {
    let path = chroot.join(format!("{copy}.lock"));
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(ChrootError::io(&path)(e)),
    };
    match file.try_lock_shared() {
        // Released when `file` is closed.
        Ok(()) => Ok(false),
        Err(std::fs::TryLockError::WouldBlock) => Ok(true),
        Err(std::fs::TryLockError::Error(e)) => Err(ChrootError::io(&path)(e)),
    }
}

/// The working copy name of build slot `slot`. Each concurrent build has its own slot, so
/// its own copy: makechrootpkg locks a copy for the whole build.
pub fn copy_name(slot: usize) -> String {
    format!("{COPY_PREFIX}{slot}")
}

/// Whether `name` is one of our copy names (`archport-slot` then digits).
pub fn is_copy_name(name: &str) -> bool {
    name.strip_prefix(COPY_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The working copies (directories or `<copy>.lock` files) in `chroot` that carry our naming:
/// left by a run that crashed or was killed. Sorted, each named once; none when `chroot`
/// does not exist yet.
pub fn stale_copies(chroot: &Path) -> Result<Vec<String>, ChrootError> {
    let entries = match std::fs::read_dir(chroot) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ChrootError::io(chroot)(e)),
    };
    let mut found = BTreeSet::new();
    for entry in entries {
        let entry = entry.map_err(ChrootError::io(chroot))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let copy = name.strip_suffix(".lock").unwrap_or(name);
        if is_copy_name(copy) {
            found.insert(copy.to_owned());
        }
    }
    Ok(found.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_recognised_only_with_a_slot_number() {
        assert_eq!(copy_name(3), "archport-slot3");
        assert!(is_copy_name("archport-slot12"));
        assert!(!is_copy_name("archport-slot"));
        assert!(!is_copy_name("archport-slotx"));
        assert!(!is_copy_name("root"));
        assert!(!is_copy_name("myuser"));
    }

    #[test]
    fn stale_copies_finds_directories_and_lone_lock_files() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["root", "archport-slot1", "archport-slot2", "someone-else"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
        }
        for f in ["archport-slot1.lock", "archport-slot7.lock", "root.lock"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        assert_eq!(
            stale_copies(dir.path()).unwrap(),
            ["archport-slot1", "archport-slot2", "archport-slot7"]
        );
        assert!(stale_copies(&dir.path().join("absent")).unwrap().is_empty());
    }

    #[test]
    fn failed_copies_are_not_slot_copies() {
        assert_eq!(failed_copy_name("zlib"), "archport-failed-zlib");
        assert!(!is_copy_name(&failed_copy_name("zlib")));
    }

    #[test]
    fn failed_copies_are_listed_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let at = |secs| std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        for (name, secs) in [
            ("archport-failed-old", 100),
            ("archport-failed-new", 300),
            ("archport-failed-mid", 200),
            ("archport-slot1", 400),
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir(&path).unwrap();
            std::fs::File::open(&path)
                .unwrap()
                .set_modified(at(secs))
                .unwrap();
        }
        std::fs::write(dir.path().join("archport-failed-file"), "").unwrap();
        assert_eq!(
            failed_copies(dir.path()).unwrap(),
            [
                "archport-failed-new",
                "archport-failed-mid",
                "archport-failed-old"
            ]
        );
        assert!(
            failed_copies(&dir.path().join("absent"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_copy_is_in_use_while_its_lock_is_held() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!copy_in_use(dir.path(), "archport-slot1").unwrap());
        let lock = std::fs::File::create(dir.path().join("archport-slot1.lock")).unwrap();
        assert!(!copy_in_use(dir.path(), "archport-slot1").unwrap());
        lock.lock().unwrap();
        assert!(copy_in_use(dir.path(), "archport-slot1").unwrap());
        drop(lock);
        assert!(!copy_in_use(dir.path(), "archport-slot1").unwrap());
    }
}
