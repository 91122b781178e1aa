//! Job priorities: the heaviest chain of work still hanging on each job.

use crate::error::ScheduleError;
use crate::jobs::Job;

/// Per job, the weight of the longest chain from it to the end of the graph, its own weight
/// included (`weights` checked finite and >= 0, `dependents` from
/// [`crate::graph::dependents_of`]). Fails when the dependencies form a cycle.
pub(crate) fn chain_weights(
    jobs: &[Job],
    dependents: &[Vec<usize>],
    weights: &[f64],
) -> Result<Vec<f64>, ScheduleError> {
    let order = topological_order(jobs, dependents)?;
    let mut chain = vec![0.0f64; jobs.len()];
    for &job in order.iter().rev() {
        let after = dependents[job]
            .iter()
            .map(|&d| chain[d])
            .fold(0.0f64, f64::max);
        chain[job] = weights[job] + after;
    }
    Ok(chain)
}

/// The jobs with every dependency before its dependents (Kahn, smallest id first).
fn topological_order(jobs: &[Job], dependents: &[Vec<usize>]) -> Result<Vec<usize>, ScheduleError> {
    let mut missing = vec![0usize; jobs.len()];
    for &d in dependents.iter().flatten() {
        missing[d] += 1;
    }
    let mut ready: Vec<usize> = (0..jobs.len()).rev().filter(|&j| missing[j] == 0).collect();
    let mut order = Vec::with_capacity(jobs.len());
    while let Some(job) = ready.pop() {
        order.push(job);
        for &d in dependents[job].iter().rev() {
            missing[d] -= 1;
            if missing[d] == 0 {
                ready.push(d);
            }
        }
    }
    if order.len() < jobs.len() {
        let stuck: Vec<&str> = (0..jobs.len())
            .filter(|&j| missing[j] > 0)
            .take(10)
            .map(|j| jobs[j].pkgbase.as_str())
            .collect();
        return Err(ScheduleError::Cycle {
            pkgbases: stuck.join(", "),
        });
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::dependents_of;

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

    #[test]
    fn chains_take_the_heaviest_branch() {
        // Diamond 0 <- {1, 2} <- 3, plus 4 hanging off 1.
        let jobs = jobs(&[&[], &[0], &[0], &[1, 2], &[1]]);
        let dependents = dependents_of(&jobs).unwrap();
        let chains = chain_weights(&jobs, &dependents, &[1.0, 2.0, 5.0, 1.0, 3.0]).unwrap();
        assert_eq!(chains, [7.0, 5.0, 6.0, 1.0, 3.0]);
    }

    #[test]
    fn a_cycle_names_its_jobs() {
        let jobs = jobs(&[&[], &[2], &[1], &[2]]);
        let dependents = dependents_of(&jobs).unwrap();
        let err = chain_weights(&jobs, &dependents, &[1.0; 4]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "jobs p1, p2, p3 can never start: their dependencies form a cycle"
        );
    }
}
