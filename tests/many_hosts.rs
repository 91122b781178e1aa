//! Several build hosts on one run (issue 13), end to end: a private PostgreSQL (Debian's
//! `initdb` and `pg_ctl`, a temporary data directory, a free port on 127.0.0.1), the demo
//! world's build list, and three hosts, each with its own work directory and chroot: the host
//! that creates the run from its list, and two `--worker`s. They build with the test world's
//! stand-in devtools and publish into one shared repository with the real `repo-add`, behind a
//! wrapper that records every call (what "published exactly once" is checked against).
//!
//! A build is made slow by a file `sleep-<pkgbase>` in the farm's directory, read by a wrapper
//! around the stand-in makechrootpkg: a test removes it so that the next attempt (on another
//! host) runs at once. Leases are 3 seconds: a host that dies or stops loses its build after
//! that. No assertion depends on how long anything takes.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::pg::PgServer;
use common::{Env, Run, read_json, wait_until};

/// The hosts, the database and the shared repository.
struct Farm {
    env: Env,
    pg: PgServer,
    url: String,
}

impl Farm {
    /// The demo world's list of `packages` (`generate-build-list --packages`), a database,
    /// and the configuration of hosts 1 (the creator), 2 and 3.
    fn new(packages: &[&str]) -> Farm {
        let env = Env::new(archport_testworld::demo());
        let repo = env.path().join("repo");
        env.use_fake_devtools(&format!("local_dir = \"{}\"\n", repo.display()));
        let pg = PgServer::start(false);
        let url = pg.create_database("archport");
        let farm = Farm { env, pg, url };
        farm.write_wrappers();
        let base = std::fs::read_to_string(farm.env.config()).unwrap();
        let fake = archport_testworld::fake_devtools_dir()
            .join("makechrootpkg")
            .display()
            .to_string();
        let base = base
            .replace(
                &format!("makechrootpkg = \"{fake}\""),
                &format!(
                    "makechrootpkg = \"{}\"",
                    farm.dir().join("makechrootpkg-wrapper").display()
                ),
            )
            .replace(
                "[tools]\n",
                &format!(
                    "[tools]\nrepo_add = \"{}\"\n",
                    farm.dir().join("repo-add-wrapper").display()
                ),
            );
        for host in 1..=3 {
            let dir = farm.host_dir(host);
            std::fs::create_dir_all(&dir).unwrap();
            let workdir = format!("workdir = \"{}\"", farm.dir().display());
            let config = base.replace(&workdir, &format!("workdir = \"{}\"", dir.display()))
                + &format!(
                    "\n[queue]\nurl = \"{}\"\nlease_seconds = 3\nhost = \"host-{host}\"\n",
                    farm.url
                );
            std::fs::write(dir.join("archport.toml"), config).unwrap();
        }
        let mut args = vec!["--jobs", "2", "--packages"];
        args.extend(packages);
        let out = farm
            .command(1, "generate-build-list")
            .args(&args)
            .output()
            .unwrap();
        Run::from_output("generate-build-list", &args, out).exits(0);
        farm
    }

    fn dir(&self) -> PathBuf {
        self.env.path().to_owned()
    }

    /// Host 1 works in the farm's directory (where the list is), the others beside it.
    fn host_dir(&self, host: u32) -> PathBuf {
        if host == 1 {
            self.dir()
        } else {
            self.dir().join(format!("host{host}"))
        }
    }

    fn write_wrappers(&self) {
        use std::os::unix::fs::PermissionsExt;
        let fake = archport_testworld::fake_devtools_dir().join("makechrootpkg");
        let scripts = [
            (
                "makechrootpkg-wrapper",
                format!(
                    "#!/bin/sh\n\
                     pkgbase=$(basename \"$PWD\")\n\
                     if [ -e \"{dir}/sleep-$pkgbase\" ]; then\n\
                       FAKE_BUILD_SLEEP=$(cat \"{dir}/sleep-$pkgbase\") FAKE_SLEEP_ONLY=$pkgbase \
                     exec \"{fake}\" \"$@\"\n\
                     fi\n\
                     exec \"{fake}\" \"$@\"\n",
                    dir = self.dir().display(),
                    fake = fake.display()
                ),
            ),
            (
                "repo-add-wrapper",
                format!(
                    "#!/bin/sh\necho \"$*\" >> \"{}/repo-add.log\"\nexec repo-add \"$@\"\n",
                    self.dir().display()
                ),
            ),
        ];
        for (name, text) in scripts {
            let path = self.dir().join(name);
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    fn command(&self, host: u32, bin: &str) -> Command {
        common::operator_command(bin, &self.host_dir(host), &self.dir())
    }

    /// `build-packages ARGS` on `host`, in the background.
    fn spawn(&self, host: u32, vars: &[(&str, &str)], args: &[&str]) -> Child {
        self.command(host, "build-packages")
            .envs(vars.iter().copied())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// The builds started so far: `(host, pkgbase)` in order.
    fn started(&self) -> Vec<(u32, String)> {
        let text = std::fs::read_to_string(self.dir().join("events.log")).unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with("start "))
            .map(|l| {
                let fields: Vec<&str> = l.split(' ').collect();
                let host = (2..=3)
                    .find(|h| fields[1].contains(&format!("/host{h}/")))
                    .unwrap_or(1);
                (host, fields[2].to_owned())
            })
            .collect()
    }

    /// The host and process group of the first build of `pkgbase`, once it started.
    fn start_of(&self, pkgbase: &str) -> Option<(u32, i32)> {
        let text = std::fs::read_to_string(self.dir().join("events.log")).unwrap_or_default();
        text.lines().find_map(|l| {
            let fields: Vec<&str> = l.split(' ').collect();
            (fields[0] == "start" && fields[2] == pkgbase).then(|| {
                let host = (2..=3)
                    .find(|h| fields[1].contains(&format!("/host{h}/")))
                    .unwrap_or(1);
                (host, fields[4].parse().unwrap())
            })
        })
    }

    /// How often repo-add was given each package file.
    fn repo_adds(&self) -> BTreeMap<String, usize> {
        let text = std::fs::read_to_string(self.dir().join("repo-add.log")).unwrap_or_default();
        let mut out = BTreeMap::new();
        for line in text.lines() {
            for file in line.split(' ').skip(1) {
                *out.entry(file.rsplit('/').next().unwrap().to_owned())
                    .or_default() += 1;
            }
        }
        out
    }

    /// The packages in the shared repositories, with how often each database holds them.
    fn published(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for repo in ["core-testing", "extra-testing"] {
            let db = self
                .dir()
                .join("repo")
                .join(repo)
                .join("os/aarch64")
                .join(format!("{repo}.db"));
            if !db.exists() {
                continue;
            }
            for p in archport_repodb::read_db(&db, repo).unwrap() {
                *out.entry(p.name().to_string()).or_default() += 1;
            }
        }
        out
    }

    /// `build-packages --status --format json` through the database, from host 3.
    fn status(&self) -> serde_json::Value {
        let out = self
            .command(3, "build-packages")
            .args(["--status", "--json"])
            .output()
            .unwrap();
        let run = Run::from_output("build-packages", &["--status", "--json"], out).exits(0);
        serde_json::from_str(&run.stdout).unwrap()
    }

    /// Waits until the database shows a run.
    fn wait_for_run(&self) {
        wait_until("the run in the database", || {
            let out = self
                .command(3, "build-packages")
                .args(["--status", "--json"])
                .output()
                .unwrap();
            out.status.success().then_some(())
        });
    }

    /// Makes the next build of `pkgbase` take `secs` (until [`Farm::quick`]).
    fn slow(&self, pkgbase: &str, secs: u32) {
        std::fs::write(
            self.dir().join(format!("sleep-{pkgbase}")),
            secs.to_string(),
        )
        .unwrap();
    }

    fn quick(&self, pkgbase: &str) {
        std::fs::remove_file(self.dir().join(format!("sleep-{pkgbase}"))).unwrap();
    }
}

fn finish(child: Child) -> Run {
    Run::from_output("build-packages", &[], child.wait_with_output().unwrap())
}

fn signal(pid: u32, name: &str) {
    assert!(
        Command::new("kill")
            .args([&format!("-{name}"), "--", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// The hosts of the run as the status names them.
fn hosts(status: &serde_json::Value) -> Vec<String> {
    status["hosts"]
        .as_array()
        .map(|hosts| {
            hosts
                .iter()
                .map(|h| h["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn three_hosts_publish_everything_once_and_a_failure_blocks_on_every_host() {
    // newtool needs ninja, which needs re2c; zlib needs neither.
    let farm = Farm::new(&["newtool", "zlib", "libsound"]);
    for pkgbase in ["re2c", "zlib", "libsound"] {
        farm.slow(pkgbase, 2);
    }
    let failing = [("FAKE_FAIL_BUILD", "ninja")];
    let creator = farm.spawn(1, &failing, &[]);
    farm.wait_for_run();
    let workers: Vec<Child> = (2..=3)
        .map(|h| farm.spawn(h, &failing, &["--worker"]))
        .collect();
    let creator = finish(creator).exits(1);
    for worker in workers {
        let worker = finish(worker);
        assert!(worker.code == 0 || worker.code == 1, "{}", worker.stderr);
    }

    // Each pkgbase was built once, by some host, and more than one host built.
    let started = farm.started();
    let mut built: Vec<&str> = started.iter().map(|(_, p)| p.as_str()).collect();
    built.sort_unstable();
    let mut unique = built.clone();
    unique.dedup();
    assert_eq!(built, unique, "{started:?}");
    assert!(
        !built.contains(&"newtool"),
        "blocked everywhere: {started:?}"
    );
    assert!(built.contains(&"ninja"), "{started:?}");
    let mut builders: Vec<u32> = started.iter().map(|(h, _)| *h).collect();
    builders.sort_unstable();
    builders.dedup();
    assert!(builders.len() > 1, "{started:?}\n{}", creator.stderr);

    // Everything that built is published exactly once; the failure and what it blocks are not.
    let adds = farm.repo_adds();
    assert!(adds.values().all(|&n| n == 1), "{adds:?}");
    let published = farm.published();
    assert!(published.values().all(|&n| n == 1), "{published:?}");
    for name in ["re2c", "zlib", "libsound"] {
        assert!(published.contains_key(name), "{published:?}");
    }
    assert!(!published.contains_key("ninja") && !published.contains_key("newtool"));

    // The creator's failed_packages.json holds the failure and its block, whoever built it.
    let failed = read_json(&farm.dir().join("failed_packages.json"));
    let names: Vec<(&str, &str)> = failed["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["failure"].as_str().unwrap()))
        .collect();
    assert_eq!(names.len(), 2, "{failed}");
    assert_eq!(names[0].0, "ninja");
    assert!(names[0].1.starts_with("build: "), "{names:?}");
    assert_eq!(names[1], ("newtool", "blocked: ninja failed"), "{names:?}");

    // --status shows every host.
    let status = farm.status();
    assert_eq!(hosts(&status), ["host-1", "host-2", "host-3"], "{status}");
    assert_eq!(status["counts"]["failed"], 1, "{status}");
    assert_eq!(status["counts"]["blocked"], 1, "{status}");
}

#[test]
fn a_killed_host_loses_its_build_to_another_after_the_lease() {
    let farm = Farm::new(&["zlib", "re2c"]);
    farm.slow("zlib", 600);
    let mut creator = Some(farm.spawn(1, &[], &[]));
    farm.wait_for_run();
    let mut workers: BTreeMap<u32, Child> = (2..=3)
        .map(|h| (h, farm.spawn(h, &[], &["--worker"])))
        .collect();
    let (victim, pgid) = wait_until("zlib's build", || farm.start_of("zlib"));
    // kill -9 of that host and of its build: the machine died.
    let mut dead = if victim == 1 {
        creator.take().unwrap()
    } else {
        workers.remove(&victim).unwrap()
    };
    dead.kill().unwrap();
    let _ = dead.wait();
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status();
    farm.quick("zlib");
    // After its lease, another host builds zlib; nothing else is built again.
    for run in workers.into_values().map(finish) {
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    if let Some(creator) = creator {
        finish(creator).exits(0);
    }
    let started = farm.started();
    let zlib: Vec<u32> = started
        .iter()
        .filter(|(_, p)| p == "zlib")
        .map(|(h, _)| *h)
        .collect();
    assert_eq!(zlib.len(), 2, "{started:?}");
    assert_ne!(zlib[1], victim, "{started:?}");
    assert_eq!(started.iter().filter(|(_, p)| p == "re2c").count(), 1);
    let published = farm.published();
    assert_eq!(published.get("zlib"), Some(&1), "{published:?}");
    assert!(farm.repo_adds().values().all(|&n| n == 1));
}

#[test]
fn a_host_paused_past_its_lease_has_its_result_and_publish_refused() {
    let farm = Farm::new(&["zlib", "re2c"]);
    farm.slow("zlib", 8);
    let creator = farm.spawn(1, &[], &[]);
    farm.wait_for_run();
    let workers: BTreeMap<u32, Child> = (2..=3)
        .map(|h| (h, farm.spawn(h, &[], &["--worker"])))
        .collect();
    let (paused, _) = wait_until("zlib's build", || farm.start_of("zlib"));
    let pid = if paused == 1 {
        creator.id()
    } else {
        workers[&paused].id()
    };
    signal(pid, "STOP");
    farm.quick("zlib");
    // Another host takes zlib over after the lease, builds and publishes it.
    wait_until("zlib published by another host", || {
        farm.published().contains_key("zlib").then_some(())
    });
    // The paused host's build ends meanwhile; woken up, it must publish nothing.
    wait_until("the paused host's build to end", || {
        let text = std::fs::read_to_string(farm.dir().join("events.log")).unwrap_or_default();
        (text
            .lines()
            .filter(|l| l.starts_with("end ") && l.contains(" zlib "))
            .count()
            >= 2)
            .then_some(())
    });
    signal(pid, "CONT");
    let mut runs = vec![finish(creator)];
    runs.extend(workers.into_values().map(finish));
    let refused = runs
        .iter()
        .find(|r| r.stderr.contains("zlib 1:1.3.1-2") && r.stderr.contains("refused"))
        .unwrap_or_else(|| panic!("{:#?}", runs.iter().map(|r| &r.stderr).collect::<Vec<_>>()));
    assert!(refused.stderr.contains("lost "), "{}", refused.stderr);
    let adds = farm.repo_adds();
    assert_eq!(
        adds.iter()
            .filter(|(f, _)| f.starts_with("zlib-"))
            .map(|(_, n)| n)
            .sum::<usize>(),
        1,
        "{adds:?}"
    );
    assert_eq!(farm.published().get("zlib"), Some(&1));
}

#[test]
fn a_postgresql_restart_during_the_run_costs_nothing() {
    let farm = Farm::new(&["newtool", "zlib"]);
    farm.slow("re2c", 4);
    let creator = farm.spawn(1, &[], &["--parallel-jobs", "2"]);
    let worker = {
        farm.wait_for_run();
        farm.spawn(2, &[], &["--worker"])
    };
    wait_until("re2c's build", || {
        farm.started().into_iter().find(|(_, p)| p == "re2c")
    });
    farm.pg.restart();
    let creator = finish(creator).exits(0);
    finish(worker);
    assert!(creator.stderr.contains("Summary: "), "{}", creator.stderr);
    let published = farm.published();
    for name in ["re2c", "ninja", "newtool", "zlib"] {
        assert_eq!(
            published.get(name),
            Some(&1),
            "{published:?}\n{}",
            creator.stderr
        );
    }
    let status = farm.status();
    assert!(status["run"]["finished_at"].is_string(), "{status}");
}
