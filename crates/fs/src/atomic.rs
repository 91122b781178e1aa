//! Atomic file replacement: readers see the old file or the new one, never a mix.
//!
//! Temporary files are named `.<name>.<pid>.<random>.tmp` next to their target. A process
//! killed before it renames (SIGTERM, `kill -9`) leaves one behind; [`remove_stale_temps`]
//! removes those whose process is gone, and only those, so a concurrent writer keeps its own.

use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same directory, synced and then
/// renamed over `path`, so an interruption (even `kill -9`) never leaves a truncated file.
///
/// The file gets the permissions a plain write would give it: those of the file it replaces,
/// or `0666` less the umask for a new file (temporary files alone would be `0600`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// A file being written in place of `path`: bytes go to a temporary file in the same
/// directory, and [`AtomicFile::commit`] syncs and renames it over `path`.
///
/// Dropped without `commit` (an error, a cancelled download), the temporary file is removed
/// and `path` is untouched. Use it to stream data that must be checked before it replaces
/// the old copy: write, check [`AtomicFile::temp_path`], then commit.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
    dir: PathBuf,
    existing: Option<Permissions>,
}

impl AtomicFile {
    /// Starts replacing `path`; fails when its directory cannot hold a new file.
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut prefix = std::ffi::OsString::from(".");
        prefix.push(path.file_name().unwrap_or_default());
        prefix.push(format!(".{}.", std::process::id()));
        let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
        // The kernel applies the umask to a mode given at creation, as it does for a plain write.
        let tmp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(TEMP_SUFFIX)
            .permissions(Permissions::from_mode(0o666))
            .tempfile_in(dir)?;
        Ok(AtomicFile {
            tmp,
            path: path.to_owned(),
            dir: dir.to_owned(),
            existing,
        })
    }

    /// The temporary file holding what was written so far, to check it before committing.
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Syncs the data and renames it over the target, durably.
    pub fn commit(self) -> std::io::Result<()> {
        if let Some(permissions) = self.existing {
            self.tmp.as_file().set_permissions(permissions)?;
        }
        self.tmp.as_file().sync_all()?;
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

const TEMP_SUFFIX: &str = ".tmp";

/// Removes from `dir` the temporary files of [`AtomicFile`]s whose process no longer runs
/// (killed before it could commit or clean up) and returns their paths.
///
/// A missing directory has nothing to clean. Files of live processes, this one included,
/// and every other file are left alone.
pub fn remove_stale_temps(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_pid) else {
            continue;
        };
        if pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => removed.push(entry.path()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(removed)
}

/// The process id in a temporary file's name `.<name>.<pid>.<random>.tmp`.
fn temp_pid(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let mut parts = inner.rsplitn(3, '.');
    let _random = parts.next()?;
    let pid = parts.next()?;
    let _target = parts.next().filter(|t| !t.is_empty())?;
    pid.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        std::fs::write(&p, "old content that is longer").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["out.json"]);
    }

    #[test]
    fn missing_directory_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_atomic(&dir.path().join("no/such/out.json"), b"x").is_err());
    }

    #[test]
    fn new_file_gets_what_a_plain_write_gets() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let atomic = dir.path().join("atomic");
        write_atomic(&atomic, b"x").unwrap();
        assert_eq!(mode(&atomic), mode(&plain));
    }

    #[test]
    fn a_dropped_atomic_file_leaves_the_old_copy_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("core.db");
        std::fs::write(&p, b"good").unwrap();
        let mut file = AtomicFile::create(&p).unwrap();
        file.write_all(b"half of a bad").unwrap();
        assert!(file.temp_path().exists());
        drop(file);
        assert_eq!(std::fs::read(&p).unwrap(), b"good");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut file = AtomicFile::create(&p).unwrap();
        file.write_all(b"new").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
    }

    #[test]
    fn stale_temps_of_dead_processes_alone_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // A process that has exited: its id is not running any more (pid reuse aside).
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = dir.path().join(format!(".core.db.{dead}.AbC123.tmp"));
        std::fs::write(&stale, b"partial").unwrap();
        let own = AtomicFile::create(&dir.path().join("extra.db")).unwrap();
        let live = dir.path().join(".x.1.abc.tmp"); // pid 1 always runs
        let other = dir.path().join(".hidden.tmp");
        for path in [&live, &other] {
            std::fs::write(path, b"x").unwrap();
        }
        let removed = remove_stale_temps(dir.path()).unwrap();
        assert_eq!(removed, std::slice::from_ref(&stale));
        assert!(!stale.exists() && own.temp_path().exists() && live.exists() && other.exists());
        assert!(
            remove_stale_temps(&dir.path().join("missing"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn replacing_keeps_the_operators_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.json");
        std::fs::write(&p, b"old").unwrap();
        std::fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(mode(&p), 0o640);
    }
}
