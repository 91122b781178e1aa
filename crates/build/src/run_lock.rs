//! One `build-packages` per work directory at a time.

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
    #[error("{path}: another build-packages is running in this work directory ({holder})")]
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
    /// Takes the lock, recording this process's pid in the file.
    pub fn acquire(path: &Path) -> Result<RunLock, LockError> {
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
        write!(file, "pid {}", std::process::id()).map_err(io)?;
        Ok(RunLock { _file: file })
    }
}
