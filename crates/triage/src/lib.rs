//! Failures sorted by cause: every failed build gets a [`Category`] (`download`, `checksum`,
//! `dependencies`, `prepare`, `build`, `check`, `package`, `killed`, `timeout`, `setup`,
//! `upload`, `unknown`) and the one log line that shows it, so the morning's triage reads a
//! table instead of a hundred logs.
//!
//! The rules are data ([`RULES`]): regular expressions over the real messages of makepkg,
//! pacman, GNU patch, curl, gcc, bash and devtools, each with a [`Rank`]. [`classify`] applies
//! them to a log tail together with the [`Facts`] the runner knows (a timeout, a signal, the
//! failing phase), which outrank the log. Pure logic apart from [`read_tail`],
//! [`classify_log`] and [`classify_failure`], which read a log's end.

mod category;
mod classify;
mod error;
mod failure;
mod rules;
mod tail;

pub use category::{Category, UnknownCategory};
pub use classify::{CAUSE_MAX_CHARS, Classification, Facts, FailedPhase, classify};
pub use error::TriageError;
pub use failure::TIMEOUT_PREFIX;
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

/// The category and cause of a build that failed in the runner phase named `phase`
/// (`build`, `upload`, `keys`, ...; `archport_runner::Phase::as_str`) with `reason` (the
/// runner's `Failure::reason`): what an orchestrator calls when a build fails, to put
/// `category` and `cause` into its records.
///
/// The runner's facts come first ([`Facts::from_failure`]: a timeout, an upload or set-up
/// phase), then the last [`TAIL_BYTES`] of `log`. A log that is missing or unreadable, or
/// that explains nothing, leaves the reason itself to be classified: a failure always gets
/// an answer, never an error.
pub async fn classify_failure(log: Option<&Path>, phase: &str, reason: &str) -> Classification {
    let facts = Facts::from_failure(phase, reason);
    let tail = match log {
        Some(log) => read_tail(log, TAIL_BYTES).await.ok(),
        None => None,
    };
    let from_reason = || classify(reason, &facts);
    match tail {
        Some(tail) => {
            let from_log = classify(&tail, &facts);
            if from_log.category == Category::Unknown {
                let alone = from_reason();
                if alone.category != Category::Unknown {
                    return alone;
                }
            }
            from_log
        }
        None => from_reason(),
    }
}
