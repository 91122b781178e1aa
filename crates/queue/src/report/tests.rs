use chrono::{TimeDelta, TimeZone};

use super::*;

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 22, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

fn job(pkgbase: &str, stage: u8, state: JobState) -> JobRecord {
    JobRecord {
        key: JobKey::new(pkgbase, stage),
        version: "1.0-1".to_owned(),
        repo: "extra".to_owned(),
        state,
        attempt: 0,
        slot: None,
        log: None,
        reason: None,
        blocked_by: None,
        queued_at: at(0),
        started_at: None,
        finished_at: None,
        duration_secs: None,
        host: None,
        lease_until: None,
    }
}

fn running(pkgbase: &str, stage: u8, slot: u32, started: i64, attempt: u32) -> JobRecord {
    JobRecord {
        attempt,
        slot: Some(slot),
        started_at: Some(at(started)),
        log: Some(format!("/work/logs/{pkgbase}-1.0-1.log")),
        ..job(pkgbase, stage, JobState::Building)
    }
}

fn blocked(pkgbase: &str, by: Option<&str>) -> JobRecord {
    JobRecord {
        blocked_by: by.map(str::to_owned),
        reason: by.map(|by| format!("blocked by {by}")),
        ..job(pkgbase, 0, JobState::Blocked)
    }
}

fn summary(finished_at: Option<DateTime<Utc>>) -> RunSummary {
    RunSummary {
        id: RunId(4),
        command: "build-packages --continue".to_owned(),
        list_path: "/work/packages_to_build.json".to_owned(),
        list_timestamp: "2026-03-01T21:00:00Z".to_owned(),
        host: "buildbox".to_owned(),
        started_at: at(0),
        resumed_at: Some(at(30)),
        resumes: 2,
        finished_at,
    }
}

fn jobs() -> Vec<JobRecord> {
    vec![
        job("zlib", 0, JobState::Built),
        running("python", 0, 1, 60, 1),
        JobRecord {
            attempt: 2,
            reason: Some("check: 3 tests failed".to_owned()),
            log: Some("/work/logs/openssl-1.0-1.log".to_owned()),
            finished_at: Some(at(50)),
            ..job("openssl", 0, JobState::Failed)
        },
        running("gcc", 1, 0, 5, 2),
        blocked("curl", Some("openssl")),
        blocked("vim", None),
        JobRecord {
            reason: Some("skip in the build list".to_owned()),
            ..job("docs", 0, JobState::Skipped)
        },
        blocked("git", Some("openssl")),
        job("rust", 0, JobState::Queued),
    ]
}

#[test]
fn the_report_sorts_running_by_slot_and_groups_blocked_by_blocker() {
    let report = StatusReport::from_jobs(summary(None), &jobs(), at(65));
    assert_eq!(report.total, 9);
    assert_eq!(report.counts.len(), JobState::ALL.len());
    assert_eq!(report.counts[&JobState::Blocked], 3);
    assert_eq!(report.counts[&JobState::Interrupted], 0);
    let running: Vec<(String, f64)> = report
        .running
        .iter()
        .map(|job| (job.key.to_string(), job.elapsed_secs))
        .collect();
    assert_eq!(
        running,
        [
            ("gcc (stage 1)".to_owned(), 3600.0),
            ("python".to_owned(), 300.0)
        ]
    );
    assert_eq!(
        report.blocked["openssl"],
        [JobKey::new("curl", 0), JobKey::new("git", 0)]
    );
    assert_eq!(report.blocked[UNKNOWN_BLOCKER], [JobKey::new("vim", 0)]);
}

#[test]
fn the_text_shows_counts_running_failures_and_blocked() {
    let report = StatusReport::from_jobs(summary(None), &jobs(), at(65));
    // Rendered later than the report was made: elapsed times follow `now`.
    let text = render_status(&report, at(65) + TimeDelta::seconds(7));
    let expected = "\
run 4: build-packages --continue
  list:     /work/packages_to_build.json (2026-03-01T21:00:00Z)
  host:     buildbox
  started:  2026-03-01 22:00:00 UTC
  resumed:  2026-03-01 22:30:00 UTC (2 times)
  finished: no (running for 1h05m07s)

9 jobs: 1 queued, 2 building, 1 built, 1 failed, 3 blocked, 1 skipped, 0 interrupted

running (2):
  slot 0  gcc (stage 1) 1.0-1   1h00m07s (attempt 2)  /work/logs/gcc-1.0-1.log
  slot 1  python 1.0-1             5m07s  /work/logs/python-1.0-1.log

failed (1):
  openssl 1.0-1: check: 3 tests failed
    log: /work/logs/openssl-1.0-1.log

blocked (3):
  by openssl (2): curl, git
  by unknown (1): vim
";
    assert_eq!(text, expected);
}

#[test]
fn a_finished_run_shows_its_length_and_no_empty_sections() {
    let jobs = [
        job("zlib", 0, JobState::Built),
        job("bash", 0, JobState::Built),
    ];
    let mut run = summary(Some(at(125)));
    run.resumed_at = None;
    run.resumes = 0;
    let report = StatusReport::from_jobs(run, &jobs, at(200));
    let text = render_status(&report, at(200));
    let expected = "\
run 4: build-packages --continue
  list:     /work/packages_to_build.json (2026-03-01T21:00:00Z)
  host:     buildbox
  started:  2026-03-01 22:00:00 UTC
  finished: 2026-03-02 00:05:00 UTC (after 2h05m00s)

2 jobs: 0 queued, 0 building, 2 built, 0 failed, 0 blocked, 0 skipped, 0 interrupted
";
    assert_eq!(text, expected);
}

#[test]
fn a_stopped_run_says_so() {
    let jobs = [JobRecord {
        finished_at: Some(at(9)),
        ..job("gcc", 2, JobState::Interrupted)
    }];
    let report = StatusReport::from_jobs(summary(None), &jobs, at(10));
    let text = render_status(&report, at(10));
    assert!(
        text.contains("  finished: no (stopped, or between builds)\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "1 jobs: 0 queued, 0 building, 0 built, 0 failed, 0 blocked, 0 skipped, 1 interrupted\n"
        ),
        "{text}"
    );
}

#[test]
fn durations_read_as_hours_minutes_seconds() {
    for (secs, text) in [
        (0.0, "0s"),
        (59.9, "59s"),
        (60.0, "1m00s"),
        (754.0, "12m34s"),
        (3600.0, "1h00m00s"),
        (100_000.0, "27h46m40s"),
        (-5.0, "0s"),
        (f64::NAN, "0s"),
    ] {
        assert_eq!(human_duration(secs), text, "{secs}");
    }
}
