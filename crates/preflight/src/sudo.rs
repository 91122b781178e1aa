//! Whether `sudo -n` lets the operator run what archport runs through it (archport not
//! being root): devtools, and the commands that copy and remove working copies.

use std::path::Path;
use std::process::Stdio;

use crate::problem::{Problem, ProblemKind};

/// The programs archport runs through `sudo -n` as they appear on its command lines:
/// the configured devtools (names or paths), then the system programs by name. Also plain
/// `arch-nspawn`: makechrootpkg, running as root, calls it by name, so it must be in sudo's
/// `secure_path` (the `PATH` sudo gives its commands) whatever `[tools]` says.
pub(crate) fn commands(mkarchroot: &str, makechrootpkg: &str, arch_nspawn: &str) -> Vec<String> {
    let mut commands: Vec<String> = [mkarchroot, makechrootpkg, arch_nspawn]
        .map(str::to_owned)
        .to_vec();
    for name in ["arch-nspawn", "rm", "flock", "mv"] {
        if !commands.iter().any(|c| c == name) {
            commands.push(name.to_owned());
        }
    }
    commands
}

/// Asks `sudo -n -l <command>` for each command: sudo answers without prompting whether
/// the policy allows it (and finds it through its `secure_path`). One problem names every
/// refused command with sudo's own last words.
pub(crate) async fn check(sudo: &Path, place: &str, commands: &[String]) -> Option<Problem> {
    let mut refused = Vec::new();
    let mut reason = String::new();
    for command in commands {
        let output = tokio::process::Command::new(sudo)
            .args(["-n", "-l", command.as_str()])
            .stdin(Stdio::null())
            .output()
            .await;
        let why = match output {
            Ok(out) if out.status.success() => continue,
            Ok(out) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                stderr
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .map_or_else(|| out.status.to_string(), |l| l.trim().to_owned())
            }
            Err(e) => format!("cannot start {}: {e}", sudo.display()),
        };
        if reason.is_empty() {
            reason = why;
        }
        refused.push(command.clone());
    }
    (!refused.is_empty()).then(|| Problem {
        kind: ProblemKind::SudoDenied,
        place: place.to_owned(),
        what: format!(
            "sudo -n does not allow {} ({reason}); archport is not root and runs these through sudo -n",
            refused.join(", ")
        ),
        fix: "allow them without a password in sudoers (see the README, Running it on a real build box), with devtools' directory in secure_path, or run archport as root".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_arch_nspawn_is_asked_for_once() {
        assert_eq!(
            commands("mkarchroot", "makechrootpkg", "arch-nspawn"),
            [
                "mkarchroot",
                "makechrootpkg",
                "arch-nspawn",
                "rm",
                "flock",
                "mv"
            ]
        );
        assert_eq!(
            commands(
                "/opt/d/mkarchroot",
                "/opt/d/makechrootpkg",
                "/opt/d/arch-nspawn"
            ),
            [
                "/opt/d/mkarchroot",
                "/opt/d/makechrootpkg",
                "/opt/d/arch-nspawn",
                "arch-nspawn",
                "rm",
                "flock",
                "mv"
            ]
        );
    }
}
