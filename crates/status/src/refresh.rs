//! The one call an orchestrator makes at every transition: read the store, classify what
//! is not classified yet, build the status, remember it in the history, write the
//! directory.

use std::path::Path;

use archport_queue::StateStore;

use crate::assemble::build_status;
use crate::dir::{HISTORY_JSON, write_status_dir};
use crate::error::StatusError;
use crate::failures::classify_failures;
use crate::history::History;
use crate::options::Extras;
use crate::schema::Status;

/// The status of the store's current (or last) run, with `extras` completed from the store:
/// previous durations (when `extras.durations` is empty), classifications of the failures
/// `extras.classifications` lacks (read from their logs), and the history kept in
/// `status_dir` (when `extras.history` is empty). `None` when no run was ever started.
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
    if extras.history == History::default() {
        extras.history = History::load(&status_dir.join(HISTORY_JSON))?;
    }
    for (key, classification) in classify_failures(&report).await {
        extras.classifications.entry(key).or_insert(classification);
    }
    Ok(Some(build_status(&report, &jobs, &extras)))
}

/// Brings `status_dir` up to date with the store: [`current_status`], recorded in the
/// directory's history, written by [`write_status_dir`]. Returns the status written, or
/// `None` (nothing written) when no run was ever started.
pub async fn refresh_status_dir<S: StateStore>(
    store: &S,
    status_dir: &Path,
    extras: Extras,
) -> Result<Option<Status>, StatusError> {
    let mut history = History::load(&status_dir.join(HISTORY_JSON))?;
    let extras = Extras {
        history: history.clone(),
        ..extras
    };
    let Some(status) = current_status(store, status_dir, extras).await? else {
        return Ok(None);
    };
    history.record(&status);
    write_status_dir(status_dir, &status, &history).await?;
    Ok(Some(status))
}
