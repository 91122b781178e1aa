//! The shared suite (tests/support/suite.rs) against the PostgreSQL backend, on a private
//! server started for this binary (one server, a fresh database per test), plus what only a
//! server can show: a restart in the middle of a run.
//!
//! A custom harness, so the server is stopped after the last test, whatever happened: the
//! [`PgServer`] guard drops at the end of `main`, and a failing test is caught and reported.
//! `cargo test --test postgres_suite -- <filter>` runs the tests whose name contains
//! `<filter>`.

mod support;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use archport_queue::{
    Claim, JobKey, JobResult, JobState, ManualClock, NewJob, PostgresStore, RunInfo, RunOptions,
    StateStore, WorkJob, WorkQueue,
};
use support::pg::PgServer;

static DATABASES: AtomicU32 = AtomicU32::new(0);

async fn fresh(server: &PgServer) -> (PostgresStore, Arc<ManualClock>) {
    let name = format!("suite_{}", DATABASES.fetch_add(1, Ordering::Relaxed));
    let url = server.create_database(&name);
    let clock = Arc::new(ManualClock::new(support::suite::start()));
    let store = PostgresStore::connect_with(&url, clock.clone(), 20)
        .await
        .expect("set up");
    (store, clock)
}

/// A restart of PostgreSQL in the middle of a run costs nothing: the store reconnects with
/// backoff, claims and results go on, leases held across the restart stay valid.
async fn the_store_recovers_from_a_postgresql_restart(server: &PgServer) {
    let (store, _clock) = fresh(server).await;
    let jobs: Vec<WorkJob> = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, name)| WorkJob {
            job: NewJob {
                key: JobKey::new(*name, 0),
                version: "1-1".to_owned(),
                repo: "extra".to_owned(),
                state: JobState::Queued,
                reason: None,
            },
            deps: if i == 0 {
                vec![]
            } else {
                vec![JobKey::new("a", 0)]
            },
            priority: 10.0 - i as f64,
            pkgbuild: None,
            entry: None,
        })
        .collect();
    let info = RunInfo {
        command: "build-packages".to_owned(),
        list_path: "list.json".to_owned(),
        list_timestamp: "t".to_owned(),
        host: "box-1".to_owned(),
    };
    let run = store
        .create_run(&info, RunOptions::default(), &jobs)
        .await
        .expect("set up");
    let lease = match store
        .claim(run, "box-1", 0, Duration::from_secs(600))
        .await
        .expect("set up")
    {
        Claim::Claimed(lease) => lease,
        other => panic!("{other:?}"),
    };
    server.restart();
    // Every pooled connection is dead now; the calls below reconnect.
    assert!(store.heartbeat(&lease).await.expect("set up").is_accepted());
    assert!(
        store
            .begin_publish(&lease)
            .await
            .expect("set up")
            .is_accepted()
    );
    let lock = store.publish_lock("extra").await.expect("set up");
    server.restart();
    lock.release().await;
    assert!(
        store
            .finish(&lease, &JobResult::Published)
            .await
            .expect("set up")
            .is_accepted()
    );
    for slot in 0..2 {
        let lease = match store
            .claim(run, "box-1", slot, Duration::from_secs(600))
            .await
            .expect("set up")
        {
            Claim::Claimed(lease) => lease,
            other => panic!("{other:?}"),
        };
        assert!(
            store
                .finish(&lease, &JobResult::Published)
                .await
                .expect("set up")
                .is_accepted()
        );
    }
    assert_eq!(
        store
            .claim(run, "box-1", 0, Duration::from_secs(600))
            .await
            .expect("set up"),
        Claim::Finished
    );
    let status = store.status().await.expect("set up").expect("set up");
    assert_eq!(status.counts[&JobState::Built], 3);
}

fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let listing = std::env::args().any(|arg| arg == "--list");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("set up");
    let mut names: Vec<&'static str> = Vec::new();
    macro_rules! names {
        ($($name:ident),* $(,)?) => { $( names.push(stringify!($name)); )* };
    }
    for_each_suite_test!(names);
    names.push("the_store_recovers_from_a_postgresql_restart");
    if listing {
        for name in &names {
            println!("{name}: test");
        }
        return;
    }
    let selected: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| filter.as_deref().is_none_or(|filter| name.contains(filter)))
        .collect();
    if selected.is_empty() {
        println!("running 0 tests");
        return;
    }
    let server = PgServer::start(false);
    println!("running {} tests", selected.len());
    let mut failed = Vec::new();
    for name in selected {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            runtime.block_on(async {
                macro_rules! dispatch {
                    ($($test:ident),* $(,)?) => {
                        match name {
                            $( stringify!($test) => {
                                let (store, clock) = fresh(&server).await;
                                support::suite::$test(store, clock).await;
                            } )*
                            "the_store_recovers_from_a_postgresql_restart" => {
                                the_store_recovers_from_a_postgresql_restart(&server).await;
                            }
                            other => panic!("unknown test {other}"),
                        }
                    };
                }
                for_each_suite_test!(dispatch);
            })
        }));
        match outcome {
            Ok(()) => println!("test {name} ... ok"),
            Err(_) => {
                println!("test {name} ... FAILED");
                failed.push(name);
            }
        }
    }
    drop(server);
    if failed.is_empty() {
        println!("\ntest result: ok");
    } else {
        println!("\nfailures: {failed:?}\ntest result: FAILED");
        std::process::exit(1);
    }
}
