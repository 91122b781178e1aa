//! The publishing backends: the port's `repo-upload` command, or a local repository tree
//! updated with `repo-add`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Output;

use archport_chroot::Cmd;
use archport_config::{Config, UploadBackend};

use crate::error::UploadError;

/// The lock file, in a local repository's directory, that makes `repo-add` calls from
/// several builds or processes take turns (repo-add itself fails rather than waits when
/// its own lock is taken).
pub const LOCAL_LOCK_FILE: &str = ".archport-upload.lock";

/// The repository packages of build-list repository `repo` are published to
/// (`core` -> `core-testing`), from `upload.repo_map`.
pub fn target_repo<'a>(
    repo: &str,
    repo_map: &'a BTreeMap<String, String>,
) -> Result<&'a str, UploadError> {
    repo_map
        .get(repo)
        .map(String::as_str)
        .ok_or_else(|| UploadError::UnmappedRepo {
            repo: repo.to_owned(),
            mapped: repo_map.keys().cloned().collect::<Vec<_>>().join(", "),
        })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Backend {
    RepoUpload { command: String, bucket: String },
    Local { root: PathBuf, repo_add: String },
}

/// Publishes built packages to the testing repositories, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploader {
    arch: String,
    repo_map: BTreeMap<String, String>,
    port_repo: Option<String>,
    backend: Backend,
    sudo: String,
}

impl Uploader {
    /// The uploader `config` describes (`upload.backend`, target `arch`).
    pub fn from_config(config: &Config) -> Uploader {
        let upload = &config.upload;
        let backend = match upload.backend {
            UploadBackend::RepoUpload => Backend::RepoUpload {
                command: upload.command.clone(),
                bucket: upload.bucket.clone(),
            },
            UploadBackend::Local => Backend::Local {
                root: upload.local_dir.clone(),
                repo_add: config.tools.repo_add.clone(),
            },
        };
        Uploader {
            arch: config.arch.clone(),
            repo_map: upload.repo_map.clone(),
            port_repo: upload.port_repo.clone(),
            backend,
            sudo: config.tools.sudo.clone(),
        }
    }

    /// `sudo -n -- rm --force -- <paths>`: removes pacman cache files a non-root archport
    /// may not remove itself, as pacman inside the container writes the cache as root (the
    /// sudoers rule for archport allows `rm`).
    pub fn privileged_remove_cmd(&self, paths: &[PathBuf]) -> Cmd {
        let mut cmd = Cmd::new("rm").args(["--force", "--"]);
        for path in paths {
            cmd = cmd.path_arg(path);
        }
        cmd.through_sudo(&self.sudo)
    }

    /// Where packages of build-list repository `repo` are published (`core-testing`); the
    /// port repository (from [`Uploader::publish_repo`]) is published to as it is.
    pub fn target_repo<'a>(&'a self, repo: &'a str) -> Result<&'a str, UploadError> {
        match &self.port_repo {
            Some(port) if port == repo => Ok(repo),
            _ => target_repo(repo, &self.repo_map),
        }
    }

    /// The repository an entry of build-list repository `repo` is handed to
    /// [`Uploader::upload`] as: `[upload] port_repo` for packages x86_64 does not have (AUR
    /// and local entries, `port_package`), else `repo` itself, mapped to its testing
    /// repository on upload.
    pub fn publish_repo<'a>(&'a self, repo: &'a str, port_package: bool) -> &'a str {
        match &self.port_repo {
            Some(port) if port_package => port,
            _ => repo,
        }
    }

    /// The local backend's directory for published repository `target`,
    /// `{local_dir}/{target}/os/{arch}`; `None` for the repo-upload backend.
    pub fn local_repo_dir(&self, target: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local { root, .. } => Some(root.join(target).join("os").join(&self.arch)),
            Backend::RepoUpload { .. } => None,
        }
    }

    /// The external commands [`Uploader::upload`] runs for `files` of build-list repository
    /// `repo`, for `--dry-run`: one `repo-upload <file> --arch <arch> --repo <target>
    /// --bucket <bucket>` per file, or the local backend's single `repo-add
    /// {dir}/{target}.db.tar.gz <files in dir>`, run in `dir` (copying the files into `dir`
    /// happens in-process first).
    pub fn upload_cmds(&self, files: &[PathBuf], repo: &str) -> Result<Vec<Cmd>, UploadError> {
        let target = self.target_repo(repo)?;
        if files.is_empty() {
            return Ok(Vec::new());
        }
        Ok(match &self.backend {
            Backend::RepoUpload { command, bucket } => files
                .iter()
                .map(|file| {
                    Cmd::new(command)
                        .path_arg(file)
                        .args(["--arch", &self.arch, "--repo", target, "--bucket", bucket])
                })
                .collect(),
            Backend::Local { root, repo_add } => {
                let dir = root.join(target).join("os").join(&self.arch);
                // Run in the repository directory: repo-add's helper files then stay there.
                let mut cmd = Cmd::new(repo_add)
                    .path_arg(dir.join(format!("{target}.db.tar.gz")))
                    .cwd(&dir);
                for file in files {
                    cmd = cmd.path_arg(dir.join(file_name(file)?));
                }
                vec![cmd]
            }
        })
    }

    /// Publishes `files` (built for build-list repository `repo`) to its testing
    /// repository and returns that repository's name. Stops at the first failure, with an
    /// error naming the file and the command; nothing is skipped silently. An empty
    /// `files` publishes nothing.
    ///
    /// The local backend copies the files into [`Uploader::local_repo_dir`] and runs
    /// `repo-add` while holding an exclusive lock on [`LOCAL_LOCK_FILE`] there, so
    /// concurrent uploads (threads or processes) take turns.
    pub async fn upload(&self, files: &[PathBuf], repo: &str) -> Result<String, UploadError> {
        let target = self.target_repo(repo)?.to_owned();
        let cmds = self.upload_cmds(files, repo)?;
        match &self.backend {
            Backend::RepoUpload { .. } => {
                for (file, cmd) in files.iter().zip(&cmds) {
                    let output = cmd.to_tokio().output().await;
                    check(output, &cmd.to_string(), &file.display().to_string())?;
                }
            }
            Backend::Local { root, .. } => {
                let dir = root.join(&target).join("os").join(&self.arch);
                let files = files.to_vec();
                let shown = cmds.iter().map(ToString::to_string).collect::<Vec<_>>();
                tokio::task::spawn_blocking(move || publish_local(&dir, &files, &cmds))
                    .await
                    .map_err(|e| UploadError::Command {
                        files: target.clone(),
                        command: shown.join("; "),
                        problem: format!("upload task failed: {e}"),
                    })??;
            }
        }
        Ok(target)
    }
}

fn file_name(file: &Path) -> Result<&std::ffi::OsStr, UploadError> {
    file.file_name().ok_or_else(|| UploadError::Io {
        path: file.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
    })
}

/// Copies `files` into `dir` and runs `cmds` (the repo-add), all under the directory's lock.
fn publish_local(dir: &Path, files: &[PathBuf], cmds: &[Cmd]) -> Result<(), UploadError> {
    if files.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(UploadError::io(dir))?;
    let lock_path = dir.join(LOCAL_LOCK_FILE);
    let lock: File = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(UploadError::io(&lock_path))?;
    lock.lock().map_err(|source| UploadError::Lock {
        path: lock_path.clone(),
        source,
    })?;
    for file in files {
        let name = file_name(file)?;
        let dest = dir.join(name);
        if dest == *file {
            continue;
        }
        // Copy under a temporary name, then rename: readers of the repository never see a
        // partial package.
        let mut partial = name.to_owned();
        partial.push(".part");
        let partial = dir.join(partial);
        std::fs::copy(file, &partial).map_err(UploadError::io(file))?;
        std::fs::rename(&partial, &dest).map_err(UploadError::io(&dest))?;
    }
    let shown = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    for cmd in cmds {
        check(cmd.to_std().output(), &cmd.to_string(), &shown)?;
    }
    // The lock is released when `lock` is closed.
    drop(lock);
    Ok(())
}

/// Turns a finished command into an error unless it succeeded.
fn check(output: std::io::Result<Output>, command: &str, files: &str) -> Result<(), UploadError> {
    let error = |problem: String| UploadError::Command {
        files: files.to_owned(),
        command: command.to_owned(),
        problem,
    };
    let output = output.map_err(|e| error(format!("cannot run: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let said = last_line(&output.stderr).or_else(|| last_line(&output.stdout));
    Err(error(match said {
        Some(line) => format!("{}: {line}", output.status),
        None => output.status.to_string(),
    }))
}

fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .map(str::to_owned)
}
