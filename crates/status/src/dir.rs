//! The status directory: `index.html`, `status.json`, `history.json` and `logs/`, complete
//! by itself so it can be published as it is (an S3 bucket, any static host, `file://`).

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use archport_fs::write_atomic;

use crate::assemble::log_file_name;
use crate::error::StatusError;
use crate::history::History;
use crate::page::render_html;
use crate::schema::Status;

/// The file names inside the status directory.
pub const INDEX_HTML: &str = "index.html";
/// See [`INDEX_HTML`].
pub const STATUS_JSON: &str = "status.json";
/// See [`INDEX_HTML`].
pub const HISTORY_JSON: &str = "history.json";
/// See [`INDEX_HTML`].
pub const LOGS_DIR: &str = "logs";

/// Writes `status` into `dir` (created if missing): first the logs the page links to
/// (under `logs/`), then `status.json`, `history.json` and last `index.html`, each file
/// replaced atomically, so a reader never sees a page linking to a log not yet there, nor
/// a half-written file.
///
/// A log is hard-linked when it is on the same file system (a running build's log then
/// stays current without copying it again) and copied otherwise; a copy is refreshed when
/// the source's size or modification time changed. Logs no longer referenced are left in
/// place: a published directory keeps working for readers with an older page open.
pub async fn write_status_dir(
    dir: &Path,
    status: &Status,
    history: &History,
) -> Result<(), StatusError> {
    let dir = dir.to_owned();
    let status = status.clone();
    let history = history.clone();
    let for_error = dir.clone();
    tokio::task::spawn_blocking(move || write_blocking(&dir, &status, &history))
        .await
        .map_err(|e| StatusError::Task {
            path: for_error,
            message: e.to_string(),
        })?
}

fn write_blocking(dir: &Path, status: &Status, history: &History) -> Result<(), StatusError> {
    let logs = dir.join(LOGS_DIR);
    std::fs::create_dir_all(&logs).map_err(StatusError::io(&logs))?;
    for (name, source) in referenced_logs(status) {
        place_log(&source, &logs.join(name))?;
    }
    write_json(status, &dir.join(STATUS_JSON))?;
    write_json(history, &dir.join(HISTORY_JSON))?;
    let index = dir.join(INDEX_HTML);
    write_atomic(&index, render_html(status).as_bytes()).map_err(StatusError::io(&index))
}

/// Writes the page of `status` alone to `file` (its directory created if missing), with the
/// logs it links to placed under `logs/` next to it as [`write_status_dir`] places them, so
/// the page's links resolve wherever `file` is. No JSON, no history: `--status --html FILE`
/// renders on demand and changes nothing the running tools keep.
pub async fn write_page_file(file: &Path, status: &Status) -> Result<(), StatusError> {
    let file = file.to_owned();
    let status = status.clone();
    let for_error = file.clone();
    tokio::task::spawn_blocking(move || {
        let dir = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let logs = dir.join(LOGS_DIR);
        let referenced = referenced_logs(&status);
        if !referenced.is_empty() {
            std::fs::create_dir_all(&logs).map_err(StatusError::io(&logs))?;
        }
        for (name, source) in referenced {
            place_log(&source, &logs.join(name))?;
        }
        write_atomic(&file, render_html(&status).as_bytes()).map_err(StatusError::io(&file))
    })
    .await
    .map_err(|e| StatusError::Task {
        path: for_error,
        message: e.to_string(),
    })?
}

fn write_json<T: serde::Serialize>(value: &T, path: &Path) -> Result<(), StatusError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|source| StatusError::Json {
        path: path.to_owned(),
        source,
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes()).map_err(StatusError::io(path))
}

/// Every log the status links to: its name under `logs/` and where it is. A log that does
/// not exist (deleted, never written) is skipped: the page's link then leads nowhere, which
/// is what happened.
fn referenced_logs(status: &Status) -> BTreeMap<String, PathBuf> {
    let paths = status
        .running
        .iter()
        .map(|j| &j.log_path)
        .chain(status.failed.iter().map(|j| &j.log_path))
        .chain(status.built.iter().map(|j| &j.log_path))
        .flatten();
    paths
        .map(|path| (log_file_name(path), PathBuf::from(path)))
        .filter(|(_, path)| path.is_file())
        .collect()
}

fn place_log(source: &Path, target: &Path) -> Result<(), StatusError> {
    let src = std::fs::metadata(source).map_err(StatusError::io(source))?;
    if let Ok(existing) = std::fs::metadata(target) {
        let same_file = existing.dev() == src.dev() && existing.ino() == src.ino();
        let same_copy = existing.len() == src.len()
            && existing.modified().ok() >= src.modified().ok()
            && existing.nlink() == 1;
        if same_file || same_copy {
            return Ok(());
        }
        std::fs::remove_file(target).map_err(StatusError::io(target))?;
    }
    if std::fs::hard_link(source, target).is_ok() {
        return Ok(());
    }
    // Another file system: an atomic copy, so a reader never sees half a log.
    let bytes = std::fs::read(source).map_err(StatusError::io(source))?;
    write_atomic(target, &bytes).map_err(StatusError::io(target))
}
