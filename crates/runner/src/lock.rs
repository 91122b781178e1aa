//! One chroot user per work directory at a time: `build-packages` and `bootstrap-toolchain`
//! (and later `generate-build-list`) share the root chroot, the pacman cache and the
//! testing repos, so each holds this lock for its whole run.
//!
//! The OS lock (`flock`) is what excludes: the kernel drops it when its holder dies, however
//! it dies, so a lock left by a killed run never blocks the next one. The file's text only
//! says who holds it, for the refusal's message.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::LockError;

/// An exclusive lock on `{workdir}/build-state/build.lock`, held for the whole run and
/// released when dropped (also when the process dies: it is an OS file lock).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// The lock file of a work directory.
    pub fn path_in(workdir: &Path) -> PathBuf {
        workdir.join("build-state").join("build.lock")
    }

    /// Takes the lock at `path`, recording `owner` (the program) and this process's pid in
    /// the file. Fails with [`LockError::Busy`], naming the holder, when another run holds
    /// it.
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
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = RunLock::path_in(dir.path());
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
