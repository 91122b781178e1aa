//! The run: the durable queue, the scheduler and the slots.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use archport_blacklist::Blacklist;
use archport_chroot::{Cancel, Devtools, copy_name};
use archport_config::{Config, makepkg_conf_value};
use archport_queue::{RunInfo, SqliteStore, default_path};
use archport_runner::{
    Failure, Interrupt, Outcome, Phase, Processes, RunLock, Signals, create_root_chroot, logs,
};
use archport_upload::Uploader;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::display::Display;
use crate::error::BuildError;
use crate::failed::write_failed;
use crate::job::{JobContext, JobInput, build_one, kept_copy};
use crate::options::Options;
use crate::prepare::{Prepared, prepare};
use crate::run_state::RunState;
use crate::setup::{remove_stale_copies, stale_copies_not_in_use};
use crate::summary::Summary;

/// Runs `build-packages`: the dry run's commands, or the builds.
pub async fn run(config: &Config, options: &Options) -> Result<Summary, BuildError> {
    let workdir = config.workdir();
    let blacklist = Blacklist::load(&config.paths.blacklist, config.paths.blacklist_required)?;
    let list_path = options.json.clone().unwrap_or_else(|| workdir.build_list());
    let prepared = prepare(&list_path, &blacklist)?;
    let devtools = Devtools::from_config(config, options.no_check);
    let ctx = JobContext {
        devtools,
        uploader: Uploader::from_config(config),
        workdir: config.paths.workdir.clone(),
        pkgbuilds: workdir.pkgbuilds(),
        cache: config.paths.cache.clone(),
        arch: config.arch.clone(),
        pkgext: makepkg_conf_value(&config.paths.chroot_config.join("makepkg.conf"), "PKGEXT")
            .unwrap_or_else(|| ".pkg.tar.zst".into()),
        no_cache: options.no_cache,
        no_upload: options.no_upload,
        cleanup_on_failure: options.cleanup_on_failure,
    };
    if options.dry_run {
        let text = crate::dry_run::plan_text(&prepared, &ctx).map_err(BuildError::Chroot)?;
        return Ok(Summary {
            dry_run: Some(text),
            ..Summary::default()
        });
    }
    execute(config, options, prepared, ctx).await
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_owned(),
        source,
    }
}

fn host_name() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "localhost".into())
}

async fn execute(
    config: &Config,
    options: &Options,
    prepared: Prepared,
    ctx: JobContext,
) -> Result<Summary, BuildError> {
    let workdir = &config.paths.workdir;
    let _lock = RunLock::acquire(&config.workdir().lock_file(), "build-packages")?;
    // Checked before anything is recorded.
    let stale = stale_copies_not_in_use(&ctx.devtools)?;
    let cancel = Cancel::new();
    let mut signals =
        Signals::watch(cancel.clone()).map_err(io_error(Path::new("signal handlers")))?;
    let logs_dir = config.workdir().logs();
    std::fs::create_dir_all(&logs_dir).map_err(io_error(&logs_dir))?;
    let maintenance_log = logs_dir.join("build-packages.log");

    let store = SqliteStore::open(&default_path(workdir)).await?;
    let info = RunInfo {
        command: options.command_line.clone(),
        list_path: prepared.path.display().to_string(),
        list_timestamp: prepared.list.timestamp.clone(),
        host: host_name(),
    };
    let display = Display::new(prepared.jobs.len(), options.quiet);
    let mut state = RunState::begin(
        &prepared,
        &store,
        &info,
        options.continue_run,
        display,
        options.stop_on_failure,
    )
    .await?;

    // Leftovers of a crashed run, then the root chroot.
    remove_stale_copies(&ctx.devtools, stale, &maintenance_log, &state.display).await;
    std::fs::create_dir_all(&config.paths.cache).map_err(io_error(&config.paths.cache))?;
    {
        let display = &state.display;
        create_root_chroot(
            &Processes,
            &ctx.devtools,
            &maintenance_log,
            &cancel,
            &|text| display.note(text),
        )
        .await?;
    }

    let ctx = Arc::new(ctx);
    let (phase_tx, mut phase_rx) = mpsc::unbounded_channel::<(usize, Phase)>();
    let mut tasks: JoinSet<Outcome> = JoinSet::new();
    // What each build task is: its job, slot and log.
    let mut running: HashMap<tokio::task::Id, (usize, u32, PathBuf)> = HashMap::new();
    let slots = options.parallel_jobs.max(1);
    let mut free_slots: Vec<u32> = (1..=slots as u32).rev().collect();

    loop {
        for interrupt in signals.pending() {
            announce(interrupt, &state.display);
        }
        if signals.exit_code().is_some() {
            state.scheduler.stop_new();
        }
        while !free_slots.is_empty() {
            let Some(job) = state.scheduler.next_ready() else {
                break;
            };
            let Some(slot) = free_slots.pop() else { break };
            let entry = state.entry(job).clone();
            let log = logs::new_log_path(&logs_dir, &entry.name, chrono::Local::now());
            let attempt = state.building(job, slot, &log).await?;
            let input = JobInput {
                id: job,
                entry,
                copy: copy_name(slot as usize),
                log: log.clone(),
                attempt,
            };
            let ctx = Arc::clone(&ctx);
            let cancel = cancel.clone();
            let phase_tx = phase_tx.clone();
            let task =
                tasks.spawn(async move { build_one(&ctx, &input, &cancel, &phase_tx).await });
            running.insert(task.id(), (job, slot, log));
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            Some(joined) = tasks.join_next_with_id() => {
                let (id, outcome) = match joined {
                    Ok((id, outcome)) => (id, outcome),
                    // A panicked build task is a bug, but its job still ends, as a failure.
                    Err(e) => (e.id(), Outcome::Failed(Failure { phase: Phase::Build, reason: format!("internal error: {e}") })),
                };
                let Some((job, slot, log)) = running.remove(&id) else { continue };
                free_slots.push(slot);
                let _ = logs::rotate(&logs_dir, &state.entry(job).name);
                match outcome {
                    Outcome::Built { .. } => state.built(job).await?,
                    Outcome::Failed(failure) => {
                        let kept = kept_copy(&ctx.devtools, &state.entry(job).name);
                        let kept = (!options.cleanup_on_failure && kept.is_dir()).then_some(kept);
                        state.failed(job, failure, &log, kept.as_deref()).await?;
                    }
                    Outcome::Interrupted => state.interrupted(job).await?,
                }
            }
            Some((job, phase)) = phase_rx.recv() => state.display.phase(job, phase.as_str()),
            Some(interrupt) = signals.next() => {
                announce(interrupt, &state.display);
                state.scheduler.stop_new();
            }
        }
    }
    for interrupt in signals.pending() {
        announce(interrupt, &state.display);
    }
    let signal_exit = signals.exit_code();
    let (summary, failed_entries) = state.end(signal_exit).await?;
    // An interrupted run that failed nothing leaves the last list of failures as it was: its
    // builds were not retried.
    if signal_exit.is_none() || !failed_entries.is_empty() {
        let failed_path = workdir.join("failed_packages.json");
        write_failed(&failed_path, &options.command_line, failed_entries)?;
    }
    Ok(summary)
}

/// Says on the console what a signal did.
fn announce(interrupt: Interrupt, display: &Display) {
    display.alert(interrupt.announcement(true));
}
