//! `kill -9` of build-packages at many points of a run (during a build, during an upload,
//! between builds), then `--continue` (issue 11 §8 and §10): every package ends up published
//! exactly once, nothing built and published is built again, a package killed while
//! publishing is only published again, and no working copy or temporary file is left.
//!
//! The run uses the test world's stand-in devtools and the real `repo-add` behind a wrapper
//! that records each call and, on the call number given in `PAUSE_AT`, stops before running
//! repo-add: the moment "built, publishing" that a kill must not turn into a rebuild.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::{Env, Run, wait_until};

/// A work directory with a build list of `packages`, the stand-in devtools and the
/// recording repo-add.
struct Session {
    env: Env,
}

impl Session {
    fn new(packages: &[&str]) -> Session {
        let env = Env::new(archport_testworld::demo());
        env.use_fake_devtools("");
        let wrapper = env.path().join("repo-add-wrapper");
        std::fs::write(
            &wrapper,
            "#!/bin/sh\n\
             echo \"$*\" >> \"$REPO_ADD_LOG\"\n\
             n=$(wc -l < \"$REPO_ADD_LOG\")\n\
             if [ \"$n\" = \"${PAUSE_AT:-0}\" ]; then\n\
               touch \"$REPO_ADD_LOG.paused\"\n\
               while :; do sleep 1; done\n\
             fi\n\
             exec repo-add \"$@\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let config = std::fs::read_to_string(env.config()).unwrap().replace(
            "[tools]\n",
            &format!("[tools]\nrepo_add = \"{}\"\n", wrapper.display()),
        );
        std::fs::write(env.config(), config).unwrap();
        let s = Session { env };
        let mut args = vec!["--jobs", "2", "--packages"];
        args.extend(packages);
        let out = s
            .command("generate-build-list")
            .args(&args)
            .output()
            .unwrap();
        Run::from_output("generate-build-list", &args, out).exits(0);
        s
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.env.path().join(relative)
    }

    fn command(&self, bin: &str) -> Command {
        let mut cmd = self.env.command(bin);
        cmd.env("REPO_ADD_LOG", self.path("repo-add.log"));
        cmd
    }

    fn bp(&self, args: &[&str]) -> Run {
        let out = self.command("build-packages").args(args).output().unwrap();
        Run::from_output("build-packages", args, out)
    }

    fn spawn_bp(&self, vars: &[(&str, &str)]) -> Child {
        self.command("build-packages")
            .envs(vars.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// The pkgbases makechrootpkg was started for, in order.
    fn started(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.path("events.log")).unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with("start "))
            .map(|l| l.split(' ').nth(2).unwrap().to_owned())
            .collect()
    }

    /// repo-add's calls: the package file names of each.
    fn repo_adds(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.path("repo-add.log")).unwrap_or_default();
        text.lines()
            .map(|l| {
                l.split(' ')
                    .skip(1)
                    .map(|f| f.rsplit('/').next().unwrap().to_owned())
                    .collect()
            })
            .collect()
    }

    /// Each published package (`name version`) with how often the repository databases hold
    /// it.
    fn published(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for repo in ["core-testing", "extra-testing"] {
            let db = self
                .path("repo")
                .join(repo)
                .join("os/aarch64")
                .join(format!("{repo}.db"));
            if !db.exists() {
                continue;
            }
            for p in archport_repodb::read_db(&db, repo).unwrap() {
                *out.entry(format!("{} {}", p.name(), p.version()))
                    .or_default() += 1;
            }
        }
        out
    }

    /// What a run leaves that it should not: working copies (locks aside) and temporary
    /// files in the chroot, the repositories and the PKGBUILD directories.
    fn leftovers(&self) -> Vec<String> {
        let mut left = Vec::new();
        if let Ok(entries) = std::fs::read_dir(self.path("chroot")) {
            for e in entries {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                if name.starts_with("archport-") && !name.ends_with(".lock") {
                    left.push(format!("chroot/{name}"));
                }
            }
        }
        let mut pending = vec![self.path("repo"), self.path("pkgbuilds")];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                if name == ".git" {
                    continue;
                }
                if e.file_type().unwrap().is_dir() {
                    pending.push(e.path());
                }
                if name.ends_with(".part")
                    || name.ends_with(".lck")
                    || name.ends_with(".unpacking")
                    || name.starts_with(".tmp")
                {
                    left.push(e.path().display().to_string());
                }
            }
        }
        left
    }
}

/// A power cut: build-packages and everything it started die at once (its builds run in
/// process groups of their own).
fn power_cut(mut child: Child) {
    let pid = child.id();
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let rest = stat.rsplit_once(')').unwrap().1;
        if rest.split_whitespace().nth(1) == Some(pid.to_string().as_str()) {
            children.push(p);
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    for c in children {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{c}")])
            .status();
        let _ = Command::new("kill")
            .args(["-KILL", &c.to_string()])
            .status();
    }
}

/// Where a run is killed.
#[derive(Debug, Clone, Copy)]
enum Point {
    /// While makechrootpkg builds this pkgbase.
    Building(&'static str),
    /// When repo-add is called for the n-th time (the packages built, publishing begun).
    Publishing(usize),
}

/// Runs the list of `packages`, kills the run at `point`, continues it, and checks the end.
fn kill_then_continue(packages: &[&str], point: Point) {
    let s = Session::new(packages);
    let child = match point {
        Point::Building(pkgbase) => {
            let child = s.spawn_bp(&[("FAKE_BUILD_SLEEP", "600"), ("FAKE_SLEEP_ONLY", pkgbase)]);
            wait_until(&format!("{pkgbase}'s build"), || {
                s.started().iter().any(|p| p == pkgbase).then_some(())
            });
            child
        }
        Point::Publishing(n) => {
            let child = s.spawn_bp(&[("PAUSE_AT", &n.to_string())]);
            wait_until(&format!("repo-add call {n}"), || {
                s.path("repo-add.log.paused").exists().then_some(())
            });
            child
        }
    };
    power_cut(child);
    let built_before = s.started();
    let published_before = s.published();
    let paused: Vec<String> = match point {
        Point::Publishing(n) => s.repo_adds()[n - 1].clone(),
        Point::Building(_) => Vec::new(),
    };

    let run = s.bp(&["--continue"]);
    let run = run.exits(0);

    // Everything is published, each package once.
    let published = s.published();
    assert!(
        published.values().all(|&n| n == 1),
        "{point:?}: {published:?}\n{}",
        run.stderr
    );
    let expected: usize = packages.len();
    assert!(
        published.len() >= expected,
        "{point:?}: {published:?}\n{}",
        run.stderr
    );
    // Nothing built and published before the kill was built again; a package killed while
    // publishing was not built again either.
    let again = &s.started()[built_before.len()..];
    for pkgbase in again {
        let was_published = published_before
            .keys()
            .any(|p| p.split(' ').next() == Some(pkgbase));
        assert!(
            !was_published,
            "{point:?}: {pkgbase} rebuilt after it was published: {again:?}"
        );
        assert!(
            !paused.iter().any(|f| f.starts_with(&format!("{pkgbase}-"))),
            "{point:?}: {pkgbase} was built and being published: rebuilt anyway\n{}",
            run.stderr
        );
    }
    if !paused.is_empty() {
        assert!(
            run.stderr.contains("published again"),
            "{point:?}: {}",
            run.stderr
        );
    }
    // No working copy, partial file or lock is left.
    assert_eq!(s.leftovers(), Vec::<String>::new(), "{point:?}");
    // Nothing is left to build.
    let status = s.bp(&["--status", "--json"]).exits(0);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["counts"]["queued"], 0, "{status}");
    assert_eq!(status["counts"]["interrupted"], 0, "{status}");
    assert!(status["run"]["finished_at"].is_string(), "{status}");
}

#[test]
fn a_kill_during_the_upload_only_publishes_again() {
    kill_then_continue(&["zlib", "re2c"], Point::Publishing(1));
}

#[test]
fn kills_at_many_points_then_continue_publish_everything_once() {
    // ninja needs re2c: the run builds re2c, publishes it, then builds ninja.
    for point in [
        Point::Building("re2c"),
        Point::Publishing(1),
        Point::Building("ninja"),
        Point::Publishing(2),
    ] {
        kill_then_continue(&["ninja"], point);
    }
}
