//! Downloads against a small HTTP server on 127.0.0.1 that honours conditional requests and
//! records what it was asked.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use archport_repodb::{
    DbSource, DownloadError, Downloaded, FetchStatus, Limits, cache_file_name, db_url,
    download_all, load_dbs,
};

/// [`download_all`] on a runtime of the test's own, as a binary would run it.
fn download_all_blocking(
    sources: &[DbSource],
    cache_dir: &Path,
    offline: bool,
) -> Result<Vec<Downloaded>, DownloadError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(download_all(
            sources,
            cache_dir,
            offline,
            &Limits::default(),
        ))
}

/// A file the server offers, with the validators it sends.
#[derive(Clone)]
struct Served {
    body: Vec<u8>,
    etag: Option<String>,
    last_modified: Option<SystemTime>,
}

/// What one request asked for and what it got.
#[derive(Clone, Debug)]
struct Logged {
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    status: u16,
}

struct Server {
    addr: SocketAddr,
    files: Arc<Mutex<HashMap<String, Served>>>,
    log: Arc<Mutex<Vec<Logged>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Serves until dropped, and at most 60 seconds.
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let server = Server {
            addr: listener.local_addr().unwrap(),
            files: Arc::default(),
            log: Arc::default(),
            stop: Arc::default(),
        };
        let (files, log, stop) = (
            server.files.clone(),
            server.log.clone(),
            server.stop.clone(),
        );
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (files, log) = (files.clone(), log.clone());
                        std::thread::spawn(move || handle(stream, &files, &log));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        server
    }

    fn serve(
        &self,
        path: &str,
        body: &[u8],
        etag: Option<&str>,
        last_modified: Option<SystemTime>,
    ) {
        self.files.lock().unwrap().insert(
            path.to_owned(),
            Served {
                body: body.to_vec(),
                etag: etag.map(str::to_owned),
                last_modified,
            },
        );
    }

    fn mirror(&self) -> String {
        format!("http://{}/mirror/", self.addr)
    }

    /// Takes the requests logged so far.
    fn take_log(&self) -> Vec<Logged> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn handle(mut stream: TcpStream, files: &Mutex<HashMap<String, Served>>, log: &Mutex<Vec<Logged>>) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let mut lines = text.split("\r\n");
    let path = lines
        .next()
        .unwrap_or("")
        .split(' ')
        .nth(1)
        .unwrap_or("")
        .to_owned();
    let mut headers = HashMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let if_none_match = headers.get("if-none-match").cloned();
    let if_modified_since = headers.get("if-modified-since").cloned();
    let served = files.lock().unwrap().get(&path).cloned();
    if hostile(&mut stream, &path) {
        return;
    }
    let (status, extra_headers, body) = match served {
        _ if path == "/broken" => (500, String::new(), Vec::new()),
        None => (404, String::new(), b"not found".to_vec()),
        Some(served) => {
            let mut validators = String::new();
            if let Some(etag) = &served.etag {
                validators.push_str(&format!("ETag: {etag}\r\n"));
            }
            if let Some(date) = served.last_modified {
                validators.push_str(&format!(
                    "Last-Modified: {}\r\n",
                    httpdate::fmt_http_date(date)
                ));
            }
            let unchanged = match (
                &if_none_match,
                &served.etag,
                &if_modified_since,
                served.last_modified,
            ) {
                (Some(wanted), Some(etag), _, _) => wanted == etag,
                (None, _, Some(since), Some(modified)) => {
                    httpdate::parse_http_date(since).is_ok_and(|since| modified <= since)
                }
                _ => false,
            };
            if unchanged {
                (304, validators, Vec::new())
            } else {
                (200, validators, served.body)
            }
        }
    };
    log.lock().unwrap().push(Logged {
        path,
        if_none_match,
        if_modified_since,
        status,
    });
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let mut response =
        format!("HTTP/1.1 {status} {reason}\r\n{extra_headers}Connection: close\r\n");
    if status != 304 {
        response.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.write_all(&body);
}

/// Answers the hostile paths: `/trickle` sends one byte of a 1000-byte body every 200 ms,
/// `/endless` sends zeros without a length until the client hangs up. Returns whether the
/// path was one of them.
fn hostile(stream: &mut TcpStream, path: &str) -> bool {
    let give_up = Instant::now() + Duration::from_secs(30);
    match path {
        "/trickle" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            while Instant::now() < give_up && stream.write_all(b"x").is_ok() {
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        "/endless" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            let zeros = vec![0u8; 64 * 1024];
            while Instant::now() < give_up && stream.write_all(&zeros).is_ok() {}
        }
        _ => return false,
    }
    true
}

fn sources(server: &Server, repos: &[&str]) -> Vec<DbSource> {
    repos
        .iter()
        .map(|repo| DbSource {
            repo: repo.to_string(),
            url: db_url(&server.mirror(), repo, "aarch64"),
        })
        .collect()
}

/// An `arch-2019` database of the real data: a test using it needs the data, so its name
/// starts with `realdata_` (see `archport_realdata`).
#[track_caller]
fn real_db(name: &str) -> Vec<u8> {
    std::fs::read(common::realdata(&format!("arch-2019/{name}"))).unwrap()
}

fn cache_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn realdata_downloads_then_revalidates_with_etag() {
    let server = Server::start();
    let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &real_db("core.db"),
        Some("\"core-1\""),
        Some(modified),
    );
    server.serve(
        "/mirror/extra/os/aarch64/extra.db",
        &real_db("testing.db"),
        Some("\"extra-1\""),
        Some(modified),
    );
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let sources = sources(&server, &["core", "extra"]);

    let first = download_all_blocking(&sources, &cache, false).unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].file.repo, "core");
    assert_eq!(first[1].file.repo, "extra");
    assert!(first.iter().all(|d| d.status == FetchStatus::Downloaded));
    assert_eq!(first[0].file.url.as_deref(), Some(sources[0].url.as_str()));
    assert_eq!(
        first[0].file.path,
        cache.join(cache_file_name(&sources[0].url).unwrap())
    );
    assert_eq!(
        std::fs::read(&first[0].file.path).unwrap(),
        real_db("core.db")
    );
    assert_eq!(
        std::fs::read(&first[1].file.path).unwrap(),
        real_db("testing.db")
    );
    let log = server.take_log();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter()
            .all(|l| l.status == 200 && l.if_none_match.is_none())
    );
    // Database files and their sidecars only: no temporary files left behind.
    let host = format!("127.0.0.1_{}", server.addr.port());
    assert_eq!(
        cache_entries(&cache),
        [
            format!("{host}_mirror_core_os_aarch64_core.db"),
            format!("{host}_mirror_core_os_aarch64_core.db.meta"),
            format!("{host}_mirror_extra_os_aarch64_extra.db"),
            format!("{host}_mirror_extra_os_aarch64_extra.db.meta"),
        ]
    );

    // Unchanged mirror: one conditional request each, answered 304, cached files kept.
    let second = download_all_blocking(&sources, &cache, false).unwrap();
    assert!(second.iter().all(|d| d.status == FetchStatus::NotModified));
    assert_eq!(second[0].file, first[0].file);
    let mut log = server.take_log();
    log.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].if_none_match.as_deref(), Some("\"core-1\""));
    assert_eq!(log[1].if_none_match.as_deref(), Some("\"extra-1\""));
    assert!(
        log.iter()
            .all(|l| l.status == 304 && l.if_modified_since.is_some())
    );
    assert_eq!(
        std::fs::read(&second[0].file.path).unwrap(),
        real_db("core.db")
    );

    // The mirror moves on: only the changed database is downloaded again.
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &real_db("multilib.db"),
        Some("\"core-2\""),
        Some(modified),
    );
    let third = download_all_blocking(&sources, &cache, false).unwrap();
    assert_eq!(third[0].status, FetchStatus::Downloaded);
    assert_eq!(third[1].status, FetchStatus::NotModified);
    assert_eq!(
        std::fs::read(&third[0].file.path).unwrap(),
        real_db("multilib.db")
    );
    let files: Vec<_> = third.into_iter().map(|d| d.file).collect();
    let packages = load_dbs(&files, &Limits::default()).unwrap();
    assert_eq!(packages.iter().filter(|p| p.repo() == "core").count(), 280);
}

#[test]
fn realdata_revalidates_with_last_modified_when_there_is_no_etag() {
    let server = Server::start();
    let modified = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &real_db("core.db"),
        None,
        Some(modified),
    );
    let work = tempfile::tempdir().unwrap();
    let sources = sources(&server, &["core"]);
    let first = download_all_blocking(&sources, work.path(), false).unwrap();
    assert_eq!(first[0].status, FetchStatus::Downloaded);
    let second = download_all_blocking(&sources, work.path(), false).unwrap();
    assert_eq!(second[0].status, FetchStatus::NotModified);
    let log = server.take_log();
    assert_eq!(
        log[1].if_modified_since.as_deref(),
        Some(httpdate::fmt_http_date(modified).as_str())
    );
    assert!(log[1].if_none_match.is_none());
}

#[test]
fn realdata_a_cached_file_without_validators_is_fetched_again() {
    let server = Server::start();
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &real_db("core.db"),
        None,
        None,
    );
    let work = tempfile::tempdir().unwrap();
    let sources = sources(&server, &["core"]);
    download_all_blocking(&sources, work.path(), false).unwrap();
    let again = download_all_blocking(&sources, work.path(), false).unwrap();
    assert_eq!(again[0].status, FetchStatus::Downloaded);
    let log = server.take_log();
    assert!(
        log.iter()
            .all(|l| l.status == 200 && l.if_none_match.is_none() && l.if_modified_since.is_none())
    );
    assert_eq!(
        cache_entries(work.path()).len(),
        1,
        "no sidecar without validators"
    );
}

#[test]
fn realdata_http_errors_name_the_url_and_leave_no_file() {
    let server = Server::start();
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &real_db("core.db"),
        Some("\"c\""),
        None,
    );
    let work = tempfile::tempdir().unwrap();
    // core exists, extra does not: the error names extra's URL.
    let sources = sources(&server, &["core", "extra"]);
    let err = download_all_blocking(&sources, work.path(), false).unwrap_err();
    assert!(
        matches!(err, DownloadError::Status { status: 404, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("{}: download failed: HTTP 404", sources[1].url)
    );
    let cached = cache_entries(work.path());
    assert!(
        cached.iter().all(|name| !name.contains("extra")),
        "{cached:?}"
    );

    let broken = [DbSource {
        repo: "core".into(),
        url: format!("http://{}/broken", server.addr),
    }];
    let err = download_all_blocking(&broken, work.path(), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: download failed: HTTP 500", broken[0].url)
    );
}

#[test]
fn unreachable_server_names_the_url() {
    // A port that was just free: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let source = DbSource {
        repo: "core".into(),
        url: db_url(&format!("http://127.0.0.1:{port}"), "core", "aarch64"),
    };
    let work = tempfile::tempdir().unwrap();
    let err = download_all_blocking(std::slice::from_ref(&source), work.path(), false).unwrap_err();
    assert!(matches!(err, DownloadError::Request { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}: download failed: ", source.url)),
        "{text}"
    );
    assert!(text.to_lowercase().contains("refused"), "{text}");
}

#[tokio::test]
async fn realdata_offline_mode_uses_the_cache_or_names_the_missing_url() {
    let server = Server::start();
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &real_db("core.db"),
        Some("\"c\""),
        None,
    );
    let work = tempfile::tempdir().unwrap();
    let core = sources(&server, &["core"]);
    download_all(&core, work.path(), false, &Limits::default())
        .await
        .unwrap();
    server.take_log();

    let offline = download_all(&core, work.path(), true, &Limits::default())
        .await
        .unwrap();
    assert_eq!(offline[0].status, FetchStatus::Offline);
    assert_eq!(
        std::fs::read(&offline[0].file.path).unwrap(),
        real_db("core.db")
    );
    assert!(server.take_log().is_empty(), "offline mode made a request");

    let both = sources(&server, &["core", "extra"]);
    let err = download_all(&both, work.path(), true, &Limits::default())
        .await
        .unwrap_err();
    assert!(matches!(err, DownloadError::NotCached { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: offline and no cached copy", both[1].url)),
        "{err}"
    );
    assert!(server.take_log().is_empty());
}

#[test]
fn realdata_a_damaged_download_is_refused_with_its_url() {
    let server = Server::start();
    let db = real_db("core.db");
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &db[..db.len() / 2],
        Some("\"half\""),
        None,
    );
    let work = tempfile::tempdir().unwrap();
    let sources = sources(&server, &["core"]);
    let err = download_all_blocking(&sources, work.path(), false).unwrap_err();
    let expected = format!(
        "{}: not a valid database, cached copy kept: truncated archive after entry ",
        sources[0].url
    );
    assert!(err.to_string().starts_with(&expected), "{err}");
    assert!(cache_entries(work.path()).is_empty());
}

/// Issue 11, point 7: a 200 answer with an HTML page must not replace the good copy, so that
/// `--offline` still works after it.
#[test]
fn realdata_an_html_answer_keeps_the_last_good_copy() {
    let server = Server::start();
    let path = "/mirror/core/os/aarch64/core.db";
    let good = real_db("core.db");
    server.serve(path, &good, Some("\"1\""), None);
    let work = tempfile::tempdir().unwrap();
    let sources = sources(&server, &["core"]);
    download_all_blocking(&sources, work.path(), false).unwrap();
    let html = b"<html><body>Maintenance</body></html>\n";
    server.serve(path, html, Some("\"2\""), None);
    let err = download_all_blocking(&sources, work.path(), false).unwrap_err();
    assert!(matches!(err, DownloadError::Invalid { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a valid database, cached copy kept: unknown compression \
             (first bytes: 3c 68 74 6d 6c 3e 3c 62)",
            sources[0].url
        )
    );
    let offline = download_all_blocking(&sources, work.path(), true).unwrap();
    assert_eq!(std::fs::read(&offline[0].file.path).unwrap(), good);
    let files: Vec<_> = offline.into_iter().map(|d| d.file).collect();
    assert_eq!(load_dbs(&files, &Limits::default()).unwrap().len(), 231);
    // The good copy's validators stay with it: the next run revalidates it.
    let meta = cache_entries(work.path());
    assert_eq!(meta.len(), 2, "{meta:?}");
}

fn hostile_source(server: &Server, path: &str) -> DbSource {
    DbSource {
        repo: "core".into(),
        url: format!("http://{}{path}", server.addr),
    }
}

/// Issue 11, point 6: a server trickling bytes forever is cut off by the overall deadline,
/// and the temporary file goes with it.
#[test]
fn a_trickling_server_hits_the_deadline_and_leaves_no_temp() {
    let server = Server::start();
    let work = tempfile::tempdir().unwrap();
    let source = hostile_source(&server, "/trickle");
    let limits = Limits {
        download_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let err = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(download_all(
            std::slice::from_ref(&source),
            work.path(),
            false,
            &limits,
        ))
        .unwrap_err();
    assert!(matches!(err, DownloadError::TimedOut { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: download did not finish within 2 s (limits.download_timeout_secs)",
            source.url
        )
    );
    assert!(
        cache_entries(work.path()).is_empty(),
        "{:?}",
        cache_entries(work.path())
    );
}

/// Issue 11, point 4: an endless body is cut off at the download limit, not written whole.
#[test]
fn an_endless_body_hits_the_download_limit() {
    let server = Server::start();
    let work = tempfile::tempdir().unwrap();
    let source = hostile_source(&server, "/endless");
    let limits = Limits {
        max_download_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(download_all(
            std::slice::from_ref(&source),
            work.path(),
            false,
            &limits,
        ))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: download exceeds the limit of 1 MiB (limits.max_download_mib)",
            source.url
        )
    );
    assert!(cache_entries(work.path()).is_empty());
}

/// A temporary file left by a killed run (its process is gone) is removed by the next run.
#[test]
fn realdata_a_killed_runs_temporary_file_is_removed_at_the_next_start() {
    let server = Server::start();
    server.serve(
        "/mirror/core/os/aarch64/core.db",
        &real_db("core.db"),
        None,
        None,
    );
    let work = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = work.path().join(format!(".x_core.db.{dead}.Ab12Cd.tmp"));
    std::fs::write(&stale, b"partial").unwrap();
    download_all_blocking(&sources(&server, &["core"]), work.path(), false).unwrap();
    assert!(!stale.exists());
}
