//! Failures sorted by cause: every failed build gets a [`Category`] (`download`, `checksum`,
//! `dependencies`, `prepare`, `build`, `check`, `package`, `killed`, `timeout`, `setup`,
//! `upload`, `unknown`) and the one log line that shows it, so the morning's triage reads a
//! table instead of a hundred logs.
//!
//! The rules are data ([`RULES`]): regular expressions over the real messages of makepkg,
//! pacman, GNU patch, curl, gcc, bash and devtools, each with a [`Rank`]. [`classify`] applies
//! them to a log tail together with the [`Facts`] the runner knows (a timeout, a signal, the
//! failing phase), which outrank the log. Pure logic apart from [`read_tail`] and
//! [`classify_log`], which read a log's end.

mod category;
mod classify;
mod error;
mod rules;
mod tail;

pub use category::{Category, UnknownCategory};
pub use classify::{CAUSE_MAX_CHARS, Classification, Facts, FailedPhase, classify};
pub use error::TriageError;
pub use rules::{RULES, Rank, Rule};
pub use tail::{TAIL_BYTES, read_tail};

use std::path::Path;

/// Classifies the failed build whose log is at `log`, reading its last [`TAIL_BYTES`].
pub async fn classify_log(log: &Path, facts: &Facts) -> Result<Classification, TriageError> {
    let tail = read_tail(log, TAIL_BYTES)
        .await
        .map_err(|source| TriageError {
            path: log.to_owned(),
            source,
        })?;
    Ok(classify(&tail, facts))
}
