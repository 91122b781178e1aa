//! `--status`: the current or last run, from the durable queue (SQLite in the work
//! directory, or the shared PostgreSQL database with every host of the run).

use std::path::Path;

use archport_config::Config;
use archport_queue::{PostgresStore, SqliteStore, StateStore, default_path, render_status};

/// Whether a run holds the work directory's lock (`build.lock`), probed with a shared lock
/// that writes nothing: a killed or crashed run's lock is gone with its process.
fn lock_held(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}

/// The status of the current or last run, as text or JSON, from the PostgreSQL queue at
/// `url` or else the work directory's SQLite file. Never creates the SQLite database.
pub async fn status(config: &Config, url: Option<&str>, json: bool) -> Result<String, String> {
    let url = url
        .or(config.queue.url.as_deref())
        .filter(|u| !u.is_empty());
    let none = |what: String| {
        if json {
            // A document scripts can read: there is no run yet.
            Ok(serde_json::json!({ "run": null, "message": what }).to_string() + "\n")
        } else {
            Err(what)
        }
    };
    let report = match open(config, url).await? {
        Opened::Postgres(store) => store.status().await.map_err(|e| e.to_string())?,
        Opened::Sqlite(store) => {
            let mut report = store.status().await.map_err(|e| e.to_string())?;
            // One host: the run goes on only while a build-packages holds the lock.
            if let Some(report) = &mut report
                && !lock_held(&config.workdir().lock_file())
            {
                report.mark_stopped();
                // A stopped run that never got to build says why.
                report.start_failure = crate::run_list::recorded(&config.workdir().build_state())
                    .filter(|list| list.run == report.run.id.0)
                    .and_then(|list| list.start_failure);
            }
            report
        }
        Opened::Nothing(path) => {
            return none(format!(
                "{}: no build run recorded yet; run build-packages first",
                path.display()
            ));
        }
    };
    let Some(report) = report else {
        return none("no build run recorded yet".to_owned());
    };
    // Each failure's category and the log line that shows it, read from its log.
    let classes = archport_status::classify_failures(&report).await;
    if json {
        let mut value = serde_json::to_value(&report).map_err(|e| e.to_string())?;
        if let Some(failures) = value["failures"].as_array_mut() {
            for (failure, job) in failures.iter_mut().zip(&report.failures) {
                if let (Some(object), Some(class)) =
                    (failure.as_object_mut(), classes.get(&job.key))
                {
                    object.insert("category".into(), class.category.as_str().into());
                    object.insert("cause".into(), class.cause.clone().into());
                }
            }
        }
        serde_json::to_string_pretty(&value)
            .map(|json| json + "\n")
            .map_err(|e| e.to_string())
    } else {
        let mut text = render_status(&report, chrono::Utc::now());
        if !report.failures.is_empty() {
            text.push_str("\nfailures by cause:\n");
            for job in &report.failures {
                if let Some(class) = classes.get(&job.key) {
                    text.push_str(&format!(
                        "  {} [{}] {}\n",
                        job.key, class.category, class.cause
                    ));
                }
            }
        }
        Ok(text)
    }
}

/// The queue `--status` reads.
// Opened once and used at once: no box needed.
#[allow(clippy::large_enum_variant)]
enum Opened {
    Postgres(PostgresStore),
    Sqlite(SqliteStore),
    /// No SQLite file at this path: no run was ever recorded here.
    Nothing(std::path::PathBuf),
}

/// Opens the PostgreSQL queue at `url`, else the work directory's SQLite file when it
/// exists (never creating it).
async fn open(config: &Config, url: Option<&str>) -> Result<Opened, String> {
    match url {
        Some(url) => PostgresStore::connect(url)
            .await
            .map(Opened::Postgres)
            .map_err(|e| e.to_string()),
        None => {
            let path = default_path(&config.paths.workdir);
            if !path.is_file() {
                return Ok(Opened::Nothing(path));
            }
            SqliteStore::open(&path)
                .await
                .map(Opened::Sqlite)
                .map_err(|e| e.to_string())
        }
    }
}

/// `--status --html FILE`: the page of the current or last run written to `file` (the
/// logs it links to under `logs/` beside it). `Ok(false)`: no run was ever recorded, nothing
/// written.
pub async fn status_html(config: &Config, url: Option<&str>, file: &Path) -> Result<bool, String> {
    let url = url
        .or(config.queue.url.as_deref())
        .filter(|u| !u.is_empty());
    let dir = &config.status.dir;
    let extras = archport_status::Extras::default();
    let written = match open(config, url).await? {
        Opened::Postgres(store) => {
            archport_status::write_store_page(&store, dir, extras, file).await
        }
        Opened::Sqlite(store) => {
            // One host: a run that is not going on and never started says why.
            let start_failure = if lock_held(&config.workdir().lock_file()) {
                None
            } else {
                crate::run_list::recorded(&config.workdir().build_state())
                    .and_then(|list| list.start_failure)
            };
            let extras = archport_status::Extras {
                start_failure,
                ..extras
            };
            archport_status::write_store_page(&store, dir, extras, file).await
        }
        Opened::Nothing(_) => return Ok(false),
    };
    written
        .map(|status| status.is_some())
        .map_err(|e| format!("{}: {e}", file.display()))
}
