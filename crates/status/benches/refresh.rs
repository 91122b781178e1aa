//! What keeping the status page current costs at full size: one `refresh_status_dir` (read
//! the run from the SQLite state store, classify, assemble, render `index.html` and
//! `status.json`, write both atomically) for a run of 11,299 jobs, the size of a full port,
//! half built, with failures, blocks and 16 builds running. build-packages makes this call
//! at every transition.
//!
//! `cargo bench -p archport-status --bench refresh`. `ARCHPORT_BENCH_JOBS=<n>` changes the
//! run's size (`cargo test` runs it once on 500 jobs).

use std::time::Duration;

use archport_queue::{
    JobKey, JobState, NewJob, RunId, RunInfo, SqliteStore, StateStore, Transition,
};
use archport_status::{Extras, refresh_status_dir};
use criterion::{Criterion, criterion_group, criterion_main};

const DEFAULT_JOBS: usize = 11_299;

/// The run's size: `ARCHPORT_BENCH_JOBS`, else the full size under `cargo bench` and a
/// small run when `cargo test` only checks that the bench works.
fn jobs() -> usize {
    let benching = std::env::args().any(|a| a == "--bench");
    std::env::var("ARCHPORT_BENCH_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if benching { DEFAULT_JOBS } else { 500 })
}

fn name(i: usize) -> String {
    format!("pkg{i:05}")
}

/// A run of `n` jobs: the first half built, every 50th of the rest failed and the next one
/// blocked by it, 16 building, the others queued.
async fn filled_store(path: &std::path::Path, n: usize) -> SqliteStore {
    let store = SqliteStore::open(path).await.expect("open the store");
    let new_jobs: Vec<NewJob> = (0..n)
        .map(|i| NewJob {
            key: JobKey::new(name(i), 0),
            version: "1.0-1".to_owned(),
            repo: if i.is_multiple_of(5) { "core" } else { "extra" }.to_owned(),
            state: JobState::Queued,
            reason: None,
        })
        .collect();
    let info = RunInfo {
        command: "build-packages --parallel-jobs 16".to_owned(),
        list_path: "/var/lib/archport/packages_to_build.json".to_owned(),
        list_timestamp: "2026-12-06T00:00:00Z".to_owned(),
        host: "bench".to_owned(),
    };
    let run: RunId = store.start_run(&info, &new_jobs).await.expect("start");
    let record = |key: JobKey, state: JobState, slot, reason: Option<String>| {
        let store = &store;
        async move {
            let mut t = Transition::new(key, state);
            t.slot = slot;
            t.log = Some(format!("/nonexistent/logs/{}.log", t.key.pkgbase));
            t.reason = reason;
            store.record(run, &t).await.expect("record");
        }
    };
    for i in 0..n {
        let key = JobKey::new(name(i), 0);
        let half = n / 2;
        if i < half {
            record(key.clone(), JobState::Building, Some(1), None).await;
            record(key, JobState::Built, None, None).await;
        } else if (i - half).is_multiple_of(50) && i + 1 < n {
            record(key.clone(), JobState::Building, Some(2), None).await;
            let reason = "build: makechrootpkg exited with status 255".to_owned();
            record(key, JobState::Failed, None, Some(reason)).await;
            let mut blocked = Transition::new(JobKey::new(name(i + 1), 0), JobState::Blocked);
            blocked.reason = Some(format!("blocked by {}", name(i)));
            blocked.blocked_by = Some(name(i));
            store.record(run, &blocked).await.expect("block");
        } else if i >= n - 16 {
            let slot = u32::try_from(n - i).unwrap_or(1);
            record(key, JobState::Building, Some(slot), None).await;
        }
    }
    store
}

fn refresh(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let n = jobs();
    let store = runtime.block_on(filled_store(&dir.path().join("queue.sqlite"), n));
    let status_dir = dir.path().join("status");
    let mut group = c.benchmark_group("status_page");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function(format!("refresh_{n}_jobs"), |b| {
        b.iter(|| {
            runtime
                .block_on(refresh_status_dir(&store, &status_dir, Extras::default()))
                .expect("refresh")
        });
    });
    group.finish();
    let page = std::fs::metadata(status_dir.join("index.html")).map_or(0, |m| m.len());
    let json = std::fs::metadata(status_dir.join("status.json")).map_or(0, |m| m.len());
    eprintln!("status_page: index.html {page} bytes, status.json {json} bytes for {n} jobs");
}

criterion_group!(benches, refresh);
criterion_main!(benches);
