//! The run: lock, checkouts, the root chroot, then the steps in order until one fails or a
//! signal arrives, every transition recorded before the next begins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use archport_build::logs;
use archport_build::run_lock::RunLock;
use archport_chroot::{Cancel, run as run_cmd};
use archport_config::Config;
use archport_upload::Uploader;

use crate::commands::Commands;
use crate::console::{Console, format_duration};
use crate::error::BootstrapError;
use crate::lock::{BootstrapLock, LOCK_FILE};
use crate::plan::{distinct_pkgbases, plan_steps};
use crate::record::{RECORD_FILE, Record};
use crate::signals::Signals;
use crate::sources::{
    Package, check_hand_checkouts, existing_state, fetch_missing, missing_checkouts, read_package,
    synced_state,
};
use crate::step::{StepContext, StepOutcome, run_step};
use crate::summary::{Options, StepFailure, Summary};

/// The log of what happens outside the steps (stale copies, the root chroot).
pub const MAINTENANCE_LOG: &str = "bootstrap-toolchain.log";

/// The steps to run: a new record, or the last one continued.
pub(crate) struct Prepared {
    /// The run's record.
    pub record: Record,
    /// The index of the first step to run.
    pub first: usize,
    /// What continuing found, for the console.
    pub note: Option<String>,
}

/// `config` with `--chroot` and `--cache` applied.
pub(crate) fn effective_config(config: &Config, options: &Options) -> Config {
    let mut config = config.clone();
    if let Some(chroot) = &options.chroot {
        config.paths.chroot = chroot.clone();
    }
    if let Some(cache) = &options.cache {
        config.paths.cache = cache.clone();
    }
    config
}

/// The record path of a work directory.
pub(crate) fn record_path(config: &Config) -> PathBuf {
    config.paths.workdir.join(RECORD_FILE)
}

/// The pkgbuilds directory of a work directory.
pub(crate) fn pkgbuilds_dir(config: &Config) -> PathBuf {
    config.paths.workdir.join("pkgbuilds")
}

/// Plans the run (new or continued) and checks that gcc and glibc are checked out when
/// the steps left need them.
pub(crate) fn prepare(
    config: &Config,
    options: &Options,
    started: &str,
) -> Result<Prepared, BootstrapError> {
    let new = || -> Result<Record, BootstrapError> {
        let steps = plan_steps(
            &config.bootstrap.stage1,
            &config.bootstrap.stage2,
            options.start_from.as_deref(),
        )?;
        Ok(Record::new(&options.command_line, started, steps))
    };
    let prepared = if options.continue_run {
        match Record::load(&record_path(config))? {
            Some(record) => {
                let first = record.resume_index();
                let note = format!(
                    "continuing the bootstrap started {}: {first} of {} steps built",
                    record.started,
                    record.steps.len()
                );
                Prepared {
                    record,
                    first,
                    note: Some(note),
                }
            }
            None => Prepared {
                record: new()?,
                first: 0,
                note: Some("no earlier bootstrap run to continue: starting a new one".into()),
            },
        }
    } else {
        Prepared {
            record: new()?,
            first: 0,
            note: None,
        }
    };
    let left: Vec<_> = prepared.record.steps[prepared.first..]
        .iter()
        .map(|r| r.step.clone())
        .collect();
    check_hand_checkouts(&pkgbuilds_dir(config), &distinct_pkgbases(&left))?;
    Ok(prepared)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs `bootstrap-toolchain` (on its own tokio runtime).
pub fn run(config: &Config, options: &Options) -> Result<Summary, BootstrapError> {
    let config = effective_config(config, options);
    let console = Console::new(options.quiet);
    if options.dry_run {
        let text = crate::dry_run::plan_text(&config, options, &console)?;
        return Ok(Summary {
            dry_run: Some(text),
            ..Summary::default()
        });
    }
    // One worker besides this thread: the signal listener must run while this thread is
    // busy in blocking work (git fetches, makepkg --printsrcinfo).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(BootstrapError::io("tokio runtime"))?;
    runtime.block_on(execute(&config, options, &console))
}

async fn execute(
    config: &Config,
    options: &Options,
    console: &Console,
) -> Result<Summary, BootstrapError> {
    let workdir = &config.paths.workdir;
    let cancel = Cancel::new();
    // Listening before the lock is taken: from then on a signal can only end the run
    // through the paths that release it.
    let signals = Signals::listen(cancel.clone(), console.clone())
        .map_err(BootstrapError::io("signal handlers"))?;
    std::fs::create_dir_all(workdir).map_err(BootstrapError::io(workdir))?;
    let started = now();
    let (lock, taken_over) = BootstrapLock::acquire(&workdir.join(LOCK_FILE), &started)?;
    if let Some(taken_over) = taken_over {
        console.alert(&taken_over.to_string());
    }
    // build-packages uses the same root chroot and cache: never both at once.
    let _chroot_lock = RunLock::acquire(&RunLock::path(workdir), "bootstrap-toolchain")?;
    let Prepared {
        mut record,
        first,
        note,
    } = prepare(config, options, &started)?;
    if let Some(note) = note {
        console.note(&note);
    }
    let mut summary = Summary {
        already_built: first,
        ..Summary::default()
    };
    if first >= record.steps.len() {
        console.note("nothing left to build");
        return Ok(summary);
    }

    // Recorded before anything else happens: from now on this is the run `--continue`
    // resumes.
    let record_file = record_path(config);
    record.save(&record_file)?;
    let commands = Commands::new(config);
    let packages = checkouts(config, &record, first, &commands, console)?;
    if let Some(code) = signals.exit_code() {
        summary.signal_exit = Some(code);
        return Ok(summary);
    }

    let logs_dir = workdir.join("logs");
    std::fs::create_dir_all(&logs_dir).map_err(BootstrapError::io(&logs_dir))?;
    prepare_chroot(config, &commands, &logs_dir.join(MAINTENANCE_LOG), console).await?;

    let ctx = StepContext {
        commands,
        uploader: Uploader::from_config(config),
        no_upload: options.no_upload,
    };
    for i in first..record.steps.len() {
        if cancel.is_cancelled() {
            break;
        }
        let step = record.steps[i].step.clone();
        // `checkouts` read every pkgbase of the steps left.
        let package = packages
            .get(&step.pkgbase)
            .ok_or_else(|| BootstrapError::Checkout {
                pkgbase: step.pkgbase.clone(),
                problem: "checkout not read".into(),
            })?;
        let label = step.label();
        console.note(&format!(
            "{label} {} ({} elapsed)",
            package.version,
            format_duration(console.elapsed())
        ));
        let log = logs::new_log_path(&logs_dir, &step.pkgbase, chrono::Local::now());
        let installed = record.built_before(i);
        let attempt = record.start_step(i, &package.version, &log, &now());
        record.save(&record_file)?;

        let step_start = std::time::Instant::now();
        let outcome = run_step(&ctx, &step, package, &installed, &log, attempt, &cancel).await;
        let _ = logs::rotate(&logs_dir, &step.pkgbase);
        record.finish_step(i, &outcome, &now());
        record.save(&record_file)?;
        match outcome {
            StepOutcome::Built { published, .. } => {
                let target = published
                    .map(|t| format!(", published to {t}"))
                    .unwrap_or_default();
                console.note(&format!(
                    "  built {} {} in {}{target}",
                    step.pkgbase,
                    package.version,
                    format_duration(step_start.elapsed())
                ));
                summary.built.push(format!("{label} {}", package.version));
            }
            StepOutcome::Failed { phase, reason } => {
                summary.failure = Some(StepFailure {
                    step: label,
                    pkgbase: step.pkgbase.clone(),
                    version: package.version.clone(),
                    phase: phase.to_owned(),
                    reason,
                    log,
                });
                break;
            }
            StepOutcome::Interrupted => {
                summary.interrupted = Some(label);
                break;
            }
        }
    }
    summary.signal_exit = signals.exit_code();
    summary.elapsed = console.elapsed();
    drop(lock);
    Ok(summary)
}

/// Fetches the missing checkouts of the steps from `first` on (syncing the state
/// repository for their versions) and reads every one.
fn checkouts(
    config: &Config,
    record: &Record,
    first: usize,
    commands: &Commands,
    console: &Console,
) -> Result<BTreeMap<String, Package>, BootstrapError> {
    let left: Vec<_> = record.steps[first..]
        .iter()
        .map(|r| r.step.clone())
        .collect();
    let pkgbases = distinct_pkgbases(&left);
    let pkgbuilds = pkgbuilds_dir(config);
    let missing = missing_checkouts(&pkgbuilds, &pkgbases);
    let state = if missing.is_empty() {
        existing_state(config, console)
    } else {
        console.note(&format!(
            "fetching {}: syncing the state repository for their versions",
            missing.join(", ")
        ));
        let state = synced_state(config)?;
        fetch_missing(config, &pkgbuilds, &missing, &state, console)?;
        Some(state)
    };
    let as_root = commands.devtools().is_root();
    pkgbases
        .iter()
        .map(|p| {
            read_package(config, &pkgbuilds, p, state.as_ref(), as_root)
                .map(|pkg| ((*p).to_owned(), pkg))
        })
        .collect()
}

/// Removes a crashed run's working copy, creates the cache and, when missing, the root
/// chroot; their output goes to `log`. A signal does not stop these: an interrupted
/// mkarchroot would leave a root chroot that looks complete. The run ends after them.
async fn prepare_chroot(
    config: &Config,
    commands: &Commands,
    log: &Path,
    console: &Console,
) -> Result<(), BootstrapError> {
    let quiet = Cancel::new();
    let failed = |cmd: &archport_chroot::Cmd, why: String| {
        BootstrapError::Chroot(format!("`{cmd}` failed ({why}); see {}", log.display()))
    };
    if commands.copy_exists() {
        console.note("removing the working copy an earlier run left");
        for cmd in commands.remove_copy() {
            match run_cmd(&cmd, log, &quiet).await {
                Ok(status) if status.success() => {}
                Ok(status) => return Err(failed(&cmd, status.to_string())),
                Err(e) => return Err(failed(&cmd, e.to_string())),
            }
        }
    }
    std::fs::create_dir_all(&config.paths.cache)
        .map_err(BootstrapError::io(&config.paths.cache))?;
    if let Some(cmd) = commands.devtools().root_chroot_cmd() {
        console.note(&format!("creating the root chroot: {cmd}"));
        match run_cmd(&cmd, log, &quiet).await {
            Ok(status) if status.success() => {}
            Ok(status) => return Err(failed(&cmd, status.to_string())),
            Err(e) => return Err(failed(&cmd, e.to_string())),
        }
    }
    Ok(())
}
