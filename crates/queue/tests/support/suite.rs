//! The one test suite every backend passes: the pull model's state machine, claims in
//! priority order with readiness, leases and their expiry, fencing, the failure cascade,
//! `--stop-on-failure`, resuming, the status report, concurrent claims and publishing locks.
//! Each test takes a fresh, empty store whose clock is `clock`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use archport_queue::{
    Claim, FenceToken, Fenced, JobKey, JobResult, JobState, Lease, ManualClock, NewJob,
    PkgbuildArchive, QueueError, Refusal, RunId, RunInfo, RunOptions, StateStore, Transition,
    WorkJob, WorkQueue, render_status,
};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

/// Every test of the suite, for the including binary's `$m!` to instantiate.
#[macro_export]
macro_rules! for_each_suite_test {
    ($m:ident) => {
        $m!(
            claims_follow_priority_and_readiness,
            leases_expire_and_stale_tokens_are_refused,
            the_reaper_makes_expired_jobs_claimable,
            a_failure_blocks_dependents_and_stop_on_failure_stops_claims,
            a_build_that_is_not_published_blocks_a_publishing_run,
            resume_keeps_built_and_live_builds_and_requeues_the_rest,
            status_lists_every_host_and_who_built_each_job,
            concurrent_claims_never_hand_out_the_same_job,
            pkgbuild_archives_travel_with_the_job_and_are_capped,
            publish_locks_exclude_each_other_per_repository,
            a_retried_result_is_accepted_once_and_the_run_finishes,
            the_single_host_state_machine_records_and_resumes,
            a_build_stopped_while_publishing_is_claimed_as_built_with_its_entry_and_log
        );
    };
}

/// The clock every test starts at.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0)
        .single()
        .expect("a valid time")
}

/// A store the suite can drive from many tasks.
pub trait Store: StateStore + WorkQueue + Clone + Send + Sync + 'static {}
impl<S: StateStore + WorkQueue + Clone + Send + Sync + 'static> Store for S {}

const LEASE: Duration = Duration::from_secs(600);

fn info() -> RunInfo {
    RunInfo {
        command: "build-packages --json list.json".to_owned(),
        list_path: "/work/list.json".to_owned(),
        list_timestamp: "2026-03-01T21:00:00Z".to_owned(),
        host: "box-1".to_owned(),
    }
}

fn key(pkgbase: &str) -> JobKey {
    JobKey::new(pkgbase, 0)
}

fn job(pkgbase: &str, priority: f64, deps: &[&str]) -> WorkJob {
    WorkJob {
        job: NewJob {
            key: key(pkgbase),
            version: "1.0-1".to_owned(),
            repo: "core".to_owned(),
            state: JobState::Queued,
            reason: None,
        },
        deps: deps.iter().map(|dep| key(dep)).collect(),
        priority,
        pkgbuild: None,
        entry: None,
    }
}

fn skipped(pkgbase: &str) -> WorkJob {
    let mut job = job(pkgbase, 0.0, &[]);
    job.job.state = JobState::Skipped;
    job.job.reason = Some("skip in the build list".to_owned());
    job
}

fn secs(seconds: i64) -> TimeDelta {
    TimeDelta::seconds(seconds)
}

async fn claimed<S: Store>(store: &S, run: RunId, host: &str, slot: u32) -> Lease {
    match store
        .claim(run, host, slot, LEASE)
        .await
        .expect("the store answers")
    {
        Claim::Claimed(lease) => lease,
        other => panic!("{host} slot {slot} expected a job, got {other:?}"),
    }
}

async fn state_of<S: Store>(store: &S, run: RunId, pkgbase: &str) -> JobState {
    store
        .jobs(run)
        .await
        .expect("the store answers")
        .into_iter()
        .find(|job| job.key == key(pkgbase))
        .unwrap_or_else(|| panic!("no job {pkgbase}"))
        .state
}

async fn publish<S: Store>(store: &S, lease: &Lease) {
    assert_eq!(
        store.begin_publish(lease).await.expect("the store answers"),
        Fenced::Accepted(())
    );
    let done = store
        .finish(lease, &JobResult::Published)
        .await
        .expect("the store answers");
    assert!(done.is_accepted(), "{done:?}");
}

fn publishing() -> RunOptions {
    RunOptions::default()
}

pub async fn claims_follow_priority_and_readiness<S: Store>(store: S, _clock: Arc<ManualClock>) {
    // b waits for a; e waits only for a skipped job, which counts as available.
    let run = store
        .create_run(
            &info(),
            publishing(),
            &[
                job("a", 10.0, &[]),
                job("b", 9.0, &["a"]),
                job("c", 7.0, &[]),
                skipped("d"),
                job("e", 1.0, &["d"]),
            ],
        )
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    assert_eq!((a.key.clone(), a.attempt, a.slot), (key("a"), 1, 0));
    assert_eq!(a.expires_at, start() + secs(600));
    let c = claimed(&store, run, "box-2", 0).await;
    assert_eq!(c.key, key("c"), "b is not ready: a is not published");
    let e = claimed(&store, run, "box-1", 1).await;
    assert_eq!(e.key, key("e"));
    assert!(a.token < c.token && c.token < e.token, "tokens only grow");
    assert_eq!(
        store
            .claim(run, "box-2", 1, LEASE)
            .await
            .expect("the store answers"),
        Claim::Wait { building: 3 }
    );
    // Built is not enough in a publishing run: other hosts install from the repository.
    assert!(
        store
            .begin_publish(&a)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    assert_eq!(
        store
            .claim(run, "box-2", 1, LEASE)
            .await
            .expect("the store answers"),
        Claim::Wait { building: 3 }
    );
    let done = store
        .finish(&a, &JobResult::Published)
        .await
        .expect("the store answers");
    let Fenced::Accepted(done) = done else {
        panic!("{done:?}")
    };
    assert_eq!(done.record.state, JobState::Built);
    assert_eq!(done.record.host.as_deref(), Some("box-1"));
    let b = claimed(&store, run, "box-2", 1).await;
    assert_eq!(b.key, key("b"));
    assert_eq!(state_of(&store, run, "d").await, JobState::Skipped);
}

pub async fn leases_expire_and_stale_tokens_are_refused<S: Store>(
    store: S,
    clock: Arc<ManualClock>,
) {
    let run = store
        .create_run(
            &info(),
            publishing(),
            &[job("a", 1.0, &[]), job("b", 0.5, &["a"])],
        )
        .await
        .expect("the store answers");
    let old = claimed(&store, run, "box-1", 0).await;
    clock.advance(secs(300));
    assert_eq!(
        store.heartbeat(&old).await.expect("the store answers"),
        Fenced::Accepted(start() + secs(900)),
        "renewed to now + lease"
    );
    // Past the renewed lease the holder may do nothing: the calls record nothing.
    clock.advance(secs(600));
    let expired = Refusal::LeaseExpired {
        expired_at: start() + secs(900),
    };
    assert_eq!(
        store.heartbeat(&old).await.expect("the store answers"),
        Fenced::Refused(expired.clone())
    );
    assert_eq!(
        store.begin_publish(&old).await.expect("the store answers"),
        Fenced::Refused(expired)
    );
    let history_before = store.history(run).await.expect("the store answers").len();
    let refused = store
        .finish(&old, &JobResult::Published)
        .await
        .expect("the store answers");
    assert!(!refused.is_accepted(), "{refused:?}");
    assert_eq!(
        store.history(run).await.expect("the store answers").len(),
        history_before
    );
    assert_eq!(state_of(&store, run, "a").await, JobState::Building);

    // Another host claims it as a new attempt with a newer token.
    let new = claimed(&store, run, "box-2", 3).await;
    assert_eq!((new.key.clone(), new.attempt), (key("a"), 2));
    assert!(new.token > old.token);
    let stale = Refusal::StaleToken {
        presented: old.token,
        current: Some(new.token),
    };
    assert_eq!(
        store.heartbeat(&old).await.expect("the store answers"),
        Fenced::Refused(stale.clone())
    );
    assert_eq!(
        store.begin_publish(&old).await.expect("the store answers"),
        Fenced::Refused(stale)
    );
    let refused = store
        .finish(
            &old,
            &JobResult::Failed {
                phase: "build".to_owned(),
                cause: "late".to_owned(),
            },
        )
        .await
        .expect("the store answers");
    assert!(matches!(
        refused,
        Fenced::Refused(Refusal::StaleToken { .. })
    ));
    assert_eq!(state_of(&store, run, "a").await, JobState::Building);
    publish(&store, &new).await;

    let states: Vec<(JobState, u32)> = store
        .history(run)
        .await
        .expect("the store answers")
        .into_iter()
        .filter(|t| t.key == key("a"))
        .map(|t| (t.state, t.attempt))
        .collect();
    assert_eq!(
        states,
        [
            (JobState::Queued, 0),
            (JobState::Building, 1),
            (JobState::Interrupted, 1),
            (JobState::Building, 2),
            (JobState::Built, 2),
        ]
    );
    let a = store.jobs(run).await.expect("the store answers").remove(0);
    assert_eq!(a.host.as_deref(), Some("box-2"), "the host that built it");
    assert_eq!(a.slot, Some(3));
    // The fake token of nobody is refused too.
    let forged = Lease {
        token: FenceToken(new.token.0 + 1000),
        ..new.clone()
    };
    assert!(
        !store
            .heartbeat(&forged)
            .await
            .expect("the store answers")
            .is_accepted()
    );
}

pub async fn the_reaper_makes_expired_jobs_claimable<S: Store>(store: S, clock: Arc<ManualClock>) {
    let run = store
        .create_run(
            &info(),
            publishing(),
            &[job("a", 2.0, &[]), job("b", 1.0, &[])],
        )
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    clock.advance(secs(60));
    let b = claimed(&store, run, "box-2", 0).await;
    assert!(
        store
            .reap_expired(run)
            .await
            .expect("the store answers")
            .is_empty()
    );
    clock.advance(secs(570));
    // a's lease ran out (600 s after its claim), b's has 30 s left.
    assert_eq!(
        store.reap_expired(run).await.expect("the store answers"),
        [key("a")]
    );
    let jobs = store.jobs(run).await.expect("the store answers");
    assert_eq!(jobs[0].state, JobState::Interrupted);
    assert_eq!(
        jobs[0].reason.as_deref(),
        Some("the lease of box-1 expired")
    );
    assert_eq!(jobs[1].state, JobState::Building);
    assert!(matches!(
        store.heartbeat(&a).await.expect("the store answers"),
        Fenced::Refused(Refusal::NotBuilding {
            state: JobState::Interrupted
        })
    ));
    assert!(
        store
            .heartbeat(&b)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    let again = claimed(&store, run, "box-3", 0).await;
    assert_eq!((again.key, again.attempt), (key("a"), 2));
}

pub async fn a_failure_blocks_dependents_and_stop_on_failure_stops_claims<S: Store>(
    store: S,
    _clock: Arc<ManualClock>,
) {
    let options = RunOptions {
        stop_on_failure: true,
        require_publish: true,
    };
    // a <- b <- c, a <- d; x and y stand alone.
    let run = store
        .create_run(
            &info(),
            options,
            &[
                job("a", 10.0, &[]),
                job("x", 9.0, &[]),
                job("b", 8.0, &["a"]),
                job("c", 7.0, &["b"]),
                job("d", 6.0, &["a"]),
                job("y", 1.0, &[]),
            ],
        )
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    let x = claimed(&store, run, "box-2", 0).await;
    assert_eq!(x.key, key("x"));
    let failed = store
        .finish(
            &a,
            &JobResult::Failed {
                phase: "build".to_owned(),
                cause: "makechrootpkg exited with 2".to_owned(),
            },
        )
        .await
        .expect("the store answers");
    let Fenced::Accepted(failed) = failed else {
        panic!("{failed:?}")
    };
    assert_eq!(failed.blocked, [key("b"), key("c"), key("d")]);
    assert!(failed.stopped_run);
    assert_eq!(
        failed.record.reason.as_deref(),
        Some("build: makechrootpkg exited with 2")
    );
    // No host claims anything new; the running build on box-2 still ends normally.
    assert_eq!(
        store
            .claim(run, "box-3", 0, LEASE)
            .await
            .expect("the store answers"),
        Claim::Stopped
    );
    publish(&store, &x).await;
    let jobs = store.jobs(run).await.expect("the store answers");
    let c = jobs
        .iter()
        .find(|job| job.key == key("c"))
        .expect("the store answers");
    assert_eq!(
        (c.state, c.reason.as_deref(), c.blocked_by.as_deref()),
        (JobState::Blocked, Some("blocked by a"), Some("a"))
    );
    let status = store.run_status(run).await.expect("the store answers");
    assert_eq!(status.counts[&JobState::Failed], 1);
    assert_eq!(status.counts[&JobState::Blocked], 3);
    assert_eq!(status.counts[&JobState::Queued], 1, "y was never claimed");
    assert_eq!(status.blocked["a"], [key("b"), key("c"), key("d")]);
    assert_eq!(status.failures[0].host.as_deref(), Some("box-1"));
}

pub async fn a_build_that_is_not_published_blocks_a_publishing_run<S: Store>(
    store: S,
    _clock: Arc<ManualClock>,
) {
    let run = store
        .create_run(
            &info(),
            publishing(),
            &[job("a", 2.0, &[]), job("b", 1.0, &["a"])],
        )
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    let done = store
        .finish(&a, &JobResult::BuiltNotPublished)
        .await
        .expect("the store answers");
    let Fenced::Accepted(done) = done else {
        panic!("{done:?}")
    };
    assert_eq!(done.record.state, JobState::Built);
    assert_eq!(done.blocked, [key("b")]);
    assert!(!done.stopped_run);
    assert_eq!(
        store
            .claim(run, "box-1", 0, LEASE)
            .await
            .expect("the store answers"),
        Claim::Finished
    );

    // Without publishing (--no-upload), built is enough.
    let run = store
        .create_run(
            &info(),
            RunOptions {
                stop_on_failure: false,
                require_publish: false,
            },
            &[job("a", 2.0, &[]), job("b", 1.0, &["a"])],
        )
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    assert!(
        store
            .finish(&a, &JobResult::BuiltNotPublished)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    assert_eq!(claimed(&store, run, "box-1", 0).await.key, key("b"));
}

pub async fn resume_keeps_built_and_live_builds_and_requeues_the_rest<S: Store>(
    store: S,
    clock: Arc<ManualClock>,
) {
    let list = [
        job("a", 10.0, &[]),
        job("b", 9.0, &["a"]),
        job("c", 8.0, &[]),
        job("old", 7.0, &[]),
        job("gone", 6.0, &[]),
    ];
    let options = RunOptions {
        stop_on_failure: true,
        require_publish: true,
    };
    let run = store
        .create_run(&info(), options, &list)
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    publish(&store, &a).await;
    let b = claimed(&store, run, "box-1", 0).await;
    let old = claimed(&store, run, "box-3", 0).await;
    assert_eq!(old.key, key("c"));
    clock.advance(secs(300));
    assert!(
        store
            .heartbeat(&b)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    clock.advance(secs(400));
    // c's lease ran out; "old" is claimed now and builds on box-2 under a live lease.
    let live = claimed(&store, run, "box-2", 0).await;
    assert_eq!(live.key, key("old"));
    let failed = store
        .finish(
            &b,
            &JobResult::Failed {
                phase: "check".to_owned(),
                cause: "tests failed".to_owned(),
            },
        )
        .await
        .expect("the store answers");
    assert!(failed.is_accepted());
    assert_eq!(
        store
            .claim(run, "box-1", 0, LEASE)
            .await
            .expect("the store answers"),
        Claim::Stopped
    );

    let mut resumed_list = vec![
        job("a", 10.0, &[]),
        job("b", 9.0, &["a"]),
        job("c", 8.0, &[]),
        job("old", 7.0, &[]),
        job("new", 5.0, &["b"]),
    ];
    resumed_list[2].job.version = "2.0-1".to_owned();
    let resume = store
        .resume_work(&info(), options, &resumed_list)
        .await
        .expect("the store answers")
        .expect("the store answers");
    assert_eq!(resume.run, run);
    assert_eq!(resume.already_built, [key("a")]);
    assert_eq!(resume.retried, [key("b")]);
    assert_eq!(resume.version_changed, [key("c")]);
    assert_eq!(resume.added, [key("new")]);
    assert_eq!(resume.dropped, [key("gone")]);
    assert!(resume.interrupted.is_empty(), "{resume:?}");
    // The live build goes on untouched, and its holder can still finish it.
    assert_eq!(state_of(&store, run, "old").await, JobState::Building);
    assert!(
        store
            .heartbeat(&live)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    // The stop is lifted; b is ready again (a stays published), c afresh at attempt 1.
    let b2 = claimed(&store, run, "box-1", 0).await;
    assert_eq!((b2.key.clone(), b2.attempt), (key("b"), 2));
    let c2 = claimed(&store, run, "box-1", 1).await;
    assert_eq!(
        (c2.key, c2.attempt, c2.version),
        (key("c"), 1, "2.0-1".to_owned())
    );
    assert_eq!(
        store
            .claim(run, "box-1", 2, LEASE)
            .await
            .expect("the store answers"),
        Claim::Wait { building: 3 },
        "new waits for b"
    );
    publish(&store, &b2).await;
    assert_eq!(claimed(&store, run, "box-1", 2).await.key, key("new"));
    assert_eq!(
        store.current_run().await.expect("the store answers"),
        Some(run)
    );
}

pub async fn status_lists_every_host_and_who_built_each_job<S: Store>(
    store: S,
    clock: Arc<ManualClock>,
) {
    let run = store
        .create_run(
            &info(),
            publishing(),
            &[job("a", 3.0, &[]), job("b", 2.0, &[]), job("c", 1.0, &[])],
        )
        .await
        .expect("the store answers");
    store
        .host_heartbeat(run, "box-1", 16)
        .await
        .expect("the store answers");
    store
        .host_heartbeat(run, "box-2", 8)
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 4).await;
    let b = claimed(&store, run, "box-2", 0).await;
    clock.advance(secs(30));
    publish(&store, &a).await;
    store
        .host_heartbeat(run, "box-1", 16)
        .await
        .expect("the store answers");
    clock.advance(secs(15));
    let report = store.run_status(run).await.expect("the store answers");
    assert_eq!(report.hosts.len(), 2);
    let (one, two) = (&report.hosts[0], &report.hosts[1]);
    assert_eq!((one.name.as_str(), one.slots), ("box-1", 16));
    assert_eq!(one.last_seen, start() + secs(30));
    assert!(one.building.is_empty());
    assert_eq!((two.name.as_str(), two.slots), ("box-2", 8));
    assert_eq!(two.last_seen, start());
    assert_eq!(two.building, [(0, key("b"))]);
    assert_eq!(report.running.len(), 1);
    assert_eq!(report.running[0].host.as_deref(), Some("box-2"));
    assert_eq!(report.running[0].lease_until, Some(b.expires_at));
    assert_eq!(report.counts[&JobState::Built], 1);
    let jobs = store.jobs(run).await.expect("the store answers");
    assert_eq!(jobs[0].host.as_deref(), Some("box-1"));
    let text = render_status(&report, report.generated_at);
    assert!(text.contains("hosts (2):"), "{text}");
    assert!(
        text.contains("box-2: 8 slots, 1 building, last heartbeat 45s ago"),
        "{text}"
    );
    assert!(text.contains("box-2 slot 0"), "{text}");
    let json = serde_json::to_value(&report).expect("the store answers");
    assert_eq!(json["hosts"][1]["name"], "box-2");
    assert_eq!(json["running"][0]["host"], "box-2");
    // The newest run is also what `--status` shows.
    assert_eq!(
        store
            .status()
            .await
            .expect("the store answers")
            .expect("the store answers")
            .hosts
            .len(),
        2
    );
}

pub async fn concurrent_claims_never_hand_out_the_same_job<S: Store>(
    store: S,
    _clock: Arc<ManualClock>,
) {
    // 60 jobs in chains of three: plenty of contention on the few ready ones.
    let jobs: Vec<WorkJob> = (0..60)
        .map(|i| {
            let name = format!("p{i:02}");
            if i % 3 == 0 {
                job(&name, 100.0 - f64::from(i), &[])
            } else {
                let dep = format!("p{:02}", i - 1);
                job(&name, 100.0 - f64::from(i), &[dep.as_str()])
            }
        })
        .collect();
    let run = store
        .create_run(&info(), publishing(), &jobs)
        .await
        .expect("the store answers");
    let mut tasks = tokio::task::JoinSet::new();
    for slot in 0..12u32 {
        let store = store.clone();
        tasks.spawn(async move {
            let host = format!("box-{}", slot % 3);
            let mut built = Vec::new();
            loop {
                match store
                    .claim(run, &host, slot, LEASE)
                    .await
                    .expect("the store answers")
                {
                    Claim::Claimed(lease) => {
                        assert!(
                            store
                                .begin_publish(&lease)
                                .await
                                .expect("the store answers")
                                .is_accepted()
                        );
                        let done = store
                            .finish(&lease, &JobResult::Published)
                            .await
                            .expect("the store answers");
                        assert!(done.is_accepted(), "{done:?}");
                        built.push(lease.key);
                    }
                    Claim::Wait { .. } => tokio::time::sleep(Duration::from_millis(2)).await,
                    Claim::Finished => return built,
                    Claim::Stopped => panic!("nothing failed"),
                }
            }
        });
    }
    let mut all = Vec::new();
    while let Some(built) = tasks.join_next().await {
        all.extend(built.expect("the store answers"));
    }
    let unique: BTreeSet<&JobKey> = all.iter().collect();
    assert_eq!(all.len(), 60, "every job built once");
    assert_eq!(unique.len(), 60, "no job handed out twice");
    let history = store.history(run).await.expect("the store answers");
    let claims = history
        .iter()
        .filter(|t| t.state == JobState::Building)
        .count();
    assert_eq!(claims, 60);
    assert!(
        store
            .jobs(run)
            .await
            .expect("the store answers")
            .iter()
            .all(|j| j.attempt == 1)
    );
    assert_eq!(
        store.current_run().await.expect("the store answers"),
        None,
        "the run finished"
    );
}

pub async fn pkgbuild_archives_travel_with_the_job_and_are_capped<S: Store>(
    store: S,
    _clock: Arc<ManualClock>,
) {
    let archive = PkgbuildArchive::new(b"PKGBUILD and patches, compressed".to_vec());
    let mut with_archive = job("a", 1.0, &[]);
    with_archive.pkgbuild = Some(archive.clone());
    let run = store
        .create_run(&info(), publishing(), &[with_archive, job("b", 0.0, &[])])
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    assert_eq!(a.pkgbuild_sha256.as_deref(), Some(archive.sha256()));
    assert_eq!(
        store
            .pkgbuild(run, &a.key)
            .await
            .expect("the store answers"),
        Some(archive)
    );
    let b = claimed(&store, run, "box-1", 1).await;
    assert_eq!(b.pkgbuild_sha256, None);
    assert_eq!(
        store
            .pkgbuild(run, &b.key)
            .await
            .expect("the store answers"),
        None
    );

    let mut huge = job("huge", 1.0, &[]);
    huge.pkgbuild = Some(PkgbuildArchive::new(vec![
        0;
        archport_queue::MAX_PKGBUILD_ARCHIVE_BYTES
            + 1
    ]));
    let error = store
        .create_run(&info(), publishing(), &[huge])
        .await
        .expect_err("refused");
    assert!(
        matches!(error, QueueError::PkgbuildTooLarge { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("PKGBUILD archive of huge"),
        "{error}"
    );
    let error = store
        .create_run(&info(), publishing(), &[job("a", 1.0, &["nowhere"])])
        .await
        .expect_err("refused");
    assert!(
        error
            .to_string()
            .ends_with("job a depends on nowhere, which is not in the run"),
        "{error}"
    );
}

pub async fn publish_locks_exclude_each_other_per_repository<S: Store>(
    store: S,
    _clock: Arc<ManualClock>,
) {
    let core = store.publish_lock("core").await.expect("the store answers");
    assert_eq!(core.repo(), "core");
    // Another repository is independent.
    let extra = store
        .publish_lock("extra")
        .await
        .expect("the store answers");
    let waiter = {
        let store = store.clone();
        tokio::spawn(async move { store.publish_lock("core").await.expect("the store answers") })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiter.is_finished(),
        "a second holder of core while the first holds it"
    );
    core.release().await;
    let second = waiter.await.expect("the store answers");
    assert_eq!(second.repo(), "core");
    second.release().await;
    // Dropping a guard releases it too.
    drop(extra);
    let again = store
        .publish_lock("extra")
        .await
        .expect("the store answers");
    again.release().await;
}

pub async fn a_retried_result_is_accepted_once_and_the_run_finishes<S: Store>(
    store: S,
    _clock: Arc<ManualClock>,
) {
    let run = store
        .create_run(
            &info(),
            publishing(),
            &[
                job("a", 2.0, &[]),
                job("b", 1.0, &["a"]),
                job("c", 0.5, &["a"]),
            ],
        )
        .await
        .expect("the store answers");
    let a = claimed(&store, run, "box-1", 0).await;
    publish(&store, &a).await;
    // The same result again (its answer was lost): accepted without a second effect.
    let again = store
        .finish(&a, &JobResult::Published)
        .await
        .expect("the store answers");
    let Fenced::Accepted(again) = again else {
        panic!("{again:?}")
    };
    assert_eq!(again.record.state, JobState::Built);
    // A different result under the same token is refused.
    assert!(matches!(
        store
            .finish(&a, &JobResult::Interrupted)
            .await
            .expect("the store answers"),
        Fenced::Refused(Refusal::NotBuilding {
            state: JobState::Built
        })
    ));
    let b = claimed(&store, run, "box-1", 0).await;
    let c = claimed(&store, run, "box-1", 1).await;
    assert_eq!((b.key.clone(), c.key.clone()), (key("b"), key("c")));
    // An interrupted build is claimable again at once, as a new attempt.
    assert!(
        store
            .finish(&c, &JobResult::Interrupted)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    let c2 = claimed(&store, run, "box-2", 0).await;
    assert_eq!((c2.key.clone(), c2.attempt), (key("c"), 2));
    publish(&store, &b).await;
    publish(&store, &c2).await;
    assert_eq!(
        store
            .claim(run, "box-1", 0, LEASE)
            .await
            .expect("the store answers"),
        Claim::Finished
    );
    assert_eq!(store.current_run().await.expect("the store answers"), None);
    let status = store.run_status(run).await.expect("the store answers");
    assert!(status.run.finished_at.is_some());
    assert_eq!(status.counts[&JobState::Built], 3);
}

/// The single-host path (the orchestrator decides, the store records), the same on every
/// backend: transitions with attempts and durations, the cascade as recorded, interruption,
/// resuming, and durations across runs.
pub async fn the_single_host_state_machine_records_and_resumes<S: Store>(
    store: S,
    clock: Arc<ManualClock>,
) {
    let new = |pkgbase: &str| job(pkgbase, 0.0, &[]).job;
    let list = [new("a"), new("b"), new("c"), new("d")];
    let run = store
        .start_run(&info(), &list)
        .await
        .expect("the store answers");
    let building = |pkgbase: &str, slot: u32| Transition {
        slot: Some(slot),
        log: Some(format!("/work/logs/{pkgbase}.log")),
        ..Transition::new(key(pkgbase), JobState::Building)
    };
    let a = store
        .record(run, &building("a", 0))
        .await
        .expect("the store answers");
    assert_eq!(
        (a.state, a.attempt, a.slot),
        (JobState::Building, 1, Some(0))
    );
    store
        .record(run, &building("b", 1))
        .await
        .expect("the store answers");
    store
        .record(run, &building("c", 2))
        .await
        .expect("the store answers");
    clock.advance(secs(90));
    let a = store
        .record(run, &Transition::new(key("a"), JobState::Built))
        .await
        .expect("the store answers");
    assert_eq!(a.duration_secs, Some(90.0));
    assert_eq!(
        a.log.as_deref(),
        Some("/work/logs/a.log"),
        "kept from the build"
    );
    let failed = store
        .record(
            run,
            &Transition {
                reason: Some("build: makechrootpkg exited with 2".to_owned()),
                ..Transition::new(key("b"), JobState::Failed)
            },
        )
        .await
        .expect("the store answers");
    assert_eq!(failed.state, JobState::Failed);
    store
        .record(
            run,
            &Transition {
                reason: Some("blocked by b".to_owned()),
                blocked_by: Some("b".to_owned()),
                ..Transition::new(key("d"), JobState::Blocked)
            },
        )
        .await
        .expect("the store answers");
    // A signal: c's build is cut short.
    assert_eq!(
        store
            .mark_interrupted(run)
            .await
            .expect("the store answers"),
        1
    );
    assert_eq!(state_of(&store, run, "c").await, JobState::Interrupted);
    let report = store
        .status()
        .await
        .expect("the store answers")
        .expect("a run");
    assert_eq!(report.counts[&JobState::Built], 1);
    assert_eq!(report.blocked["b"], [key("d")]);
    assert!(report.hosts.is_empty(), "no hosts on the single-host path");

    let resume = store
        .resume_run(&info(), &list)
        .await
        .expect("the store answers")
        .expect("a run to resume");
    assert_eq!(resume.already_built, [key("a")]);
    assert_eq!(resume.interrupted, [key("c")]);
    assert_eq!(resume.retried, [key("b"), key("d")]);
    let c = store
        .record(run, &building("c", 0))
        .await
        .expect("the store answers");
    assert_eq!(
        c.attempt, 2,
        "the next build of an interrupted job is a new attempt"
    );
    store.finish_run(run).await.expect("the store answers");
    assert!(
        store
            .status()
            .await
            .expect("the store answers")
            .expect("a run")
            .run
            .finished_at
            .is_some()
    );
    let durations = store.durations().await.expect("the store answers");
    assert_eq!(durations.get("a"), Some(&90.0));
    let history = store.history(run).await.expect("the store answers");
    assert_eq!(history.first().map(|t| t.state), Some(JobState::Queued));
    assert_eq!(
        history.last().map(|t| (t.state, t.attempt)),
        Some((JobState::Building, 2))
    );
}

/// Publishing is a state of its own: a claim after an attempt that began publishing says so
/// (the claiming host may publish the built files again instead of building), until the
/// version changes. The entry travels with the lease; the log the holder names is recorded.
pub async fn a_build_stopped_while_publishing_is_claimed_as_built_with_its_entry_and_log<
    S: Store,
>(
    store: S,
    clock: Arc<ManualClock>,
) {
    let mut a = job("a", 1.0, &[]);
    a.entry = Some("{\"name\": \"a\"}".to_owned());
    let run = store
        .create_run(&info(), publishing(), &[a.clone()])
        .await
        .expect("the store answers");
    let mut first = claimed(&store, run, "box-1", 0).await;
    assert!(!first.publish_started);
    assert_eq!(first.entry.as_deref(), Some("{\"name\": \"a\"}"));
    first.log = Some("/work/logs/a-1.log".to_owned());
    assert!(
        store
            .heartbeat(&first)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    let status = store.run_status(run).await.expect("the store answers");
    assert_eq!(status.running[0].log.as_deref(), Some("/work/logs/a-1.log"));
    assert!(
        store
            .begin_publish(&first)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    // The host dies while publishing: after the lease, the next claim knows it was built.
    clock.advance(secs(601));
    let second = claimed(&store, run, "box-2", 0).await;
    assert_eq!((second.key.clone(), second.attempt), (key("a"), 2));
    assert!(second.publish_started);
    // Interrupted again before publishing anew, then resumed at the same version: still
    // built; at a new version: to build.
    assert!(
        store
            .finish(&second, &JobResult::Interrupted)
            .await
            .expect("the store answers")
            .is_accepted()
    );
    store
        .resume_work(&info(), publishing(), &[a.clone()])
        .await
        .expect("the store answers");
    assert!(claimed(&store, run, "box-1", 0).await.publish_started);
    let mut newer = a;
    newer.job.version = "2.0-1".to_owned();
    clock.advance(secs(601));
    store
        .resume_work(&info(), publishing(), &[newer])
        .await
        .expect("the store answers");
    assert!(!claimed(&store, run, "box-1", 0).await.publish_started);
}
