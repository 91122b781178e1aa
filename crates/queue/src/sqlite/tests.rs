use chrono::{TimeDelta, TimeZone};
use sqlx::Connection;

use super::*;
use crate::model::JobState;
use crate::{ManualClock, UNKNOWN_BLOCKER};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    clock: Arc<ManualClock>,
    store: SqliteStore,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = default_path(dir.path());
    let clock = Arc::new(ManualClock::new(start()));
    let store = SqliteStore::open_with_clock(&path, clock.clone())
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        path,
        clock,
        store,
    }
}

fn info(command: &str) -> RunInfo {
    RunInfo {
        command: command.to_owned(),
        list_path: "/work/packages_to_build.json".to_owned(),
        list_timestamp: "2026-03-01T21:00:00Z".to_owned(),
        host: "buildbox".to_owned(),
    }
}

fn queued(pkgbase: &str, stage: u8, version: &str) -> NewJob {
    NewJob {
        key: JobKey::new(pkgbase, stage),
        version: version.to_owned(),
        repo: "core".to_owned(),
        state: JobState::Queued,
        reason: None,
    }
}

fn key(pkgbase: &str) -> JobKey {
    JobKey::new(pkgbase, 0)
}

fn building(pkgbase: &str, slot: u32) -> Transition {
    Transition {
        slot: Some(slot),
        log: Some(format!("/work/logs/{pkgbase}.log")),
        ..Transition::new(key(pkgbase), JobState::Building)
    }
}

fn secs(seconds: i64) -> TimeDelta {
    TimeDelta::seconds(seconds)
}

fn state_of(jobs: &[JobRecord], pkgbase: &str, stage: u8) -> JobRecord {
    jobs.iter()
        .find(|job| job.key == JobKey::new(pkgbase, stage))
        .unwrap_or_else(|| panic!("no job {pkgbase} stage {stage}"))
        .clone()
}

#[tokio::test]
async fn a_run_records_every_transition_with_times_slot_log_and_attempt() {
    let f = fixture().await;
    let mut skipped = queued("docs", 0, "1-1");
    skipped.state = JobState::Skipped;
    skipped.reason = Some("skip in the build list".to_owned());
    let run = f
        .store
        .start_run(
            &info("build-packages"),
            &[
                queued("zlib", 0, "1:1.3.1-2"),
                queued("gcc", 1, "14.2.1-1"),
                queued("gcc", 2, "14.2.1-1"),
                queued("curl", 0, "8.12.0-1"),
                skipped,
            ],
        )
        .await
        .unwrap();

    let record = f.store.record(run, &building("zlib", 0)).await.unwrap();
    assert_eq!((record.state, record.attempt), (JobState::Building, 1));
    assert_eq!(record.started_at, Some(start()));
    assert_eq!(record.slot, Some(0));

    f.clock.advance(secs(90));
    let record = f
        .store
        .record(run, &Transition::new(key("zlib"), JobState::Built))
        .await
        .unwrap();
    assert_eq!(record.state, JobState::Built);
    assert_eq!(record.finished_at, Some(start() + secs(90)));
    assert_eq!(record.duration_secs, Some(90.0));
    // Slot and log stay with the finished build.
    assert_eq!(record.slot, Some(0));
    assert_eq!(record.log.as_deref(), Some("/work/logs/zlib.log"));

    let gcc1 = JobKey::new("gcc", 1);
    f.store
        .record(
            run,
            &Transition {
                slot: Some(1),
                log: Some("/work/logs/gcc-1.log".to_owned()),
                ..Transition::new(gcc1.clone(), JobState::Building)
            },
        )
        .await
        .unwrap();
    f.clock.advance(secs(30));
    let failed = f
        .store
        .record(
            run,
            &Transition {
                reason: Some("build: makechrootpkg exited with 2".to_owned()),
                ..Transition::new(gcc1.clone(), JobState::Failed)
            },
        )
        .await
        .unwrap();
    assert_eq!(failed.duration_secs, Some(30.0));
    assert_eq!(failed.log.as_deref(), Some("/work/logs/gcc-1.log"));

    // Retried within the run: a new attempt with a fresh log.
    let requeued = f
        .store
        .record(run, &Transition::new(gcc1.clone(), JobState::Queued))
        .await
        .unwrap();
    assert_eq!(
        (
            requeued.slot,
            requeued.log,
            requeued.started_at,
            requeued.reason
        ),
        (None, None, None, None)
    );
    assert_eq!(requeued.queued_at, start() + secs(120));
    let again = f
        .store
        .record(
            run,
            &Transition {
                slot: Some(0),
                ..Transition::new(gcc1.clone(), JobState::Building)
            },
        )
        .await
        .unwrap();
    assert_eq!(again.attempt, 2);
    f.store
        .record(
            run,
            &Transition {
                reason: Some("build: makechrootpkg exited with 2".to_owned()),
                ..Transition::new(gcc1.clone(), JobState::Failed)
            },
        )
        .await
        .unwrap();
    for pkgbase in ["gcc", "curl"] {
        let stage = if pkgbase == "gcc" { 2 } else { 0 };
        f.store
            .record(
                run,
                &Transition {
                    reason: Some("blocked by gcc".to_owned()),
                    blocked_by: Some("gcc".to_owned()),
                    ..Transition::new(JobKey::new(pkgbase, stage), JobState::Blocked)
                },
            )
            .await
            .unwrap();
    }
    f.clock.advance(secs(5));
    f.store.finish_run(run).await.unwrap();

    let jobs = f.store.jobs(run).await.unwrap();
    let order: Vec<String> = jobs.iter().map(|job| job.key.to_string()).collect();
    assert_eq!(
        order,
        ["zlib", "gcc (stage 1)", "gcc (stage 2)", "curl", "docs"]
    );
    let states: Vec<JobState> = jobs.iter().map(|job| job.state).collect();
    assert_eq!(
        states,
        [
            JobState::Built,
            JobState::Failed,
            JobState::Blocked,
            JobState::Blocked,
            JobState::Skipped
        ]
    );
    let docs = state_of(&jobs, "docs", 0);
    assert_eq!(docs.reason.as_deref(), Some("skip in the build list"));
    let curl = state_of(&jobs, "curl", 0);
    assert_eq!(curl.blocked_by.as_deref(), Some("gcc"));
    assert_eq!(curl.duration_secs, None);

    let history: Vec<(String, JobState, u32)> = f
        .store
        .history(run)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.key.to_string(), t.state, t.attempt))
        .collect();
    let expected: Vec<(String, JobState, u32)> = [
        ("zlib", JobState::Queued, 0),
        ("gcc (stage 1)", JobState::Queued, 0),
        ("gcc (stage 2)", JobState::Queued, 0),
        ("curl", JobState::Queued, 0),
        ("docs", JobState::Skipped, 0),
        ("zlib", JobState::Building, 1),
        ("zlib", JobState::Built, 1),
        ("gcc (stage 1)", JobState::Building, 1),
        ("gcc (stage 1)", JobState::Failed, 1),
        ("gcc (stage 1)", JobState::Queued, 1),
        ("gcc (stage 1)", JobState::Building, 2),
        ("gcc (stage 1)", JobState::Failed, 2),
        ("gcc (stage 2)", JobState::Blocked, 0),
        ("curl", JobState::Blocked, 0),
    ]
    .into_iter()
    .map(|(name, state, attempt)| (name.to_owned(), state, attempt))
    .collect();
    assert_eq!(history, expected);

    let status = f.store.status().await.unwrap().unwrap();
    assert_eq!(status.run.id, run);
    assert_eq!(status.run.finished_at, Some(start() + secs(125)));
}

#[tokio::test]
async fn resume_keeps_builds_at_the_same_version_and_requeues_the_rest() {
    let f = fixture().await;
    assert_eq!(
        f.store.resume_run(&info("x"), &[]).await.unwrap(),
        None,
        "nothing to resume in an empty store"
    );
    let list = [
        queued("same", 0, "1-1"),
        queued("newer", 0, "1-1"),
        queued("crashed", 0, "1-1"),
        queued("stopped", 0, "1-1"),
        queued("broken", 0, "1-1"),
        queued("gone", 0, "1-1"),
    ];
    let run = f
        .store
        .start_run(&info("build-packages"), &list)
        .await
        .unwrap();
    for pkgbase in ["same", "newer", "gone"] {
        f.store.record(run, &building(pkgbase, 0)).await.unwrap();
        f.clock.advance(secs(10));
        f.store
            .record(run, &Transition::new(key(pkgbase), JobState::Built))
            .await
            .unwrap();
    }
    f.store.record(run, &building("stopped", 0)).await.unwrap();
    assert_eq!(f.store.mark_interrupted(run).await.unwrap(), 1);
    f.store.record(run, &building("broken", 0)).await.unwrap();
    f.store
        .record(run, &Transition::new(key("broken"), JobState::Failed))
        .await
        .unwrap();
    // Left building, as after kill -9.
    f.store.record(run, &building("crashed", 1)).await.unwrap();
    let before = f.store.jobs(run).await.unwrap();

    f.clock.advance(secs(3600));
    let new_list = [
        queued("fresh", 0, "1-1"),
        queued("same", 0, "1-1"),
        queued("newer", 0, "2-1"),
        queued("crashed", 0, "1-1"),
        queued("stopped", 0, "1-1"),
        queued("broken", 0, "1-1"),
    ];
    let resume = f
        .store
        .resume_run(&info("build-packages --continue"), &new_list)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        resume,
        Resume {
            run,
            already_built: vec![key("same")],
            interrupted: vec![key("crashed"), key("stopped")],
            retried: vec![key("broken")],
            version_changed: vec![key("newer")],
            added: vec![key("fresh")],
            dropped: vec![key("gone")],
        }
    );

    let jobs = f.store.jobs(run).await.unwrap();
    let order: Vec<&str> = jobs.iter().map(|job| job.key.pkgbase.as_str()).collect();
    assert_eq!(
        order,
        ["fresh", "same", "newer", "crashed", "stopped", "broken"]
    );
    // Built at the same version: untouched, times and all.
    assert_eq!(state_of(&jobs, "same", 0), state_of(&before, "same", 0));
    let newer = state_of(&jobs, "newer", 0);
    assert_eq!(
        (
            newer.state,
            newer.version.as_str(),
            newer.attempt,
            newer.finished_at
        ),
        (JobState::Queued, "2-1", 0, None)
    );
    for (pkgbase, attempt) in [("crashed", 1), ("stopped", 1), ("broken", 1)] {
        let job = state_of(&jobs, pkgbase, 0);
        assert_eq!(
            (job.state, job.attempt),
            (JobState::Queued, attempt),
            "{pkgbase}"
        );
        assert_eq!(job.queued_at, start() + secs(3630));
    }
    let fresh = state_of(&jobs, "fresh", 0);
    assert_eq!((fresh.state, fresh.attempt), (JobState::Queued, 0));

    // The interrupted build is rebuilt as its next attempt.
    let rebuilt = f.store.record(run, &building("crashed", 0)).await.unwrap();
    assert_eq!(rebuilt.attempt, 2);

    // The crash shows in the history as an interruption; the dropped job keeps its history.
    let history = f.store.history(run).await.unwrap();
    let crashed: Vec<JobState> = history
        .iter()
        .filter(|t| t.key == key("crashed"))
        .map(|t| t.state)
        .collect();
    assert_eq!(
        crashed,
        [
            JobState::Queued,
            JobState::Building,
            JobState::Interrupted,
            JobState::Queued,
            JobState::Building
        ]
    );
    assert!(
        history
            .iter()
            .any(|t| t.key == key("gone") && t.state == JobState::Built)
    );

    let status = f.store.status().await.unwrap().unwrap();
    assert_eq!(status.run.command, "build-packages --continue");
    assert_eq!(status.run.resumes, 1);
    assert_eq!(status.run.resumed_at, Some(start() + secs(3630)));
    assert_eq!(status.run.started_at, start());
    assert_eq!(status.total, 6);
}

#[tokio::test]
async fn the_database_is_in_wal_mode_with_full_sync_and_survives_reopening() {
    let f = fixture().await;
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&f.store.pool)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    // 2 is FULL: the WAL is fsynced at every commit.
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&f.store.pool)
        .await
        .unwrap();
    assert_eq!(synchronous, 2);
    let run = f
        .store
        .start_run(&info("build-packages"), &[queued("zlib", 0, "1-1")])
        .await
        .unwrap();
    f.store.record(run, &building("zlib", 0)).await.unwrap();
    f.store.clone().close().await;

    // WAL mode is a property of the file: a plain connection sees it too.
    let url = format!("sqlite://{}", f.path.display());
    let mut plain = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut plain)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    plain.close().await.unwrap();

    let reopened = SqliteStore::open(&f.path).await.unwrap();
    let jobs = reopened.jobs(run).await.unwrap();
    assert_eq!(jobs[0].state, JobState::Building);
}

#[tokio::test]
async fn status_reports_counts_running_failures_and_blocked_groups() {
    let f = fixture().await;
    assert_eq!(f.store.status().await.unwrap(), None);
    let list = [
        queued("zlib", 0, "1-1"),
        queued("openssl", 0, "3.4.1-1"),
        queued("curl", 0, "8.12.0-1"),
        queued("git", 0, "2.48.1-1"),
        queued("python", 0, "3.13.2-1"),
        queued("gcc", 1, "14.2.1-1"),
        queued("vim", 0, "9.1-1"),
    ];
    let run = f
        .store
        .start_run(&info("build-packages"), &list)
        .await
        .unwrap();
    f.store.record(run, &building("openssl", 1)).await.unwrap();
    f.clock.advance(secs(12));
    f.store
        .record(
            run,
            &Transition {
                reason: Some("check: 3 tests failed".to_owned()),
                ..Transition::new(key("openssl"), JobState::Failed)
            },
        )
        .await
        .unwrap();
    for (pkgbase, blocker) in [
        ("curl", Some("openssl")),
        ("git", Some("openssl")),
        ("vim", None),
    ] {
        f.store
            .record(
                run,
                &Transition {
                    blocked_by: blocker.map(str::to_owned),
                    ..Transition::new(key(pkgbase), JobState::Blocked)
                },
            )
            .await
            .unwrap();
    }
    f.store.record(run, &building("python", 1)).await.unwrap();
    f.store
        .record(
            run,
            &Transition {
                slot: Some(0),
                log: Some("/work/logs/gcc-1.log".to_owned()),
                ..Transition::new(JobKey::new("gcc", 1), JobState::Building)
            },
        )
        .await
        .unwrap();
    f.clock.advance(secs(75));

    let status = f.store.status().await.unwrap().unwrap();
    assert_eq!(status.generated_at, start() + secs(87));
    assert_eq!(status.total, 7);
    let counts: Vec<(JobState, usize)> = status.counts.clone().into_iter().collect();
    assert_eq!(
        counts,
        [
            (JobState::Queued, 1),
            (JobState::Building, 2),
            (JobState::Built, 0),
            (JobState::Failed, 1),
            (JobState::Blocked, 3),
            (JobState::Skipped, 0),
            (JobState::Interrupted, 0),
        ]
    );
    let running: Vec<(String, Option<u32>, f64, Option<&str>)> = status
        .running
        .iter()
        .map(|job| {
            (
                job.key.to_string(),
                job.slot,
                job.elapsed_secs,
                job.log.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        running,
        [
            (
                "gcc (stage 1)".to_owned(),
                Some(0),
                75.0,
                Some("/work/logs/gcc-1.log")
            ),
            (
                "python".to_owned(),
                Some(1),
                75.0,
                Some("/work/logs/python.log")
            ),
        ]
    );
    assert_eq!(status.failures.len(), 1);
    let failure = &status.failures[0];
    assert_eq!(failure.key, key("openssl"));
    assert_eq!(failure.version, "3.4.1-1");
    assert_eq!(failure.reason.as_deref(), Some("check: 3 tests failed"));
    assert_eq!(failure.log.as_deref(), Some("/work/logs/openssl.log"));
    let blocked: Vec<(&str, Vec<String>)> = status
        .blocked
        .iter()
        .map(|(by, keys)| (by.as_str(), keys.iter().map(JobKey::to_string).collect()))
        .collect();
    assert_eq!(
        blocked,
        [
            ("openssl", vec!["curl".to_owned(), "git".to_owned()]),
            (UNKNOWN_BLOCKER, vec!["vim".to_owned()]),
        ]
    );

    // The JSON for scripts: lowercase state keys, RFC 3339 times.
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["counts"]["blocked"], 3);
    assert_eq!(json["counts"]["interrupted"], 0);
    assert_eq!(json["run"]["id"], run.0);
    assert_eq!(json["run"]["started_at"], "2026-03-01T22:00:00Z");
    assert_eq!(json["run"]["finished_at"], serde_json::Value::Null);
    assert_eq!(json["running"][0]["key"]["pkgbase"], "gcc");
    assert_eq!(json["running"][0]["key"]["cycle_stage"], 1);
    assert_eq!(json["running"][0]["elapsed_secs"], 75.0);
    assert_eq!(json["failures"][0]["log"], "/work/logs/openssl.log");
    assert_eq!(json["blocked"]["openssl"][1]["pkgbase"], "git");
}

#[tokio::test]
async fn durations_are_the_last_successful_build_of_each_pkgbase_across_runs() {
    let f = fixture().await;
    let list = [
        queued("zlib", 0, "1-1"),
        queued("gcc", 1, "14-1"),
        queued("gcc", 2, "14-1"),
        queued("rust", 0, "1.85-1"),
    ];
    let first = f
        .store
        .start_run(&info("build-packages"), &list)
        .await
        .unwrap();
    let build = |run: RunId, key: JobKey, seconds: i64, end: JobState| {
        let store = &f.store;
        let clock = &f.clock;
        async move {
            store
                .record(run, &Transition::new(key.clone(), JobState::Building))
                .await
                .unwrap();
            clock.advance(secs(seconds));
            store.record(run, &Transition::new(key, end)).await.unwrap();
        }
    };
    build(first, key("zlib"), 20, JobState::Built).await;
    build(first, JobKey::new("gcc", 1), 600, JobState::Built).await;
    build(first, JobKey::new("gcc", 2), 700, JobState::Built).await;
    build(first, key("rust"), 50, JobState::Failed).await;

    let second = f
        .store
        .start_run(
            &info("build-packages"),
            &[queued("zlib", 0, "1-2"), queued("rust", 0, "1.85-1")],
        )
        .await
        .unwrap();
    build(second, key("zlib"), 25, JobState::Built).await;
    build(second, key("rust"), 9, JobState::Interrupted).await;

    let durations = f.store.durations().await.unwrap();
    let mut sorted: Vec<(String, f64)> = durations.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    // gcc: its later (stage 2) build; zlib: the second run; rust never built.
    assert_eq!(
        sorted,
        [("gcc".to_owned(), 700.0), ("zlib".to_owned(), 25.0)]
    );
}

#[tokio::test]
async fn starting_a_run_interrupts_builds_left_over_from_a_crashed_one() {
    let f = fixture().await;
    let old = f
        .store
        .start_run(&info("build-packages"), &[queued("zlib", 0, "1-1")])
        .await
        .unwrap();
    f.store.record(old, &building("zlib", 0)).await.unwrap();
    f.clock.advance(secs(40));
    let new = f
        .store
        .start_run(&info("build-packages"), &[queued("zlib", 0, "1-1")])
        .await
        .unwrap();
    assert_ne!(old, new);
    let old_jobs = f.store.jobs(old).await.unwrap();
    assert_eq!(old_jobs[0].state, JobState::Interrupted);
    assert_eq!(old_jobs[0].duration_secs, Some(40.0));
    let new_jobs = f.store.jobs(new).await.unwrap();
    assert_eq!(
        (new_jobs[0].state, new_jobs[0].attempt),
        (JobState::Queued, 0)
    );
    assert_eq!(f.store.status().await.unwrap().unwrap().run.id, new);
}

#[tokio::test]
async fn errors_name_the_database_and_what_was_wrong() {
    let f = fixture().await;
    let db = f.path.display().to_string();
    let run = f
        .store
        .start_run(&info("build-packages"), &[queued("zlib", 0, "1-1")])
        .await
        .unwrap();

    let error = f.store.record(run, &building("nope", 0)).await.unwrap_err();
    assert!(matches!(error, QueueError::UnknownJob { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("{db}: run {run} has no job nope")
    );

    let error = f
        .store
        .start_run(&info("x"), &[queued("a", 1, "1-1"), queued("a", 1, "1-1")])
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{db}: job a (stage 1) is listed twice")
    );

    let mut bad = queued("a", 0, "1-1");
    bad.state = JobState::Built;
    let error = f.store.resume_run(&info("x"), &[bad]).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{db}: job a cannot enter a run as built: only queued or skipped")
    );

    let missing = RunId(run.0 + 100);
    for error in [
        f.store.mark_interrupted(missing).await.unwrap_err(),
        f.store.finish_run(missing).await.unwrap_err(),
        f.store.jobs(missing).await.unwrap_err(),
        f.store.history(missing).await.unwrap_err(),
    ] {
        assert_eq!(
            error.to_string(),
            format!("{db}: there is no run {missing}")
        );
    }
    // The failed calls changed nothing.
    assert_eq!(f.store.jobs(run).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_unusable_location_is_reported_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let path = blocker.join("build-state").join("queue.sqlite");
    let error = SqliteStore::open(&path).await.unwrap_err();
    assert!(matches!(error, QueueError::CreateDir { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with(&format!(
            "{}: cannot create the build-state directory: ",
            path.display()
        )),
        "{error}"
    );
}

#[test]
fn the_default_path_is_under_build_state() {
    assert_eq!(
        default_path(Path::new("/srv/work")),
        Path::new("/srv/work/build-state/queue.sqlite")
    );
}
