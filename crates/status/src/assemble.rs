//! From the queue's report to [`Status`]: the one place that maps queue records to the
//! `status.json` schema. A new queue field (a job's host, say) is added here and in
//! [`crate::schema`], nowhere else.

use std::collections::{BTreeMap, HashMap};

use archport_queue::{JobKey, JobRecord, JobState, StatusReport, UNKNOWN_BLOCKER};
use archport_triage::{Category, Classification, Facts, classify};

use crate::eta;
use crate::options::Extras;
use crate::schema::{
    BlockedGroup, Built, Failed, Package, Run, Running, SCHEMA_VERSION, Skipped, Status,
};

/// The status of `report`'s run. `jobs` are every job of that run in build-list order (the
/// store's `jobs(report.run.id)`): the report lists only running, failed and blocked jobs,
/// the page also shows built and skipped ones.
///
/// Log links are `logs/<file>` ([`log_link`]); [`crate::write_status_dir`] puts the files
/// there.
pub fn build_status(report: &StatusReport, jobs: &[JobRecord], extras: &Extras) -> Status {
    let now = report.generated_at;
    let run_id = report.run.id.0;
    let hosts = hosts_of(report);

    let classification_of = |key: &JobKey, reason: Option<&str>| -> Classification {
        extras.classifications.get(key).cloned().unwrap_or_else(|| {
            let reason = reason.unwrap_or("");
            classify(reason, &facts_from_reason(reason))
        })
    };

    let blocks: HashMap<&str, usize> =
        report
            .blocked
            .iter()
            .fold(HashMap::new(), |mut acc, (blocker, keys)| {
                *acc.entry(blocker.as_str()).or_default() += keys.len();
                acc
            });

    let running = report
        .running
        .iter()
        .map(|job| Running {
            // A single-host run records no host per job: the run's host builds them all.
            host: job.host.clone().unwrap_or_else(|| report.run.host.clone()),
            slot: job.slot,
            pkgbase: job.key.pkgbase.clone(),
            cycle_stage: job.key.cycle_stage,
            version: job.version.clone(),
            attempt: job.attempt,
            phase: extras.phases.get(&job.key).cloned(),
            started_at: job.started_at,
            elapsed_secs: job.elapsed_secs,
            previous_secs: extras.durations.get(&job.key.pkgbase).copied(),
            log: job.log.as_deref().map(log_link),
            log_path: job.log.clone(),
        })
        .collect();

    let failed: Vec<Failed> = report
        .failures
        .iter()
        .map(|job| {
            let Classification { category, cause } =
                classification_of(&job.key, job.reason.as_deref());
            Failed {
                pkgbase: job.key.pkgbase.clone(),
                cycle_stage: job.key.cycle_stage,
                version: job.version.clone(),
                category,
                cause,
                phase: job.reason.as_deref().and_then(phase_of_reason),
                reason: job.reason.clone(),
                attempt: job.attempt,
                failed_at: job.finished_at,
                failing_since: extras
                    .history
                    .failing_since(&job.key.pkgbase, category, run_id),
                blocks: blocks.get(job.key.pkgbase.as_str()).copied().unwrap_or(0),
                log: job.log.as_deref().map(log_link),
                log_path: job.log.clone(),
            }
        })
        .collect();

    let mut categories: BTreeMap<Category, usize> =
        Category::ALL.into_iter().map(|c| (c, 0)).collect();
    for failure in &failed {
        *categories.entry(failure.category).or_default() += 1;
    }

    let by_key: HashMap<&JobKey, &JobRecord> = jobs.iter().map(|j| (&j.key, j)).collect();
    let package = |key: &JobKey| Package {
        pkgbase: key.pkgbase.clone(),
        cycle_stage: key.cycle_stage,
        version: by_key
            .get(key)
            .map(|j| j.version.clone())
            .unwrap_or_default(),
    };
    let blocked = report
        .blocked
        .iter()
        .map(|(blocker, keys)| BlockedGroup {
            blocker: blocker.clone(),
            category: failed
                .iter()
                .find(|f| &f.pkgbase == blocker && blocker != UNKNOWN_BLOCKER)
                .map(|f| f.category),
            packages: keys.iter().map(package).collect(),
        })
        .collect();

    let built = jobs
        .iter()
        .filter(|j| j.state == JobState::Built)
        .map(|j| Built {
            pkgbase: j.key.pkgbase.clone(),
            cycle_stage: j.key.cycle_stage,
            version: j.version.clone(),
            duration_secs: j.duration_secs,
            repo: format!("{}{}", j.repo, extras.published_suffix),
            finished_at: j.finished_at,
            log: j.log.as_deref().map(log_link),
            log_path: j.log.clone(),
        })
        .collect();
    let skipped = jobs
        .iter()
        .filter(|j| j.state == JobState::Skipped)
        .map(|j| Skipped {
            pkgbase: j.key.pkgbase.clone(),
            cycle_stage: j.key.cycle_stage,
            version: j.version.clone(),
            reason: j.reason.clone(),
        })
        .collect();

    let eta = match &extras.graph {
        Some(graph) => eta::estimate(graph, extras.slots, jobs, &extras.durations, now),
        None => eta::without_graph(jobs),
    };
    let counts: BTreeMap<String, usize> = report
        .counts
        .iter()
        .map(|(state, count)| (state.to_string(), *count))
        .collect();
    let done = report
        .counts
        .iter()
        .filter(|(state, _)| {
            matches!(
                state,
                JobState::Built | JobState::Failed | JobState::Blocked | JobState::Skipped
            )
        })
        .map(|(_, count)| count)
        .sum();
    let end = report.run.finished_at.unwrap_or(now);
    Status {
        schema: SCHEMA_VERSION,
        generated_at: now,
        run: Run {
            id: run_id,
            command: report.run.command.clone(),
            list_path: report.run.list_path.clone(),
            list_timestamp: report.run.list_timestamp.clone(),
            hosts,
            started_at: report.run.started_at,
            resumed_at: report.run.resumed_at,
            finished_at: report.run.finished_at,
            elapsed_secs: (end - report.run.started_at).num_milliseconds().max(0) as f64 / 1000.0,
            start_failure: extras
                .start_failure
                .clone()
                .or_else(|| report.start_failure.clone()),
        },
        total: report.total,
        counts,
        done,
        categories,
        eta,
        running,
        failed,
        blocked,
        built,
        skipped,
        last_runs: extras.history.last_runs(run_id, extras.last_runs),
    }
}

/// The hosts of the run: today the one that started it.
/// The hosts of a run: those that joined a shared run, else the one that started it.
fn hosts_of(report: &StatusReport) -> Vec<String> {
    if report.hosts.is_empty() {
        vec![report.run.host.clone()]
    } else {
        report.hosts.iter().map(|h| h.name.clone()).collect()
    }
}

/// The link of a log inside the status directory: `logs/` and the log's file name, reduced
/// to characters that need no escaping in a URL or HTML attribute, with `.txt` appended so
/// browsers and static hosts show it as text instead of offering a download.
pub fn log_link(path: &str) -> String {
    format!("logs/{}", log_file_name(path))
}

/// The file name of a log inside `status/logs/` (see [`log_link`]).
pub(crate) fn log_file_name(path: &str) -> String {
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "log".to_owned());
    let mut safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@_+.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.starts_with('.') {
        safe.insert(0, '_');
    }
    if !safe.ends_with(".txt") {
        safe.push_str(".txt");
    }
    safe
}

/// The phase word of a runner reason (`build: makechrootpkg exited with 255` -> `build`):
/// the text before the first colon, when it is one lowercase word.
fn phase_of_reason(reason: &str) -> Option<String> {
    let (head, _) = reason.split_once(':')?;
    let head = head.trim();
    (!head.is_empty()
        && head.len() <= 24
        && head.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
    .then(|| head.to_owned())
}

/// What a runner reason (`<phase>: <reason>`) says before the log is read: the failed step
/// (upload, set-up or build) and a `[build] timeout`; see [`Facts::from_reason`].
pub(crate) fn facts_from_reason(reason: &str) -> Facts {
    Facts::from_reason(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_links_need_no_escaping_and_open_as_text() {
        assert_eq!(
            log_link("/srv/archport/logs/gcc-20261205-build.log"),
            "logs/gcc-20261205-build.log.txt"
        );
        assert_eq!(
            log_link("/x/<a href=\"y\">.log"),
            "logs/_a_href__y__.log.txt"
        );
        assert_eq!(log_link("/x/.hidden"), "logs/_.hidden.txt");
        assert_eq!(log_link("/x/notes.txt"), "logs/notes.txt");
    }

    #[test]
    fn a_reason_names_its_phase() {
        assert_eq!(
            phase_of_reason("build: makechrootpkg exited with 255").as_deref(),
            Some("build")
        );
        assert_eq!(
            phase_of_reason("upload: repo-upload exited with 1").as_deref(),
            Some("upload")
        );
        assert_eq!(phase_of_reason("Build failed: no"), None);
        assert_eq!(phase_of_reason("no colon"), None);
        use archport_triage::FailedPhase;
        assert_eq!(
            facts_from_reason("upload: x").phase,
            Some(FailedPhase::Upload)
        );
        assert_eq!(
            facts_from_reason("setup: x").phase,
            Some(FailedPhase::Setup)
        );
        assert_eq!(
            facts_from_reason("build: x").phase,
            Some(FailedPhase::Build)
        );
        assert_eq!(facts_from_reason("x").phase, None);
    }
}
