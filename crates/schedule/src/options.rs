//! The shape of a simulated multi-host run: how many hosts, how many build slots each, how
//! long publishing a built job takes before its dependents can install it.

/// How long publishing each job takes, in the durations' unit: the time between a build
/// finishing and its packages being installable by dependents from the shared repository.
#[derive(Clone, Debug, PartialEq)]
pub enum PublishDelay {
    /// The same delay for every job (0: published the moment it is built).
    Uniform(f64),
    /// One delay per job, indexed by job id.
    PerJob(Vec<f64>),
}

impl Default for PublishDelay {
    fn default() -> PublishDelay {
        PublishDelay::Uniform(0.0)
    }
}

/// Several build hosts sharing one work queue, as with the PostgreSQL queue: `hosts` hosts
/// with `slots` build slots each.
#[derive(Clone, Debug, PartialEq)]
pub struct Hosts {
    /// How many build hosts take jobs from the queue.
    pub hosts: usize,
    /// Build slots per host (parallel builds on one host).
    pub slots: usize,
    /// Time from a job being built to its packages being published.
    pub publish_delay: PublishDelay,
    /// Whether a host's later builds can use a job it built itself before the job is
    /// published (a host-local repository). `false` is what `build-packages` does: a chroot
    /// installs dependencies from the published repository only, so every dependent waits
    /// for the publish, whichever host it runs on.
    pub local_reuse: bool,
}

impl Hosts {
    /// `hosts` hosts with `slots` slots each, publishing instantly, no local reuse.
    pub fn new(hosts: usize, slots: usize) -> Hosts {
        Hosts {
            hosts,
            slots,
            publish_delay: PublishDelay::default(),
            local_reuse: false,
        }
    }

    /// The same shape with `delay` to publish each job.
    pub fn with_publish_delay(self, delay: PublishDelay) -> Hosts {
        Hosts {
            publish_delay: delay,
            ..self
        }
    }

    /// The same shape with local reuse on or off (see [`Hosts::local_reuse`]).
    pub fn with_local_reuse(self, local_reuse: bool) -> Hosts {
        Hosts {
            local_reuse,
            ..self
        }
    }

    /// Build slots over all hosts (saturating).
    pub fn total_slots(&self) -> usize {
        self.hosts.saturating_mul(self.slots)
    }
}
