//! The calls an orchestrator makes: at every state transition, bring the status directory
//! up to date (read the run, classify what is not classified yet, build the status,
//! remember it in the history, write the directory); on demand (`--status --html FILE`),
//! render the page alone.

use std::path::Path;

use archport_queue::{JobRecord, StateStore, StatusReport};

use crate::assemble::build_status;
use crate::dir::{HISTORY_JSON, write_page_file, write_status_dir};
use crate::error::StatusError;
use crate::failures::classify_failures;
use crate::history::History;
use crate::options::Extras;
use crate::schema::Status;
use crate::steps::StepRun;

/// The status of `report`'s run (`jobs` in build-list order), with `extras` completed:
/// classifications of the failures `extras.classifications` lacks (read from their logs)
/// and the history kept in `status_dir` (when `extras.history` is empty).
pub async fn status_of_report(
    report: &StatusReport,
    jobs: &[JobRecord],
    status_dir: &Path,
    mut extras: Extras,
) -> Result<Status, StatusError> {
    if extras.history == History::default() {
        extras.history = History::load(&status_dir.join(HISTORY_JSON))?;
    }
    for (key, classification) in classify_failures(report).await {
        extras.classifications.entry(key).or_insert(classification);
    }
    Ok(build_status(report, jobs, &extras))
}

/// The status of the store's current (or last) run, with `extras` completed from the store:
/// previous durations (when `extras.durations` is empty), then as [`status_of_report`].
/// `None` when no run was ever started.
pub async fn current_status<S: StateStore>(
    store: &S,
    status_dir: &Path,
    mut extras: Extras,
) -> Result<Option<Status>, StatusError> {
    let Some(report) = store.status().await? else {
        return Ok(None);
    };
    let jobs = store.jobs(report.run.id).await?;
    if extras.durations.is_empty() {
        extras.durations = store.durations().await?;
    }
    status_of_report(&report, &jobs, status_dir, extras)
        .await
        .map(Some)
}

/// Brings `status_dir` up to date with `report` and `jobs`: [`status_of_report`], recorded
/// in the directory's history, written by [`write_status_dir`]. Returns the status written.
pub async fn refresh_from_report(
    status_dir: &Path,
    report: &StatusReport,
    jobs: &[JobRecord],
    extras: Extras,
) -> Result<Status, StatusError> {
    let mut history = History::load(&status_dir.join(HISTORY_JSON))?;
    let extras = Extras {
        history: history.clone(),
        ..extras
    };
    let status = status_of_report(report, jobs, status_dir, extras).await?;
    history.record(&status);
    write_status_dir(status_dir, &status, &history).await?;
    Ok(status)
}

/// Brings `status_dir` up to date with the store: build-packages' call at every state
/// transition. Returns the status written, or `None` (nothing written) when no run was
/// ever started.
pub async fn refresh_status_dir<S: StateStore>(
    store: &S,
    status_dir: &Path,
    mut extras: Extras,
) -> Result<Option<Status>, StatusError> {
    let Some(report) = store.status().await? else {
        return Ok(None);
    };
    let jobs = store.jobs(report.run.id).await?;
    if extras.durations.is_empty() {
        extras.durations = store.durations().await?;
    }
    refresh_from_report(status_dir, &report, &jobs, extras)
        .await
        .map(Some)
}

/// Brings `status_dir` up to date with a sequential run kept outside the queue
/// (bootstrap-toolchain's record): the same page and schema as a build-packages run.
pub async fn refresh_steps_dir(
    status_dir: &Path,
    run: &StepRun,
    extras: Extras,
) -> Result<Status, StatusError> {
    let (report, jobs) = run.to_report(chrono::Utc::now());
    refresh_from_report(status_dir, &report, &jobs, extras).await
}

/// `--status --html FILE` of build-packages: the page of the store's current (or last) run
/// rendered now, written to `file` (the logs it links to placed under `logs/` next to it,
/// see [`write_page_file`]); the status directory is only read (its history gives "the
/// last runs" and "failing since"). `None` (nothing written) when no run was ever started.
pub async fn write_store_page<S: StateStore>(
    store: &S,
    status_dir: &Path,
    extras: Extras,
    file: &Path,
) -> Result<Option<Status>, StatusError> {
    let Some(status) = current_status(store, status_dir, extras).await? else {
        return Ok(None);
    };
    write_page_file(file, &status).await?;
    Ok(Some(status))
}

/// `--status --html FILE` of bootstrap-toolchain: [`write_store_page`] for a sequential run
/// kept outside the queue.
pub async fn write_steps_page(
    run: &StepRun,
    status_dir: &Path,
    extras: Extras,
    file: &Path,
) -> Result<Status, StatusError> {
    let (report, jobs) = run.to_report(chrono::Utc::now());
    let status = status_of_report(&report, &jobs, status_dir, extras).await?;
    write_page_file(file, &status).await?;
    Ok(status)
}
