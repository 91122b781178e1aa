//! The run: the durable queue, the scheduler, the slots and the signals.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use archport_blacklist::Blacklist;
use archport_buildlist::Entry;
use archport_chroot::{Cancel, Devtools, copy_name, run as run_cmd, stale_copies};
use archport_config::Config;
use archport_queue::{
    JobKey, JobState, NewJob, RunId, RunInfo, SqliteStore, StateStore, Transition, default_path,
};
use archport_schedule::{Outcome as SchedOutcome, Scheduler, default_weight};
use archport_upload::Uploader;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::display::Display;
use crate::failed::write_failed;
use crate::job::{JobContext, JobInput, JobOutcome, build_one};
use crate::logs;
use crate::prepare::{Prepared, prepare, stage_of};
use crate::run_lock::{LockError, RunLock};

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
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// How the run ended.
#[derive(Debug, Default)]
pub struct Summary {
    /// Built now: `name version`.
    pub built: Vec<String>,
    /// Built by an earlier run at the same version (`--continue`).
    pub already_built: Vec<String>,
    /// Failed: `(name, phase: reason, log)`.
    pub failed: Vec<(String, String, PathBuf)>,
    /// Blocked: `(name, the failed package)`.
    pub blocked: Vec<(String, String)>,
    /// Skipped: `(name, reason)`.
    pub skipped: Vec<(String, String)>,
    /// Interrupted builds.
    pub interrupted: Vec<String>,
    /// Not started (stop on failure, or a signal).
    pub not_started: usize,
    /// The signal that stopped the run: 130 (SIGINT) or 143 (SIGTERM).
    pub signal_exit: Option<u8>,
    /// `--dry-run`: the commands.
    pub dry_run: Option<String>,
}

impl Summary {
    /// 0 all built; 1 any failed or blocked; 130/143 interrupted.
    pub fn exit_code(&self) -> u8 {
        if let Some(code) = self.signal_exit {
            code
        } else if !self.failed.is_empty() || !self.blocked.is_empty() || self.not_started > 0 {
            1
        } else {
            0
        }
    }

    /// The end-of-run summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Summary: {} built, {} failed, {} blocked, {} skipped{}{}",
            self.built.len(),
            self.failed.len(),
            self.blocked.len(),
            self.skipped.len(),
            if self.already_built.is_empty() {
                String::new()
            } else {
                format!(", {} already built", self.already_built.len())
            },
            if self.not_started > 0 {
                format!(", {} not started", self.not_started)
            } else {
                String::new()
            },
        );
        for name in &self.built {
            let _ = writeln!(out, "  built    {name}");
        }
        for (name, reason, log) in &self.failed {
            let _ = writeln!(out, "  FAILED   {name}: {reason} (log: {})", log.display());
        }
        for (name, by) in &self.blocked {
            let _ = writeln!(out, "  blocked  {name}: blocked by {by}");
        }
        for (name, reason) in &self.skipped {
            let _ = writeln!(out, "  skipped  {name}: {reason}");
        }
        for name in &self.interrupted {
            let _ = writeln!(out, "  interrupted {name}");
        }
        out
    }
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
    let _lock = RunLock::acquire(&workdir.join("build-state").join("build.lock"))?;
    let logs_dir = workdir.join("logs");
    std::fs::create_dir_all(&logs_dir).map_err(io_error(&logs_dir))?;
    let maintenance_log = logs_dir.join("build-packages.log");
    let mut display = Display::new(prepared.jobs.len(), options.quiet);
    let mut summary = Summary::default();
    for entry in prepared.skipped() {
        let reason = entry.skip_reason.clone().unwrap_or_else(|| "skip".into());
        display.note(&format!(
            "skipping {} {}: {reason}",
            entry.name, entry.version
        ));
        summary.skipped.push((entry.name.clone(), reason));
    }

    // The durable queue: a new run, or the last one resumed.
    let store = SqliteStore::open(&default_path(workdir)).await?;
    let new_jobs: Vec<NewJob> = prepared
        .list
        .packages
        .iter()
        .map(|e| NewJob {
            key: JobKey::new(&e.name, stage_of(e)),
            version: e.version.clone(),
            repo: e.repo.clone(),
            state: if e.skip != 0 {
                JobState::Skipped
            } else {
                JobState::Queued
            },
            reason: e.skip_reason.clone(),
        })
        .collect();
    let info = RunInfo {
        command: options.command_line.clone(),
        list_path: prepared.path.display().to_string(),
        list_timestamp: prepared.list.timestamp.clone(),
        host: host_name(),
    };
    let durations = store.durations().await?;
    let mut scheduler = Scheduler::new(&prepared.jobs, &durations, default_weight(&durations))?;
    let key_of = |job: usize| {
        let entry = prepared.entry(&prepared.jobs[job]);
        JobKey::new(&entry.name, stage_of(entry))
    };
    let by_key: HashMap<JobKey, usize> = (0..prepared.jobs.len()).map(|j| (key_of(j), j)).collect();
    let run: RunId = if options.continue_run {
        match store.resume_run(&info, &new_jobs).await? {
            Some(resume) => {
                for key in &resume.already_built {
                    if let Some(&job) = by_key.get(key) {
                        scheduler.mark_done(job)?;
                        summary.already_built.push(key.to_string());
                    }
                }
                display.settled(summary.already_built.len());
                display.note(&format!(
                    "continuing run {}: {} already built, {} to rebuild after an interruption",
                    resume.run,
                    resume.already_built.len(),
                    resume.interrupted.len()
                ));
                resume.run
            }
            None => {
                display.note("no earlier run to continue: starting a new one");
                store.start_run(&info, &new_jobs).await?
            }
        }
    } else {
        store.start_run(&info, &new_jobs).await?
    };

    // Leftovers of a crashed run, then the root chroot.
    let quiet_cancel = Cancel::new();
    for copy in stale_copies(devtools.chroot()).unwrap_or_default() {
        display.note(&format!("removing stale working copy {copy}"));
        for cmd in devtools.remove_copy_cmds(&copy) {
            let _ = run_cmd(&cmd, &maintenance_log, &quiet_cancel).await;
        }
    }
    std::fs::create_dir_all(&config.paths.cache).map_err(io_error(&config.paths.cache))?;
    if let Some(cmd) = devtools.root_chroot_cmd() {
        display.note(&format!("creating the root chroot: {cmd}"));
        let status = run_cmd(&cmd, &maintenance_log, &quiet_cancel)
            .await
            .map_err(|e| BuildError::Chroot(e.to_string()))?;
        if !status.success() {
            return Err(BuildError::Chroot(format!(
                "{} failed ({status}); see {}",
                cmd.program,
                maintenance_log.display()
            )));
        }
    }

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
    let cancel = Cancel::new();
    let (phase_tx, mut phase_rx) = mpsc::unbounded_channel::<(usize, &'static str)>();
    let mut tasks: JoinSet<(usize, u32, PathBuf, JobOutcome)> = JoinSet::new();
    let slots = options.parallel_jobs.max(1);
    let mut free_slots: Vec<u32> = (1..=slots as u32).rev().collect();
    let mut sigint = signal(SignalKind::interrupt()).map_err(io_error(Path::new("SIGINT")))?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(io_error(Path::new("SIGTERM")))?;
    let mut failed_entries: Vec<Entry> = Vec::new();
    let mut failure_of: HashMap<usize, String> = HashMap::new();

    loop {
        while summary.signal_exit.is_none() && !free_slots.is_empty() {
            let Some(job) = scheduler.next_ready() else {
                break;
            };
            let Some(slot) = free_slots.pop() else { break };
            scheduler.start(job)?;
            let entry = prepared.entry(&prepared.jobs[job]).clone();
            let log = logs::new_log_path(&logs_dir, &entry.name, chrono::Local::now());
            let record = store
                .record(
                    run,
                    &Transition {
                        slot: Some(slot),
                        log: Some(log.display().to_string()),
                        ..Transition::new(key_of(job), JobState::Building)
                    },
                )
                .await?;
            let label = format!("{} {}{}", entry.name, entry.version, stage_label(&entry));
            display.started(job, &label, slot);
            let input = JobInput {
                id: job,
                entry,
                copy: copy_name(slot as usize),
                log: log.clone(),
                attempt: record.attempt,
            };
            let ctx = Arc::clone(&ctx);
            let cancel = cancel.clone();
            let phase_tx = phase_tx.clone();
            tasks.spawn(async move {
                let outcome = build_one(&ctx, &input, &cancel, &phase_tx).await;
                (input.id, slot, input.log, outcome)
            });
        }
        if tasks.is_empty() {
            break;
        }
        tokio::select! {
            Some(joined) = tasks.join_next() => {
                let Ok((job, slot, log, outcome)) = joined else { continue };
                free_slots.push(slot);
                let entry = prepared.entry(&prepared.jobs[job]);
                let label = format!("{} {}{}", entry.name, entry.version, stage_label(entry));
                let _ = logs::rotate(&logs_dir, &entry.name);
                match outcome {
                    JobOutcome::Built => {
                        store.record(run, &Transition::new(key_of(job), JobState::Built)).await?;
                        scheduler.finish(job, SchedOutcome::Built)?;
                        display.finished(job, &format!("built {label}"), false);
                        summary.built.push(label);
                    }
                    JobOutcome::Failed { phase, reason } => {
                        let why = format!("{phase}: {reason}");
                        store
                            .record(run, &Transition { reason: Some(why.clone()), ..Transition::new(key_of(job), JobState::Failed) })
                            .await?;
                        display.finished(job, &format!("FAILED {label} ({why}); log: {}", log.display()), true);
                        let mut failed = entry.clone();
                        failed.failure = Some(why.clone());
                        failed.log = Some(log.display().to_string());
                        failed_entries.push(failed);
                        failure_of.insert(job, entry.name.clone());
                        summary.failed.push((label, why, log));
                        let blocked = scheduler.finish(job, SchedOutcome::Failed)?;
                        display.settled(blocked.len());
                        for b in blocked {
                            let blocked_entry = prepared.entry(&prepared.jobs[b]);
                            let by = entry.name.clone();
                            store
                                .record(run, &Transition {
                                    reason: Some(format!("blocked by {by}")),
                                    blocked_by: Some(by.clone()),
                                    ..Transition::new(key_of(b), JobState::Blocked)
                                })
                                .await?;
                            display.note(&format!("blocked {} (needs {by}, which failed)", blocked_entry.name));
                            let mut e = blocked_entry.clone();
                            e.failure = Some(format!("blocked: {by} failed"));
                            failed_entries.push(e);
                            summary.blocked.push((blocked_entry.name.clone(), by));
                        }
                        if options.stop_on_failure {
                            scheduler.stop_new();
                        }
                    }
                    JobOutcome::Interrupted => {
                        store.record(run, &Transition::new(key_of(job), JobState::Interrupted)).await?;
                        display.finished(job, &format!("interrupted {label}"), true);
                        summary.interrupted.push(label);
                    }
                }
            }
            Some((job, phase)) = phase_rx.recv() => display.phase(job, phase),
            _ = sigint.recv() => interrupt(&mut summary, &mut scheduler, &cancel, &display, 130),
            _ = sigterm.recv() => interrupt(&mut summary, &mut scheduler, &cancel, &display, 143),
        }
    }
    display.close();
    let counts = scheduler.counts();
    summary.not_started = counts.waiting + counts.ready;
    if summary.signal_exit.is_none() {
        store.finish_run(run).await?;
    }
    let failed_path = workdir.join("failed_packages.json");
    write_failed(&failed_path, &options.command_line, failed_entries)?;
    Ok(summary)
}

fn stage_label(entry: &Entry) -> String {
    entry
        .cycle_stage
        .map(|s| format!(" (cycle build {s}/2)"))
        .unwrap_or_default()
}

/// The first signal stops new builds and the running ones (whole process groups, working
/// copies removed); a second SIGINT kills at once.
fn interrupt(
    summary: &mut Summary,
    scheduler: &mut Scheduler,
    cancel: &Cancel,
    display: &Display,
    code: u8,
) {
    if summary.signal_exit.is_none() {
        summary.signal_exit = Some(code);
        scheduler.stop_new();
        cancel.cancel();
        display.alert(
            "interrupted: stopping the running builds (interrupt again to kill them at once)",
        );
    } else {
        cancel.kill_now();
        display.alert("killing the running builds");
    }
}
