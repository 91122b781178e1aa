//! Errors of the triage crate. Leaf module.

use std::path::PathBuf;

/// A build log could not be read.
#[derive(Debug, thiserror::Error)]
#[error("build log {}: {source}", path.display())]
pub struct TriageError {
    /// The log.
    pub path: PathBuf,
    /// Why it could not be read.
    #[source]
    pub source: std::io::Error,
}
