//! A static HTTP server for the world's mirrors on 127.0.0.1 (random port), with the
//! conditional requests real mirrors answer (ETag, Last-Modified, 304) and a log of every
//! request so tests can check what a tool fetched.
//!
//! It runs on its own thread with a single-threaded tokio runtime, so synchronous tests can
//! use it; dropping the server stops it.

use std::collections::BTreeMap;
use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use tokio::sync::oneshot;

use crate::error::WorldError;

/// One request the server answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The decoded URL path, with its leading `/`.
    pub path: String,
    /// The status code sent.
    pub status: u16,
    /// Whether the request carried `If-None-Match` or `If-Modified-Since`.
    pub conditional: bool,
}

#[derive(Debug, Default)]
struct Shared {
    root: PathBuf,
    /// URL paths (without the leading `/`) served from files outside the root.
    mounts: Mutex<BTreeMap<String, PathBuf>>,
    /// URL paths answered with a fixed status instead of the file.
    failures: Mutex<BTreeMap<String, StatusCode>>,
    /// Paths answered with a body that never finishes: one byte every 200 ms.
    trickles: Mutex<std::collections::BTreeSet<String>>,
    log: Mutex<Vec<RequestRecord>>,
}

/// A lock that survives a panicked holder: the data (logs, maps) stays usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The running HTTP server. Serves `root`'s files at `/<relative path>`.
#[derive(Debug)]
pub struct MirrorServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MirrorServer {
    /// Starts serving `root` on 127.0.0.1 with a port the system picks.
    pub fn start(root: &Path) -> Result<MirrorServer, WorldError> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(WorldError::Server)?;
        listener.set_nonblocking(true).map_err(WorldError::Server)?;
        let addr = listener.local_addr().map_err(WorldError::Server)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(WorldError::Server)?;
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            ..Shared::default()
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("testworld-http-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(e) => {
                            tracing::error!("test world server on {addr}: {e}");
                            return;
                        }
                    };
                    // Stopping drops the runtime with its connections: no graceful drain, so
                    // an idle keep-alive client cannot hold the test up.
                    tokio::select! {
                        result = axum::serve(listener, app).into_future() => {
                            if let Err(e) = result {
                                tracing::error!("test world server on {addr}: {e}");
                            }
                        }
                        _ = stopped => {}
                    }
                });
            })
            .map_err(WorldError::Server)?;
        Ok(MirrorServer {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of `path` (relative to the served root).
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url(), path.trim_start_matches('/'))
    }

    /// Serves `file` at URL path `path` (relative, no leading `/`) instead of a file under
    /// the root: how large real data is served in place, without copying.
    pub fn mount(&self, path: &str, file: &Path) {
        lock(&self.shared.mounts)
            .insert(path.trim_start_matches('/').to_owned(), file.to_path_buf());
    }

    /// Answers every request for `path` with `status` (an error page; a code that is not a
    /// valid HTTP status becomes 500) until [`MirrorServer::clear_failures`]: for testing how
    /// clients handle a broken mirror.
    pub fn fail(&self, path: &str, status: u16) {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        lock(&self.shared.failures).insert(path.trim_start_matches('/').to_owned(), status);
    }

    /// Makes `path` answer 200 with a body that trickles in, one byte every 200 ms, and never
    /// completes (until [`MirrorServer::clear_failures`]): a hostile or stuck mirror, for
    /// testing download deadlines and interrupted downloads.
    pub fn trickle(&self, path: &str) {
        lock(&self.shared.trickles).insert(path.trim_start_matches('/').to_owned());
    }

    /// Removes every failure set by [`MirrorServer::fail`] or [`MirrorServer::trickle`].
    pub fn clear_failures(&self) {
        lock(&self.shared.trickles).clear();
        lock(&self.shared.failures).clear();
    }

    /// Every request answered so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).clone()
    }

    /// Returns the requests answered so far and empties the log.
    pub fn take_requests(&self) -> Vec<RequestRecord> {
        std::mem::take(&mut *lock(&self.shared.log))
    }
}

impl Drop for MirrorServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = percent_decode(uri.path());
    let conditional = headers.contains_key(header::IF_NONE_MATCH)
        || headers.contains_key(header::IF_MODIFIED_SINCE);
    let response = respond(&shared, &method, &path, &headers).await;
    lock(&shared.log).push(RequestRecord {
        method: method.to_string(),
        path: path.clone(),
        status: response.status().as_u16(),
        conditional,
    });
    response
}

fn status_only(status: StatusCode) -> Response {
    let mut response = Response::new(Body::from(format!("{status}\n")));
    *response.status_mut() = status;
    response
}

/// The file a URL path names, or `None` when it could escape the root.
fn resolve(shared: &Shared, path: &str) -> Option<PathBuf> {
    let relative = path.trim_start_matches('/');
    if let Some(file) = lock(&shared.mounts).get(relative) {
        return Some(file.clone());
    }
    let relative = Path::new(relative);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
        || relative.as_os_str().is_empty()
    {
        return None;
    }
    Some(shared.root.join(relative))
}

async fn respond(shared: &Shared, method: &Method, path: &str, headers: &HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = status_only(StatusCode::METHOD_NOT_ALLOWED);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if let Some(status) = lock(&shared.failures).get(path.trim_start_matches('/')) {
        return status_only(*status);
    }
    if lock(&shared.trickles).contains(path.trim_start_matches('/')) {
        let bytes = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            Some((Ok::<_, std::convert::Infallible>(&b"x"[..]), ()))
        });
        let mut response = Response::new(Body::from_stream(bytes));
        response.headers_mut().insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("100000000"),
        );
        return response;
    }
    let Some(file) = resolve(shared, path) else {
        return status_only(StatusCode::NOT_FOUND);
    };
    let metadata = match tokio::fs::metadata(&file).await {
        Ok(metadata) if metadata.is_file() => metadata,
        _ => return status_only(StatusCode::NOT_FOUND),
    };
    let modified = metadata.modified().unwrap_or(UNIX_EPOCH);
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    // Rewrites go through a rename, so the inode changes with the content even within the
    // one-second resolution of Last-Modified.
    let etag = format!("\"{:x}-{:x}-{:x}\"", metadata.ino(), metadata.len(), nanos);
    let last_modified = httpdate::fmt_http_date(modified);
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        // If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2).
        Some(value) => value.to_str().is_ok_and(|v| {
            v.split(',')
                .map(|tag| tag.trim().trim_start_matches("W/"))
                .any(|tag| tag == "*" || tag == etag)
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .is_some_and(|since| whole_seconds(modified) <= since),
    };
    let mut response = if not_modified {
        status_only(StatusCode::NOT_MODIFIED)
    } else if method == Method::HEAD {
        let mut response = Response::new(Body::empty());
        if let Ok(length) = HeaderValue::from_str(&metadata.len().to_string()) {
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, length);
        }
        response
    } else {
        match tokio::fs::read(&file).await {
            Ok(data) => {
                let mut response = Response::new(Body::from(data));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                response
            }
            Err(_) => return status_only(StatusCode::NOT_FOUND),
        }
    };
    if not_modified {
        *response.body_mut() = Body::empty();
    }
    for (name, value) in [(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// `time` truncated to whole seconds, as HTTP dates carry it.
fn whole_seconds(time: SystemTime) -> SystemTime {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// Decodes `%XX` escapes; malformed escapes stay as they are.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%3Ab%7e%zz%"), "/a:b~%zz%");
    }

    #[test]
    fn resolve_refuses_to_leave_the_root() {
        let shared = Shared {
            root: PathBuf::from("/srv/root"),
            ..Shared::default()
        };
        assert_eq!(
            resolve(&shared, "/a/b.db"),
            Some(PathBuf::from("/srv/root/a/b.db"))
        );
        assert_eq!(resolve(&shared, "/a/../../etc/passwd"), None);
        assert_eq!(resolve(&shared, "/"), None);
        lock(&shared.mounts).insert("x/y.db".to_owned(), PathBuf::from("/data/y.db"));
        assert_eq!(
            resolve(&shared, "/x/y.db"),
            Some(PathBuf::from("/data/y.db"))
        );
    }
}
