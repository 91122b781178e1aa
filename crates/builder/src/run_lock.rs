//! One chroot user per work directory at a time: `build-packages` and `bootstrap-toolchain`
//! share the root chroot, the pacman cache and the testing repos, so each holds this lock
//! for its whole run.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An exclusive lock on `{workdir}/build-state/build.lock`, held for the whole run and
/// released when dropped (also when the process dies: it is an OS file lock).
pub struct RunLock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("{path}: the chroot is in use by another run in this work directory ({holder})")]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// What the lock file says about its holder.
        holder: String,
    },
    /// The lock file cannot be created.
    #[error("{path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl RunLock {
    /// The lock file of a work directory.
    pub fn path(workdir: &Path) -> PathBuf {
        workdir.join("build-state").join("build.lock")
    }

    /// Takes the lock, recording `owner` (the program) and this process's pid in the file.
    pub fn acquire(path: &Path, owner: &str) -> Result<RunLock, LockError> {
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
                return Err(LockError::Busy {
                    path: path.to_owned(),
                    holder: holder.trim().to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        write!(file, "{owner} pid {}", std::process::id()).map_err(io)?;
        Ok(RunLock { _file: file })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = RunLock::path(dir.path());
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
}
