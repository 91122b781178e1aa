//! The root chroot every working copy is made from.

use std::path::Path;

use archport_chroot::{Cancel, Devtools, RunError};

use crate::error::RootError;
use crate::execute::failure_text;
use crate::spawn::Spawn;

/// Creates the root chroot when it is missing (mkarchroot, output into `log`; `note` hears
/// the command first, for the console). Its directory `{chroot}` is created first (through
/// sudo when not root), since mkarchroot refuses a root path whose parent is missing. When
/// mkarchroot fails or is interrupted (`cancel`), what was made of the root is removed: an
/// existing root counts as finished, so a half-made one would be built in by the next run.
/// Interrupted, it returns `Ok` without a root chroot: the run then starts no build
/// (`cancel` says why).
pub async fn create_root_chroot<S: Spawn>(
    spawner: &S,
    devtools: &Devtools,
    log: &Path,
    cancel: &Cancel,
    note: &(dyn Fn(&str) + Send + Sync),
) -> Result<(), RootError> {
    let Some(cmd) = devtools.root_chroot_cmd() else {
        return Ok(());
    };
    if let Some(mkdir) = devtools.chroot_dir_cmd() {
        let failed = |problem| RootError::Failed {
            problem,
            log: log.to_owned(),
        };
        match spawner.run_captured(&mkdir, log, cancel).await {
            Ok(finished) if finished.status.success() => {}
            Ok(finished) => return Err(failed(failure_text(&mkdir, &finished))),
            Err(RunError::Cancelled { .. }) => return Ok(()),
            Err(e) => return Err(failed(e.to_string())),
        }
    }
    note(&format!("creating the root chroot: {cmd}"));
    let problem = match spawner.run_captured(&cmd, log, cancel).await {
        Ok(finished) if finished.status.success() => return Ok(()),
        Ok(finished) => Some(failure_text(&cmd, &finished)),
        Err(RunError::Cancelled { .. }) => None,
        Err(e) => Some(e.to_string()),
    };
    let never = Cancel::new();
    // `{chroot}/root` and its lock, like a working copy's.
    for cmd in devtools.remove_copy_cmds("root") {
        let _ = spawner.run(&cmd, log, &never).await;
    }
    match problem {
        Some(problem) => Err(RootError::Failed {
            problem,
            log: log.to_owned(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::ExitStatus;
    use std::sync::Mutex;

    use archport_chroot::Cmd;
    use archport_config::Config;

    use super::*;
    use crate::execute::tool_name;

    /// mkarchroot makes the root directory, then fails half-way; everything else succeeds.
    struct HalfMade(Mutex<Vec<String>>);

    impl Spawn for HalfMade {
        fn run(
            &self,
            cmd: &Cmd,
            _log: &Path,
            _cancel: &Cancel,
        ) -> impl Future<Output = Result<ExitStatus, RunError>> + Send {
            self.0.lock().unwrap().push(tool_name(cmd));
            let code = if tool_name(cmd) == "mkarchroot" {
                // `... <chroot>/root base-devel`
                std::fs::create_dir_all(&cmd.args[cmd.args.len() - 2]).unwrap();
                1
            } else {
                0
            };
            async move { Ok(ExitStatus::from_raw(code << 8)) }
        }
    }

    #[tokio::test]
    async fn a_failed_mkarchroot_leaves_no_root_behind() {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!(
            "[paths]\nworkdir = \"{0}\"\nchroot = \"{0}/chroot\"\ncache = \"{0}/cache\"\n",
            dir.path().display()
        );
        let config = Config::from_toml(&toml, Path::new("a.toml"), dir.path()).unwrap();
        let devtools = Devtools::from_config(&config, false).as_root(true);
        let fake = HalfMade(Mutex::new(Vec::new()));
        let log = dir.path().join("setup.log");
        let err = create_root_chroot(&fake, &devtools, &log, &Cancel::new(), &|_| {})
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "creating the root chroot failed: mkarchroot exited with status 1; see {}",
                log.display()
            )
        );
        // `{chroot}` first: mkarchroot needs the root's parent.
        assert_eq!(*fake.0.lock().unwrap(), ["mkdir", "mkarchroot", "rm"]);
    }
}
