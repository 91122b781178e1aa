//! `failed_packages.json`: the failed and blocked entries of a run, a valid build list.

use std::path::Path;

use archport_buildlist::{BuildList, Entry, ListError, timestamp_now};

/// Writes the failed and blocked `entries` (with `failure` and `log` set) atomically, or
/// removes the file when there are none.
pub fn write_failed(path: &Path, command: &str, entries: Vec<Entry>) -> Result<(), ListError> {
    if entries.is_empty() {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(ListError::Io {
                path: path.to_owned(),
                source,
            }),
        };
    }
    let list = BuildList {
        command: command.to_owned(),
        timestamp: timestamp_now(),
        packages: entries,
    };
    let mut text = serde_json::to_vec_pretty(&list).map_err(|e| ListError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    text.push(b'\n');
    archport_fs::write_atomic(path, &text).map_err(|source| ListError::Io {
        path: path.to_owned(),
        source,
    })
}
