//! Reading whole databases: decompression on one thread feeding the tar walker on another,
//! and several databases at once.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use crate::archive::DbParser;
use crate::compression::{self, Compression};
use crate::error::{DbError, DbErrorKind};
use crate::limits::Limits;
use crate::package::Package;

/// Decompressed bytes handed from the decompressing thread to the parser at a time: small
/// enough that parsing starts early, large enough that the hand-over costs nothing.
const CHUNK: usize = 256 * 1024;
/// Chunks in flight between the threads; bounds the memory a slow parser can pile up.
const CHUNKS_IN_FLIGHT: usize = 8;

/// A database file on disk and the repository it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbFile {
    /// Repository name (`core`, `extra`, ...), recorded in every package read.
    pub repo: String,
    /// The `.db` file (any supported compression).
    pub path: PathBuf,
    /// Where it was downloaded from, for error messages; `None` for local files.
    pub url: Option<String>,
}

impl DbFile {
    /// A local database file with no known URL.
    pub fn new(repo: impl Into<String>, path: impl Into<PathBuf>) -> DbFile {
        DbFile {
            repo: repo.into(),
            path: path.into(),
            url: None,
        }
    }
}

/// Reads the database at `path`; every package records `repo` as its repository.
///
/// The compression (gzip, zstd, xz or none) is told by the file's first bytes, not its name.
pub fn read_db(path: &Path, repo: &str) -> Result<Vec<Package>, DbError> {
    read_db_file(&DbFile::new(repo, path), &Limits::default())
}

/// Reads a database held in memory; `source` names it in errors.
pub fn read_db_bytes(bytes: &[u8], source: &str, repo: &str) -> Result<Vec<Package>, DbError> {
    parse_archive(bytes, Arc::from(repo), &Limits::default())
        .map_err(|kind| DbError::new(source, None, kind))
}

/// Reads one database file within `limits`, naming its path and URL in errors.
pub fn read_db_file(file: &DbFile, limits: &Limits) -> Result<Vec<Package>, DbError> {
    let error = |kind| DbError::new(&file.path, file.url.as_deref(), kind);
    let bytes = read_capped(&file.path, limits.max_download_bytes).map_err(error)?;
    parse_archive(&bytes, Arc::from(file.repo.as_str()), limits).map_err(error)
}

/// Reads a whole file unless it is larger than `limit` bytes.
fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, DbErrorKind> {
    let file = std::fs::File::open(path).map_err(DbErrorKind::Io)?;
    let mut bytes = Vec::new();
    // One byte past the limit tells "too large" from "exactly the limit".
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(DbErrorKind::Io)?;
    if bytes.len() as u64 > limit {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(DbErrorKind::FileOverLimit { size, limit });
    }
    Ok(bytes)
}

/// Reads several databases in parallel (one thread each), each within `limits`, and returns
/// their packages in the order of `files`, each database's in archive order; the first
/// failure in that order is returned.
pub fn load_dbs(files: &[DbFile], limits: &Limits) -> Result<Vec<Package>, DbError> {
    let results: Vec<Result<Vec<Package>, DbError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|file| scope.spawn(move || read_db_file(file, limits)))
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut packages =
        Vec::with_capacity(results.iter().map(|r| r.as_ref().map_or(0, Vec::len)).sum());
    for result in results {
        packages.extend(result?);
    }
    Ok(packages)
}

/// Detects the compression and parses the archive, decompressing on a second thread.
pub(crate) fn parse_archive(
    bytes: &[u8],
    repo: Arc<str>,
    limits: &Limits,
) -> Result<Vec<Package>, DbErrorKind> {
    let compression = compression::detect(bytes)?;
    let mut parser = DbParser::new(repo, limits);
    let decoder = compression::decoder(compression, bytes).map_err(|e| DbErrorKind::Corrupt {
        after: None,
        detail: e.to_string(),
    })?;
    let Some(decoder) = decoder else {
        debug_assert_eq!(compression, Compression::None);
        if bytes.len() as u64 > limits.max_db_bytes {
            return Err(DbErrorKind::DbOverLimit {
                limit: limits.max_db_bytes,
            });
        }
        parser.feed(bytes, true)?;
        return Ok(parser.into_packages());
    };

    std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = mpsc::sync_channel(CHUNKS_IN_FLIGHT);
        let (recycle_tx, recycle_rx) = mpsc::channel();
        scope.spawn(move || decompress_chunks(decoder, &chunk_tx, &recycle_rx));

        let mut pending: Vec<u8> = Vec::new();
        let mut failure: Option<std::io::Error> = None;
        let mut decompressed: u64 = 0;
        for message in chunk_rx {
            let chunk: Vec<u8> = match message {
                Ok(chunk) => chunk,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            };
            // Returning drops the receiver, which stops the decompressing thread.
            decompressed += chunk.len() as u64;
            if decompressed > limits.max_db_bytes {
                return Err(DbErrorKind::DbOverLimit {
                    limit: limits.max_db_bytes,
                });
            }
            // Keep reading after the end marker: a damaged gzip/xz trailer shows up only there.
            if !parser.finished() {
                if pending.is_empty() {
                    let consumed = parser.feed(&chunk, false)?;
                    pending.extend_from_slice(&chunk[consumed..]);
                } else {
                    pending.extend_from_slice(&chunk);
                    let consumed = parser.feed(&pending, false)?;
                    pending.drain(..consumed);
                }
            }
            // The decompressor may have exited already; then the buffer is simply dropped.
            let _ = recycle_tx.send(chunk);
        }
        if let Some(error) = failure {
            // Parse what arrived intact to name the last good entry.
            if !parser.finished() {
                match parser.feed(&pending, true) {
                    Err(DbErrorKind::Truncated { .. }) => {}
                    Err(other) => return Err(other),
                    Ok(_) => {}
                }
            }
            let after = parser.last_entry();
            return Err(if error.kind() == std::io::ErrorKind::UnexpectedEof {
                DbErrorKind::Truncated { after }
            } else {
                DbErrorKind::Corrupt {
                    after,
                    detail: error.to_string(),
                }
            });
        }
        if !parser.finished() {
            parser.feed(&pending, true)?;
        }
        Ok(parser.into_packages())
    })
}

/// Decompresses into chunks of [`CHUNK`] bytes and sends them, then an error if the stream
/// is damaged. Buffers come back through `recycle` so the stream reuses a few allocations.
fn decompress_chunks(
    mut decoder: Box<dyn Read + Send + '_>,
    chunks: &mpsc::SyncSender<std::io::Result<Vec<u8>>>,
    recycle: &mpsc::Receiver<Vec<u8>>,
) {
    loop {
        let mut buffer = recycle
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        buffer.clear();
        let result = (&mut decoder).take(CHUNK as u64).read_to_end(&mut buffer);
        let (done, error) = match result {
            Ok(0) => return,
            Ok(_) => (false, None),
            Err(error) => (true, Some(error)),
        };
        if !buffer.is_empty() && chunks.send(Ok(buffer)).is_err() {
            return;
        }
        if let Some(error) = error {
            let _ = chunks.send(Err(error));
        }
        if done {
            return;
        }
    }
}
