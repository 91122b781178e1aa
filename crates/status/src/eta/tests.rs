use super::*;

fn job(id: usize, pkgbase: &str, deps: &[usize]) -> Job {
    Job {
        id,
        pkgbase: pkgbase.to_owned(),
        cycle_stage: None,
        deps: deps.to_vec(),
        list_index: id,
        skipped_providers: Vec::new(),
    }
}

fn record(pkgbase: &str, state: JobState, started: Option<DateTime<Utc>>) -> JobRecord {
    JobRecord {
        key: JobKey::new(pkgbase, 0),
        version: "1-1".into(),
        repo: "extra".into(),
        state,
        attempt: u32::from(started.is_some()),
        slot: None,
        log: None,
        reason: None,
        blocked_by: None,
        queued_at: Utc::now(),
        started_at: started,
        finished_at: None,
        duration_secs: None,
        host: None,
        lease_until: None,
    }
}

fn world() -> (
    Vec<Job>,
    DateTime<Utc>,
    Vec<JobRecord>,
    HashMap<String, f64>,
) {
    let now = Utc::now();
    // a (building for 30 of its 100 s) -> b (50 s); c (40 s) on its own; d built.
    let graph = vec![
        job(0, "d", &[]),
        job(1, "a", &[0]),
        job(2, "b", &[1]),
        job(3, "c", &[]),
    ];
    let records = vec![
        record("d", JobState::Built, None),
        record("a", JobState::Building, Some(now - TimeDelta::seconds(30))),
        record("b", JobState::Queued, None),
        record("c", JobState::Queued, None),
    ];
    let durations: HashMap<String, f64> = [("a", 100.0), ("b", 50.0), ("c", 40.0), ("d", 5.0)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    (graph, now, records, durations)
}

#[test]
fn the_remaining_jobs_are_simulated_on_the_slots() {
    let (graph, now, records, durations) = world();
    // Two slots: a finishes at 70, c at 40 alongside; b runs 70..120.
    let eta = estimate(&graph, 2, &records, &durations, now);
    assert_eq!(eta.seconds, Some(120.0));
    assert_eq!(eta.remaining, 3);
    assert_eq!(eta.finish_at, Some(now + TimeDelta::seconds(120)));
    assert_eq!(eta.reason, None);
    // One slot: the running build keeps it until 70, then b (the longer chain) and c.
    let eta = estimate(&graph, 1, &records, &durations, now);
    assert_eq!(eta.seconds, Some(160.0));
}

#[test]
fn a_build_past_its_previous_duration_has_nothing_left() {
    let (graph, now, mut records, durations) = world();
    records[1].started_at = Some(now - TimeDelta::seconds(500));
    let eta = estimate(&graph, 2, &records, &durations, now);
    assert_eq!(eta.seconds, Some(50.0));
}

#[test]
fn unknown_durations_are_said_not_guessed() {
    let (graph, now, records, mut durations) = world();
    durations.remove("b");
    durations.remove("c");
    let eta = estimate(&graph, 2, &records, &durations, now);
    assert_eq!(eta.seconds, None);
    assert_eq!(eta.unknown_durations, ["b", "c"]);
    assert_eq!(
        eta.reason.as_deref(),
        Some("durations unknown for 2 of 3 remaining builds (b, c)")
    );
}

#[test]
fn a_finished_run_ends_now() {
    let (graph, now, mut records, durations) = world();
    for r in &mut records {
        r.state = JobState::Built;
    }
    let eta = estimate(&graph, 2, &records, &durations, now);
    assert_eq!((eta.seconds, eta.remaining), (Some(0.0), 0));
    assert_eq!(without_graph(&records).seconds, Some(0.0));
    records[2].state = JobState::Queued;
    let eta = without_graph(&records);
    assert_eq!((eta.seconds, eta.remaining), (None, 1));
    assert!(eta.reason.unwrap().contains("job graph unknown"));
}
