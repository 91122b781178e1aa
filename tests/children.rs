//! Issue 11 §8: the processes a run starts end with it. When build-packages dies by
//! `kill -9` while it publishes, its repo-add must not keep running as an orphan beside the
//! next run's upload of the same files.
//!
//! The run uses the test world's stand-in devtools and, as repo-add, a stand-in that writes
//! its pid and then sleeps far longer than any wait here (`exec sleep`, so the sleeping
//! process is the one the run started).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Env, Run, wait_until};

/// Whether process `pid` is gone: no such process, or a zombie nobody reaped yet (it no
/// longer runs).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some("Z")),
    }
}

/// Ends a stand-in repo-add still running when the test ends, however it ends: a failed
/// assertion must not leave a sleeper behind.
struct KillOnDrop(Option<u32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).expect("the stand-in is written");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .expect("the stand-in is executable");
}

#[test]
fn a_killed_build_packages_leaves_no_repo_add_running() {
    let env = Env::new(archport_testworld::demo());
    env.use_fake_devtools("");
    let pid_file: PathBuf = env.path().join("repo-add.pid");
    let stand_in = env.path().join("repo-add-sleeps");
    write_script(
        &stand_in,
        &format!(
            "#!/bin/sh\necho $$ > '{}.tmp'\nmv '{0}.tmp' '{0}'\nexec sleep 600\n",
            pid_file.display()
        ),
    );
    let config = std::fs::read_to_string(env.config())
        .expect("the config")
        .replace(
            "[tools]\n",
            &format!("[tools]\nrepo_add = \"{}\"\n", stand_in.display()),
        );
    std::fs::write(env.config(), config).expect("the config is written");

    let args = ["--packages", "zlib"];
    let out = env
        .command("generate-build-list")
        .args(args)
        .output()
        .expect("generate-build-list runs");
    Run::from_output("generate-build-list", &args, out).exits(0);

    let mut run = env
        .command("build-packages")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("build-packages starts");
    let repo_add: u32 = wait_until("repo-add to start publishing", || {
        std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.trim().parse().ok())
    });
    let _cleanup = KillOnDrop(Some(repo_add));
    assert!(!gone(repo_add), "repo-add runs while the run publishes");

    run.kill().expect("build-packages is killed");
    run.wait().expect("build-packages is reaped");
    wait_until("the orphaned repo-add to end", || {
        gone(repo_add).then_some(())
    });
}
