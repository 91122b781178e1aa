//! Which job to start next: critical-path list scheduling over the job graph, with failure
//! blocking and a stop switch.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::error::ScheduleError;
use crate::graph::{check_weights, dependents_of};
use crate::jobs::Job;
use crate::priority::chain_weights;
use crate::state::JobState;

/// How a started job ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The package was built (and published).
    Built,
    /// The build failed: every job depending on it is blocked.
    Failed,
}

/// How many jobs are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// Waiting for a dependency.
    pub waiting: usize,
    /// Ready, not started.
    pub ready: usize,
    /// Started, not finished.
    pub running: usize,
    /// Built in this run.
    pub built: usize,
    /// Built in an earlier run.
    pub previously_built: usize,
    /// Their build failed in this run.
    pub failed: usize,
    /// Blocked by a failure.
    pub blocked: usize,
}

impl Counts {
    fn slot(&mut self, state: JobState) -> &mut usize {
        match state {
            JobState::Waiting => &mut self.waiting,
            JobState::Ready => &mut self.ready,
            JobState::Running => &mut self.running,
            JobState::Built => &mut self.built,
            JobState::PreviouslyBuilt => &mut self.previously_built,
            JobState::Failed => &mut self.failed,
            JobState::Blocked { .. } => &mut self.blocked,
        }
    }
}

/// The ready set and the state of every job of one build run.
///
/// A job becomes ready when all its dependencies are built (in this run or an earlier one);
/// [`Scheduler::next_ready`] offers the ready job with the highest priority, which by default
/// is the longest remaining chain of weights (build durations) from the job to the end of the
/// graph, ties broken by list order. Everything is deterministic: the same jobs, weights and
/// calls give the same answers.
#[derive(Clone, Debug)]
pub struct Scheduler {
    pkgbases: Vec<String>,
    dependents: Vec<Vec<usize>>,
    priority: Vec<f64>,
    /// Position of each job in the priority order (0 first).
    rank: Vec<usize>,
    /// The job at each rank.
    by_rank: Vec<usize>,
    /// Dependencies not built yet, per job.
    missing: Vec<usize>,
    state: Vec<JobState>,
    /// Ranks of the ready jobs.
    ready: BTreeSet<usize>,
    running: BTreeSet<usize>,
    stopped: bool,
    counts: Counts,
}

/// The weight for jobs without a known duration: the 90th percentile of the known
/// durations (seconds), 1.0 when none is known.
///
/// A high quantile rather than the median, because an unknown duration is a risk: weighting
/// unknown jobs like the slower known ones starts them early, so that one of them turning
/// out to take hours does not start last and stretch the whole run. On the full-size world
/// with simulated durations, half of them known, the median left a 32-slot run 6-8% over
/// the lower bound and the 90th percentile under 0.01%; with 64 slots (where the critical
/// path is the bound) 14% and 11% (see the `full_world_makespan` example).
pub fn default_weight(weights: &HashMap<String, f64>) -> f64 {
    quantile_weight(weights, 0.9)
}

/// The `q` quantile (0.0 to 1.0, nearest rank below) of the known durations, 1.0 when none
/// is known; values that are not finite and >= 0 are ignored. `q = 0.5` is the median.
pub fn quantile_weight(weights: &HashMap<String, f64>, q: f64) -> f64 {
    let mut known: Vec<f64> = weights
        .values()
        .copied()
        .filter(|w| w.is_finite() && *w >= 0.0)
        .collect();
    if known.is_empty() {
        return 1.0;
    }
    known.sort_unstable_by(f64::total_cmp);
    let at = (q.clamp(0.0, 1.0) * (known.len() - 1) as f64).floor() as usize;
    known[at.min(known.len() - 1)]
}

impl Scheduler {
    /// A scheduler for `jobs` (as [`crate::jobs_from_list`] gives them: `jobs[k].id == k`),
    /// weighting each job by its pkgbase's previous build duration in `weights`, or by
    /// `default_weight` (see [`default_weight`]) when unknown, not finite or negative.
    pub fn new(
        jobs: &[Job],
        weights: &HashMap<String, f64>,
        default_weight: f64,
    ) -> Result<Scheduler, ScheduleError> {
        let default_weight = if default_weight.is_finite() && default_weight >= 0.0 {
            default_weight
        } else {
            1.0
        };
        let job_weights: Vec<f64> = jobs
            .iter()
            .map(|j| {
                weights
                    .get(&j.pkgbase)
                    .copied()
                    .filter(|w| w.is_finite() && *w >= 0.0)
                    .unwrap_or(default_weight)
            })
            .collect();
        Scheduler::with_job_weights(jobs, &job_weights)
    }

    /// A scheduler with one weight per job (seconds, finite and >= 0); what simulations use.
    pub fn with_job_weights(jobs: &[Job], job_weights: &[f64]) -> Result<Scheduler, ScheduleError> {
        check_weights(jobs, job_weights, "weights")?;
        let dependents = dependents_of(jobs)?;
        let priority = chain_weights(jobs, &dependents, job_weights)?;
        let mut by_rank: Vec<usize> = (0..jobs.len()).collect();
        by_rank.sort_by(|&a, &b| priority[b].total_cmp(&priority[a]).then(a.cmp(&b)));
        let mut rank = vec![0; jobs.len()];
        for (r, &job) in by_rank.iter().enumerate() {
            rank[job] = r;
        }
        // Counted from the deduplicated dependents, so a repeated dependency counts once.
        let mut missing = vec![0; jobs.len()];
        for &d in dependents.iter().flatten() {
            missing[d] += 1;
        }
        let mut state = vec![JobState::Waiting; jobs.len()];
        let mut ready = BTreeSet::new();
        for (job, _) in missing.iter().enumerate().filter(|(_, m)| **m == 0) {
            state[job] = JobState::Ready;
            ready.insert(rank[job]);
        }
        let counts = Counts {
            waiting: jobs.len() - ready.len(),
            ready: ready.len(),
            ..Counts::default()
        };
        Ok(Scheduler {
            pkgbases: jobs.iter().map(|j| j.pkgbase.clone()).collect(),
            dependents,
            priority,
            rank,
            by_rank,
            missing,
            state,
            ready,
            running: BTreeSet::new(),
            stopped: false,
            counts,
        })
    }

    /// Number of jobs.
    pub fn len(&self) -> usize {
        self.state.len()
    }

    /// Whether there are no jobs at all.
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// The job's pkgbase.
    pub fn pkgbase(&self, job: usize) -> Option<&str> {
        self.pkgbases.get(job).map(String::as_str)
    }

    /// The job's state.
    pub fn state(&self, job: usize) -> Result<JobState, ScheduleError> {
        self.check(job)?;
        Ok(self.state[job])
    }

    /// The job's priority: the weight of the longest chain from it to the end of the graph,
    /// its own weight included.
    pub fn priority(&self, job: usize) -> Result<f64, ScheduleError> {
        self.check(job)?;
        Ok(self.priority[job])
    }

    /// Records a job as built in an earlier run (`--continue`): it will not be offered, and
    /// its dependents no longer wait for it. Only a job not started or finished in this run
    /// can be marked.
    pub fn mark_done(&mut self, job: usize) -> Result<(), ScheduleError> {
        self.check(job)?;
        match self.state[job] {
            JobState::Waiting | JobState::Ready => {
                self.ready.remove(&self.rank[job]);
                self.set_state(job, JobState::PreviouslyBuilt);
                self.release_dependents(job);
                Ok(())
            }
            state => Err(self.wrong_state("mark done", job, state)),
        }
    }

    /// The ready job to start next: the highest priority, ties by list order. `None` when
    /// nothing is ready, or after [`Scheduler::stop_new`]. Does not start it.
    pub fn next_ready(&self) -> Option<usize> {
        if self.stopped {
            return None;
        }
        self.ready.first().map(|&r| self.by_rank[r])
    }

    /// Every ready job, highest priority first (ties by list order), as
    /// [`Scheduler::next_ready`] would offer them one after the other; nothing after
    /// [`Scheduler::stop_new`]. The host simulation needs more than the head: a job may be
    /// ready for one host and not yet for another.
    pub(crate) fn ready_by_priority(&self) -> impl Iterator<Item = usize> + '_ {
        let ready = if self.stopped {
            None
        } else {
            Some(&self.ready)
        };
        ready.into_iter().flatten().map(|&r| self.by_rank[r])
    }

    /// The jobs depending directly on `job`, ascending (empty for an unknown job).
    pub(crate) fn dependents(&self, job: usize) -> &[usize] {
        self.dependents.get(job).map_or(&[], Vec::as_slice)
    }

    /// Marks a ready job as running.
    pub fn start(&mut self, job: usize) -> Result<(), ScheduleError> {
        self.check(job)?;
        match self.state[job] {
            JobState::Ready => {
                self.ready.remove(&self.rank[job]);
                self.running.insert(job);
                self.set_state(job, JobState::Running);
                Ok(())
            }
            state => Err(self.wrong_state("start", job, state)),
        }
    }

    /// Records how a running job ended. On [`Outcome::Built`] its dependents stop waiting for
    /// it; on [`Outcome::Failed`] every job depending on it, directly or through other
    /// waiting jobs, is blocked by it, and those newly blocked jobs are returned (ascending).
    /// Jobs already built, or already blocked by an earlier failure, are left as they are.
    pub fn finish(&mut self, job: usize, outcome: Outcome) -> Result<Vec<usize>, ScheduleError> {
        self.check(job)?;
        let state = self.state[job];
        if state != JobState::Running {
            return Err(self.wrong_state("finish", job, state));
        }
        self.running.remove(&job);
        match outcome {
            Outcome::Built => {
                self.set_state(job, JobState::Built);
                self.release_dependents(job);
                Ok(Vec::new())
            }
            Outcome::Failed => {
                self.set_state(job, JobState::Failed);
                Ok(self.block_dependents(job))
            }
        }
    }

    /// The failed job that blocked `job`, if it is blocked.
    pub fn blocked_by(&self, job: usize) -> Option<usize> {
        match self.state.get(job) {
            Some(JobState::Blocked { by }) => Some(*by),
            _ => None,
        }
    }

    /// Starts nothing new from now on (`--stop-on-failure`, a signal): [`Scheduler::next_ready`]
    /// returns `None`, running jobs may still finish.
    pub fn stop_new(&mut self) {
        self.stopped = true;
    }

    /// Whether [`Scheduler::stop_new`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Whether the run is over: nothing runs and nothing more will be offered.
    pub fn is_finished(&self) -> bool {
        self.running.is_empty() && (self.stopped || self.ready.is_empty())
    }

    /// The running jobs, ascending.
    pub fn running(&self) -> Vec<usize> {
        self.running.iter().copied().collect()
    }

    /// How many jobs are in each state.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    fn check(&self, job: usize) -> Result<(), ScheduleError> {
        if job < self.state.len() {
            Ok(())
        } else {
            Err(ScheduleError::UnknownJob {
                job,
                count: self.state.len(),
            })
        }
    }

    fn wrong_state(&self, action: &'static str, job: usize, state: JobState) -> ScheduleError {
        ScheduleError::WrongState {
            action,
            job,
            pkgbase: self.pkgbases[job].clone(),
            state,
        }
    }

    fn set_state(&mut self, job: usize, state: JobState) {
        *self.counts.slot(self.state[job]) -= 1;
        *self.counts.slot(state) += 1;
        self.state[job] = state;
    }

    /// `job` is built: dependents whose last missing dependency it was become ready.
    fn release_dependents(&mut self, job: usize) {
        for k in 0..self.dependents[job].len() {
            let d = self.dependents[job][k];
            self.missing[d] -= 1;
            if self.missing[d] == 0 && self.state[d] == JobState::Waiting {
                self.set_state(d, JobState::Ready);
                self.ready.insert(self.rank[d]);
            }
        }
    }

    /// `failed` failed: blocks the waiting and ready jobs reachable from it through waiting
    /// and ready jobs.
    fn block_dependents(&mut self, failed: usize) -> Vec<usize> {
        let mut blocked = Vec::new();
        let mut queue = VecDeque::from([failed]);
        while let Some(job) = queue.pop_front() {
            for k in 0..self.dependents[job].len() {
                let d = self.dependents[job][k];
                if matches!(self.state[d], JobState::Waiting | JobState::Ready) {
                    self.ready.remove(&self.rank[d]);
                    self.set_state(d, JobState::Blocked { by: failed });
                    blocked.push(d);
                    queue.push_back(d);
                }
            }
        }
        blocked.sort_unstable();
        blocked
    }
}
