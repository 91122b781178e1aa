//! The devtools command sequences: create the root chroot, build one pkgbase in a working
//! copy, remove a working copy.
//!
//! # Checkdepends and `makechrootpkg -c`
//!
//! devtools' `makechrootpkg` re-creates the working copy from `{chroot}/root` whenever the
//! copy is missing or `-c` is given (its `sync_chroot`: under a shared lock on
//! `{chroot}/root.lock`, a btrfs snapshot or `rsync -a --delete {chroot}/root/ {copy}`).
//! So packages installed into the copy *before* a `makechrootpkg -c` are wiped, and
//! `arch-nspawn ... pacman -S <checkdepends>` followed by `makechrootpkg -c` would build
//! without them. Without `-c`, makechrootpkg reuses the copy as it is (it still takes the
//! copy's lock, runs `-u` and prepares the build user).
//!
//! archport therefore does, when a build has checkdepends to install (and `--no-check` is
//! off):
//!
//! 1. `rm --recursive --force --one-file-system {chroot}/{copy}`: drop whatever an earlier
//!    build left in this slot's copy;
//! 2. `flock --shared {chroot}/root.lock cp -a --reflink=auto {chroot}/root {chroot}/{copy}`:
//!    a fresh copy of the root chroot, taken under the same read lock makechrootpkg uses so a
//!    root chroot being updated is never cloned half-way (`cp -a` instead of rsync because the
//!    target does not exist; `--reflink` makes it cheap on copy-on-write filesystems);
//! 3. `arch-nspawn -c {cache} {copy} pacman -Syuu --noconfirm`: what `makechrootpkg -u`
//!    would do, so the checkdepends resolve against current sync databases (a dependency
//!    built earlier in this run may only be in the testing repo);
//! 4. `arch-nspawn -c {cache} {copy} pacman -S --needed --noconfirm <checkdepends>`;
//! 5. `makechrootpkg -r {chroot} -l {copy} -u -d {cache} -- ...` **without `-c`**, so the
//!    build uses the copy prepared above.
//!
//! With nothing to pre-install, the build is the single `makechrootpkg ... -c ...`, which
//! makes the fresh copy itself. Either way every build starts from a clean copy of the root
//! chroot.
//!
//! # Privileges
//!
//! devtools needs root. When archport is not root every devtools command (and the copy
//! handling above) runs through the configured `sudo` (`sudo -n`, see
//! [`Cmd::through_sudo`]); makepkg then runs as the invoking user (sudo's `SUDO_USER`).
//! When archport is root, makechrootpkg gets `-U {build_user}` (it refuses to run makepkg
//! as root) and keys are imported into that user's keyring (`sudo -u {build_user} -H`),
//! which is the keyring makechrootpkg's source verification uses. makepkg, as that user,
//! writes SRCDEST, by default the PKGBUILD's checkout, which a root archport owns: so a
//! root archport makes `{workdir}/sources/<pkgbase>` for the build user (`install -d -o`)
//! and passes it as `SRCDEST` (makechrootpkg keeps that variable). The checkout stays
//! root's: git refuses to work in a repository another user owns.
//!
//! # PATH
//!
//! makechrootpkg runs `arch-nspawn` by name, and ignores a failed `-u` update, so a devtools
//! installed outside `PATH` fails late and obscurely; mkarchroot ends with `exec arch-nspawn
//! ... locale-gen`. Both therefore get their own program's directory first on their `PATH`
//! ([`Cmd::path_first`]); arch-nspawn runs no devtools. Through sudo that holds only
//! without sudoers' `secure_path`, or with devtools' directory in it.
//!
//! # The root chroot's directory
//!
//! mkarchroot resolves `{chroot}/root` with `readlink -f`, which fails when `{chroot}`
//! does not exist: [`Devtools::chroot_dir_cmd`] creates it first (through sudo when not
//! root, as it usually lies in a directory only root may write).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use archport_config::Config;
use archport_vercmp::{PkgName, Relation};

use crate::cmd::Cmd;
use crate::copies::{failed_copies, failed_copy_name};
use crate::error::ChrootError;

/// What one build needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    /// The pkgbase (for error messages).
    pub pkgbase: String,
    /// The checkout holding the PKGBUILD, `{workdir}/pkgbuilds/<pkgbase>`; the build's cwd,
    /// where the packages land.
    pub dir: PathBuf,
    /// The working copy name, unique per concurrent build (see [`crate::copy_name`]).
    pub copy: String,
    /// Build with `--ignorearch` (the PKGBUILD's `arch` lacks the target `CARCH`).
    pub ignorearch: bool,
    /// Relations to install into the copy before the build (`name`, `name>=ver`, sonames).
    pub checkdepends: Vec<String>,
    /// PGP keys to import first (see [`crate::find_keys`]).
    pub keys: Vec<PathBuf>,
    /// `SOURCE_DATE_EPOCH` for the build (see [`crate::commit_time`]).
    pub source_date_epoch: Option<i64>,
}

/// The devtools driver: paths and programs from the configuration, the `--no-check` choice
/// and whether archport runs as root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Devtools {
    chroot: PathBuf,
    cache: PathBuf,
    chroot_config: PathBuf,
    makechrootpkg: String,
    arch_nspawn: String,
    mkarchroot: String,
    sudo: String,
    gpg: String,
    build_user: String,
    workdir: archport_config::Workdir,
    keep_failed: usize,
    timeout: Option<Duration>,
    nocheck: bool,
    root: bool,
}

impl Devtools {
    /// The driver for `config`; `nocheck` skips checkdepends and passes `--nocheck` to
    /// makepkg. Whether to use sudo follows the effective uid (see [`Devtools::as_root`]).
    pub fn from_config(config: &Config, nocheck: bool) -> Devtools {
        let tools = &config.tools;
        Devtools {
            chroot: config.paths.chroot.clone(),
            cache: config.paths.cache.clone(),
            chroot_config: config.paths.chroot_config.clone(),
            makechrootpkg: tools.makechrootpkg.clone(),
            arch_nspawn: tools.arch_nspawn.clone(),
            mkarchroot: tools.mkarchroot.clone(),
            sudo: tools.sudo.clone(),
            gpg: tools.gpg.clone(),
            build_user: tools.build_user.clone(),
            workdir: config.workdir(),
            keep_failed: config.build.keep_failed_copies,
            timeout: config.build.timeout,
            nocheck,
            root: nix::unistd::geteuid().is_root(),
        }
    }

    /// The same driver, assuming archport runs as root (`true`) or not (`false`).
    pub fn as_root(mut self, root: bool) -> Devtools {
        self.root = root;
        self
    }

    /// Whether commands are built for a root archport (no sudo).
    pub fn is_root(&self) -> bool {
        self.root
    }

    /// The chroot directory.
    pub fn chroot(&self) -> &Path {
        &self.chroot
    }

    /// The root chroot, `{chroot}/root`.
    pub fn root_dir(&self) -> PathBuf {
        self.chroot.join("root")
    }

    /// The working copy directory of `copy`, `{chroot}/{copy}`.
    pub fn copy_dir(&self, copy: &str) -> PathBuf {
        self.chroot.join(copy)
    }

    /// `cmd` as run with root privileges: unchanged as root, through sudo otherwise.
    pub fn privileged(&self, cmd: Cmd) -> Cmd {
        if self.root {
            cmd
        } else {
            cmd.through_sudo(&self.sudo)
        }
    }

    /// `mkdir --parents -- {chroot}` (privileged), or `None` when `{chroot}` exists: run
    /// before [`Devtools::root_chroot_cmd`], as mkarchroot needs the root chroot's parent.
    pub fn chroot_dir_cmd(&self) -> Option<Cmd> {
        if self.chroot.is_dir() {
            return None;
        }
        Some(
            self.privileged(
                Cmd::new("mkdir")
                    .args(["--parents", "--"])
                    .path_arg(&self.chroot),
            ),
        )
    }

    /// `mkarchroot -C {chroot_config}/pacman.conf -M {chroot_config}/makepkg.conf -c {cache}
    /// {chroot}/root base-devel`, or `None` when the root chroot exists.
    pub fn root_chroot_cmd(&self) -> Option<Cmd> {
        let root = self.root_dir();
        if root.exists() {
            return None;
        }
        Some(
            self.privileged(
                devtool(&self.mkarchroot)
                    .arg("-C")
                    .path_arg(self.chroot_config.join("pacman.conf"))
                    .arg("-M")
                    .path_arg(self.chroot_config.join("makepkg.conf"))
                    .arg("-c")
                    .path_arg(&self.cache)
                    .path_arg(root)
                    .arg("base-devel"),
            ),
        )
    }

    /// The commands that build `spec`, in order: key imports, the checkdepends preparation
    /// of the working copy (see the module documentation), as root the build user's SRCDEST,
    /// and makechrootpkg. Every
    /// checkdepends entry must parse as a package relation.
    pub fn build_cmds(&self, spec: &BuildSpec) -> Result<Vec<Cmd>, ChrootError> {
        let mut cmds: Vec<Cmd> = spec.keys.iter().map(|key| self.import_key(key)).collect();
        let preinstall = !self.nocheck && !spec.checkdepends.is_empty();
        if preinstall {
            for entry in &spec.checkdepends {
                // The name check keeps anything pacman would read as an option out.
                let checked = Relation::from_str(entry)
                    .map_err(|e| e.to_string())
                    .and_then(|r| PkgName::new(&r.name).map_err(|e| e.to_string()));
                if let Err(problem) = checked {
                    return Err(ChrootError::BadCheckdepend {
                        pkgbase: spec.pkgbase.clone(),
                        entry: entry.clone(),
                        problem,
                    });
                }
            }
            let copy = self.copy_dir(&spec.copy);
            cmds.push(
                self.privileged(
                    Cmd::new("rm")
                        .args(["--recursive", "--force", "--one-file-system", "--"])
                        .path_arg(&copy),
                ),
            );
            cmds.push(
                self.privileged(
                    Cmd::new("flock")
                        .arg("--shared")
                        .path_arg(self.chroot.join("root.lock"))
                        .args(["cp", "-a", "--reflink=auto", "--"])
                        .path_arg(self.root_dir())
                        .path_arg(&copy),
                ),
            );
            cmds.push(self.nspawn(&copy, ["pacman", "-Syuu", "--noconfirm"]));
            cmds.push(
                self.nspawn(&copy, ["pacman", "-S", "--needed", "--noconfirm"])
                    .args(spec.checkdepends.iter().cloned()),
            );
        }
        if self.root {
            // makepkg, as the build user, writes SRCDEST (see the module documentation).
            cmds.push(
                Cmd::new("install")
                    .args(["-d", "-o", &self.build_user, "--"])
                    .path_arg(self.srcdest(&spec.pkgbase)),
            );
        }
        cmds.push(self.makechrootpkg(spec, !preinstall));
        Ok(cmds)
    }

    /// Removes working copy `copy`: its directory and its lock file (a crashed run's
    /// leftovers, or a slot's copy at the end of a run).
    pub fn remove_copy_cmds(&self, copy: &str) -> Vec<Cmd> {
        let dir = self.copy_dir(copy);
        let lock = self.chroot.join(format!("{copy}.lock"));
        vec![
            self.privileged(
                Cmd::new("rm")
                    .args(["--recursive", "--force", "--one-file-system", "--"])
                    .path_arg(dir)
                    .path_arg(lock),
            ),
        ]
    }

    /// Sets a failed build's working copy aside as [`crate::failed_copy_name`]`(pkgbase)`,
    /// replacing an earlier failed copy of that pkgbase, so the slot's next build (which
    /// re-creates the slot's copy) does not wipe what there is to inspect. Then removes the
    /// oldest kept copies of other pkgbases beyond `[build] keep_failed_copies`, this one
    /// counted: each is a full chroot copy. Kept copies are touched when kept, so their
    /// modification time says when.
    pub fn keep_failed_copy_cmds(&self, copy: &str, pkgbase: &str) -> Vec<Cmd> {
        let name = failed_copy_name(pkgbase);
        let kept = self.copy_dir(&name);
        let mut cmds = self.remove_failed_copy_cmds(pkgbase);
        cmds.push(
            self.privileged(
                Cmd::new("mv")
                    .args(["--no-target-directory", "--"])
                    .path_arg(self.copy_dir(copy))
                    .path_arg(&kept),
            ),
        );
        // A copy has the root chroot's time (`cp -a`, rsync and snapshots keep it): mark when
        // it was kept, which is what "newest" means below.
        cmds.push(
            self.privileged(
                Cmd::new("touch")
                    .args(["--no-create", "--"])
                    .path_arg(&kept),
            ),
        );
        // Newest first; an unreadable chroot directory prunes nothing.
        let others: Vec<String> = failed_copies(&self.chroot)
            .unwrap_or_default()
            .into_iter()
            .filter(|other| *other != name)
            .collect();
        for old in others.iter().skip(self.keep_failed.saturating_sub(1)) {
            cmds.push(
                self.privileged(
                    Cmd::new("rm")
                        .args(["--recursive", "--force", "--one-file-system", "--"])
                        .path_arg(self.copy_dir(old)),
                ),
            );
        }
        cmds
    }

    /// Removes the kept copy of an earlier failed build of `pkgbase` (once it built).
    pub fn remove_failed_copy_cmds(&self, pkgbase: &str) -> Vec<Cmd> {
        vec![
            self.privileged(
                Cmd::new("rm")
                    .args(["--recursive", "--force", "--one-file-system", "--"])
                    .path_arg(self.copy_dir(&failed_copy_name(pkgbase))),
            ),
        ]
    }

    /// makepkg's SRCDEST for `pkgbase` when archport is root: `{workdir}/sources/<pkgbase>`.
    pub fn srcdest(&self, pkgbase: &str) -> PathBuf {
        self.workdir.sources(pkgbase)
    }

    fn import_key(&self, key: &Path) -> Cmd {
        let gpg = Cmd::new(&self.gpg).arg("--import").path_arg(key);
        if self.root {
            Cmd::new(&self.sudo)
                .args(["-n", "-u", &self.build_user, "-H", "--"])
                .arg(gpg.program)
                .args(gpg.args)
        } else {
            gpg
        }
    }

    /// `arch-nspawn -c {cache} {copy} <args>` (privileged); arguments may be appended.
    fn nspawn<'a>(&self, copy: &Path, args: impl IntoIterator<Item = &'a str>) -> Cmd {
        // Arguments are appended after wrapping: sudo's argument vector ends with the command's.
        self.privileged(
            Cmd::new(&self.arch_nspawn)
                .arg("-c")
                .path_arg(&self.cache)
                .path_arg(copy)
                .args(args),
        )
    }

    fn makechrootpkg(&self, spec: &BuildSpec, clean: bool) -> Cmd {
        let mut cmd = devtool(&self.makechrootpkg)
            .timeout(self.timeout)
            .arg("-r")
            .path_arg(&self.chroot)
            .arg("-l")
            .arg(&spec.copy);
        if clean {
            cmd = cmd.arg("-c");
        }
        cmd = cmd.arg("-u").arg("-d").path_arg(&self.cache);
        if self.root {
            cmd = cmd.args(["-U", &self.build_user]);
        }
        cmd = cmd.arg("--");
        if spec.ignorearch {
            cmd = cmd.arg("--ignorearch");
        }
        if self.nocheck {
            cmd = cmd.arg("--nocheck");
        }
        cmd = cmd.cwd(&spec.dir);
        if self.root {
            cmd = cmd.env("SRCDEST", self.srcdest(&spec.pkgbase).to_string_lossy());
        }
        if let Some(epoch) = spec.source_date_epoch {
            cmd = cmd.env("SOURCE_DATE_EPOCH", epoch.to_string());
        }
        self.privileged(cmd)
    }
}

/// A devtools command: `program` with its own directory first on `PATH` when it is
/// configured as a path (see the module documentation), as devtools' scripts run each other
/// by name.
fn devtool(program: &str) -> Cmd {
    let cmd = Cmd::new(program);
    match Path::new(program).parent() {
        Some(dir) if program.contains('/') && !dir.as_os_str().is_empty() => cmd.path_first(dir),
        _ => cmd,
    }
}
