//! The run: lock, checkouts, the root chroot, then the steps in order until one fails or a
//! signal arrives, every transition recorded before the next begins.

use std::collections::BTreeMap;
use std::path::Path;

use archport_chroot::Cancel;
use archport_config::Config;
use archport_runner::{
    Console, Outcome, Processes, RunLock, Signals, Spawn as _, copies_not_in_use,
    create_root_chroot, failure_text, format_duration, logs,
};
use archport_triage::classify_failure;
use archport_upload::Uploader;

use crate::commands::{COPY, Commands};
use crate::error::BootstrapError;
use crate::options::Options;
use crate::plan::distinct_pkgbases;
use crate::prepare::{Prepared, prepare, record_path};
use crate::record::Record;
use crate::sources::{
    Package, existing_state, fetch_missing, missing_checkouts, read_package, synced_state,
};
use crate::step::{StepContext, run_step};
use crate::summary::{StepFailure, Summary};

/// The log of what happens outside the steps (stale copies, the root chroot).
pub const MAINTENANCE_LOG: &str = "bootstrap-toolchain.log";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs `bootstrap-toolchain`: the dry run's commands, or the steps. Needs a multi-threaded
/// tokio runtime: the signal listener must run while a thread is busy in blocking work (git
/// fetches, makepkg --printsrcinfo).
pub async fn run(config: &Config, options: &Options) -> Result<Summary, BootstrapError> {
    let console = Console::new(options.quiet);
    if options.dry_run {
        let text = crate::dry_run::plan_text(config, options, &console)?;
        return Ok(Summary {
            dry_run: Some(text),
            ..Summary::default()
        });
    }
    execute(config, options, &console).await
}

async fn execute(
    config: &Config,
    options: &Options,
    console: &Console,
) -> Result<Summary, BootstrapError> {
    let workdir = &config.paths.workdir;
    std::fs::create_dir_all(workdir).map_err(BootstrapError::io(workdir))?;
    // build-packages uses the same root chroot and cache: never both at once. The lock is
    // taken before the signal handlers are installed so that a SIGINT while `--wait` blocks
    // ends the process at once (nothing is written yet, and the kernel drops a dead
    // process's flock); blocking this worker is fine, the runtime has another one.
    let path = config.workdir().lock_file();
    let lock = RunLock::acquire_for(&path, "bootstrap-toolchain", options.wait, &mut |line| {
        console.note(line);
    })?;
    let cancel = Cancel::new();
    // Listening before anything is written: from then on a signal can only end the run
    // through the paths that save the record.
    let mut signals =
        Signals::watch(cancel.clone()).map_err(BootstrapError::io("signal handlers"))?;
    let started = now();
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
    publish_status(config, &record, console).await;
    let commands = Commands::new(config);
    let packages = checkouts(config, &record, first, &commands, console)?;
    announce(&mut signals, console);
    if let Some(code) = signals.exit_code() {
        summary.signal_exit = Some(code);
        return Ok(summary);
    }

    let logs_dir = config.workdir().logs();
    std::fs::create_dir_all(&logs_dir).map_err(BootstrapError::io(&logs_dir))?;
    prepare_chroot(
        config,
        &commands,
        &logs_dir.join(MAINTENANCE_LOG),
        console,
        &cancel,
    )
    .await?;
    announce(&mut signals, console);

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
        publish_status(config, &record, console).await;

        let step_start = std::time::Instant::now();
        let outcome = {
            let running = run_step(&ctx, &step, package, &installed, &log, attempt, &cancel);
            tokio::pin!(running);
            loop {
                tokio::select! {
                    outcome = &mut running => break outcome,
                    Some(interrupt) = signals.next() => console.alert(interrupt.announcement(false)),
                }
            }
        };
        let _ = logs::rotate(&logs_dir, &step.pkgbase);
        record.finish_step(i, &outcome, &now());
        if let Outcome::Failed(failure) = &outcome {
            let classification =
                classify_failure(Some(&log), failure.phase.as_str(), &failure.reason).await;
            record.classify_step(i, classification);
        }
        record.save(&record_file)?;
        publish_status(config, &record, console).await;
        match outcome {
            Outcome::Built { published, .. } => {
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
            Outcome::Failed(failure) => {
                summary.failure = Some(StepFailure {
                    step: label,
                    pkgbase: step.pkgbase.clone(),
                    version: package.version.to_string(),
                    phase: failure.phase,
                    reason: failure.reason,
                    log,
                });
                break;
            }
            Outcome::Interrupted => {
                summary.interrupted = Some(label);
                break;
            }
        }
    }
    announce(&mut signals, console);
    summary.signal_exit = signals.exit_code();
    summary.elapsed = console.elapsed();
    drop(lock);
    Ok(summary)
}

/// Brings the status page (`[status] dir`) up to date with `record`, right after each
/// save of the record. A page that cannot be written is said on the console and does not
/// stop the builds: the record, not the page, is what `--continue` trusts.
async fn publish_status(config: &Config, record: &Record, console: &Console) {
    if let Err(e) = crate::status::refresh(config, record).await {
        console.alert(&format!("status page not updated: {e}"));
    }
}

/// Says on the console what the signals that came so far did.
fn announce(signals: &mut Signals, console: &Console) {
    for interrupt in signals.pending() {
        console.alert(interrupt.announcement(false));
    }
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
    let pkgbuilds = config.workdir().pkgbuilds();
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
/// chroot (removing what a failed or interrupted mkarchroot made of it); their output goes
/// to `log`. The copy's removal runs to its end even after a signal. A copy still locked by
/// the build a killed run left running is an error, never removed: that build would break,
/// or publish over what this run publishes.
async fn prepare_chroot(
    config: &Config,
    commands: &Commands,
    log: &Path,
    console: &Console,
    cancel: &Cancel,
) -> Result<(), BootstrapError> {
    let quiet = Cancel::new();
    if commands.copy_exists() {
        copies_not_in_use(
            commands.devtools(),
            vec![COPY.to_owned()],
            "bootstrap-toolchain",
        )?;
        console.note("removing the working copy an earlier run left");
        for cmd in commands.remove_copy() {
            let problem = match Processes.run_captured(&cmd, log, &quiet).await {
                Ok(finished) if finished.status.success() => continue,
                Ok(finished) => failure_text(&cmd, &finished),
                Err(e) => e.to_string(),
            };
            return Err(BootstrapError::Chroot(format!(
                "`{cmd}` failed ({problem}); see {}",
                log.display()
            )));
        }
    }
    std::fs::create_dir_all(&config.paths.cache)
        .map_err(BootstrapError::io(&config.paths.cache))?;
    create_root_chroot(&Processes, commands.devtools(), log, cancel, &|text| {
        console.note(text)
    })
    .await?;
    Ok(())
}
