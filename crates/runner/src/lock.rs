//! One chroot user per work directory: `{workdir}/build-state/build.lock`, an OS file lock
//! on a file naming the holder (program, PID, start time). `build-packages` and
//! `bootstrap-toolchain` share the root chroot, the pacman cache and the testing repos, so
//! each holds this lock for its whole run.
//!
//! The OS lock (`flock`) is what excludes: the kernel drops it when its holder dies, however
//! it dies, so a lock is never "stale" as far as exclusion goes. The file's text only says
//! who holds it. A clean exit removes the file before unlocking; a file that still names a
//! holder when we get the lock was therefore left by a process that died (`kill -9`, a power
//! cut), and is taken over with a message.
//!
//! Removing the file on release creates a race (someone may have opened the old file and
//! lock it after it was unlinked), so after locking, the path is checked to still be the
//! file we locked; if not, the acquisition starts again.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::LockError;

/// What a lock file says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The holder's program (`build-packages`), when the file names one.
    pub owner: Option<String>,
    /// The holder's process id, when the file names one.
    pub pid: Option<u32>,
    /// When the holder started (RFC 3339), when the file says.
    pub started: Option<String>,
    /// The file's text, trimmed, for files written by something else.
    pub text: String,
}

impl Holder {
    /// Reads the lock file's text: `owner NAME`, `pid N` and `started TIME` lines.
    pub fn parse(text: &str) -> Holder {
        let mut holder = Holder {
            owner: None,
            pid: None,
            started: None,
            text: text.trim().to_owned(),
        };
        for line in text.lines() {
            if let Some(owner) = line.strip_prefix("owner ") {
                holder.owner = Some(owner.trim().to_owned());
            } else if let Some(pid) = line.strip_prefix("pid ") {
                holder.pid = pid.trim().parse().ok();
            } else if let Some(started) = line.strip_prefix("started ") {
                holder.started = Some(started.trim().to_owned());
            }
        }
        holder
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(owner), Some(_)) = (&self.owner, &self.pid) {
            write!(f, "{owner} ")?;
        }
        match (&self.pid, &self.started) {
            (Some(pid), Some(started)) => write!(f, "process {pid} (started {started})"),
            (Some(pid), None) => write!(f, "process {pid}"),
            _ if self.text.is_empty() => f.write_str("a process"),
            _ => write!(f, "a process (lock file says {:?})", self.text),
        }
    }
}

/// The lock of a dead process, taken over by this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenOver(pub Holder);

impl fmt::Display for TakenOver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.pid, &self.0.started) {
            (Some(pid), Some(started)) => write!(
                f,
                "taking over the lock of dead process {pid} (started {started})"
            ),
            (Some(pid), None) => write!(f, "taking over the lock of dead process {pid}"),
            _ => write!(
                f,
                "taking over a lock left by a dead process (lock file said {:?})",
                self.0.text
            ),
        }
    }
}

/// The held lock. Dropping it removes the file, then unlocks (closing the file); a process
/// that dies loses it too (the kernel drops the OS lock).
#[derive(Debug)]
pub struct RunLock {
    file: Option<File>,
    path: PathBuf,
}

impl RunLock {
    /// The lock file of a work directory.
    pub fn path_in(workdir: &Path) -> PathBuf {
        workdir.join("build-state").join("build.lock")
    }

    /// Takes the lock at `path` for this process, `owner` (the program) started at
    /// `started` (RFC 3339), writing them into the file. Fails with [`LockError::Busy`] when
    /// another live process holds it; returns what a dead holder left, to be reported, when
    /// it takes one over.
    pub fn acquire(
        path: &Path,
        owner: &str,
        started: &str,
    ) -> Result<(RunLock, Option<TakenOver>), LockError> {
        let io = |source| LockError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        loop {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let _ = file.read_to_string(&mut text);
                    return Err(LockError::Busy {
                        path: path.to_owned(),
                        holder: Holder::parse(&text),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
            // The previous holder removes the file before unlocking: if it did so after we
            // opened it, we locked an unlinked file. Start again with the path's file.
            let ours = file.metadata().map_err(io)?;
            match std::fs::metadata(path) {
                Ok(now) if now.dev() == ours.dev() && now.ino() == ours.ino() => {}
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(e)),
            }
            let mut text = String::new();
            file.read_to_string(&mut text).map_err(io)?;
            let previous = (!text.trim().is_empty()).then(|| TakenOver(Holder::parse(&text)));
            file.set_len(0).map_err(io)?;
            file.rewind().map_err(io)?;
            write!(
                file,
                "owner {owner}\npid {}\nstarted {started}\n",
                std::process::id()
            )
            .map_err(io)?;
            file.sync_all().map_err(io)?;
            return Ok((
                RunLock {
                    file: Some(file),
                    path: path.to_owned(),
                },
                previous,
            ));
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Remove first, unlock second: whoever locks the file next finds it unlinked and
        // starts again (see the module documentation).
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = RunLock::path_in(dir.path());
        let (lock, previous) = RunLock::acquire(&path, "bootstrap-toolchain", "2026-01-02T03:04:05Z").unwrap();
        assert_eq!(previous, None);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!(
                "owner bootstrap-toolchain\npid {}\nstarted 2026-01-02T03:04:05Z\n",
                std::process::id()
            )
        );
        // flock locks belong to the open file description: a second open conflicts even
        // within one process.
        let err = RunLock::acquire(&path, "build-packages", "later").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "bootstrap-toolchain process {} (started 2026-01-02T03:04:05Z)",
                std::process::id()
            )),
            "{text}"
        );
        drop(lock);
        assert!(!path.exists(), "the lock file goes with the lock");
        let (_again, previous) = RunLock::acquire(&path, "build-packages", "now").unwrap();
        assert_eq!(previous, None);
    }

    #[test]
    fn a_dead_holders_file_is_taken_over_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = RunLock::path_in(dir.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "pid 999999\nstarted 2026-01-01T00:00:00Z\n").unwrap();
        let (_lock, previous) = RunLock::acquire(&path, "build-packages", "now").unwrap();
        assert_eq!(
            previous.unwrap().to_string(),
            "taking over the lock of dead process 999999 (started 2026-01-01T00:00:00Z)"
        );
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .starts_with(&format!("owner build-packages\npid {}\n", std::process::id()))
        );
    }

    #[test]
    fn holder_text_from_elsewhere_is_shown_as_is() {
        let holder = Holder::parse("locked by hand\n");
        assert_eq!(holder.pid, None);
        assert_eq!(
            TakenOver(holder).to_string(),
            "taking over a lock left by a dead process (lock file said \"locked by hand\")"
        );
    }
}
