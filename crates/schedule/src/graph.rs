//! Checks of a job graph and its weights, shared by the scheduler, the priorities and the
//! simulation.

use crate::error::ScheduleError;
use crate::jobs::Job;

/// Checks that there is one finite, non-negative value per job.
pub(crate) fn check_weights(
    jobs: &[Job],
    values: &[f64],
    what: &'static str,
) -> Result<(), ScheduleError> {
    if values.len() != jobs.len() {
        return Err(ScheduleError::LengthMismatch {
            what,
            got: values.len(),
            jobs: jobs.len(),
        });
    }
    for (job, &value) in jobs.iter().zip(values) {
        if !(value.is_finite() && value >= 0.0) {
            return Err(ScheduleError::InvalidDuration {
                job: job.id,
                pkgbase: job.pkgbase.clone(),
                value,
            });
        }
    }
    Ok(())
}

/// The dependents of every job, ascending; checks ids and dependency ids.
pub(crate) fn dependents_of(jobs: &[Job]) -> Result<Vec<Vec<usize>>, ScheduleError> {
    let mut dependents = vec![Vec::new(); jobs.len()];
    for (position, job) in jobs.iter().enumerate() {
        if job.id != position {
            return Err(ScheduleError::IdNotPosition {
                pkgbase: job.pkgbase.clone(),
                position,
                id: job.id,
            });
        }
        for &dep in &job.deps {
            let Some(list) = dependents.get_mut(dep) else {
                return Err(ScheduleError::UnknownDependency {
                    job: position,
                    pkgbase: job.pkgbase.clone(),
                    dep,
                });
            };
            list.push(position);
        }
    }
    for list in &mut dependents {
        list.sort_unstable();
        list.dedup();
    }
    Ok(dependents)
}
