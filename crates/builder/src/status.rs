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
    let report = match url {
        Some(url) => {
            let store = PostgresStore::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            store.status().await.map_err(|e| e.to_string())?
        }
        None => {
            let path = default_path(&config.paths.workdir);
            if !path.is_file() {
                return none(format!(
                    "{}: no build run recorded yet; run build-packages first",
                    path.display()
                ));
            }
            let store = SqliteStore::open(&path).await.map_err(|e| e.to_string())?;
            let mut report = store.status().await.map_err(|e| e.to_string())?;
            // One host: the run goes on only while a build-packages holds the lock.
            if let Some(report) = &mut report
                && !lock_held(&config.workdir().lock_file())
            {
                report.mark_stopped();
            }
            report
        }
    };
    let Some(report) = report else {
        return none("no build run recorded yet".to_owned());
    };
    if json {
        serde_json::to_string_pretty(&report)
            .map(|json| json + "\n")
            .map_err(|e| e.to_string())
    } else {
        Ok(render_status(&report, chrono::Utc::now()))
    }
}
