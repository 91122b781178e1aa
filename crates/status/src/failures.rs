//! Classifying a run's failures from their logs, for a status made from the store alone
//! (`--status --html`): the runner classifies at failure time with facts the store does
//! not keep (a timeout, a signal); this is the fallback that reads the logs.

use std::collections::HashMap;
use std::path::Path;

use archport_queue::{JobKey, StatusReport};
use archport_triage::{Classification, classify, classify_log};

use crate::assemble::facts_from_reason;

/// The category and cause of every failure in `report`: from the end of its log when the
/// log is readable, else from its recorded reason alone.
pub async fn classify_failures(report: &StatusReport) -> HashMap<JobKey, Classification> {
    let mut out = HashMap::new();
    for job in &report.failures {
        let reason = job.reason.as_deref().unwrap_or("");
        let facts = facts_from_reason(reason);
        let from_log = match job.log.as_deref() {
            Some(log) => classify_log(Path::new(log), &facts).await.ok(),
            None => None,
        };
        let classification = from_log.unwrap_or_else(|| classify(reason, &facts));
        out.insert(job.key.clone(), classification);
    }
    out
}
