//! `makepkg --printsrcinfo`, for PKGBUILD directories without a `.SRCINFO`.
//!
//! makepkg refuses to run as root. When this process is root, makepkg is started through
//! `runuser -u <user> --` as the unprivileged user the caller configures; that user must be
//! able to read the PKGBUILD directory (and traverse its parents). makepkg also insists on
//! write access to `BUILDDIR`, `PKGDEST`, `SRCDEST`, `SRCPKGDEST` and `LOGDEST` even though
//! `--printsrcinfo` writes nothing, so they point at a fresh scratch directory.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How to run makepkg.
#[derive(Clone, Debug)]
pub struct Makepkg {
    /// The makepkg program (a name looked up in `PATH`, or a path).
    pub program: PathBuf,
    /// The unprivileged user makepkg runs as when this process is root.
    pub run_as: Option<String>,
    /// The `runuser` program used to switch to `run_as`.
    pub runuser: PathBuf,
}

impl Default for Makepkg {
    fn default() -> Self {
        Makepkg {
            program: PathBuf::from("makepkg"),
            run_as: None,
            runuser: PathBuf::from("runuser"),
        }
    }
}

/// Why `makepkg --printsrcinfo` gave no output.
#[derive(Debug, thiserror::Error)]
pub enum MakepkgError {
    /// The directory has no PKGBUILD.
    #[error("{}: no PKGBUILD", dir.display())]
    NoPkgbuild {
        /// The PKGBUILD directory.
        dir: PathBuf,
    },
    /// We are root and no unprivileged user was configured.
    #[error("{}: makepkg refuses to run as root and no unprivileged user is configured to run it", dir.display())]
    RootWithoutUser {
        /// The PKGBUILD directory.
        dir: PathBuf,
    },
    /// The scratch directory could not be created, or the program could not be started.
    #[error("{}: cannot run {program}: {source}", dir.display())]
    Spawn {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// The program that failed to start (makepkg or runuser).
        program: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// makepkg exited unsuccessfully.
    #[error("{}: makepkg --printsrcinfo failed ({status}): {stderr}", dir.display())]
    Failed {
        /// The PKGBUILD directory.
        dir: PathBuf,
        /// The exit status.
        status: std::process::ExitStatus,
        /// makepkg's error output, on one line.
        stderr: String,
    },
    /// makepkg printed something that is not UTF-8.
    #[error("{}: makepkg --printsrcinfo printed non-UTF-8 output", dir.display())]
    NotUtf8 {
        /// The PKGBUILD directory.
        dir: PathBuf,
    },
}

impl Makepkg {
    /// Runs `makepkg --printsrcinfo` in `dir` and returns what it printed.
    pub fn print_srcinfo(&self, dir: &Path) -> Result<String, MakepkgError> {
        if !dir.join("PKGBUILD").is_file() {
            return Err(MakepkgError::NoPkgbuild {
                dir: dir.to_path_buf(),
            });
        }
        let spawn_error = |program: &Path, source| MakepkgError::Spawn {
            dir: dir.to_path_buf(),
            program: program.display().to_string(),
            source,
        };
        let switch_user = if running_as_root() {
            let user = self
                .run_as
                .as_deref()
                .filter(|u| !u.is_empty())
                .ok_or_else(|| MakepkgError::RootWithoutUser {
                    dir: dir.to_path_buf(),
                })?;
            Some(user)
        } else {
            None
        };

        let scratch = tempfile::Builder::new()
            .prefix("archport-printsrcinfo-")
            .tempdir()
            .map_err(|source| spawn_error(&self.program, source))?;
        if switch_user.is_some() {
            // The unprivileged user must be allowed to "write" there; the directory is
            // fresh, empty and removed when we return.
            std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o777))
                .map_err(|source| spawn_error(&self.program, source))?;
        }

        let (program, mut command) = match switch_user {
            Some(user) => {
                let mut command = Command::new(&self.runuser);
                command.arg("-u").arg(user).arg("--").arg(&self.program);
                (&self.runuser, command)
            }
            None => (&self.program, Command::new(&self.program)),
        };
        command
            .arg("--printsrcinfo")
            .current_dir(dir)
            .stdin(Stdio::null());
        for var in ["BUILDDIR", "PKGDEST", "SRCDEST", "SRCPKGDEST", "LOGDEST"] {
            command.env(var, scratch.path());
        }
        let output = command
            .output()
            .map_err(|source| spawn_error(program, source))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(MakepkgError::Failed {
                dir: dir.to_path_buf(),
                status: output.status,
                stderr: stderr.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
        String::from_utf8(output.stdout).map_err(|_| MakepkgError::NotUtf8 {
            dir: dir.to_path_buf(),
        })
    }
}

/// Whether this process runs with effective uid 0: `/proc/self` belongs to the effective
/// user (this avoids `unsafe` calls to `geteuid`).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
