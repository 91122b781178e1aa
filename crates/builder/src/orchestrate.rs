//! The run: the durable queue, the scheduler and the slots.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use archport_blacklist::Blacklist;
use archport_chroot::{Cancel, Devtools, copy_name};
use archport_config::Config;
use archport_queue::{RunInfo, SqliteStore, default_path};
use archport_upload::Uploader;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::display::Display;
use crate::failed::write_failed;
use crate::job::{JobContext, JobInput, JobOutcome, build_one, kept_copy};
use crate::logs;
use crate::prepare::{Prepared, prepare};
use crate::run_lock::{LockError, RunLock};
use crate::run_state::RunState;
use crate::setup::{create_root_chroot, remove_stale_copies, stale_copies_not_in_use};
use crate::signals::{Interrupt, Signals};
use crate::summary::Summary;

/// What `build-packages` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--json`: the build list (default `{workdir}/packages_to_build.json`).
    pub json: Option<PathBuf>,
    /// `--blacklist`: entries matching it are not built.
    pub blacklist: Option<PathBuf>,
    /// `--no-upload`.
    pub no_upload: bool,
    /// `--cache`: the pacman cache (default from the config).
    pub cache: Option<PathBuf>,
    /// `--no-cache`: empty the cache before each build.
    pub no_cache: bool,
    /// `--continue`: resume the last run.
    pub continue_run: bool,
    /// `--stop-on-failure`: start nothing new after the first failure.
    pub stop_on_failure: bool,
    /// `--chroot`: the chroot directory (default from the config).
    pub chroot: Option<PathBuf>,
    /// `--parallel-jobs`: concurrent builds.
    pub parallel_jobs: usize,
    /// `--no-check`: no checkdepends, `--nocheck` to makepkg.
    pub no_check: bool,
    /// `--cleanup-on-failure`: remove a failed build's working copy.
    pub cleanup_on_failure: bool,
    /// `--dry-run`: print the commands, touch nothing.
    pub dry_run: bool,
    /// `-q`: only failures on the console.
    pub quiet: bool,
    /// The command line, recorded in the queue and `failed_packages.json`.
    pub command_line: String,
}

/// Why a run could not go on (package failures are not errors: see [`Summary`]).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The build list is missing or invalid.
    #[error(transparent)]
    List(#[from] archport_buildlist::ListError),
    /// The blacklist is unusable.
    #[error(transparent)]
    Blacklist(#[from] archport_blacklist::BlacklistError),
    /// The durable state failed.
    #[error(transparent)]
    Queue(#[from] archport_queue::QueueError),
    /// Another run holds the work directory.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The job graph is inconsistent.
    #[error(transparent)]
    Schedule(#[from] archport_schedule::ScheduleError),
    /// The chroot could not be set up.
    #[error("{0}")]
    Chroot(String),
    /// A working copy left by an earlier run is still locked by a build running in it.
    #[error(
        "{}: still in use by a build (left running by a killed build-packages?): wait for it to end or stop it, then run again",
        copy.display()
    )]
    CopyInUse {
        /// The working copy.
        copy: PathBuf,
    },
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Runs `build-packages` (on its own tokio runtime).
pub fn run(config: &Config, options: &Options) -> Result<Summary, BuildError> {
    let mut config = config.clone();
    if let Some(chroot) = &options.chroot {
        config.paths.chroot = chroot.clone();
    }
    if let Some(cache) = &options.cache {
        config.paths.cache = cache.clone();
    }
    let blacklist = match &options.blacklist {
        Some(path) => Blacklist::from_file(path)?,
        None => Blacklist::from_optional_file(&config.paths.blacklist)?,
    };
    let list_path = options
        .json
        .clone()
        .unwrap_or_else(|| config.paths.workdir.join("packages_to_build.json"));
    let prepared = prepare(&list_path, &blacklist)?;
    let devtools = Devtools::from_config(&config, options.no_check);
    if options.dry_run {
        let text = crate::dry_run::plan_text(&config, &prepared, &devtools, options.no_upload)
            .map_err(BuildError::Chroot)?;
        return Ok(Summary {
            dry_run: Some(text),
            ..Summary::default()
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| BuildError::Io {
            path: PathBuf::from("tokio runtime"),
            source,
        })?;
    runtime.block_on(execute(&config, options, prepared, devtools))
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
    devtools: Devtools,
) -> Result<Summary, BuildError> {
    let workdir = &config.paths.workdir;
    let _lock = RunLock::acquire(&RunLock::path(workdir), "build-packages")?;
    // Checked before anything is recorded.
    let stale = stale_copies_not_in_use(&devtools)?;
    let cancel = Cancel::new();
    let mut signals =
        Signals::watch(cancel.clone()).map_err(io_error(Path::new("signal handlers")))?;
    let logs_dir = workdir.join("logs");
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
    remove_stale_copies(&devtools, stale, &maintenance_log, &state.display).await;
    std::fs::create_dir_all(&config.paths.cache).map_err(io_error(&config.paths.cache))?;
    create_root_chroot(&devtools, &maintenance_log, &state.display, &cancel).await?;

    let ctx = Arc::new(JobContext {
        devtools,
        uploader: Uploader::from_config(config),
        workdir: workdir.clone(),
        pkgbuilds: workdir.join("pkgbuilds"),
        cache: config.paths.cache.clone(),
        no_cache: options.no_cache,
        no_upload: options.no_upload,
        cleanup_on_failure: options.cleanup_on_failure,
    });
    let (phase_tx, mut phase_rx) = mpsc::unbounded_channel::<(usize, &'static str)>();
    let mut tasks: JoinSet<JobOutcome> = JoinSet::new();
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
                    Err(e) => (e.id(), JobOutcome::Failed { phase: "build", reason: format!("internal error: {e}") }),
                };
                let Some((job, slot, log)) = running.remove(&id) else { continue };
                free_slots.push(slot);
                let _ = logs::rotate(&logs_dir, &state.entry(job).name);
                match outcome {
                    JobOutcome::Built => state.built(job).await?,
                    JobOutcome::Failed { phase, reason } => {
                        let kept = kept_copy(&ctx.devtools, &state.entry(job).name);
                        let kept = (!options.cleanup_on_failure && kept.is_dir()).then_some(kept);
                        state.failed(job, format!("{phase}: {reason}"), &log, kept.as_deref()).await?;
                    }
                    JobOutcome::Interrupted => state.interrupted(job).await?,
                }
            }
            Some((job, phase)) = phase_rx.recv() => state.display.phase(job, phase),
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
    display.alert(match interrupt {
        Interrupt::Stop => {
            "interrupted: stopping the running builds (interrupt again to kill them at once)"
        }
        Interrupt::Kill => "killing the running builds",
    });
}
