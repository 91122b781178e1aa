//! Why a fenced call matched no row: the rule every backend applies to the job's stored
//! token, state and lease after its fenced statement refused to record anything.

use std::future::Future;

use crate::error::QueueError;
use crate::model::{JobRecord, JobState};
use crate::work::{Completion, FenceToken, Fenced, Lease, Refusal};

/// The fencing columns of a job as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredFence {
    /// Where the job stands.
    pub state: JobState,
    /// The token of its current or last claim.
    pub token: Option<i64>,
    /// When its lease ends (unix milliseconds), while building under one.
    pub lease_until: Option<i64>,
}

/// What to answer a call presenting `presented` at `now` (unix milliseconds) whose fenced
/// statement matched nothing, the job being `stored` (`None`: not in the run). `Ok(())`
/// when `done` is the state the call would record and the job already holds it under the
/// same token: a retry of a call whose answer was lost, accepted again without effect.
pub(crate) fn refusal(
    presented: FenceToken,
    now: i64,
    stored: Option<StoredFence>,
    done: Option<JobState>,
) -> Result<(), Refusal> {
    match stored {
        Some(stored) if stored.token == Some(presented.0) && done == Some(stored.state) => Ok(()),
        _ => Err(why_refused(presented, now, stored)),
    }
}

/// The answer to recording `done` under `lease` at `now` when the fenced statement matched
/// nothing, the job being `stored`: refused, or, for a retry of the same result under the
/// same token, accepted again as `record` (read only then) with nothing blocked or stopped,
/// since the first call already did that.
pub(crate) async fn unmatched_result(
    lease: &Lease,
    now: i64,
    stored: Option<StoredFence>,
    done: JobState,
    record: impl Future<Output = Result<JobRecord, QueueError>>,
) -> Result<Fenced<Completion>, QueueError> {
    match refusal(lease.token, now, stored, Some(done)) {
        Err(refused) => Ok(Fenced::Refused(refused)),
        Ok(()) => Ok(Fenced::Accepted(Completion {
            record: record.await?,
            blocked: Vec::new(),
            stopped_run: false,
        })),
    }
}

/// Why a call presenting `presented` at `now` was refused, the job being `stored`.
pub(crate) fn why_refused(presented: FenceToken, now: i64, stored: Option<StoredFence>) -> Refusal {
    let Some(stored) = stored else {
        return Refusal::Gone;
    };
    if stored.token != Some(presented.0) {
        return Refusal::StaleToken {
            presented,
            current: stored.token.map(FenceToken),
        };
    }
    match stored.lease_until {
        Some(until) if stored.state == JobState::Building && until <= now => {
            Refusal::LeaseExpired {
                expired_at: chrono::DateTime::from_timestamp_millis(until).unwrap_or_default(),
            }
        }
        _ => Refusal::NotBuilding {
            state: stored.state,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fence(state: JobState, token: i64, lease_until: i64) -> Option<StoredFence> {
        Some(StoredFence {
            state,
            token: Some(token),
            lease_until: Some(lease_until),
        })
    }

    #[test]
    fn refusals_name_the_first_rule_broken() {
        let t = FenceToken(7);
        assert_eq!(refusal(t, 100, None, None), Err(Refusal::Gone));
        assert_eq!(
            refusal(t, 100, fence(JobState::Building, 8, 500), None),
            Err(Refusal::StaleToken {
                presented: t,
                current: Some(FenceToken(8))
            })
        );
        assert_eq!(
            refusal(t, 100, fence(JobState::Building, 7, 100), None),
            Err(Refusal::LeaseExpired {
                expired_at: chrono::DateTime::from_timestamp_millis(100).unwrap_or_default()
            })
        );
        assert_eq!(
            refusal(t, 100, fence(JobState::Interrupted, 7, 50), None),
            Err(Refusal::NotBuilding {
                state: JobState::Interrupted
            })
        );
    }

    #[test]
    fn a_retried_result_already_recorded_under_the_same_token_is_accepted() {
        let t = FenceToken(7);
        assert_eq!(
            refusal(t, 100, fence(JobState::Built, 7, 50), Some(JobState::Built)),
            Ok(())
        );
        assert_eq!(
            refusal(
                t,
                100,
                fence(JobState::Built, 7, 50),
                Some(JobState::Failed)
            ),
            Err(Refusal::NotBuilding {
                state: JobState::Built
            })
        );
        assert!(refusal(t, 100, fence(JobState::Built, 9, 50), Some(JobState::Built)).is_err());
    }
}
