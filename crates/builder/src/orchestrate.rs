//! The run: set-up (the work-directory lock, stale working copies, signals, the root
//! chroot), the run in the queue (created from the list, resumed with `--continue`, or joined
//! with `--worker`), and this host's slots, each claiming the best ready job from the queue
//! until the run is finished. SQLite for one host, PostgreSQL for a run shared by many: the
//! same code over [`WorkQueue`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use archport_blacklist::Blacklist;
use archport_buildlist::{Entry, FailureRecord};
use archport_chroot::{Cancel, Devtools, copy_name};
use archport_config::{Config, makepkg_conf_value};
use archport_queue::{
    Claim, JobKey, JobResult, JobState, RunId, RunInfo, RunOptions, StateStore, WorkQueue,
};
use archport_runner::{Interrupt, Phase, Processes, RunLock, Signals, create_root_chroot, logs};
use archport_triage::classify_failure;
use archport_upload::Uploader;
use archport_vercmp::PkgName;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::backend::{self, Backend};
use crate::display::Display;
use crate::enqueue::work_jobs;
use crate::error::BuildError;
use crate::failed::write_failed;
use crate::job::{JobContext, JobInput, kept_copy};
use crate::options::Options;
use crate::prepare::{Prepared, prepare, stage_of};
use crate::run_list;
use crate::run_state::RunState;
use crate::setup::remove_stale_copies;
use crate::status_page::StatusPage;
use crate::summary::Summary;
use crate::task::{Claimed, Ending, heartbeat_every, run_job};

/// Runs `build-packages`: the dry run's commands, the builds of a list, or (`--worker`) the
/// builds of a run another host created.
pub async fn run(config: &Config, options: &Options) -> Result<Summary, BuildError> {
    let workdir = config.workdir();
    let url = backend::queue_url(config, options).map(str::to_owned);
    if options.worker {
        if url.is_none() {
            return Err(BuildError::Chroot(
                "--worker joins a run shared through PostgreSQL: give --queue URL or [queue] url"
                    .into(),
            ));
        }
        // A worker builds the PKGBUILD trees the run carries, never its own checkouts.
        let ctx = context(
            config,
            options,
            workdir.build_state().join("pkgbuilds"),
            true,
        );
        return execute(config, options, None, ctx, url).await;
    }
    let blacklist = Blacklist::load(&config.paths.blacklist, config.paths.blacklist_required)?;
    let list_path = if options.continue_run && !options.dry_run {
        let recorded = run_list::recorded(&workdir.build_state());
        if let Some(recorded) = recorded.as_ref().filter(|r| r.finished) {
            return Ok(nothing_to_continue(recorded.run));
        }
        run_list::list_to_continue(
            recorded.as_ref(),
            options.json.as_deref(),
            &workdir.build_list(),
        )?
    } else {
        options.json.clone().unwrap_or_else(|| workdir.build_list())
    };
    let prepared = prepare(&list_path, &blacklist)?;
    let ctx = context(config, options, workdir.pkgbuilds(), false);
    if options.dry_run {
        let text = crate::dry_run::plan_text(&prepared, &ctx).map_err(BuildError::Chroot)?;
        return Ok(Summary {
            dry_run: Some(text),
            ..Summary::default()
        });
    }
    execute(config, options, Some(prepared), ctx, url).await
}

/// What `--continue` says when the last run is finished.
fn nothing_to_continue(run: impl std::fmt::Display) -> Summary {
    Summary {
        nothing_to_continue: Some(format!(
            "nothing to continue: run {run} finished (see --status); run without --continue to \
             start a new run"
        )),
        ..Summary::default()
    }
}

fn context(config: &Config, options: &Options, pkgbuilds: PathBuf, from_queue: bool) -> JobContext {
    JobContext {
        devtools: Devtools::from_config(config, options.no_check),
        devtools_nocheck: Devtools::from_config(config, true),
        uploader: Uploader::from_config(config),
        workdir: config.paths.workdir.clone(),
        pkgbuilds,
        cache: config.paths.cache.clone(),
        arch: config.arch.clone(),
        pkgext: makepkg_conf_value(&config.paths.chroot_config.join("makepkg.conf"), "PKGEXT")
            .unwrap_or_else(|| ".pkg.tar.zst".into()),
        no_cache: options.no_cache,
        no_upload: options.no_upload,
        cleanup_on_failure: options.cleanup_on_failure,
        from_queue,
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What every part of a run shares once it is set up.
struct Setup<'a> {
    config: &'a Config,
    options: &'a Options,
    prepared: Option<Prepared>,
    ctx: Arc<JobContext>,
    cancel: Cancel,
    signals: Signals,
    logs_dir: PathBuf,
    maintenance_log: PathBuf,
    stale: Vec<String>,
    /// The queue is PostgreSQL: other hosts may take part.
    shared: bool,
}

async fn execute(
    config: &Config,
    options: &Options,
    prepared: Option<Prepared>,
    ctx: JobContext,
    url: Option<String>,
) -> Result<Summary, BuildError> {
    let lock_file = config.workdir().lock_file();
    let _lock = RunLock::acquire_for(&lock_file, "build-packages", options.wait, &mut |line| {
        use std::io::Write as _;
        // Before the console exists; a closed stderr is no reason to stop.
        let _ = writeln!(std::io::stderr(), "{line}");
    })?;
    // Checked before anything is recorded.
    let stale = archport_runner::stale_copies_not_in_use(&ctx.devtools, "build-packages")?;
    let cancel = Cancel::new();
    let signals = Signals::watch(cancel.clone()).map_err(io_error(Path::new("signal handlers")))?;
    let logs_dir = config.workdir().logs();
    std::fs::create_dir_all(&logs_dir).map_err(io_error(&logs_dir))?;
    let maintenance_log = logs_dir.join("build-packages.log");
    let backend = backend::open(config, url.as_deref()).await?;
    let setup = Setup {
        config,
        options,
        prepared,
        ctx: Arc::new(ctx),
        cancel,
        signals,
        logs_dir,
        maintenance_log,
        stale,
        shared: url.is_some(),
    };
    match backend {
        Backend::Sqlite(store) => drive(Arc::new(store), setup).await,
        Backend::Postgres(store) => drive(Arc::new(store), setup).await,
    }
}

/// Creates or resumes the run of the list, as `--continue` asks, and records which list it
/// works through. `None`: `--continue` found no unfinished run.
async fn begin<Q: WorkQueue + StateStore>(
    queue: &Q,
    setup: &Setup<'_>,
    prepared: &Prepared,
    host: &str,
    state: &mut RunState,
) -> Result<Option<RunId>, BuildError> {
    let run = match begin_run(queue, setup, prepared, host, state).await? {
        Some(run) => run,
        None => return Ok(None),
    };
    let list = run_list::RunList {
        run: run.0,
        path: prepared.path.clone(),
        sha256: run_list::sha256_of(&prepared.path)?,
        finished: false,
        start_failure: None,
    };
    run_list::record(&setup.config.workdir().build_state(), &list)?;
    Ok(Some(run))
}

/// Records in the run's list why `run` could not start (`ready` failed), or that it did.
fn note_start(
    build_state: &Path,
    run: RunId,
    ready: &Result<(), BuildError>,
) -> Result<(), BuildError> {
    let Some(mut list) = run_list::recorded(build_state).filter(|l| l.run == run.0) else {
        return Ok(());
    };
    let failure = ready.as_ref().err().map(ToString::to_string);
    if list.start_failure != failure {
        list.start_failure = failure;
        run_list::record(build_state, &list)?;
    }
    Ok(())
}

async fn begin_run<Q: WorkQueue + StateStore>(
    queue: &Q,
    setup: &Setup<'_>,
    prepared: &Prepared,
    host: &str,
    state: &mut RunState,
) -> Result<Option<RunId>, BuildError> {
    let options = setup.options;
    let info = RunInfo {
        command: options.command_line.clone(),
        list_path: prepared.path.display().to_string(),
        list_timestamp: prepared.list.timestamp.clone(),
        host: host.to_owned(),
    };
    let durations = queue.durations().await?;
    // Other hosts build from the trees the run carries.
    let pack = setup.shared.then_some(setup.ctx.pkgbuilds.as_path());
    let jobs = work_jobs(prepared, &durations, pack)?;
    let rules = RunOptions {
        stop_on_failure: options.stop_on_failure,
        require_publish: !options.no_upload,
    };
    if options.continue_run {
        // One host: the lock says no other build-packages runs here, so whatever the last
        // run still shows building was cut short (its lease has not run out yet).
        let Some(last) = queue.current_run().await? else {
            // A finished run is not reopened.
            if queue.status().await?.is_some() {
                return Ok(None);
            }
            state
                .display
                .note("no earlier run to continue: starting a new one");
            return Ok(Some(queue.create_run(&info, rules, &jobs).await?));
        };
        if !setup.shared {
            queue.mark_interrupted(last).await?;
        }
        if let Some(resume) = queue.resume_work(&info, rules, &jobs).await? {
            state.resumed(&resume);
            return Ok(Some(resume.run));
        }
    }
    Ok(Some(queue.create_run(&info, rules, &jobs).await?))
}

/// Waits for a run to join (`--worker`): the newest unfinished one other than `last`.
/// `None` when there is none and `--follow` was not given, or a signal came.
async fn run_to_join<Q: WorkQueue>(
    queue: &Q,
    setup: &mut Setup<'_>,
    last: Option<RunId>,
    state: &RunState,
    poll: Duration,
) -> Result<Option<RunId>, BuildError> {
    let mut said = false;
    loop {
        if let Some(run) = queue.current_run().await?
            && Some(run) != last
        {
            return Ok(Some(run));
        }
        if !setup.options.follow {
            if last.is_none() {
                state
                    .display
                    .note("no unfinished run to join: nothing to build");
            }
            return Ok(None);
        }
        if !said {
            state.display.note("waiting for the next run");
            said = true;
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            Some(interrupt) = setup.signals.next() => {
                announce(interrupt, &state.display);
                return Ok(None);
            }
        }
    }
}

async fn drive<Q: WorkQueue + StateStore + 'static>(
    queue: Arc<Q>,
    mut setup: Setup<'_>,
) -> Result<Summary, BuildError> {
    let host = backend::host_name(setup.config);
    let total = setup.prepared.as_ref().map_or(0, |p| p.jobs.len());
    let mut state = RunState::new(Display::new(total, setup.options.quiet));
    let poll = (Duration::from_secs(setup.config.queue.lease_seconds) / 10)
        .clamp(Duration::from_millis(200), Duration::from_secs(5));
    let graph = setup.prepared.as_ref().map(|p| p.jobs.clone());
    let mut page = StatusPage::new(&setup.config.status.dir, graph, setup.options.parallel_jobs);
    let mut run = None;
    let started_at = Instant::now();
    state.summary.no_upload = setup.options.no_upload;
    if let Some(prepared) = setup.prepared.take() {
        state.skipped(&prepared);
        let durations = queue.durations().await?;
        state.plan_eta(&prepared, &durations, setup.options.parallel_jobs);
        match begin(queue.as_ref(), &setup, &prepared, &host, &mut state).await? {
            Some(begun) => run = Some(begun),
            None => {
                let last = queue.status().await?.map_or(0, |s| s.run.id.0);
                return Ok(nothing_to_continue(last));
            }
        }
        setup.prepared = Some(prepared);
        page.refresh(queue.as_ref(), &state.display).await;
    }

    // Leftovers of a crashed run, then the root chroot.
    let stale = std::mem::take(&mut setup.stale);
    remove_stale_copies(
        &setup.ctx.devtools,
        stale,
        &setup.maintenance_log,
        &state.display,
    )
    .await;
    let cache = &setup.config.paths.cache;
    let ready = match std::fs::create_dir_all(cache).map_err(io_error(cache)) {
        Ok(()) => {
            let display = &state.display;
            create_root_chroot(
                &Processes,
                &setup.ctx.devtools,
                &setup.maintenance_log,
                &setup.cancel,
                &|text| display.note(text),
            )
            .await
            .map_err(BuildError::from)
        }
        Err(error) => Err(error),
    };
    // A run created here that cannot start says so in --status, until it does start.
    if let Some(current) = run {
        note_start(&setup.config.workdir().build_state(), current, &ready)?;
        if let Err(error) = &ready {
            page.start_failed(error.to_string());
            page.refresh(queue.as_ref(), &state.display).await;
        }
    }
    ready?;

    let mut last = None;
    loop {
        let current = match run.take() {
            Some(run) => run,
            None => match run_to_join(queue.as_ref(), &mut setup, last, &state, poll).await? {
                Some(run) => {
                    state.display.note(&format!("joining run {run} as {host}"));
                    run
                }
                None => break,
            },
        };
        let ended = slots(
            &queue, &mut setup, current, &host, &mut state, &mut page, poll,
        )
        .await?;
        if setup.prepared.is_some() {
            end_of_run(queue.as_ref(), &setup, current, ended, &mut state, &page).await?;
        }
        page.refresh(queue.as_ref(), &state.display).await;
        last = Some(current);
        if setup.prepared.is_some() || !setup.options.follow || setup.signals.exit_code().is_some()
        {
            break;
        }
    }
    state.display.close();
    state.summary.signal_exit = setup.signals.exit_code();
    state.summary.took = Some(started_at.elapsed());
    keep_summary(&setup.logs_dir, &state.summary);
    Ok(state.summary)
}

/// How this host's part of a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// Every job reached its end.
    Finished,
    /// The run stopped after a failure (`--stop-on-failure`).
    Stopped,
    /// A signal stopped this host.
    Interrupted,
}

/// A build this host runs.
struct Running {
    id: usize,
    slot: u32,
    entry: Entry,
    log: PathBuf,
    /// When it started, for the duration on its `built` line.
    since: Instant,
}

/// This host's slots over `run` until it is finished, stopped, or a signal came.
async fn slots<Q: WorkQueue + StateStore + 'static>(
    queue: &Arc<Q>,
    setup: &mut Setup<'_>,
    run: RunId,
    host: &str,
    state: &mut RunState,
    page: &mut StatusPage,
    poll: Duration,
) -> Result<Ended, BuildError> {
    let slots = u32::try_from(setup.options.parallel_jobs.max(1)).unwrap_or(u32::MAX);
    let lease = Duration::from_secs(setup.config.queue.lease_seconds);
    queue.host_heartbeat(run, host, slots).await?;
    let host_beat = {
        let queue = Arc::clone(queue);
        let host = host.to_owned();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(heartbeat_every(lease)).await;
                let _ = queue.host_heartbeat(run, &host, slots).await;
            }
        })
    };
    let (phase_tx, mut phase_rx) = mpsc::unbounded_channel::<(usize, Phase)>();
    let mut tasks = JoinSet::new();
    let mut running: HashMap<tokio::task::Id, Running> = HashMap::new();
    let mut free: Vec<u32> = (1..=slots).rev().collect();
    let mut claiming = true;
    let mut ended = Ended::Finished;
    let mut next_claim = Instant::now();
    let mut next_id = 0usize;
    loop {
        for interrupt in setup.signals.pending() {
            announce(interrupt, &state.display);
        }
        if setup.signals.exit_code().is_some() {
            claiming = false;
            ended = Ended::Interrupted;
            state.display.stopping(None);
        }
        while claiming && Instant::now() >= next_claim {
            let Some(&slot) = free.last() else { break };
            match queue.claim(run, host, slot, lease).await {
                Ok(Claim::Claimed(mut claimed)) => {
                    let entry = match claimed.entry.as_deref().map(serde_json::from_str::<Entry>) {
                        Some(Ok(entry)) => entry,
                        problem => {
                            let cause = match problem {
                                Some(Err(e)) => {
                                    format!("its build-list entry in the queue is unreadable: {e}")
                                }
                                _ => "the queue holds no build-list entry for it".to_owned(),
                            };
                            state
                                .display
                                .alert(&format!("FAILED {}: {cause}", claimed.key));
                            let result = JobResult::Failed {
                                phase: "prepare".into(),
                                cause,
                            };
                            queue.finish(&claimed, &result).await?;
                            continue;
                        }
                    };
                    free.pop();
                    let log = logs::new_log_path(
                        &setup.logs_dir,
                        entry.name.as_str(),
                        chrono::Local::now(),
                    );
                    claimed.log = Some(log.display().to_string());
                    let id = next_id;
                    next_id += 1;
                    state.started(id, &entry, slot, setup.prepared.as_ref());
                    let key = JobKey::new(entry.name.to_string(), stage_of(&entry));
                    page.phase(key, Some("setup"));
                    page.refresh(queue.as_ref(), &state.display).await;
                    let input = JobInput {
                        id,
                        entry: entry.clone(),
                        copy: copy_name(slot as usize),
                        log: log.clone(),
                        attempt: claimed.attempt,
                    };
                    let task = tasks.spawn(run_job(
                        Arc::clone(&setup.ctx),
                        Arc::clone(queue),
                        Claimed {
                            lease: claimed,
                            input,
                        },
                        setup.cancel.clone(),
                        phase_tx.clone(),
                    ));
                    running.insert(
                        task.id(),
                        Running {
                            id,
                            slot,
                            entry,
                            log,
                            since: Instant::now(),
                        },
                    );
                }
                Ok(Claim::Wait { .. }) => next_claim = Instant::now() + poll,
                Ok(Claim::Stopped) => {
                    claiming = false;
                    ended = Ended::Stopped;
                    state.display.stopping(None);
                }
                Ok(Claim::Finished) => {
                    claiming = false;
                    ended = Ended::Finished;
                }
                Err(e) => {
                    state.display.alert(&format!("warning: {e}; trying again"));
                    next_claim = Instant::now() + poll;
                }
            }
        }
        if tasks.is_empty() && !claiming {
            break;
        }
        tokio::select! {
            Some(joined) = tasks.join_next_with_id() => {
                let (id, (ending, lost)) = match joined {
                    Ok(done) => done,
                    // A panicked build task is a bug; its lease runs out and another slot
                    // builds the job again.
                    Err(e) => {
                        let task = e.id();
                        if let Some(job) = running.remove(&task) {
                            free.push(job.slot);
                            state.display.alert(&format!("internal error building {}: {e}", job.entry.name));
                        }
                        continue;
                    }
                };
                let Some(job) = running.remove(&id) else { continue };
                free.push(job.slot);
                let key = JobKey::new(job.entry.name.to_string(), stage_of(&job.entry));
                page.phase(key.clone(), None);
                if let Ending::Recorded { result: JobResult::Failed { phase, cause }, .. } = &ending {
                    page.classified(key, classify_failure(Some(&job.log), phase, cause).await);
                }
                next_claim = Instant::now();
                let _ = logs::rotate(&setup.logs_dir, job.entry.name.as_str());
                let kept = kept_copy(&setup.ctx.devtools, job.entry.name.as_str());
                let kept = (!setup.options.cleanup_on_failure && kept.is_dir()).then_some(kept);
                state.ended(
                    job.id,
                    &job.entry,
                    &job.log,
                    kept.as_deref(),
                    &ending,
                    lost.as_deref(),
                    job.since.elapsed(),
                );
                page.refresh(queue.as_ref(), &state.display).await;
            }
            Some((job, phase)) = phase_rx.recv() => {
                state.display.phase(job, phase.as_str());
                if let Some(running) = running.values().find(|r| r.id == job) {
                    let key = JobKey::new(running.entry.name.to_string(), stage_of(&running.entry));
                    page.phase(key, Some(phase.as_str()));
                    // Publishing is a state of its own on the page.
                    if phase == Phase::Upload {
                        page.refresh(queue.as_ref(), &state.display).await;
                    }
                }
            }
            Some(interrupt) = setup.signals.next() => {
                announce(interrupt, &state.display);
                claiming = false;
                ended = Ended::Interrupted;
                state.display.stopping(None);
                page.refresh(queue.as_ref(), &state.display).await;
            }
            () = tokio::time::sleep_until(next_claim), if claiming && !free.is_empty() => {}
        }
    }
    host_beat.abort();
    Ok(ended)
}

/// The end of a run this host created or resumed: what never started, the run marked
/// finished unless a signal stopped it, and `failed_packages.json` from the failures and
/// blocks of every host.
async fn end_of_run<Q: WorkQueue + StateStore>(
    queue: &Q,
    setup: &Setup<'_>,
    run: RunId,
    ended: Ended,
    state: &mut RunState,
    page: &StatusPage,
) -> Result<(), BuildError> {
    let Some(prepared) = setup.prepared.as_ref() else {
        return Ok(());
    };
    let records = queue.jobs(run).await?;
    state.summary.not_started = records
        .iter()
        .filter(|r| r.state == JobState::Queued)
        .count();
    if ended == Ended::Stopped {
        queue.finish_run(run).await?;
    }
    state.summary.count_other_hosts(&records);
    if ended != Ended::Interrupted {
        let build_state = setup.config.workdir().build_state();
        if let Some(mut list) = run_list::recorded(&build_state).filter(|l| l.run == run.0) {
            list.finished = true;
            run_list::record(&build_state, &list)?;
        }
    }
    let by_key: HashMap<(String, u8), &Entry> = prepared
        .list
        .packages
        .iter()
        .map(|e| ((e.name.to_string(), stage_of(e)), e))
        .collect();
    let logs_of: HashMap<&str, &str> = records
        .iter()
        .filter(|r| r.state == JobState::Failed)
        .filter_map(|r| Some((r.key.pkgbase.as_str(), r.log.as_deref()?)))
        .collect();
    let mut entries = Vec::new();
    for record in &records {
        let mut classification = None;
        let Some(entry) = by_key.get(&(record.key.pkgbase.clone(), record.key.cycle_stage)) else {
            continue;
        };
        let (failure, log) = match record.state {
            JobState::Failed => {
                let reason = record.reason.clone().unwrap_or_default();
                let (phase, reason) = reason
                    .split_once(": ")
                    .map_or(("build".to_owned(), reason.clone()), |(p, r)| {
                        (p.to_owned(), r.to_owned())
                    });
                // Classified when it failed on this host; a failure on another host is
                // classified here, from its log when this host can read it.
                classification = Some(match page.classification(&record.key) {
                    Some(known) => known.clone(),
                    None => {
                        let log = record.log.as_deref().map(Path::new);
                        classify_failure(log, &phase, &reason).await
                    }
                });
                (FailureRecord::Step { phase, reason }, record.log.clone())
            }
            JobState::Blocked => {
                let by = record.blocked_by.clone().unwrap_or_default();
                let Ok(name) = PkgName::from_str(&by) else {
                    continue;
                };
                // The log that explains the block: the failed build's.
                let log = logs_of.get(by.as_str()).map(|l| (*l).to_owned());
                (FailureRecord::Blocked { by: name }, log)
            }
            _ => continue,
        };
        entries.push(Entry {
            failure: Some(failure),
            classification,
            log,
            ..(*entry).clone()
        });
    }
    // An interrupted run that failed nothing leaves the last list of failures as it was: its
    // builds were not retried.
    if ended != Ended::Interrupted || !entries.is_empty() {
        let failed_path = setup.config.paths.workdir.join("failed_packages.json");
        write_failed(&failed_path, &setup.options.command_line, entries)?;
    }
    Ok(())
}

/// Keeps the end-of-run summary in `logs/build-packages-summary-<local time>.log`: the
/// console may be gone (a closed pipe, a closed terminal) by the time the run ends. A summary
/// that cannot be written costs nothing but itself.
fn keep_summary(logs_dir: &Path, summary: &Summary) {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let path = logs_dir.join(format!("build-packages-summary-{stamp}.log"));
    let _ = archport_fs::write_atomic(&path, summary.render().as_bytes());
}

/// Says on the console what a signal did.
fn announce(interrupt: Interrupt, display: &Display) {
    display.alert(interrupt.announcement(true));
}
