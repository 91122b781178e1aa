//! Which durable queue a run uses: SQLite under `{workdir}/build-state/` for one host (the
//! default), or the PostgreSQL database of `--queue` / `[queue] url`, shared by every host
//! of a run.

use archport_config::Config;
use archport_queue::{PostgresStore, QueueError, SqliteStore, default_path};

use crate::options::Options;

/// An open queue.
// Opened once per run and moved into the run at once: no box needed.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Backend {
    /// One host, embedded.
    Sqlite(SqliteStore),
    /// Many hosts, one server.
    Postgres(PostgresStore),
}

/// The PostgreSQL URL a run uses, if any: `--queue` first, then `[queue] url`.
pub(crate) fn queue_url<'a>(config: &'a Config, options: &'a Options) -> Option<&'a str> {
    options
        .queue
        .as_deref()
        .or(config.queue.url.as_deref())
        .filter(|url| !url.is_empty())
}

/// Opens (and migrates) the queue: PostgreSQL when `url` is given, else the work directory's
/// SQLite file, created when missing.
pub(crate) async fn open(config: &Config, url: Option<&str>) -> Result<Backend, QueueError> {
    match url {
        Some(url) => PostgresStore::connect(url).await.map(Backend::Postgres),
        None => SqliteStore::open(&default_path(&config.paths.workdir))
            .await
            .map(Backend::Sqlite),
    }
}

/// This host's name in a shared run: `[queue] host`, else the hostname.
pub(crate) fn host_name(config: &Config) -> String {
    config.queue.host.clone().unwrap_or_else(|| {
        nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "localhost".into())
    })
}
