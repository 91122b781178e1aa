//! Errors of the status crate. Leaf module.

use std::path::PathBuf;

/// Writing or reading the status directory failed.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// A file or directory could not be read, written, linked or copied.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file of the status directory does not parse.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The state store could not be read.
    #[error(transparent)]
    Queue(#[from] archport_queue::QueueError),
    /// The blocking writer task panicked or was cancelled.
    #[error("status directory {}: writer task failed: {message}", path.display())]
    Task {
        /// The status directory.
        path: PathBuf,
        /// The join error.
        message: String,
    },
}

impl StatusError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StatusError {
        let path = path.into();
        move |source| StatusError::Io { path, source }
    }
}
