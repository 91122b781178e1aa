//! `--status`: the current or last run, from the durable queue.

use archport_config::Config;
use archport_queue::{SqliteStore, StateStore, default_path, render_status};

/// The status of the current or last run, as text or JSON. Never creates the database.
pub async fn status(config: &Config, json: bool) -> Result<String, String> {
    let path = default_path(&config.paths.workdir);
    if !path.is_file() {
        return Err(format!(
            "{}: no build run recorded yet; run build-packages first",
            path.display()
        ));
    }
    let store = SqliteStore::open(&path).await.map_err(|e| e.to_string())?;
    let report = store.status().await.map_err(|e| e.to_string())?;
    let Some(report) = report else {
        return Err(format!("{}: no build run recorded yet", path.display()));
    };
    if json {
        serde_json::to_string_pretty(&report)
            .map(|json| json + "\n")
            .map_err(|e| e.to_string())
    } else {
        Ok(render_status(&report, chrono::Utc::now()))
    }
}
