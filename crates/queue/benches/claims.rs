//! The pull model at full size against a local PostgreSQL: the real world's 11,299 jobs
//! (`--rebuild-repo extra` over `shared/realdata/full-2024/srcinfo.tar.zst`, with their real
//! dependencies and the critical-path priority of archport-schedule), builds that take no
//! time, 4 hosts × 16 slots claiming concurrently. Prints the median and p99 time per claim
//! and per completion (start of publishing + published result), the database round trips per
//! job, and the whole run's wall time, which with instant builds is all overhead.
//!
//! Then the first 2,000 jobs with one slot alone, each call's latency without queueing, once
//! with every commit flushed and once with `synchronous_commit = off` (measurement only:
//! the difference is this machine's fsync time; three commits per job).
//!
//! `cargo bench -p archport-queue --bench claims`. Skips with a line saying why when the
//! PostgreSQL server binaries or the real data are missing. `ARCHPORT_BENCH_JOBS=<n>` runs
//! on the first n jobs only (a quick look).

// Support shared with other crates' benches: this bench uses part of each.
#[allow(dead_code)]
#[path = "../../plan/benches/support/full_world.rs"]
mod full_world;
#[path = "../tests/support/pg.rs"]
mod pg;
#[allow(dead_code)]
#[path = "../../schedule/benches/support/world_jobs.rs"]
mod world_jobs;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use archport_queue::{
    Claim, Fenced, JobKey, JobResult, JobState, NewJob, PostgresStore, RunInfo, RunOptions,
    SystemClock, WorkJob, WorkQueue,
};
use archport_schedule::Scheduler;
use tokio::sync::Notify;

const HOSTS: u32 = 4;
const SLOTS: u32 = 16;
const LEASE: Duration = Duration::from_secs(600);
/// Jobs of the one-slot run: enough for stable percentiles, short enough for the time limit.
const ALONE_JOBS: usize = 2000;

/// What one slot measured.
#[derive(Default)]
struct SlotTimes {
    claims: Vec<Duration>,
    completions: Vec<Duration>,
    waits: u64,
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn work_jobs(archive: &Path) -> Result<Vec<WorkJob>, String> {
    let infos = full_world::read_archive(archive).map_err(|e| e.to_string())?;
    let world = world_jobs::world_jobs(&infos, true).map_err(|e| e.to_string())?;
    let entries = world_jobs::entries_of(&infos, &world.order, true).map_err(|e| e.to_string())?;
    let jobs = &world.jobs;
    let durations = world_jobs::simulated_durations(jobs);
    let scheduler = Scheduler::with_job_weights(jobs, &durations).map_err(|e| e.to_string())?;
    let key =
        |job: &archport_schedule::Job| JobKey::new(&job.pkgbase, job.cycle_stage.unwrap_or(0));
    jobs.iter()
        .map(|job| {
            Ok(WorkJob {
                job: NewJob {
                    key: key(job),
                    version: entries[job.list_index].version_text().to_owned(),
                    repo: entries[job.list_index].repo.to_string(),
                    state: JobState::Queued,
                    reason: None,
                },
                deps: job.deps.iter().map(|&dep| key(&jobs[dep])).collect(),
                priority: scheduler.priority(job.id).map_err(|e| e.to_string())?,
                pkgbuild: None,
                entry: None,
            })
        })
        .collect()
}

async fn slot(
    store: PostgresStore,
    run: archport_queue::RunId,
    host: String,
    slot: u32,
    progress: Arc<Notify>,
) -> SlotTimes {
    let mut times = SlotTimes::default();
    loop {
        let started = Instant::now();
        let claim = match store.claim(run, &host, slot, LEASE).await {
            Ok(claim) => claim,
            Err(e) => panic!("{host} slot {slot}: {e}"),
        };
        match claim {
            Claim::Claimed(lease) => {
                times.claims.push(started.elapsed());
                // The build takes no time.
                let started = Instant::now();
                let publishing = store.begin_publish(&lease).await;
                assert!(
                    matches!(publishing, Ok(Fenced::Accepted(()))),
                    "{publishing:?}"
                );
                let done = store.finish(&lease, &JobResult::Published).await;
                assert!(matches!(done, Ok(Fenced::Accepted(_))), "{done:?}");
                times.completions.push(started.elapsed());
                progress.notify_waiters();
            }
            Claim::Wait { .. } => {
                times.waits += 1;
                // Woken by the next completion; the timeout covers a wake-up lost between
                // the claim and this wait.
                let _ = tokio::time::timeout(Duration::from_millis(20), progress.notified()).await;
            }
            Claim::Finished => return times,
            Claim::Stopped => panic!("nothing fails in this run"),
        }
    }
}

/// Runs `jobs` with `hosts` × `slots` claimers in a fresh database `name`, and prints the
/// figures.
async fn run_once(
    server: &pg::PgServer,
    name: &str,
    jobs: &[WorkJob],
    hosts: u32,
    slots: u32,
    flush: bool,
) {
    let edges: usize = jobs.iter().map(|job| job.deps.len()).sum();
    let mut url = server.create_database(name);
    if !flush {
        // Measurement only: commits return before their WAL reaches the disk, which
        // separates the database's own work from this machine's fsync time.
        url.push_str("?options=-c%20synchronous_commit%3Doff");
    }
    let connect = || PostgresStore::connect_with(&url, Arc::new(SystemClock), slots + 2);
    let creator = match connect().await {
        Ok(store) => store,
        Err(e) => panic!("{e}"),
    };
    let info = RunInfo {
        command: "bench".to_owned(),
        list_path: "full-world".to_owned(),
        list_timestamp: "2024".to_owned(),
        host: "host-0".to_owned(),
    };
    let created = Instant::now();
    let run = match creator.create_run(&info, RunOptions::default(), jobs).await {
        Ok(run) => run,
        Err(e) => panic!("{e}"),
    };
    let create_time = created.elapsed();
    let progress = Arc::new(Notify::new());
    let mut stores = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for host in 0..hosts {
        let store = match connect().await {
            Ok(store) => store,
            Err(e) => panic!("{e}"),
        };
        let host_name = format!("host-{host}");
        if let Err(e) = store.host_heartbeat(run, &host_name, slots).await {
            panic!("{e}");
        }
        let before = store.round_trips();
        for s in 0..slots {
            tasks.spawn(slot(
                store.clone(),
                run,
                host_name.clone(),
                s,
                progress.clone(),
            ));
        }
        stores.push((store, before));
    }
    let started = Instant::now();
    let mut claims = Vec::new();
    let mut completions = Vec::new();
    let mut waits = 0;
    while let Some(times) = tasks.join_next().await {
        let times = match times {
            Ok(times) => times,
            Err(e) => panic!("a slot failed: {e}"),
        };
        claims.extend(times.claims);
        completions.extend(times.completions);
        waits += times.waits;
    }
    let wall = started.elapsed();
    let trips: u64 = stores
        .iter()
        .map(|(store, before)| store.round_trips() - before)
        .sum();
    claims.sort();
    completions.sort();
    let n = jobs.len();
    assert_eq!(claims.len(), n, "every job claimed once");
    println!(
        "queue/claims/{name}: {n} jobs, {edges} dependency edges, {hosts} hosts x {slots} \
         slots, {}",
        if flush {
            "every commit flushed (fsync on)"
        } else {
            "synchronous_commit off"
        }
    );
    println!("  creating the run:   {:.2} s", create_time.as_secs_f64());
    println!(
        "  claim:              median {:.2} ms, p99 {:.2} ms",
        ms(percentile(&claims, 0.5)),
        ms(percentile(&claims, 0.99))
    );
    println!(
        "  completion:         median {:.2} ms, p99 {:.2} ms (begin_publish + finish)",
        ms(percentile(&completions, 0.5)),
        ms(percentile(&completions, 0.99))
    );
    println!(
        "  per job (claim + completion): median {:.2} ms",
        ms(percentile(&claims, 0.5) + percentile(&completions, 0.5))
    );
    println!(
        "  round trips:        {:.2} per job ({trips} statements, transaction control \
         included; {waits} claims found nothing ready)",
        trips as f64 / n as f64
    );
    println!(
        "  whole run:          {:.2} s wall, {:.0} jobs/s, {:.2} ms of wall time per job",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        ms(wall) / n as f64
    );
    for (store, _) in stores {
        store.close().await;
    }
    creator.close().await;
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not, and only checks
    // that the bench builds. A filter that names something else skips the run too.
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("queue/claims: not run (run it with cargo bench)");
        return;
    }
    if std::env::args()
        .skip(1)
        .any(|arg| !arg.starts_with('-') && !"claims".contains(arg.as_str()))
    {
        return;
    }
    if pg::find_bin().is_none() {
        println!(
            "queue/claims: skipped: PostgreSQL server binaries not found under \
             /usr/lib/postgresql (apt-get install postgresql)"
        );
        return;
    }
    let archive =
        archport_realdata::bench_path_or_exit("queue/claims", "full-2024/srcinfo.tar.zst");
    let mut jobs = match work_jobs(&archive) {
        Ok(jobs) => jobs,
        Err(e) => panic!("the full world's jobs: {e}"),
    };
    if let Some(limit) = std::env::var("ARCHPORT_BENCH_JOBS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        jobs.truncate(limit);
        // Dependencies point backwards in list order: the first n jobs are a closed run.
    }
    let server = pg::PgServer::start(true);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => panic!("tokio runtime: {e}"),
    };
    runtime.block_on(async {
        // Saturated: every slot of every host claims at once, builds take no time.
        run_once(&server, "full", &jobs, HOSTS, SLOTS, true).await;
        // Alone: one slot, so each call's latency without queueing behind 63 others (what a
        // slot sees when builds take minutes).
        let alone = jobs.len().min(ALONE_JOBS);
        run_once(&server, "alone", &jobs[..alone], 1, 1, true).await;
        run_once(&server, "alone_unflushed", &jobs[..alone], 1, 1, false).await;
    });
    drop(server);
}
