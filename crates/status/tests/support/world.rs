//! A run filled through archport-queue's real API (SQLite in a temporary directory, a
//! manual clock), with real log files: built, failed (checksum, build, download and one
//! with a hostile name and log line), blocked, skipped, running and queued jobs, and one
//! earlier run. Shared by the browser test and the screenshot example.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use archport_queue::{
    JobKey, JobState, ManualClock, NewJob, RunInfo, SqliteStore, StateStore, Transition,
};
use archport_schedule::Job;
use archport_status::{Extras, History, Status, build_status, classify_failures};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

/// The pkgbase no package should have: it must show as text on the page.
pub const HOSTILE: &str = "<script>alert(1)</script>";

/// The real makepkg logs of the triage crate's fixtures.
fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../triage/tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (pkgbase, version, repo, dependencies by pkgbase)
const JOBS: &[(&str, &str, &str, &[&str])] = &[
    ("zlib", "1:1.3.1-2", "core", &[]),
    ("openssl", "3.4.0-1", "core", &[]),
    ("curl", "8.11.1-1", "core", &["zlib", "openssl"]),
    ("python", "3.13.1-1", "core", &["zlib", "openssl"]),
    ("python-idna", "3.10-1", "extra", &["python"]),
    (
        "python-requests",
        "2.32.3-1",
        "extra",
        &["python", "python-idna"],
    ),
    ("rust", "1:1.83.0-1", "extra", &["zlib", "curl"]),
    (HOSTILE, "1.0-1", "extra", &[]),
    ("libfoo", "1.2-1", "extra", &[]),
    ("vim", "9.1.0866-1", "extra", &[]),
    ("ripgrep", "14.1.1-1", "extra", &["rust"]),
];

fn graph() -> Vec<Job> {
    let listed: Vec<&str> = JOBS
        .iter()
        .filter(|j| j.0 != "libfoo")
        .map(|j| j.0)
        .collect();
    listed
        .iter()
        .enumerate()
        .map(|(id, name)| {
            let deps = JOBS.iter().find(|j| j.0 == *name).map_or(&[][..], |j| j.3);
            Job {
                id,
                pkgbase: (*name).to_owned(),
                cycle_stage: None,
                deps: deps
                    .iter()
                    .filter_map(|d| listed.iter().position(|n| n == d))
                    .collect(),
                list_index: id,
                skipped_providers: Vec::new(),
            }
        })
        .collect()
}

fn new_jobs() -> Vec<NewJob> {
    JOBS.iter()
        .map(|(name, version, repo, _)| NewJob {
            key: JobKey::new(*name, 0),
            version: (*version).to_owned(),
            repo: (*repo).to_owned(),
            state: if *name == "libfoo" {
                JobState::Skipped
            } else {
                JobState::Queued
            },
            reason: (*name == "libfoo")
                .then(|| "skip=1 in the build list: 1.2-1 already in extra".to_owned()),
        })
        .collect()
}

struct Runner<'a> {
    store: &'a SqliteStore,
    clock: &'a ManualClock,
    run: archport_queue::RunId,
    logs: PathBuf,
}

impl Runner<'_> {
    fn log(&self, name: &str, text: &str) -> String {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.logs.join(format!("{safe}-{}-build.log", self.run));
        std::fs::write(&path, text).expect("demo world");
        path.display().to_string()
    }

    async fn go(&self, name: &str, state: JobState, f: impl FnOnce(&mut Transition)) {
        let mut t = Transition::new(JobKey::new(name, 0), state);
        f(&mut t);
        self.store.record(self.run, &t).await.expect("demo world");
    }

    async fn build(&self, name: &str, slot: u32, minutes: i64, log: &str) {
        let log = self.log(name, log);
        self.go(name, JobState::Building, |t| {
            t.slot = Some(slot);
            t.log = Some(log);
        })
        .await;
        self.clock.advance(TimeDelta::minutes(minutes));
        self.go(name, JobState::Built, |_| {}).await;
    }

    async fn fail(&self, name: &str, slot: u32, minutes: i64, reason: &str, log: &str) {
        let log = self.log(name, log);
        self.go(name, JobState::Building, |t| {
            t.slot = Some(slot);
            t.log = Some(log);
        })
        .await;
        self.clock.advance(TimeDelta::minutes(minutes));
        self.go(name, JobState::Failed, |t| {
            t.reason = Some(reason.to_owned())
        })
        .await;
    }

    async fn block(&self, name: &str, by: &str) {
        self.go(name, JobState::Blocked, |t| {
            t.reason = Some(format!("blocked by {by}"));
            t.blocked_by = Some(by.to_owned());
        })
        .await;
    }
}

fn ok_log(name: &str) -> String {
    format!("==> Making package: {name}\n==> Starting build()...\n==> Finished making: {name}\n")
}

/// The run, its status (with the ETA from the job graph on two slots) and the history the
/// status directory keeps, as of the run's last transition.
pub struct World {
    /// The status of the second run.
    pub status: Status,
    /// The history after recording both runs.
    pub history: History,
    /// The work directory (the store and `logs/`), kept alive for the logs.
    pub _workdir: tempfile::TempDir,
}

/// The world's start time: fixed, so the page reads the same every time.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 22, 0, 0)
        .single()
        .expect("demo world")
}

pub async fn world() -> World {
    let dir = tempfile::tempdir().expect("demo world");
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).expect("demo world");
    let clock = Arc::new(ManualClock::new(start() - TimeDelta::days(1)));
    let store = SqliteStore::open_with_clock(&dir.path().join("state.db"), clock.clone())
        .await
        .expect("demo world");
    let info = RunInfo {
        command: "build-packages --list packages_to_build.json".into(),
        list_path: "/srv/archport/packages_to_build.json".into(),
        list_timestamp: "2026-12-05T21:40:00Z".into(),
        host: "builder-a64".into(),
    };
    let mut history = History::default();

    // The night before: everything but openssl (checksum) built.
    let run = store
        .start_run(&info, &new_jobs())
        .await
        .expect("demo world");
    let r = Runner {
        store: &store,
        clock: &clock,
        run,
        logs: logs.clone(),
    };
    r.build("zlib", 0, 2, &ok_log("zlib")).await;
    r.fail(
        "openssl",
        1,
        1,
        "build: makechrootpkg exited with 255",
        &fixture("makepkg-checksum-fails.log"),
    )
    .await;
    for (name, minutes) in [
        ("python", 24),
        ("python-idna", 1),
        ("python-requests", 2),
        ("curl", 4),
        ("rust", 95),
        ("vim", 6),
        ("ripgrep", 9),
    ] {
        r.build(name, 0, minutes, &ok_log(name)).await;
    }
    store.finish_run(run).await.expect("demo world");
    history.record(&status_now(&store, run, &history, HashMap::new()).await);

    // Tonight's run.
    clock.set(start());
    let run = store
        .start_run(&info, &new_jobs())
        .await
        .expect("demo world");
    let r = Runner {
        store: &store,
        clock: &clock,
        run,
        logs: logs.clone(),
    };
    r.build("zlib", 0, 2, &ok_log("zlib")).await;
    r.fail(
        "openssl",
        1,
        1,
        "build: makechrootpkg exited with 255",
        &fixture("makepkg-checksum-fails.log"),
    )
    .await;
    r.fail(
        "python",
        0,
        21,
        "build: makechrootpkg exited with 255",
        &fixture("makepkg-build-fails.log"),
    )
    .await;
    r.block("python-idna", "python").await;
    r.block("python-requests", "python").await;
    r.fail(
        "curl",
        1,
        1,
        "build: makechrootpkg exited with 255",
        &fixture("makepkg-download-404.log"),
    )
    .await;
    // A source URL from a hostile PKGBUILD: the cause line carries markup and quotes.
    let hostile_log = format!(
        "==> Making package: {HOSTILE} 1.0-1\n==> Retrieving sources...\n\
         curl: (22) The requested URL returned error: 404\n\
         ==> ERROR: Failure while downloading https://example.org/{HOSTILE}\"'&amp;.tar.gz\n\
         \x20   Aborting...\n"
    );
    r.fail(
        HOSTILE,
        1,
        1,
        "build: makechrootpkg exited with 255",
        &hostile_log,
    )
    .await;
    // rust has been building for 40 of its 95 minutes; vim and ripgrep wait.
    let rust_log = r.log("rust", "==> Starting build()...\n   Compiling std v0.0.0\n");
    r.go("rust", JobState::Building, |t| {
        t.slot = Some(0);
        t.log = Some(rust_log);
    })
    .await;
    clock.advance(TimeDelta::minutes(40));
    let status = status_now(
        &store,
        run,
        &history,
        HashMap::from([(JobKey::new("rust", 0), "build".to_owned())]),
    )
    .await;
    history.record(&status);
    World {
        status,
        history,
        _workdir: dir,
    }
}

async fn status_now(
    store: &SqliteStore,
    run: archport_queue::RunId,
    history: &History,
    phases: HashMap<JobKey, String>,
) -> Status {
    let report = store
        .status()
        .await
        .expect("demo world")
        .expect("demo world");
    let jobs = store.jobs(run).await.expect("demo world");
    let extras = Extras {
        classifications: classify_failures(&report).await,
        durations: store.durations().await.expect("demo world"),
        graph: Some(graph()),
        slots: 2,
        phases,
        history: history.clone(),
        ..Extras::default()
    };
    build_status(&report, &jobs, &extras)
}
