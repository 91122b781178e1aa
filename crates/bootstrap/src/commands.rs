//! The external commands of one step, as data, so `--dry-run` prints exactly what a real
//! run spawns.
//!
//! Each step runs, through the privileged wrapper when archport is not root:
//!
//! 1. `arch-nspawn -c {cache} {chroot}/root pacman -Syy --noconfirm`: the root chroot's
//!    package databases, refreshed (the testing repositories moved since the last step);
//! 2. `arch-nspawn -c {cache} {chroot}/root pacman -U --noconfirm {cache}/<file>...`: the
//!    toolchain packages built so far, installed into the root chroot, so every later
//!    build's fresh working copy has them. The files are first copied into the cache,
//!    because arch-nspawn bind-mounts the cache into the container at the same path while
//!    the checkouts are not visible there;
//! 3. the cache emptied (in-process), so nothing stale is installed into the build;
//! 4. key imports and `makechrootpkg -r {chroot} -l archport-bootstrap -c -u -d {cache}
//!    -- [--ignorearch]` (see `archport_chroot::Devtools`): a fresh working copy of the
//!    root chroot, updated; makepkg resolves the build's dependencies inside it;
//! 5. the upload, then the working copy removed.

use std::path::{Path, PathBuf};

use archport_chroot::{BuildSpec, Cmd, Devtools, commit_time, find_keys};
use archport_config::{Config, makepkg_conf_value};
use archport_runner::{Action, Cleanup, FailureCleanup, Phase, Plan};
use archport_upload::Uploader;

use crate::error::BootstrapError;
use crate::sources::Package;

/// The working copy every bootstrap build uses. Not one of build-packages' slot names, so
/// that neither tool takes the other's copy for a crashed run's leftover.
pub const COPY: &str = "archport-bootstrap";

/// The command builder of a run.
#[derive(Debug, Clone)]
pub struct Commands {
    devtools: Devtools,
    arch_nspawn: String,
    cache: PathBuf,
    workdir: PathBuf,
    arch: String,
    pkgext: String,
}

/// The build commands of one step.
#[derive(Debug, Clone)]
pub struct BuildCmds {
    /// Key imports first, makechrootpkg last.
    pub cmds: Vec<Cmd>,
    /// How many of `cmds` are key imports.
    pub keys: usize,
}

impl Commands {
    /// The commands for `config` (with `--chroot` and `--cache` applied).
    pub fn new(config: &Config) -> Commands {
        Commands {
            devtools: Devtools::from_config(config, false),
            arch_nspawn: config.tools.arch_nspawn.clone(),
            cache: config.paths.cache.clone(),
            workdir: config.paths.workdir.clone(),
            arch: config.arch.clone(),
            pkgext: makepkg_conf_value(&config.paths.chroot_config.join("makepkg.conf"), "PKGEXT")
                .unwrap_or_else(|| ".pkg.tar.zst".into()),
        }
    }

    /// The same commands as built for a root (`true`) or unprivileged archport.
    pub fn as_root(mut self, root: bool) -> Commands {
        self.devtools = self.devtools.as_root(root);
        self
    }

    /// The devtools driver.
    pub fn devtools(&self) -> &Devtools {
        &self.devtools
    }

    /// The pacman cache shared with the chroots.
    pub fn cache(&self) -> &Path {
        &self.cache
    }

    fn nspawn_root(&self) -> Cmd {
        Cmd::new(&self.arch_nspawn)
            .arg("-c")
            .path_arg(&self.cache)
            .path_arg(self.devtools.root_dir())
    }

    /// Refreshes the root chroot's package databases.
    pub fn refresh(&self) -> Cmd {
        self.devtools
            .privileged(self.nspawn_root().args(["pacman", "-Syy", "--noconfirm"]))
    }

    /// Where `file` goes in the cache to be installed.
    pub fn cached_path(&self, file: &Path) -> PathBuf {
        match file.file_name() {
            Some(name) => self.cache.join(name),
            None => self.cache.clone(),
        }
    }

    /// Installs `files` (package files built so far) into the root chroot from the cache;
    /// `None` when there is nothing to install.
    pub fn install(&self, files: &[PathBuf]) -> Option<Cmd> {
        if files.is_empty() {
            return None;
        }
        let cmd = self
            .nspawn_root()
            .args(["pacman", "-U", "--noconfirm"])
            .args(
                files
                    .iter()
                    .map(|f| self.cached_path(f).to_string_lossy().into_owned()),
            );
        Some(self.devtools.privileged(cmd))
    }

    /// The key imports and the makechrootpkg of `package`.
    pub fn build(&self, package: &Package) -> Result<BuildCmds, BootstrapError> {
        let keys =
            find_keys(&self.workdir, &package.dir).map_err(|e| BootstrapError::Checkout {
                pkgbase: package.pkgbase.clone(),
                problem: e.to_string(),
            })?;
        let spec = BuildSpec {
            pkgbase: package.pkgbase.clone(),
            dir: package.dir.clone(),
            copy: COPY.to_owned(),
            ignorearch: package.ignorearch,
            // makechrootpkg -c then makepkg installs what the build needs (checkdepends
            // included) in the fresh copy; nothing is pre-installed.
            checkdepends: Vec::new(),
            source_date_epoch: commit_time(&package.dir),
            keys,
        };
        let keys = spec.keys.len();
        let cmds = self
            .devtools
            .build_cmds(&spec)
            .map_err(|e| BootstrapError::Checkout {
                pkgbase: package.pkgbase.clone(),
                problem: e.to_string(),
            })?;
        Ok(BuildCmds { cmds, keys })
    }

    /// The plan of one step: building `package` with `installed` (the toolchain packages
    /// built so far) in the root chroot, publishing with `uploader` (none: `--no-upload`).
    /// The working copy is removed after success and interruption, kept after a failure.
    /// `--dry-run` prints this plan; a run executes it.
    pub fn plan(
        &self,
        package: &Package,
        installed: &[PathBuf],
        uploader: Option<&Uploader>,
    ) -> Result<Plan, BootstrapError> {
        let mut plan = Plan::new();
        plan.run(Phase::Refresh, self.refresh());
        if let Some(install) = self.install(installed) {
            for file in installed {
                plan.push(
                    Phase::Install,
                    Action::Copy {
                        from: file.clone(),
                        to: self.cached_path(file),
                    },
                );
            }
            plan.run(Phase::Install, install);
        }
        plan.push(Phase::Cache, Action::EmptyCache(self.cache.clone()));
        let build = self.build(package)?;
        for (i, cmd) in build.cmds.into_iter().enumerate() {
            plan.run(
                if i < build.keys {
                    Phase::Keys
                } else {
                    Phase::Build
                },
                cmd,
            );
        }
        plan.push(
            Phase::Build,
            Action::Collect {
                dir: package.dir.clone(),
                pkgnames: package.pkgnames.iter().map(ToString::to_string).collect(),
                version: package.version.to_string(),
                // The file names the build will produce, as makepkg names them.
                expected: package
                    .pkgnames
                    .iter()
                    .map(|n| {
                        package.dir.join(format!(
                            "{n}-{}-{}{}",
                            package.version, self.arch, self.pkgext
                        ))
                    })
                    .collect(),
            },
        );
        if let Some(uploader) = uploader {
            plan.push(
                Phase::Upload,
                Action::Publish {
                    uploader: uploader.clone(),
                    repo: package.repo.to_string(),
                },
            );
        }
        plan.cleanup = Cleanup {
            built: self.remove_copy(),
            interrupted: self.remove_copy(),
            failed: FailureCleanup::Run(Vec::new()),
        };
        Ok(plan)
    }

    /// Removes the working copy and its lock file.
    pub fn remove_copy(&self) -> Vec<Cmd> {
        self.devtools.remove_copy_cmds(COPY)
    }

    /// Whether the working copy (or its lock file) exists: a crashed run's leftover when no
    /// bootstrap is running.
    pub fn copy_exists(&self) -> bool {
        let dir = self.devtools.copy_dir(COPY);
        let lock = self.devtools.chroot().join(format!("{COPY}.lock"));
        dir.symlink_metadata().is_ok() || lock.symlink_metadata().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(root: bool) -> Commands {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_toml(
            "[paths]\nworkdir = \"/w\"\nchroot = \"/c\"\ncache = \"/c/cache\"\n[tools]\nbuild_user = \"builder\"\n",
            Path::new("a.toml"),
            dir.path(),
        )
        .unwrap();
        Commands::new(&config).as_root(root)
    }

    #[test]
    fn root_chroot_commands_go_through_sudo_unless_root() {
        assert_eq!(
            commands(true).refresh().to_string(),
            "arch-nspawn -c /c/cache /c/root pacman -Syy --noconfirm"
        );
        assert_eq!(
            commands(false).refresh().to_string(),
            "sudo -n -- arch-nspawn -c /c/cache /c/root pacman -Syy --noconfirm"
        );
        let files = [
            PathBuf::from("/w/pkgbuilds/glibc/glibc-2.40-1-aarch64.pkg.tar.zst"),
            PathBuf::from("/w/pkgbuilds/gcc/gcc-libs-14-1-aarch64.pkg.tar.zst"),
        ];
        assert_eq!(
            commands(true).install(&files).unwrap().to_string(),
            "arch-nspawn -c /c/cache /c/root pacman -U --noconfirm \
             /c/cache/glibc-2.40-1-aarch64.pkg.tar.zst /c/cache/gcc-libs-14-1-aarch64.pkg.tar.zst"
        );
        assert!(commands(true).install(&[]).is_none());
    }

    #[test]
    fn builds_clean_in_the_bootstrap_copy() {
        let package = Package {
            pkgbase: "gcc".into(),
            dir: PathBuf::from("/nonexistent/pkgbuilds/gcc"),
            version: "14-1".parse().unwrap(),
            pkgnames: vec!["gcc".parse().unwrap()],
            ignorearch: true,
            repo: archport_vercmp::Repo::Core,
        };
        let build = commands(true).build(&package).unwrap();
        assert_eq!(build.keys, 0);
        assert_eq!(
            build
                .cmds
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "install -d -o builder -- /w/sources/gcc",
                "cd /nonexistent/pkgbuilds/gcc && SRCDEST=/w/sources/gcc makechrootpkg -r /c -l archport-bootstrap -c -u -d /c/cache -U builder -- --ignorearch"
            ]
        );
        assert_eq!(
            commands(true).remove_copy()[0].to_string(),
            "rm --recursive --force --one-file-system -- /c/archport-bootstrap /c/archport-bootstrap.lock"
        );
    }
}
