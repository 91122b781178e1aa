//! The scheduler's promises: longest weighted chain first, failures block exactly the
//! transitive dependents, stop_new, resume with mark_done, determinism, clear errors.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use archport_schedule::{
    Counts, Job, JobState, Outcome, ScheduleError, Scheduler, default_weight, lower_bound,
    quantile_weight, simulate, simulate_with,
};

/// Jobs named `p{id}` with the given dependencies.
fn jobs(deps: &[&[usize]]) -> Vec<Job> {
    deps.iter()
        .enumerate()
        .map(|(id, d)| Job {
            id,
            pkgbase: format!("p{id}"),
            cycle_stage: None,
            deps: d.to_vec(),
            list_index: id,
            skipped_providers: vec![],
        })
        .collect()
}

fn unweighted(jobs: &[Job]) -> Scheduler {
    Scheduler::new(jobs, &HashMap::new(), 1.0).unwrap()
}

/// Runs to the end on one slot, always finishing with `Built`; the start order.
fn start_order(mut s: Scheduler) -> Vec<usize> {
    let mut order = Vec::new();
    while let Some(j) = s.next_ready() {
        s.start(j).unwrap();
        s.finish(j, Outcome::Built).unwrap();
        order.push(j);
    }
    assert!(s.is_finished());
    order
}

#[test]
fn longest_chain_starts_first_not_list_order() {
    // 0 alone; 1 <- 2 <- 3 a chain of three.
    let jobs = jobs(&[&[], &[], &[1], &[2]]);
    let s = unweighted(&jobs);
    assert_eq!(s.priority(1).unwrap(), 3.0);
    assert_eq!(s.priority(0).unwrap(), 1.0);
    assert_eq!(s.next_ready(), Some(1));
    assert_eq!(start_order(s), [1, 2, 0, 3]);
}

#[test]
fn weights_change_the_choice() {
    let jobs = jobs(&[&[], &[], &[1], &[2]]);
    let weights = HashMap::from([("p0".to_owned(), 10.0), ("p2".to_owned(), 2.0)]);
    // Unknown p1 and p3 weigh the default 1: chain 1+2+1 = 4 < 10.
    let s = Scheduler::new(&jobs, &weights, 1.0).unwrap();
    assert_eq!(s.priority(1).unwrap(), 4.0);
    assert_eq!(s.next_ready(), Some(0));
    // A larger default makes the chain heavier than p0.
    let s = Scheduler::new(&jobs, &weights, 5.0).unwrap();
    assert_eq!(s.priority(1).unwrap(), 12.0);
    assert_eq!(s.next_ready(), Some(1));
}

#[test]
fn ties_break_by_list_order() {
    let jobs = jobs(&[&[], &[], &[]]);
    assert_eq!(start_order(unweighted(&jobs)), [0, 1, 2]);
}

#[test]
fn weights_for_unknown_durations() {
    let w = |v: &[f64]| {
        v.iter()
            .enumerate()
            .map(|(i, &x)| (format!("p{i}"), x))
            .collect::<HashMap<_, _>>()
    };
    assert_eq!(default_weight(&HashMap::new()), 1.0);
    assert_eq!(quantile_weight(&w(&[5.0, 1.0, 3.0]), 0.5), 3.0);
    // NaN and negative values are ignored: the median of 1, 2, 4, 8 (nearest rank below).
    assert_eq!(
        quantile_weight(&w(&[4.0, 1.0, -2.0, 2.0, f64::NAN, 8.0]), 0.5),
        2.0
    );
    let hundred: Vec<f64> = (1..=100).map(f64::from).rev().collect();
    assert_eq!(default_weight(&w(&hundred)), 90.0);
    assert_eq!(quantile_weight(&w(&hundred), 1.0), 100.0);
    assert_eq!(quantile_weight(&w(&hundred), 0.0), 1.0);
}

#[test]
fn failure_blocks_exactly_the_transitive_dependents() {
    // 0 <- 1 <- 2; 0 <- 3; 4 alone; 5 needs 4 and 2; 6 needs 4 only.
    let jobs = jobs(&[&[], &[0], &[1], &[0], &[], &[4, 2], &[4]]);
    let mut s = unweighted(&jobs);
    s.start(0).unwrap();
    s.start(4).unwrap();
    assert_eq!(s.running(), [0, 4]);
    assert_eq!(s.finish(0, Outcome::Failed).unwrap(), [1, 2, 3, 5]);
    for j in [1, 2, 3, 5] {
        assert_eq!(s.blocked_by(j), Some(0));
        assert_eq!(s.state(j).unwrap(), JobState::Blocked { by: 0 });
    }
    assert_eq!(s.blocked_by(4), None);
    assert_eq!(s.blocked_by(0), None);
    assert_eq!(s.state(0).unwrap(), JobState::Failed);
    assert!(!s.is_finished());
    assert_eq!(s.finish(4, Outcome::Built).unwrap(), Vec::<usize>::new());
    assert_eq!(s.next_ready(), Some(6));
    s.start(6).unwrap();
    s.finish(6, Outcome::Built).unwrap();
    assert!(s.is_finished());
    assert_eq!(
        s.counts(),
        Counts {
            built: 2,
            failed: 1,
            blocked: 4,
            ..Counts::default()
        }
    );
}

#[test]
fn a_second_failure_keeps_the_first_blocker() {
    // 2 needs 0 and 1.
    let jobs = jobs(&[&[], &[], &[0, 1], &[2]]);
    let mut s = unweighted(&jobs);
    s.start(0).unwrap();
    s.start(1).unwrap();
    assert_eq!(s.finish(1, Outcome::Failed).unwrap(), [2, 3]);
    assert_eq!(s.finish(0, Outcome::Failed).unwrap(), Vec::<usize>::new());
    assert_eq!(s.blocked_by(3), Some(1));
}

#[test]
fn stop_new_lets_running_jobs_finish() {
    let jobs = jobs(&[&[], &[], &[0]]);
    let mut s = unweighted(&jobs);
    s.start(0).unwrap();
    s.stop_new();
    assert!(s.is_stopped());
    assert_eq!(s.next_ready(), None);
    assert!(!s.is_finished());
    s.finish(0, Outcome::Built).unwrap();
    assert_eq!(s.next_ready(), None);
    assert!(s.is_finished());
    assert_eq!(
        s.counts(),
        Counts {
            ready: 2,
            built: 1,
            ..Counts::default()
        }
    );
}

#[test]
fn mark_done_resumes_an_earlier_run() {
    let jobs = jobs(&[&[], &[0], &[1], &[]]);
    let mut s = unweighted(&jobs);
    s.mark_done(0).unwrap();
    s.mark_done(1).unwrap();
    assert_eq!(s.state(0).unwrap(), JobState::PreviouslyBuilt);
    assert_eq!(start_order(s.clone()), [2, 3]);
    // A job built earlier is not blocked by a failure of a job it depends on.
    let mut s = unweighted(&jobs);
    s.mark_done(1).unwrap();
    s.start(0).unwrap();
    assert_eq!(s.finish(0, Outcome::Failed).unwrap(), Vec::<usize>::new());
    assert_eq!(s.next_ready(), Some(2));
    let err = s.mark_done(0).unwrap_err();
    assert_eq!(err.to_string(), "cannot mark done job 0 (p0): it is failed");
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let jobs = jobs(&[&[], &[0]]);
    let mut s = unweighted(&jobs);
    assert_eq!(
        s.start(1).unwrap_err().to_string(),
        "cannot start job 1 (p1): it is waiting"
    );
    assert!(matches!(
        s.finish(0, Outcome::Built),
        Err(ScheduleError::WrongState {
            action: "finish",
            ..
        })
    ));
    assert_eq!(
        s.start(7).unwrap_err(),
        ScheduleError::UnknownJob { job: 7, count: 2 }
    );
    assert_eq!(s.blocked_by(7), None);
}

#[test]
fn bad_graphs_are_rejected() {
    let cycle = jobs(&[&[1], &[0], &[]]);
    let err = Scheduler::new(&cycle, &HashMap::new(), 1.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "jobs p0, p1 can never start: their dependencies form a cycle"
    );
    let dangling = jobs(&[&[], &[5]]);
    assert!(matches!(
        Scheduler::new(&dangling, &HashMap::new(), 1.0),
        Err(ScheduleError::UnknownDependency { job: 1, dep: 5, .. })
    ));
    let mut renumbered = jobs(&[&[], &[]]);
    renumbered[1].id = 3;
    assert!(matches!(
        Scheduler::new(&renumbered, &HashMap::new(), 1.0),
        Err(ScheduleError::IdNotPosition {
            position: 1,
            id: 3,
            ..
        })
    ));
    let two = jobs(&[&[], &[]]);
    assert!(matches!(
        Scheduler::with_job_weights(&two, &[1.0]),
        Err(ScheduleError::LengthMismatch {
            got: 1,
            jobs: 2,
            ..
        })
    ));
    assert!(matches!(
        simulate(&two, &[1.0, -1.0], 1),
        Err(ScheduleError::InvalidDuration { job: 1, .. })
    ));
    assert_eq!(simulate(&two, &[1.0, 1.0], 0), Err(ScheduleError::NoSlots));
}

#[test]
fn repeated_dependencies_count_once() {
    let jobs = jobs(&[&[], &[0, 0]]);
    assert_eq!(start_order(unweighted(&jobs)), [0, 1]);
}

#[test]
fn simulation_on_a_small_graph() {
    // Two slots. Chain 0 (3) <- 1 (3); 2, 3, 4 independent (2 each). Longest chain first:
    // slot A runs 0 then 1 (0..6), slot B runs 2, 3, 4 (0..6): makespan 6 = the bound.
    let jobs = jobs(&[&[], &[0], &[], &[], &[]]);
    let durations = [3.0, 3.0, 2.0, 2.0, 2.0];
    assert_eq!(simulate(&jobs, &durations, 2).unwrap(), 6.0);
    assert_eq!(lower_bound(&jobs, &durations, 2).unwrap(), 6.0);
    assert_eq!(simulate(&jobs, &durations, 1).unwrap(), 12.0);
    assert_eq!(lower_bound(&jobs, &durations, 8).unwrap(), 6.0);
    // Without weights the chain still goes first (2 builds long), with the same result.
    let s = Scheduler::with_job_weights(&jobs, &[1.0; 5]).unwrap();
    let schedule = simulate_with(s, &durations, 2).unwrap();
    assert_eq!(schedule.makespan, 6.0);
    assert_eq!(schedule.start[1], Some(3.0));
    assert_eq!(schedule.finish[4], Some(6.0));
}

#[test]
fn same_input_same_run() {
    let deps: Vec<Vec<usize>> = (0..60)
        .map(|i: usize| {
            (0..i)
                .filter(|j| (i * 7 + j * 13).is_multiple_of(11))
                .collect()
        })
        .collect();
    let deps: Vec<&[usize]> = deps.iter().map(Vec::as_slice).collect();
    let jobs = jobs(&deps);
    let durations: Vec<f64> = (0..60).map(|i| ((i * 37) % 17) as f64).collect();
    let run = || {
        let s = Scheduler::with_job_weights(&jobs, &durations).unwrap();
        simulate_with(s, &durations, 3).unwrap()
    };
    assert_eq!(run(), run());
}
