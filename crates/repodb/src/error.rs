//! Errors of reading a sync database, each naming the archive (and its URL when known).

use std::fmt;
use std::path::PathBuf;

/// Reading a sync database failed.
///
/// Displays as one line: `extra.db (http://…/extra.db): truncated archive after entry
/// zlib-1.3.1-2/desc`.
#[derive(Debug)]
pub struct DbError {
    /// The archive's path (or the label given to [`crate::read_db_bytes`]).
    pub archive: PathBuf,
    /// Where the archive was downloaded from, when known.
    pub url: Option<String>,
    /// What went wrong.
    pub kind: DbErrorKind,
}

impl DbError {
    pub(crate) fn new(archive: impl Into<PathBuf>, url: Option<&str>, kind: DbErrorKind) -> Self {
        DbError {
            archive: archive.into(),
            url: url.map(str::to_owned),
            kind,
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.archive.display())?;
        if let Some(url) = &self.url {
            write!(f, " ({url})")?;
        }
        write!(f, ": {}", self.kind)
    }
}

// The one-line Display already holds every cause, so no `source()` chain repeats it.
impl std::error::Error for DbError {}

/// The ways a sync database can be unreadable.
#[derive(Debug, thiserror::Error)]
pub enum DbErrorKind {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Io(std::io::Error),
    /// The first bytes match no supported compression (gzip, zstd, xz) nor a tar header.
    #[error("unknown compression (first bytes: {magic})")]
    UnknownCompression {
        /// The first bytes in hex.
        magic: String,
    },
    /// The archive ends before its end-of-archive marker.
    #[error("truncated archive {}", After(after))]
    Truncated {
        /// The last complete entry, `None` when none was complete.
        after: Option<String>,
    },
    /// The compressed stream or a tar header is damaged.
    #[error("corrupt archive {}: {detail}", After(after))]
    Corrupt {
        /// The last complete entry, `None` when none was complete.
        after: Option<String>,
        /// What the decompressor or the tar reader found.
        detail: String,
    },
    /// A package directory has no `desc` entry.
    #[error("package directory {dir}/ has no desc entry")]
    MissingDesc {
        /// The directory's name.
        dir: String,
    },
    /// A `desc` entry lacks a required key.
    #[error("entry {entry} has no %{field}%")]
    MissingField {
        /// The entry's path in the archive.
        entry: String,
        /// The missing key without percent signs.
        field: &'static str,
    },
    /// A `desc` entry's NAME or BASE is not a valid package name.
    #[error("entry {entry}: {error}")]
    InvalidName {
        /// The entry's path in the archive.
        entry: String,
        /// The validation failure.
        error: archport_vercmp::NameError,
    },
    /// The file is larger than [`crate::Limits::max_download_bytes`].
    #[error("file is {size} bytes, over the limit of {} MiB (limits.max_download_mib)", mib(*.limit))]
    FileOverLimit {
        /// The file's size.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The decompressed stream is larger than [`crate::Limits::max_db_bytes`].
    #[error("decompressed archive exceeds the limit of {} MiB (limits.max_db_mib)", mib(*.limit))]
    DbOverLimit {
        /// The limit in bytes.
        limit: u64,
    },
    /// One tar entry is larger than [`crate::Limits::max_entry_bytes`].
    #[error(
        "entry at offset {offset} is {size} bytes, over the limit of {} KiB (limits.max_entry_kib)",
        .limit / 1024
    )]
    EntryOverLimit {
        /// Stream offset of the entry's header.
        offset: u64,
        /// The size its header gives.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A package directory holds more than [`crate::Limits::max_entries_per_package`] entries.
    #[error(
        "package directory {dir}/ has more than {limit} entries (limits.max_entries_per_package)"
    )]
    TooManyEntries {
        /// The directory's name.
        dir: String,
        /// The limit.
        limit: u64,
    },
    /// A package's text is larger than 4 GiB.
    #[error("entry {entry} is too large")]
    EntryTooLarge {
        /// The entry's path in the archive.
        entry: String,
    },
}

/// Bytes as whole MiB, for limits configured in MiB.
fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

struct After<'a>(&'a Option<String>);

impl fmt::Display for After<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(entry) => write!(f, "after entry {entry}"),
            None => f.write_str("before the first entry"),
        }
    }
}
