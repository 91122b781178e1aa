//! Working copies an earlier run left behind, and the one check that decides whether they
//! may go: a copy whose `<copy>.lock` is still locked belongs to a build that is still
//! running. `kill -9` stops the tool, not the makechrootpkg it started; that orphan keeps
//! building in its copy (and publishes when it is done), so removing the copy from under it
//! would break that build and let two builds share one copy. build-packages and
//! bootstrap-toolchain both ask here before they remove anything.
//!
//! Leaf module: its error type lives here, and it imports nothing from the crate.

use std::path::PathBuf;

use archport_chroot::{ChrootError, Devtools, copy_in_use, stale_copies};

/// Why the working copies an earlier run left cannot be removed.
#[derive(Debug, thiserror::Error)]
pub enum StaleCopyError {
    /// A copy is still locked by a build running in it.
    #[error(
        "{}: still in use by a build (left running by a killed {tool}?): wait for it to end or stop it, then run again",
        copy.display()
    )]
    InUse {
        /// The working copy's directory.
        copy: PathBuf,
        /// The tool whose killed run probably left the build (`build-packages`), for the
        /// message.
        tool: String,
    },
    /// The chroot directory or a lock file could not be read.
    #[error(transparent)]
    Chroot(#[from] ChrootError),
}

/// `copies` (working-copy names in `devtools`' chroot directory), once it is sure none of
/// them is still in use; the first one in use is an error naming its directory and `tool`.
/// A copy that does not exist is not in use.
pub fn copies_not_in_use(
    devtools: &Devtools,
    copies: Vec<String>,
    tool: &str,
) -> Result<Vec<String>, StaleCopyError> {
    for copy in &copies {
        if copy_in_use(devtools.chroot(), copy)? {
            return Err(StaleCopyError::InUse {
                copy: devtools.copy_dir(copy),
                tool: tool.to_owned(),
            });
        }
    }
    Ok(copies)
}

/// build-packages' slot copies (`archport-slot<N>`) an earlier run left in `devtools`'
/// chroot directory, sorted, once none is in use (see [`copies_not_in_use`]).
pub fn stale_copies_not_in_use(
    devtools: &Devtools,
    tool: &str,
) -> Result<Vec<String>, StaleCopyError> {
    let stale = stale_copies(devtools.chroot())?;
    copies_not_in_use(devtools, stale, tool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn devtools(chroot: &Path) -> Devtools {
        let toml = format!("[paths]\nchroot = \"{}\"\n", chroot.display());
        let config =
            archport_config::Config::from_toml(&toml, Path::new("a.toml"), chroot).unwrap();
        Devtools::from_config(&config, false)
    }

    #[test]
    fn a_locked_copy_is_never_offered_for_removal() {
        let dir = tempfile::tempdir().unwrap();
        let devtools = devtools(dir.path());
        assert_eq!(
            stale_copies_not_in_use(&devtools, "build-packages").unwrap(),
            Vec::<String>::new()
        );
        std::fs::create_dir(dir.path().join("archport-slot1")).unwrap();
        let lock = std::fs::File::create(dir.path().join("archport-slot2.lock")).unwrap();
        assert_eq!(
            stale_copies_not_in_use(&devtools, "build-packages").unwrap(),
            ["archport-slot1", "archport-slot2"]
        );
        lock.lock().unwrap();
        let err = stale_copies_not_in_use(&devtools, "build-packages")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "{}: still in use by a build (left running by a killed build-packages?): wait for it to end or stop it, then run again",
                dir.path().join("archport-slot2").display()
            )
        );
        // Any copy name, as bootstrap-toolchain's.
        let bootstrap = vec!["archport-bootstrap".to_owned()];
        assert_eq!(
            copies_not_in_use(&devtools, bootstrap.clone(), "bootstrap-toolchain").unwrap(),
            bootstrap
        );
        drop(lock);
        assert_eq!(
            stale_copies_not_in_use(&devtools, "build-packages")
                .unwrap()
                .len(),
            2
        );
    }
}
