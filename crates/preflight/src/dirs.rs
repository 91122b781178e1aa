//! Directories and files on disk: the chroot configuration, the directories a run writes,
//! and the free space under the chroot directory.

use std::path::{Path, PathBuf};

use archport_config::Config;
use nix::sys::statvfs::statvfs;
use nix::unistd::{AccessFlags, access};

use crate::options::{GIB, Options};
use crate::problem::{Problem, ProblemKind};

/// `pacman.conf` and `makepkg.conf` in the chroot configuration: mkarchroot's `-C` and
/// `-M`, read when the root chroot is created.
pub(crate) fn chroot_config(config: &Config) -> Vec<Problem> {
    let dir = &config.paths.chroot_config;
    ["pacman.conf", "makepkg.conf"]
        .into_iter()
        .filter_map(|name| {
            let file = dir.join(name);
            let problem = if !file.exists() {
                "missing"
            } else if !file.is_file() {
                "not a file"
            } else if std::fs::File::open(&file).is_err() {
                "not readable"
            } else {
                return None;
            };
            Some(Problem {
                kind: ProblemKind::ChrootConfigMissing,
                place: file.display().to_string(),
                what: format!("{problem} (mkarchroot creates the root chroot with it)"),
                fix: format!(
                    "put the port's {name} there (the repository's chroot-config/ has one for aarch64), or set [paths] chroot_config"
                ),
            })
        })
        .collect()
}

/// The path itself when it exists, else its nearest existing ancestor: where a directory
/// would be created.
pub(crate) fn nearest_existing(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|p| p.symlink_metadata().is_ok())
        .map(Path::to_owned)
}

/// The directories the current user writes during a run, with the key naming each: the
/// work directory always, the local repository for the local backend; as root also the
/// chroot directory and the package cache (not root, those are written through sudo).
pub(crate) fn written_dirs(config: &Config, options: &Options) -> Vec<(&'static str, PathBuf)> {
    let mut dirs = vec![("[paths] workdir", config.paths.workdir.clone())];
    if config.upload.backend == archport_config::UploadBackend::Local {
        dirs.push(("[upload] local_dir", config.upload.local_dir.clone()));
    }
    if options.root {
        dirs.push(("[paths] chroot", config.paths.chroot.clone()));
        dirs.push(("[paths] cache", config.paths.cache.clone()));
    }
    dirs
}

/// Whether `dir` is a writable directory, or can be created: its nearest existing
/// ancestor is a directory the current user can write into.
pub(crate) fn writable(key: &str, dir: &Path) -> Option<Problem> {
    let problem = |what: String, fix: String| Problem {
        kind: ProblemKind::NotWritable,
        place: format!("{key} = {:?}", dir.display().to_string()),
        what,
        fix,
    };
    let Some(existing) = nearest_existing(dir) else {
        return Some(problem(
            "no part of the path exists".into(),
            format!("set {key} to an absolute path"),
        ));
    };
    if !existing.is_dir() {
        let what = if existing == dir {
            format!("{} is not a directory", dir.display())
        } else {
            format!(
                "{} cannot be created: {} is not a directory",
                dir.display(),
                existing.display()
            )
        };
        return Some(problem(what, format!("set {key} to a directory path")));
    }
    if let Err(errno) = access(&existing, AccessFlags::W_OK | AccessFlags::X_OK) {
        let what = if existing == dir {
            format!("{} is not writable: {}", dir.display(), errno.desc())
        } else {
            format!(
                "{} cannot be created: {} is not writable: {}",
                dir.display(),
                existing.display(),
                errno.desc()
            )
        };
        return Some(problem(
            what,
            format!(
                "make {} writable for the user archport runs as (chown), or set {key}",
                existing.display()
            ),
        ));
    }
    None
}

/// Whether the filesystem holding the chroot directory (or where it would be created) has
/// at least `min_bytes` available to unprivileged users.
pub(crate) fn free_space(config: &Config, min_bytes: u64) -> Option<Problem> {
    let chroot = &config.paths.chroot;
    let existing = nearest_existing(chroot)?;
    let place = format!("[paths] chroot = {:?}", chroot.display().to_string());
    let stat = match statvfs(&existing) {
        Ok(stat) => stat,
        Err(errno) => {
            return Some(Problem {
                kind: ProblemKind::LowFreeSpace,
                place,
                what: format!(
                    "cannot measure the free space of {}: {}",
                    existing.display(),
                    errno.desc()
                ),
                fix: "make the chroot directory's filesystem readable, or set [paths] chroot"
                    .into(),
            });
        }
    };
    let free = stat.blocks_available().saturating_mul(stat.fragment_size());
    (free < min_bytes).then(|| Problem {
        kind: ProblemKind::LowFreeSpace,
        place,
        what: format!(
            "{} GiB free on {}, below the minimum of {} GiB (each build copies the root chroot and unpacks its sources there)",
            gib(free),
            existing.display(),
            gib(min_bytes)
        ),
        fix: "free space there, or set [paths] chroot to a larger filesystem".into(),
    })
}

/// Bytes as GiB with one decimal.
fn gib(bytes: u64) -> String {
    // Precision loss is fine for a message.
    #[allow(clippy::cast_precision_loss)]
    let value = bytes as f64 / GIB as f64;
    format!("{value:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_existing_ancestor_is_where_a_directory_is_created() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            nearest_existing(&dir.path().join("a/b/c")),
            Some(dir.path().to_owned())
        );
        assert_eq!(nearest_existing(dir.path()), Some(dir.path().to_owned()));
        assert_eq!(gib(3 * GIB / 2), "1.5");
    }
}
