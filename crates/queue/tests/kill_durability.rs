//! Durability under `kill -9`: a child process (this test binary, re-executed with
//! `KILL_CHILD_DB` set) records build transitions without end, printing each one after its
//! commit returns; the parent kills it with SIGKILL, collects everything it printed, reopens
//! the database and checks that the stored history is exactly the printed one (plus at most
//! the one transition committed but not yet printed), and that resuming requeues the build
//! the kill cut short.
//!
//! `harness = false`: the binary needs its own `main` to act as the child.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use archport_queue::{
    JobKey, JobState, NewJob, RunId, RunInfo, SqliteStore, StateStore, Transition,
};

const CHILD_ENV: &str = "KILL_CHILD_DB";
const JOBS: usize = 30;
/// How many printed transitions the parent waits for before killing.
const KILL_AFTER: usize = 45;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    match std::env::var_os(CHILD_ENV) {
        Some(db) => runtime.block_on(child(Path::new(&db))),
        None => {
            runtime.block_on(parent());
            println!("test kill_durability ... ok");
        }
    }
}

fn pkgbase(index: usize) -> String {
    format!("pkg{index:02}")
}

fn list() -> Vec<NewJob> {
    (0..JOBS)
        .map(|index| NewJob {
            key: JobKey::new(pkgbase(index), 0),
            version: "1.0-1".to_owned(),
            repo: "extra".to_owned(),
            state: JobState::Queued,
            reason: None,
        })
        .collect()
}

fn info() -> RunInfo {
    RunInfo {
        command: "build-packages".to_owned(),
        list_path: "packages_to_build.json".to_owned(),
        list_timestamp: "2026-03-01T21:00:00Z".to_owned(),
        host: "test".to_owned(),
    }
}

/// Builds the jobs over and over (requeueing them after the first pass), printing
/// `<pkgbase> <state>` once each transition is committed. Only a signal stops it.
async fn child(db: &Path) {
    let store = SqliteStore::open(db).await.unwrap();
    let run = store.start_run(&info(), &list()).await.unwrap();
    println!("run {}", run.0);
    for pass in 0usize.. {
        for index in 0..JOBS {
            let states: &[JobState] = if pass == 0 {
                &[JobState::Building, JobState::Built]
            } else {
                &[JobState::Queued, JobState::Building, JobState::Built]
            };
            for &state in states {
                let transition = Transition {
                    slot: Some(0),
                    log: Some(format!("/logs/{}.log", pkgbase(index))),
                    ..Transition::new(JobKey::new(pkgbase(index), 0), state)
                };
                store.record(run, &transition).await.unwrap();
                println!("{} {state}", pkgbase(index));
            }
        }
    }
}

/// Kills the child when dropped, so a failing parent never leaves it running.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn parse(line: &str) -> (String, JobState) {
    let (name, state) = line.split_once(' ').unwrap();
    (name.to_owned(), state.parse().unwrap())
}

async fn parent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("build-state").join("queue.sqlite");
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe().unwrap())
            .env(CHILD_ENV, &db)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let run_line = lines.next().unwrap().unwrap();
    let run = RunId(run_line.strip_prefix("run ").unwrap().parse().unwrap());

    let mut reported: Vec<(String, JobState)> = Vec::new();
    for _ in 0..KILL_AFTER {
        reported.push(parse(&lines.next().unwrap().unwrap()));
    }
    // Child::kill is SIGKILL on Unix; the child never stops on its own.
    child.0.kill().unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status:?}"
    );
    // Whatever it printed before dying was committed too.
    for line in lines {
        reported.push(parse(&line.unwrap()));
    }

    let store = SqliteStore::open(&db).await.unwrap();
    let integrity: String = {
        let url = format!("sqlite://{}", db.display());
        let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut connection)
            .await
            .unwrap()
    };
    assert_eq!(integrity, "ok");

    let history = store.history(run).await.unwrap();
    assert!(
        history[..JOBS]
            .iter()
            .all(|transition| transition.state == JobState::Queued),
        "the run starts with its jobs queued"
    );
    let stored: Vec<(String, JobState)> = history[JOBS..]
        .iter()
        .map(|transition| (transition.key.pkgbase.clone(), transition.state))
        .collect();
    // Every printed transition is stored, in order; the child may have committed one more
    // before the kill reached it between commit and print.
    assert!(
        stored.len() == reported.len() || stored.len() == reported.len() + 1,
        "{} stored, {} reported",
        stored.len(),
        reported.len()
    );
    assert_eq!(stored[..reported.len()], reported[..]);

    // The jobs table agrees with the history: each job's state is its last transition.
    let mut last: BTreeMap<String, JobState> = (0..JOBS)
        .map(|index| (pkgbase(index), JobState::Queued))
        .collect();
    for (name, state) in &stored {
        last.insert(name.clone(), *state);
    }
    let jobs = store.jobs(run).await.unwrap();
    let table: BTreeMap<String, JobState> = jobs
        .iter()
        .map(|job| (job.key.pkgbase.clone(), job.state))
        .collect();
    assert_eq!(table, last);

    // Resuming keeps what was built and requeues the build the kill cut short, if any.
    let in_state = |wanted: JobState| -> Vec<JobKey> {
        jobs.iter()
            .filter(|job| job.state == wanted)
            .map(|job| job.key.clone())
            .collect()
    };
    let (was_building, was_built) = (in_state(JobState::Building), in_state(JobState::Built));
    assert!(was_building.len() <= 1, "{was_building:?}");
    let resume = store.resume_run(&info(), &list()).await.unwrap().unwrap();
    assert_eq!(resume.interrupted, was_building);
    assert_eq!(resume.already_built, was_built);
    assert!(!resume.already_built.is_empty());
}
