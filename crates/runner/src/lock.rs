//! One writer per work directory at a time: `build-packages` and `bootstrap-toolchain` share
//! the root chroot, the pacman cache and the testing repos, and `generate-build-list`
//! rewrites the build list and the `pkgbuilds/` checkouts a build is using, so each holds
//! this lock for its whole run. A second run is refused naming the holder, or waits for it
//! (`--wait`, for cron jobs that must not overlap).
//!
//! The OS lock (`flock`) is what excludes: the kernel drops it when its holder dies, however
//! it dies, so a lock left by a killed run never blocks the next one. The file's text only
//! says who holds it, for the refusal's message.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::LockError;

/// An exclusive lock on `{workdir}/build-state/build.lock`, held for the whole run and
/// released when dropped (also when the process dies: it is an OS file lock).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the lock at `path`, recording `owner` (the program) and this process's pid in
    /// the file. Fails with [`LockError::Busy`], naming the holder, when another run holds
    /// it.
    pub fn acquire(path: &Path, owner: &str) -> Result<RunLock, LockError> {
        RunLock::take(path, owner, None)
    }

    /// Takes the lock at `path` like [`RunLock::acquire`], but when another run holds it,
    /// tells `waiting` who (the holder's text, `build-packages pid 42`) and blocks until
    /// that run ends: `--wait`, so a cron job queues behind the run before it.
    pub fn acquire_waiting(
        path: &Path,
        owner: &str,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<RunLock, LockError> {
        RunLock::take(path, owner, Some(waiting))
    }

    /// The lock for `--wait` (`wait`) or without: [`RunLock::acquire_waiting`], handing
    /// `announce` the one line every tool shows while it waits, else [`RunLock::acquire`].
    pub fn acquire_for(
        path: &Path,
        owner: &str,
        wait: bool,
        announce: &mut dyn FnMut(&str),
    ) -> Result<RunLock, LockError> {
        if !wait {
            return RunLock::acquire(path, owner);
        }
        RunLock::acquire_waiting(path, owner, &mut |holder| {
            announce(&format!(
                "Waiting for the work directory's lock ({holder})..."
            ));
        })
    }

    /// Takes the lock, refusing (`waiting` is `None`) or blocking when it is held.
    fn take(
        path: &Path,
        owner: &str,
        waiting: Option<&mut dyn FnMut(&str)>,
    ) -> Result<RunLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
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
                let holder = std::fs::read_to_string(path).unwrap_or_default();
                let holder = holder.trim();
                match waiting {
                    Some(waiting) => {
                        waiting(holder);
                        file.lock().map_err(io)?;
                    }
                    None => {
                        return Err(LockError::Busy {
                            path: path.to_owned(),
                            holder: holder.to_owned(),
                        });
                    }
                }
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        write!(file, "{owner} pid {}", std::process::id()).map_err(io)?;
        Ok(RunLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-state").join("build.lock");
        let first = RunLock::acquire(&path, "bootstrap-toolchain").unwrap();
        let err = RunLock::acquire(&path, "build-packages")
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.ends_with(&format!("(bootstrap-toolchain pid {})", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(RunLock::acquire(&path, "build-packages").is_ok());
    }

    #[test]
    fn a_waiting_run_is_told_the_holder_and_gets_the_lock_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-state").join("build.lock");
        let first = RunLock::acquire(&path, "build-packages").unwrap();
        let (told_tx, told_rx) = std::sync::mpsc::channel::<String>();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let _lock = RunLock::acquire_waiting(&path, "generate-build-list", &mut |h| {
                    told_tx.send(h.to_owned()).unwrap();
                })
                .unwrap();
                std::fs::read_to_string(&path).unwrap()
            })
        };
        // The waiter names the holder before it blocks; only then is the lock released.
        assert_eq!(
            told_rx.recv().unwrap(),
            format!("build-packages pid {}", std::process::id())
        );
        drop(first);
        assert_eq!(
            waiter.join().unwrap(),
            format!("generate-build-list pid {}", std::process::id())
        );
    }
}
