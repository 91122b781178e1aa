//! Running real `makepkg` from tests. makepkg refuses to run as root, so when the tests run
//! as root the build happens as an unprivileged user, created on first use.

use std::path::Path;
use std::process::Command;

use crate::error::WorldError;

/// The unprivileged user that builds packages when the tests run as root.
pub const BUILD_USER: &str = "archport-test";

fn effective_uid() -> Result<u32, WorldError> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(WorldError::io("/proc/self/status"))?;
    // "Uid:\treal\teffective\tsaved\tfs"
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|euid| euid.parse().ok())
        .ok_or_else(|| WorldError::Tool {
            tool: "/proc/self/status".to_owned(),
            problem: "no effective uid".to_owned(),
        })
}

fn user_exists() -> bool {
    Command::new("id")
        .args(["-u", BUILD_USER])
        .output()
        .is_ok_and(|out| out.status.success())
}

fn run_checked(command: &mut Command, tool: &str) -> Result<(), WorldError> {
    let output = command.output().map_err(|e| WorldError::Tool {
        tool: tool.to_owned(),
        problem: format!("cannot start: {e}"),
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(WorldError::Tool {
        tool: tool.to_owned(),
        problem: format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    })
}

/// Makes sure makepkg can run on `dir`: as root, creates [`BUILD_USER`] if missing and gives
/// it `dir` (recursively); otherwise nothing is needed. Returns the user makepkg will run
/// as, `None` for the current one.
pub fn prepare_build_dir(dir: &Path) -> Result<Option<&'static str>, WorldError> {
    if effective_uid()? != 0 {
        return Ok(None);
    }
    if !user_exists() {
        let created = run_checked(
            Command::new("useradd").args(["--create-home", BUILD_USER]),
            "useradd",
        );
        // Another test process may have created the user at the same moment.
        if created.is_err() && !user_exists() {
            created?;
        }
    }
    run_checked(
        Command::new("chown")
            .arg("-R")
            .arg(format!("{BUILD_USER}:{BUILD_USER}"))
            .arg(dir),
        "chown",
    )?;
    Ok(Some(BUILD_USER))
}

/// A `makepkg` command (arguments still to add) that runs in `dir`, as [`BUILD_USER`]
/// through `runuser` when the tests run as root. `dir` must already be prepared with
/// [`prepare_build_dir`].
pub fn makepkg_command(dir: &Path, user: Option<&str>) -> Command {
    let mut command = match user {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--", "makepkg"]);
            command.env("HOME", format!("/home/{user}"));
            command
        }
        None => Command::new("makepkg"),
    };
    command.current_dir(dir);
    command
}
