//! Limits on what a mirror may make us download, decompress and hold, so that a hostile or
//! broken mirror costs one error line instead of the machine's memory or the night.

use std::time::Duration;

/// Caps on one database's download and contents; [`Limits::default`] is generous (the real
/// `extra.db` is 8 MiB compressed and 32 MiB of tar, its largest entry a few KiB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest response body (and database file read from disk), in bytes.
    pub max_download_bytes: u64,
    /// Largest decompressed tar stream, in bytes: a small zstd file can expand to gigabytes.
    pub max_db_bytes: u64,
    /// Largest single tar entry, in bytes: an entry is held whole in memory while it is read.
    pub max_entry_bytes: u64,
    /// Most tar entries in one package directory (a real one holds `desc`, maybe `files`).
    pub max_entries_per_package: u64,
    /// Longest a whole download (request and body) may take, however the bytes trickle in.
    pub download_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_download_bytes: 256 << 20,
            max_db_bytes: 1 << 30,
            max_entry_bytes: 16 << 20,
            max_entries_per_package: 1000,
            download_timeout: Duration::from_secs(600),
        }
    }
}
