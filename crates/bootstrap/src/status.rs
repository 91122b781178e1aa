//! The status page of a bootstrap: the step record as an `archport_status::StepRun`, so the
//! page, `status.json` and the history are the same as build-packages' (one renderer, one
//! schema). Each stage's build of a pkgbase is its own job (`glibc (stage 1)`,
//! `glibc (stage 2)`); the steps form a chain, so the ETA is the schedule's simulation of
//! the steps left, one at a time, with the durations this run measured so far.

use std::collections::HashMap;
use std::path::Path;

use archport_config::Config;
use archport_queue::{JobKey, JobState};
use archport_schedule::Job;
use archport_status::{Extras, Status, StepRun, StepStatus};
use archport_triage::Classification;
use chrono::{DateTime, Utc};

use crate::error::BootstrapError;
use crate::prepare::record_path;
use crate::record::{Record, StepRecord, StepState};

/// What the page says of a step that was built without being published (`--no-upload`).
pub const NOT_PUBLISHED: &str = "not published";

fn time(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn state(step: &StepRecord) -> JobState {
    match step.state {
        StepState::Pending => JobState::Queued,
        StepState::Building => JobState::Building,
        StepState::Built => JobState::Built,
        StepState::Failed => JobState::Failed,
        StepState::Interrupted => JobState::Interrupted,
    }
}

fn key(step: &StepRecord) -> JobKey {
    JobKey::new(step.step.pkgbase.clone(), step.step.stage)
}

/// This machine's name, for the page's header.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// `record` (kept at `record_path`) as the status crate's sequential run. Its id is the
/// start time in seconds: a new bootstrap gets a new entry in the history, a continued one
/// keeps its own.
pub fn step_run(record: &Record, record_path: &Path) -> StepRun {
    let started_at = time(Some(&record.started)).unwrap_or_default();
    StepRun {
        id: started_at.timestamp(),
        command: record.command.clone(),
        record_path: record_path.display().to_string(),
        host: host(),
        started_at,
        finished_at: time(record.finished.as_deref()),
        steps: record
            .steps
            .iter()
            .map(|step| StepStatus {
                pkgbase: step.step.pkgbase.clone(),
                stage: step.step.stage,
                version: step.version.clone().unwrap_or_default(),
                published: step.published.clone().unwrap_or_else(|| {
                    if step.state == StepState::Built {
                        NOT_PUBLISHED.to_owned()
                    } else {
                        String::new()
                    }
                }),
                state: state(step),
                attempt: step.attempts,
                log: step.log.as_ref().map(|l| l.display().to_string()),
                started_at: time(step.started.as_deref()),
                finished_at: time(step.finished.as_deref()),
                reason: match (&step.phase, &step.reason) {
                    (Some(phase), Some(reason)) => Some(format!("{phase}: {reason}")),
                    (None, Some(reason)) => Some(reason.clone()),
                    _ => None,
                },
            })
            .collect(),
    }
}

/// What the page needs beyond the run: the failures' recorded categories, the durations
/// this run measured (per pkgbase, the latest build's), and the steps as a chain for the
/// ETA, on one slot.
pub fn extras(record: &Record) -> Extras {
    let mut classifications = HashMap::new();
    let mut durations = HashMap::new();
    for step in &record.steps {
        if let Some(category) = step.category {
            classifications.insert(
                key(step),
                Classification {
                    category,
                    cause: step.cause.clone().unwrap_or_default(),
                },
            );
        }
        if step.state == StepState::Built
            && let (Some(start), Some(end)) = (
                time(step.started.as_deref()),
                time(step.finished.as_deref()),
            )
        {
            let secs = (end - start).num_milliseconds().max(0) as f64 / 1000.0;
            durations.insert(step.step.pkgbase.clone(), secs);
        }
    }
    let graph = record
        .steps
        .iter()
        .enumerate()
        .map(|(id, step)| Job {
            id,
            pkgbase: step.step.pkgbase.clone(),
            cycle_stage: Some(step.step.stage),
            deps: id.checked_sub(1).into_iter().collect(),
            list_index: id,
            skipped_providers: Vec::new(),
        })
        .collect();
    Extras {
        classifications,
        durations,
        graph: Some(graph),
        slots: 1,
        // The record names the repository each step was published to.
        published_suffix: String::new(),
        ..Extras::default()
    }
}

/// Brings `config`'s status directory (`[status] dir`) up to date with `record`: what a
/// run calls at every transition, right after saving the record.
pub async fn refresh(config: &Config, record: &Record) -> Result<Status, BootstrapError> {
    let run = step_run(record, &record_path(config));
    Ok(archport_status::refresh_steps_dir(&config.status.dir, &run, extras(record)).await?)
}

/// The status of the last bootstrap (its record as it is now), as the page shows it;
/// `None` when no bootstrap was ever started. Reads the status directory's history (the
/// last runs, "failing since") and writes nothing.
pub async fn current(config: &Config) -> Result<Option<Status>, BootstrapError> {
    let path = record_path(config);
    let Some(record) = Record::load(&path)? else {
        return Ok(None);
    };
    let run = step_run(&record, &path);
    let (report, jobs) = run.to_report(Utc::now());
    let status =
        archport_status::status_of_report(&report, &jobs, &config.status.dir, extras(&record))
            .await?;
    Ok(Some(status))
}

/// `bootstrap-toolchain --status`: the last bootstrap for people, one line per step that
/// is not waiting, failures with their category and cause.
pub fn render_text(status: &Status) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let count = |state: &str| status.counts.get(state).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "bootstrap started {} ({}): {} built, {} building, {} failed, {} blocked, {} interrupted, {} to build",
        status
            .run
            .started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        status.run.command,
        count("built"),
        count("building"),
        count("failed"),
        count("blocked"),
        count("interrupted"),
        count("queued"),
    );
    let name = |pkgbase: &str, stage: u8| format!("{pkgbase} (stage {stage})");
    let log = |path: &Option<String>| {
        path.as_ref()
            .map(|p| format!("; log: {p}"))
            .unwrap_or_default()
    };
    for built in &status.built {
        let _ = writeln!(
            out,
            "  built     {} {} -> {}",
            name(&built.pkgbase, built.cycle_stage),
            built.version,
            built.repo
        );
    }
    for running in &status.running {
        let _ = writeln!(
            out,
            "  building  {} {} for {}s{}",
            name(&running.pkgbase, running.cycle_stage),
            running.version,
            running.elapsed_secs.round(),
            log(&running.log_path)
        );
    }
    for failed in &status.failed {
        let _ = writeln!(
            out,
            "  FAILED    {} {} [{}] {}{}",
            name(&failed.pkgbase, failed.cycle_stage),
            failed.version,
            failed.category,
            failed.cause,
            log(&failed.log_path)
        );
    }
    for group in &status.blocked {
        let names: Vec<String> = group
            .packages
            .iter()
            .map(|p| name(&p.pkgbase, p.cycle_stage))
            .collect();
        let _ = writeln!(
            out,
            "  blocked   by {}: {}",
            group.blocker,
            names.join(", ")
        );
    }
    out
}

/// `bootstrap-toolchain --status --html FILE`: the page of the last bootstrap (its record
/// as it is now) written to `file`, the logs it links to under `logs/` next to it. Returns
/// `false` (nothing written) when no bootstrap was ever started.
pub async fn write_page(config: &Config, file: &Path) -> Result<bool, BootstrapError> {
    let path = record_path(config);
    let Some(record) = Record::load(&path)? else {
        return Ok(false);
    };
    let run = step_run(&record, &path);
    archport_status::write_steps_page(&run, &config.status.dir, extras(&record), file).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::plan_steps;
    use archport_runner::{Failure, Outcome, Phase};
    use archport_triage::Category;

    fn record() -> Record {
        let names = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let steps = plan_steps(
            &names(&["glibc", "binutils", "gcc"]),
            &names(&["glibc"]),
            None,
        )
        .unwrap();
        Record::new("bootstrap-toolchain", "2026-12-06T01:00:00Z", steps)
    }

    #[test]
    fn a_failed_step_blocks_the_rest_and_keeps_its_category() {
        let mut r = record();
        let log = Path::new("/w/logs/glibc.log");
        r.start_step(0, "2.40-1", log, "2026-12-06T01:00:00Z");
        r.finish_step(
            0,
            &Outcome::Built {
                files: Vec::new(),
                published: Some("core-testing".into()),
            },
            "2026-12-06T01:10:00Z",
        );
        r.start_step(1, "2.43-1", log, "2026-12-06T01:10:00Z");
        r.finish_step(
            1,
            &Outcome::Failed(Failure {
                phase: Phase::Build,
                reason: "makechrootpkg exited with 255".into(),
            }),
            "2026-12-06T01:12:00Z",
        );
        r.classify_step(
            1,
            Classification {
                category: Category::Checksum,
                cause: "==> ERROR: One or more files did not pass the validity check!".into(),
            },
        );
        let run = step_run(&r, Path::new("/w/build-state/bootstrap.json"));
        let (report, jobs) = run.to_report(time(Some("2026-12-06T01:13:00Z")).unwrap());
        let status = archport_status::build_status(&report, &jobs, &extras(&r));
        assert_eq!(status.counts["built"], 1);
        assert_eq!(status.counts["failed"], 1);
        assert_eq!(status.counts["blocked"], 2);
        assert_eq!(status.built[0].repo, "core-testing");
        assert_eq!(status.built[0].duration_secs, Some(600.0));
        let failed = &status.failed[0];
        assert_eq!(
            (failed.pkgbase.as_str(), failed.cycle_stage),
            ("binutils", 1)
        );
        assert_eq!(failed.category, Category::Checksum);
        assert_eq!(failed.phase.as_deref(), Some("build"));
        assert_eq!(failed.blocks, 2);
        assert_eq!(status.blocked[0].blocker, "binutils");
        assert_eq!(
            status.blocked[0]
                .packages
                .iter()
                .map(|p| format!("{} {}", p.pkgbase, p.cycle_stage))
                .collect::<Vec<_>>(),
            ["gcc 1", "glibc 2"]
        );
        assert_eq!(status.run.id, run.started_at.timestamp());
    }

    #[test]
    fn the_eta_runs_the_steps_left_one_after_the_other() {
        let mut r = record();
        let log = Path::new("/w/logs/glibc.log");
        let built = Outcome::Built {
            files: Vec::new(),
            published: None,
        };
        // glibc took 10 minutes; binutils is building since 2 minutes.
        r.start_step(0, "2.40-1", log, "2026-12-06T01:00:00Z");
        r.finish_step(0, &built, "2026-12-06T01:10:00Z");
        r.start_step(1, "2.43-1", log, "2026-12-06T01:10:00Z");
        let now = time(Some("2026-12-06T01:12:00Z")).unwrap();
        let run = step_run(&r, Path::new("/w/build-state/bootstrap.json"));
        let (report, jobs) = run.to_report(now);
        let status = archport_status::build_status(&report, &jobs, &extras(&r));
        assert_eq!(status.built[0].repo, NOT_PUBLISHED);
        assert_eq!(status.running[0].pkgbase, "binutils");
        assert_eq!(
            status.eta.seconds, None,
            "binutils and gcc were never built"
        );
        assert_eq!(status.eta.unknown_durations, ["binutils", "gcc"]);
        assert_eq!(status.eta.remaining, 3);

        // glibc's second build: what is left of its first build's 10 minutes.
        r.finish_step(1, &built, "2026-12-06T01:20:00Z");
        r.start_step(2, "14-1", log, "2026-12-06T01:20:00Z");
        r.finish_step(2, &built, "2026-12-06T01:50:00Z");
        r.start_step(3, "2.40-1", log, "2026-12-06T01:50:00Z");
        let now = time(Some("2026-12-06T01:52:00Z")).unwrap();
        let run = step_run(&r, Path::new("/w/build-state/bootstrap.json"));
        let (report, jobs) = run.to_report(now);
        let status = archport_status::build_status(&report, &jobs, &extras(&r));
        assert_eq!(status.eta.remaining, 1);
        assert_eq!(status.eta.seconds, Some(8.0 * 60.0), "{:?}", status.eta);
    }
}
