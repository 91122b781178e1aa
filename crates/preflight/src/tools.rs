//! External programs: which ones a run needs, and whether each is found and executable.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use archport_config::{Config, UploadBackend};
use nix::unistd::{AccessFlags, access};

use crate::options::{Options, RunKind};
use crate::problem::{Problem, ProblemKind};

/// One program a run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needed {
    /// The configuration key naming it (`[tools] makechrootpkg`), or `None` for a system
    /// program archport runs by name (`flock`).
    pub key: Option<&'static str>,
    /// The configured value: a path (has a `/`) or a name looked up in `PATH`.
    pub value: String,
    /// Why the run needs it, for the message.
    pub why: &'static str,
    /// Where to get it.
    pub install: &'static str,
}

impl Needed {
    fn configured(
        key: &'static str,
        value: &str,
        why: &'static str,
        install: &'static str,
    ) -> Needed {
        Needed {
            key: Some(key),
            value: value.to_owned(),
            why,
            install,
        }
    }

    fn system(name: &str, why: &'static str, install: &'static str) -> Needed {
        Needed {
            key: None,
            value: name.to_owned(),
            why,
            install,
        }
    }

    /// `[tools] makechrootpkg = "makechrootpkg"`, or the bare name of a system program.
    pub fn place(&self) -> String {
        match self.key {
            Some(key) => format!("{key} = {:?}", self.value),
            None => self.value.clone(),
        }
    }
}

const DEVTOOLS: &str = "install devtools (Arch: pacman -S devtools)";
const PACMAN: &str =
    "install pacman's tools (Arch: pacman; Debian: pacman-package-manager makepkg)";

/// The programs a run of `options.run` needs, in the order they are reported.
pub(crate) fn needed(config: &Config, options: &Options) -> Vec<Needed> {
    let tools = &config.tools;
    let mut list = vec![
        Needed::configured(
            "[tools] makechrootpkg",
            &tools.makechrootpkg,
            "build each package in a working copy",
            DEVTOOLS,
        ),
        Needed::configured(
            "[tools] mkarchroot",
            &tools.mkarchroot,
            "create the root chroot",
            DEVTOOLS,
        ),
        Needed::configured(
            "[tools] arch_nspawn",
            &tools.arch_nspawn,
            "run pacman inside the chroots",
            DEVTOOLS,
        ),
        Needed::configured(
            "[tools] gpg",
            &tools.gpg,
            "import the PGP keys makepkg verifies sources with",
            "install GnuPG (Arch: pacman -S gnupg)",
        ),
        Needed::configured(
            "[tools] sudo",
            &tools.sudo,
            if options.root {
                "import keys into the build user's keyring with sudo -u"
            } else {
                "run devtools as root with sudo -n, archport not being root"
            },
            "install sudo (Arch: pacman -S sudo)",
        ),
    ];
    list.push(match config.upload.backend {
        UploadBackend::RepoUpload => Needed::configured(
            "[upload] command",
            &config.upload.command,
            "publish built packages with the repo-upload backend",
            "install the port's repo-upload, or set [upload] backend = \"local\"",
        ),
        UploadBackend::Local => Needed::configured(
            "[tools] repo_add",
            &tools.repo_add,
            "publish built packages into the local repository",
            PACMAN,
        ),
    });
    if options.run == RunKind::BootstrapToolchain {
        list.push(Needed::configured(
            "[tools] makepkg",
            &tools.makepkg,
            "read each checkout's .SRCINFO with makepkg --printsrcinfo",
            PACMAN,
        ));
        if options.root {
            list.push(Needed::system(
                "runuser",
                "run makepkg as the build user",
                "install util-linux",
            ));
        }
    }
    list.push(Needed::system(
        "flock",
        "hold the root chroot's lock while copying it",
        "install util-linux",
    ));
    for name in ["cp", "mv", "rm"] {
        list.push(Needed::system(
            name,
            "copy, keep and remove working copies",
            "install coreutils",
        ));
    }
    list
}

/// Why a program cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// Nothing at the path, or no such name in `PATH`.
    Missing,
    /// Something at `0` that cannot be executed.
    NotExecutable(PathBuf),
}

/// Where `value` runs from: the path itself when it has a `/`, else the first executable
/// `value` in `path`'s directories (what `execvp` picks).
pub(crate) fn resolve(value: &str, path: &OsStr) -> Result<PathBuf, Unusable> {
    if value.contains('/') {
        let candidate = PathBuf::from(value);
        return if candidate.exists() {
            executable(&candidate)
                .then_some(candidate.clone())
                .ok_or(Unusable::NotExecutable(candidate))
        } else {
            Err(Unusable::Missing)
        };
    }
    let mut unusable = None;
    for dir in std::env::split_paths(path) {
        // An empty entry means the current directory, which archport never relies on.
        if value.is_empty() || dir.as_os_str().is_empty() {
            continue;
        }
        let candidate = dir.join(value);
        if executable(&candidate) {
            return Ok(candidate);
        }
        if unusable.is_none() && candidate.exists() {
            unusable = Some(candidate);
        }
    }
    Err(unusable.map_or(Unusable::Missing, Unusable::NotExecutable))
}

/// A regular file (after symlinks) the current user may execute.
fn executable(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| m.is_file()) && access(path, AccessFlags::X_OK).is_ok()
}

/// The problems with the programs a run needs, one per program, and the resolved path of
/// each usable one (by configured value).
pub(crate) fn check(needed: &[Needed], path: &OsStr) -> (Vec<Problem>, Vec<(String, PathBuf)>) {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for tool in needed {
        let fix = match tool.key {
            Some(key) => format!("{}, or set {key} to its path", tool.install),
            None => format!("{} so that {} is in PATH", tool.install, tool.value),
        };
        match resolve(&tool.value, path) {
            Ok(at) => found.push((tool.value.clone(), at)),
            Err(Unusable::Missing) => problems.push(Problem {
                kind: ProblemKind::ToolMissing,
                place: tool.place(),
                what: if tool.value.contains('/') {
                    format!("{} does not exist (needed to {})", tool.value, tool.why)
                } else {
                    format!("{} not found in PATH (needed to {})", tool.value, tool.why)
                },
                fix,
            }),
            Err(Unusable::NotExecutable(at)) => problems.push(Problem {
                kind: ProblemKind::ToolNotExecutable,
                place: tool.place(),
                what: format!(
                    "{} is not an executable file (needed to {})",
                    at.display(),
                    tool.why
                ),
                fix: format!("make it executable (chmod +x {}), {fix}", at.display()),
            }),
        }
    }
    (problems, found)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn names_resolve_through_path_and_paths_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        let path = std::env::join_paths(["/nonexistent", dir.path().to_str().unwrap()]).unwrap();
        assert_eq!(resolve("tool", &path), Ok(tool.clone()));
        assert_eq!(resolve(tool.to_str().unwrap(), &path), Ok(tool.clone()));
        assert_eq!(resolve("absent", &path), Err(Unusable::Missing));
        assert_eq!(
            resolve("plain", &path),
            Err(Unusable::NotExecutable(plain.clone()))
        );
        assert_eq!(
            resolve(dir.path().to_str().unwrap(), &path),
            Err(Unusable::NotExecutable(dir.path().to_owned()))
        );
        assert_eq!(resolve("", &path), Err(Unusable::Missing));
    }
}
