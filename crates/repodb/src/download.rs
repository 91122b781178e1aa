//! Downloading sync databases into a cache directory, concurrently, with conditional GET so
//! that an unchanged mirror costs one small `304 Not Modified` per database.
//!
//! Each URL has a fixed file name in the cache ([`cache_file_name`]) and a sidecar
//! `<name>.meta` holding the `ETag` and `Last-Modified` the server sent. A body is streamed
//! to a temporary file in the same directory ([`archport_fs::AtomicFile`]) within the
//! [`Limits`], read as a database, and only then renamed over the cached copy: an
//! interrupted run or a mirror sending HTML or garbage leaves the last good copy in place.
//! A temporary file left by a killed run is removed at the next run's start.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

use crate::limits::Limits;
use crate::load::{DbFile, read_db_file};

/// Downloads running at once; a handful of databases per run, so this only guards against
/// a configuration listing many.
const MAX_CONCURRENT: usize = 8;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest silence while reading a response before giving up.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// One database to download: its repository name and URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbSource {
    /// Repository name (`core`, `extra`, ...).
    pub repo: String,
    /// The database's URL, usually from [`db_url`].
    pub url: String,
}

/// How a database came to be in the cache this time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchStatus {
    /// The server sent a new copy (200).
    Downloaded,
    /// The server confirmed the cached copy (304).
    NotModified,
    /// Offline mode: the cached copy was used without asking.
    Offline,
    /// A `file://` URL: the file is read where it is (a local mirror kept in sync by rsync),
    /// never copied into the cache.
    Local,
}

/// A database now in the cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// The cached file, its repository and URL, ready for [`crate::load_dbs`].
    pub file: DbFile,
    /// Whether it was downloaded, confirmed, or taken as is.
    pub status: FetchStatus,
}

/// Downloading a database failed; every variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The URL cannot be parsed or has no host.
    #[error("{url}: invalid URL: {detail}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it is invalid.
        detail: String,
    },
    /// The request did not complete (connection refused, timeout, broken transfer).
    #[error("{url}: download failed: {detail}")]
    Request {
        /// The URL requested.
        url: String,
        /// The error and its causes on one line.
        detail: String,
    },
    /// The server answered with an error status.
    #[error("{url}: download failed: HTTP {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// Writing to the cache failed.
    #[error("{url}: cannot write {}: {error}", path.display())]
    Cache {
        /// The URL being downloaded.
        url: String,
        /// The file or directory that could not be written.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The body is larger than [`Limits::max_download_bytes`]; the cached copy is kept.
    #[error("{url}: download exceeds the limit of {} MiB (limits.max_download_mib)", .limit >> 20)]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// The download took longer than [`Limits::download_timeout`]; the cached copy is kept.
    #[error(
        "{url}: download did not finish within {} s (limits.download_timeout_secs)",
        .limit.as_secs()
    )]
    TimedOut {
        /// The URL requested.
        url: String,
        /// The deadline.
        limit: Duration,
    },
    /// The body is not a readable database (an HTML error page, a truncated file); the
    /// cached copy is kept.
    #[error("{url}: not a valid database, cached copy kept: {detail}")]
    Invalid {
        /// The URL requested.
        url: String,
        /// Why the database could not be read.
        detail: String,
    },
    /// A `file://` database that cannot be read (absent, a directory, no permission).
    #[error("{url}: cannot read {}: {error}", path.display())]
    Local {
        /// The URL as given.
        url: String,
        /// The file it names.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// Offline mode, and the cache holds no copy of this URL.
    #[error("{url}: offline and no cached copy at {}", path.display())]
    NotCached {
        /// The URL wanted.
        url: String,
        /// Where the cached copy would be.
        path: PathBuf,
    },
    /// The HTTP client could not be set up, or a download task was lost.
    #[error("cannot set up downloads: {0}")]
    Setup(String),
}

/// The URL of a sync database: `{mirror}/{repo}/os/{arch}/{repo}.db`; a trailing slash on
/// `mirror` is tolerated.
pub fn db_url(mirror: &str, repo: &str, arch: &str) -> String {
    format!(
        "{}/{repo}/os/{arch}/{repo}.db",
        mirror.trim_end_matches('/')
    )
}

impl DownloadError {
    /// Whether the database is simply not there: HTTP 404 or 410, a `file://` path that
    /// does not exist, or (offline) no cached copy. Callers reading a repository that a
    /// mirror may not carry (a testing repository) take this as an empty repository.
    pub fn is_absent(&self) -> bool {
        match self {
            DownloadError::Status { status, .. } => matches!(status, 404 | 410),
            DownloadError::Local { error, .. } => error.kind() == std::io::ErrorKind::NotFound,
            DownloadError::NotCached { .. } => true,
            _ => false,
        }
    }
}

/// The local file a `file://` URL names, or `None` for another scheme.
fn local_path(url: &str) -> Result<Option<PathBuf>, DownloadError> {
    let invalid = |detail: &str| DownloadError::InvalidUrl {
        url: url.to_owned(),
        detail: detail.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    if parsed.scheme() != "file" {
        return Ok(None);
    }
    if parsed
        .host_str()
        .is_some_and(|h| !h.is_empty() && h != "localhost")
    {
        return Err(invalid("a file:// URL names a local path, not a host"));
    }
    parsed
        .to_file_path()
        .map(Some)
        .map_err(|()| invalid("not an absolute local path"))
}

/// The cache file name for `url`: host, port if any, and path, with every character
/// outside `[A-Za-z0-9._-]` turned into `_` (`http://m.org/core/os/x86_64/core.db` is
/// `m.org_core_os_x86_64_core.db`). A `file://` URL is read in place and has no cache
/// file; its name here (`file_` and the path) only keeps names unique.
pub fn cache_file_name(url: &str) -> Result<String, DownloadError> {
    let invalid = |detail: &str| DownloadError::InvalidUrl {
        url: url.to_owned(),
        detail: detail.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https" | "file") {
        return Err(invalid("only http, https and file are supported"));
    }
    let host = if parsed.scheme() == "file" {
        local_path(url)?;
        "file"
    } else {
        parsed.host_str().ok_or_else(|| invalid("no host"))?
    };
    let mut raw = host.to_owned();
    if let Some(port) = parsed.port() {
        raw.push_str(&format!("_{port}"));
    }
    raw.push_str(parsed.path());
    if let Some(query) = parsed.query() {
        raw.push('_');
        raw.push_str(query);
    }
    Ok(raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect())
}

/// Brings every database of `sources` into `cache_dir`, concurrently, and returns them in
/// the order of `sources`.
///
/// A `file://` URL (a local mirror, kept in sync by rsync) is read in place, online or
/// offline, after the same size check as a download; it never enters the cache.
/// A cached copy with a validator is revalidated with `If-None-Match`/`If-Modified-Since`.
/// With `offline`, nothing is requested and the cached copies are returned. The first
/// failure in the order of `sources` is returned (the others still complete). Each download
/// stays within `limits` and replaces its cached copy only once it reads as a database.
pub async fn download_all(
    sources: &[DbSource],
    cache_dir: &Path,
    offline: bool,
    limits: &Limits,
) -> Result<Vec<Downloaded>, DownloadError> {
    let jobs = sources
        .iter()
        .map(|source| {
            Ok((
                source.clone(),
                cache_dir.join(cache_file_name(&source.url)?),
            ))
        })
        .collect::<Result<Vec<_>, DownloadError>>()?;
    // A local mirror is read in place, online or offline; only the others are fetched.
    let mut results: Vec<Option<Result<Downloaded, DownloadError>>> =
        (0..sources.len()).map(|_| None).collect();
    let mut remote = Vec::with_capacity(jobs.len());
    for (position, (source, path)) in jobs.into_iter().enumerate() {
        match local_path(&source.url)? {
            Some(file) => results[position] = Some(local(source, file, limits)),
            None => remote.push((position, source, path)),
        }
    }
    if offline {
        for (position, source, path) in remote {
            results[position] = Some(if path.is_file() {
                Ok(downloaded(source, path, FetchStatus::Offline))
            } else {
                Err(DownloadError::NotCached {
                    url: source.url,
                    path,
                })
            });
        }
        return collect_results(results);
    }
    if let Some((_, source, _)) = remote.first() {
        tokio::fs::create_dir_all(cache_dir)
            .await
            .map_err(|error| DownloadError::Cache {
                url: source.url.clone(),
                path: cache_dir.to_owned(),
                error,
            })?;
        // A run killed mid-download (SIGTERM, kill -9) could not remove its temporary file.
        match archport_fs::remove_stale_temps(cache_dir) {
            Ok(removed) => {
                for path in removed {
                    tracing::info!(path = %path.display(), "removed a stale temporary file");
                }
            }
            Err(error) => {
                tracing::warn!(dir = %cache_dir.display(), "cannot clean stale temporary files: {error}");
            }
        }
    } else {
        return collect_results(results);
    }
    let client = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .user_agent(concat!("archport/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DownloadError::Setup(error_chain(&e)))?;
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT));
    let mut tasks = tokio::task::JoinSet::new();
    for (position, source, path) in remote {
        let client = client.clone();
        let permits = Arc::clone(&permits);
        let limits = *limits;
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring cannot fail.
            let _permit = permits.acquire_owned().await;
            // Cancelling the fetch drops its temporary file, which removes it.
            let result = tokio::time::timeout(
                limits.download_timeout,
                fetch(&client, &source, &path, &limits),
            )
            .await
            .unwrap_or_else(|_| {
                Err(DownloadError::TimedOut {
                    url: source.url.clone(),
                    limit: limits.download_timeout,
                })
            });
            (
                position,
                result.map(|status| downloaded(source, path, status)),
            )
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (position, result) =
            joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        results[position] = Some(result);
    }
    collect_results(results)
}

/// The results in the order of the sources; the first failure in that order wins.
fn collect_results(
    results: Vec<Option<Result<Downloaded, DownloadError>>>,
) -> Result<Vec<Downloaded>, DownloadError> {
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| Err(DownloadError::Setup("download task lost".into())))
        })
        .collect()
}

/// A `file://` database, checked like a download before it is read: it must be a regular
/// file within [`Limits::max_download_bytes`]. Its contents are checked when it is loaded.
fn local(source: DbSource, file: PathBuf, limits: &Limits) -> Result<Downloaded, DownloadError> {
    let metadata = std::fs::metadata(&file).map_err(|error| DownloadError::Local {
        url: source.url.clone(),
        path: file.clone(),
        error,
    })?;
    if !metadata.is_file() {
        return Err(DownloadError::Local {
            url: source.url,
            path: file,
            error: std::io::Error::other("not a regular file"),
        });
    }
    if metadata.len() > limits.max_download_bytes {
        return Err(DownloadError::TooLarge {
            url: source.url,
            limit: limits.max_download_bytes,
        });
    }
    Ok(downloaded(source, file, FetchStatus::Local))
}

fn downloaded(source: DbSource, path: PathBuf, status: FetchStatus) -> Downloaded {
    Downloaded {
        file: DbFile {
            repo: source.repo,
            path,
            url: Some(source.url),
        },
        status,
    }
}

/// The validators remembered for a cached file.
#[derive(Debug, Default, PartialEq, Eq)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

impl Validators {
    fn parse(text: &str) -> Validators {
        let mut validators = Validators::default();
        for line in text.lines() {
            match line.split_once(": ") {
                Some(("etag", value)) => validators.etag = Some(value.to_owned()),
                Some(("last-modified", value)) => validators.last_modified = Some(value.to_owned()),
                _ => {}
            }
        }
        validators
    }

    fn render(&self) -> String {
        let mut text = String::new();
        if let Some(etag) = &self.etag {
            text.push_str(&format!("etag: {etag}\n"));
        }
        if let Some(date) = &self.last_modified {
            text.push_str(&format!("last-modified: {date}\n"));
        }
        text
    }

    fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".meta");
    path.with_file_name(name)
}

/// Validators of the cached copy, if there is a copy.
async fn cached_validators(path: &Path) -> Option<Validators> {
    if !tokio::fs::try_exists(path).await.unwrap_or(false) {
        return None;
    }
    let text = tokio::fs::read_to_string(sidecar_path(path)).await.ok()?;
    Some(Validators::parse(&text)).filter(|v| !v.is_empty())
}

/// Fetches the source's URL into `path`, conditionally when the cache has validators for it.
async fn fetch(
    client: &reqwest::Client,
    source: &DbSource,
    path: &Path,
    limits: &Limits,
) -> Result<FetchStatus, DownloadError> {
    let url = source.url.as_str();
    // Our message names the URL already.
    let request_error = |e: reqwest::Error| DownloadError::Request {
        url: url.to_owned(),
        detail: error_chain(&e.without_url()),
    };
    let cached = cached_validators(path).await;
    let mut request = client.get(url);
    if let Some(validators) = &cached {
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
    }
    let mut response = request.send().await.map_err(request_error)?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED && cached.is_some() {
        tracing::debug!(url, "not modified");
        return Ok(FetchStatus::NotModified);
    }
    if status != StatusCode::OK {
        return Err(DownloadError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        });
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };

    let cache_error = |path: &Path| {
        let url = url.to_owned();
        let path = path.to_owned();
        move |error| DownloadError::Cache { url, path, error }
    };
    let too_large = || DownloadError::TooLarge {
        url: url.to_owned(),
        limit: limits.max_download_bytes,
    };
    if response
        .content_length()
        .is_some_and(|length| length > limits.max_download_bytes)
    {
        return Err(too_large());
    }
    let mut file = archport_fs::AtomicFile::create(path).map_err(cache_error(path))?;
    let mut received: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(request_error)? {
        received += chunk.len() as u64;
        if received > limits.max_download_bytes {
            return Err(too_large());
        }
        // Small writes into the page cache; the one sync is in `commit`, off these threads.
        file.write_all(&chunk).map_err(cache_error(path))?;
    }
    let check = DbFile {
        repo: source.repo.clone(),
        path: file.temp_path().to_owned(),
        url: Some(url.to_owned()),
    };
    let limits = *limits;
    let url_owned = url.to_owned();
    let path_owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        // The body must read as a database before it replaces the cached copy.
        read_db_file(&check, &limits).map_err(|error| DownloadError::Invalid {
            url: url_owned.clone(),
            detail: error.kind.to_string(),
        })?;
        file.commit().map_err(|error| DownloadError::Cache {
            url: url_owned,
            path: path_owned,
            error,
        })
    })
    .await
    .map_err(|e| DownloadError::Setup(e.to_string()))??;

    // The sidecar follows the file: a crash in between leaves old validators, which only
    // cost one unconditional download next time.
    let sidecar = sidecar_path(path);
    if validators.is_empty() {
        match tokio::fs::remove_file(&sidecar).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(cache_error(&sidecar)(error));
            }
            _ => {}
        }
    } else {
        write_atomic(sidecar.clone(), validators.render().into_bytes())
            .await
            .map_err(cache_error(&sidecar))?;
    }
    tracing::debug!(url, path = %path.display(), "downloaded");
    Ok(FetchStatus::Downloaded)
}

/// [`archport_fs::write_atomic`] off the async threads: it syncs, which blocks.
async fn write_atomic(path: PathBuf, contents: Vec<u8>) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || archport_fs::write_atomic(&path, &contents))
        .await
        .map_err(std::io::Error::other)?
}

/// An error and its causes on one line (reqwest puts "connection refused" in the causes).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_cache_names() {
        assert_eq!(
            db_url("https://geo.mirror.pkgbuild.com/", "core", "x86_64"),
            "https://geo.mirror.pkgbuild.com/core/os/x86_64/core.db"
        );
        assert_eq!(
            db_url("http://127.0.0.1:8080/arch", "extra", "aarch64"),
            "http://127.0.0.1:8080/arch/extra/os/aarch64/extra.db"
        );
        assert_eq!(
            cache_file_name("http://127.0.0.1:8080/arch/extra/os/aarch64/extra.db").unwrap(),
            "127.0.0.1_8080_arch_extra_os_aarch64_extra.db"
        );
        assert_eq!(
            cache_file_name("https://m.org/a+b/core.db?x=1").unwrap(),
            "m.org_a_b_core.db_x_1"
        );
        let err = cache_file_name("ftp://m.org/core.db").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ftp://m.org/core.db: invalid URL"),
            "{err}"
        );
        assert!(cache_file_name("not a url").is_err());
    }

    #[test]
    fn validators_round_trip() {
        let validators = Validators {
            etag: Some("\"abc\"".into()),
            last_modified: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
        };
        assert_eq!(Validators::parse(&validators.render()), validators);
        assert!(Validators::parse("junk\n").is_empty());
    }
}
