//! One claimed job, from its lease to its recorded result: the PKGBUILD from the queue (on a
//! worker), the build (or, when an earlier attempt was already publishing and its packages
//! are still here, no build), "built, not yet published" recorded, the upload under the
//! queue's publishing lock, then the result. The lease is renewed by heartbeats all along;
//! a lease that cannot be renewed stops the build, and a refused lease publishes nothing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use archport_buildlist::Entry;
use archport_chroot::{Cancel, CancelLevel};
use archport_queue::{
    Completion, Fenced, JobResult, Lease, QueueError, Refusal, WorkQueue, unpack_pkgbuild,
};
use archport_runner::{Failure, Outcome, Phase, logs};
use archport_upload::{built_files, remove_from_cache};
use tokio::sync::mpsc::UnboundedSender;

use crate::job::{JobContext, JobInput, build_one};

/// A claimed job, ready to run.
pub(crate) struct Claimed {
    /// The lease, its log set.
    pub lease: Lease,
    /// The build input (entry, working copy, log, attempt).
    pub input: JobInput,
}

/// How a job's task ended.
// One per build, moved once into the summary: no box needed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Ending {
    /// The result was recorded.
    Recorded {
        /// What was recorded.
        result: JobResult,
        /// What recording it did (the failure cascade).
        completion: Completion,
        /// Where the packages went, when published.
        published: Option<String>,
        /// The packages were built by an earlier attempt and only published again.
        republished: bool,
    },
    /// The queue refused the lease: another host has the job now, or the lease ran out.
    /// Nothing was recorded, nothing was published after the refusal.
    Refused {
        /// What was refused: `the result`, `publishing`.
        what: &'static str,
        /// Why.
        refusal: Refusal,
    },
    /// The queue could not be reached to record the result.
    Unrecorded {
        /// The result that was not recorded.
        result: JobResult,
        /// Why.
        error: QueueError,
    },
}

/// Why a build was stopped from outside: set before its cancel fires.
pub(crate) type LostReason = Arc<Mutex<Option<String>>>;

/// Runs `claimed` to its recorded end, renewing its lease meanwhile. `global` is the run's
/// cancellation (signals): it reaches the build as well.
pub(crate) async fn run_job<Q: WorkQueue + 'static>(
    ctx: Arc<JobContext>,
    queue: Arc<Q>,
    claimed: Claimed,
    global: Cancel,
    phases: UnboundedSender<(usize, Phase)>,
) -> (Ending, Option<String>) {
    // The first renewal records the log at once, so --status shows it from the start.
    if let Ok(Fenced::Refused(refusal)) = queue.heartbeat(&claimed.lease).await {
        return (
            Ending::Refused {
                what: "the claim",
                refusal,
            },
            None,
        );
    }
    let cancel = Cancel::with_grace(global.grace());
    let lost: LostReason = Arc::default();
    let forward = tokio::spawn(forward_cancel(global, cancel.clone()));
    let keeper = tokio::spawn(keep_lease(
        Arc::clone(&queue),
        claimed.lease.clone(),
        cancel.clone(),
        Arc::clone(&lost),
    ));
    let ending = work(&ctx, queue.as_ref(), &claimed, &cancel, &lost, &phases).await;
    keeper.abort();
    forward.abort();
    let lost = lost
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    (ending, lost)
}

/// Raises `job` to the level of `global`: SIGTERM to the build on the first signal, SIGKILL
/// on the second.
async fn forward_cancel(global: Cancel, job: Cancel) {
    global.cancelled().await;
    job.cancel();
    loop {
        if global.level() >= CancelLevel::Kill {
            job.kill_now();
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How often a lease is renewed: three times per lease, so one missed heartbeat costs
/// nothing.
pub(crate) fn heartbeat_every(lease: Duration) -> Duration {
    (lease / 3).max(Duration::from_millis(200))
}

/// Renews `lease` until aborted. Stops the build (`cancel`) when the queue refuses the lease
/// or when it passed without a renewal (the database unreachable, the process paused):
/// another host may be building the job by then.
async fn keep_lease<Q: WorkQueue>(queue: Arc<Q>, lease: Lease, cancel: Cancel, lost: LostReason) {
    let mut expires = lease.expires_at;
    let give_up = |why: String| {
        *lost
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(why);
        cancel.cancel();
    };
    loop {
        tokio::time::sleep(heartbeat_every(lease.duration)).await;
        let left = (expires - chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .max(Duration::from_millis(100));
        match tokio::time::timeout(left, queue.heartbeat(&lease)).await {
            Ok(Ok(Fenced::Accepted(until))) => expires = until,
            Ok(Ok(Fenced::Refused(refusal))) => {
                give_up(format!("lease refused: {refusal}"));
                return;
            }
            Ok(Err(_)) | Err(_) => {
                if chrono::Utc::now() >= expires {
                    give_up(format!(
                        "the lease expired at {} without a heartbeat",
                        expires.format("%Y-%m-%d %H:%M:%S UTC")
                    ));
                    return;
                }
            }
        }
    }
}

fn note(log: &Path, text: &str) {
    let _ = logs::append(log, &format!("==> {text}\n"));
}

async fn work<Q: WorkQueue>(
    ctx: &JobContext,
    queue: &Q,
    claimed: &Claimed,
    cancel: &Cancel,
    lost: &LostReason,
    phases: &UnboundedSender<(usize, Phase)>,
) -> Ending {
    let lease = &claimed.lease;
    let input = &claimed.input;
    let entry = &input.entry;
    let dir = ctx.pkgbuilds.join(entry.name.as_str());
    if ctx.from_queue
        && let Err(reason) = fetch_pkgbuild(queue, lease, &dir).await
    {
        let failure = Failure {
            phase: Phase::Prepare,
            reason,
        };
        let header = crate::job::header(entry, input.attempt);
        archport_runner::record_failure(&header, &input.log, failure.clone());
        return finish(queue, lease, failed(&failure), None, false).await;
    }
    let earlier = republishable(ctx, lease, entry, &dir);
    let republished = earlier.is_some();
    let outcome = match earlier {
        Some(files) => {
            let header = crate::job::header(entry, input.attempt);
            let now = chrono::Utc::now();
            let _ = logs::append(
                &input.log,
                &logs::header(&header.tool, &header.title, now, header.attempt),
            );
            note(
                &input.log,
                "built by an earlier attempt that was stopped while publishing: publishing again",
            );
            Outcome::Built {
                files,
                published: None,
            }
        }
        None => build_one(ctx, input, cancel, phases).await,
    };
    let files = match outcome {
        Outcome::Built { files, .. } => files,
        Outcome::Failed(failure) => {
            return finish(queue, lease, failed(&failure), None, false).await;
        }
        Outcome::Interrupted => {
            if let Some(why) = lost_reason(lost) {
                note(&input.log, &format!("stopped: {why}"));
            }
            return finish(queue, lease, JobResult::Interrupted, None, false).await;
        }
    };
    if files.is_empty() {
        let failure = Failure {
            phase: Phase::Build,
            reason: format!(
                "nothing to publish: {} {} yielded no package file (the build list names no pkgname)",
                entry.name,
                entry.version_text()
            ),
        };
        note(&input.log, &format!("FAILED: {}", failure.reason));
        return finish(queue, lease, failed(&failure), None, false).await;
    }
    if ctx.no_upload {
        return finish(queue, lease, JobResult::BuiltNotPublished, None, false).await;
    }
    // Built, not yet published: from here on, --continue publishes these files again
    // instead of building.
    match queue.begin_publish(lease).await {
        Ok(Fenced::Accepted(())) => {}
        Ok(Fenced::Refused(refusal)) => {
            note(&input.log, &format!("not published: {refusal}"));
            return Ending::Refused {
                what: "publishing",
                refusal,
            };
        }
        Err(error) => {
            note(&input.log, &format!("not published: {error}"));
            return Ending::Unrecorded {
                result: JobResult::Interrupted,
                error,
            };
        }
    }
    if cancel.is_cancelled() {
        return finish(queue, lease, JobResult::Interrupted, None, republished).await;
    }
    let _ = phases.send((input.id, Phase::Upload));
    // AUR and local entries go to `[upload] port_repo` when one is set; the lock is the
    // repository written.
    let repo = ctx
        .uploader
        .publish_repo(entry.repo.as_str(), entry.port_package());
    let lock = match queue.publish_lock(repo).await {
        Ok(lock) => lock,
        Err(error) => {
            let failure = Failure {
                phase: Phase::Upload,
                reason: error.to_string(),
            };
            return finish(queue, lease, failed(&failure), None, republished).await;
        }
    };
    // Waiting for the lock may have outlasted the lease: publish only while it holds.
    match queue.heartbeat(lease).await {
        Ok(Fenced::Accepted(_)) => {}
        Ok(Fenced::Refused(refusal)) => {
            lock.release().await;
            note(&input.log, &format!("not published: {refusal}"));
            return Ending::Refused {
                what: "publishing",
                refusal,
            };
        }
        Err(error) => {
            lock.release().await;
            note(&input.log, &format!("not published: {error}"));
            return Ending::Unrecorded {
                result: JobResult::Interrupted,
                error,
            };
        }
    }
    let uploaded = ctx.uploader.upload(&files, repo).await;
    lock.release().await;
    match uploaded {
        Ok(target) => {
            note(&input.log, &format!("uploaded to {target}"));
            // Later builds must install what was uploaded, not the copy the build left in
            // the cache.
            if let Err(e) = remove_from_cache(&ctx.cache, &files) {
                note(&input.log, &format!("warning: cache cleanup: {e}"));
            }
            finish(
                queue,
                lease,
                JobResult::Published,
                Some(target),
                republished,
            )
            .await
        }
        Err(e) => {
            let failure = Failure {
                phase: Phase::Upload,
                reason: e.to_string(),
            };
            note(&input.log, &format!("FAILED in upload: {e}"));
            finish(queue, lease, failed(&failure), None, republished).await
        }
    }
}

fn lost_reason(lost: &LostReason) -> Option<String> {
    lost.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn failed(failure: &Failure) -> JobResult {
    JobResult::Failed {
        phase: failure.phase.to_string(),
        cause: failure.reason.clone(),
    }
}

/// The packages an earlier attempt built, when it was stopped while publishing them and
/// they are all still in the build directory at the lease's version.
fn republishable(
    ctx: &JobContext,
    lease: &Lease,
    entry: &Entry,
    dir: &Path,
) -> Option<Vec<PathBuf>> {
    if !lease.publish_started || ctx.no_upload || entry.pkgnames.is_empty() {
        return None;
    }
    let pkgnames: Vec<&str> = entry.pkgnames.iter().map(|n| n.as_str()).collect();
    built_files(dir, &pkgnames, &lease.version)
        .ok()
        .filter(|files| !files.is_empty())
}

/// Replaces `dir` with the PKGBUILD tree stored with the job (a worker builds exactly what
/// was planned): unpacked beside it, then swapped in.
async fn fetch_pkgbuild<Q: WorkQueue>(queue: &Q, lease: &Lease, dir: &Path) -> Result<(), String> {
    let archive = match queue.pkgbuild(lease.run, &lease.key).await {
        Ok(Some(archive)) => archive,
        Ok(None) => {
            return Err(format!(
                "the queue holds no PKGBUILD for {}: the host that created the run had none",
                lease.key
            ));
        }
        Err(e) => return Err(e.to_string()),
    };
    let parent = dir.parent().unwrap_or(dir);
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fresh = parent.join(format!(".{name}.unpacking"));
    let remove = |path: &Path| match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    };
    remove(&fresh)?;
    unpack_pkgbuild(&archive, &fresh).map_err(|e| e.to_string())?;
    remove(dir)?;
    std::fs::rename(&fresh, dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// Records `result`; a refusal is reported as such, nothing recorded.
async fn finish<Q: WorkQueue>(
    queue: &Q,
    lease: &Lease,
    result: JobResult,
    published: Option<String>,
    republished: bool,
) -> Ending {
    match queue.finish(lease, &result).await {
        Ok(Fenced::Accepted(completion)) => Ending::Recorded {
            result,
            completion,
            published,
            republished,
        },
        Ok(Fenced::Refused(refusal)) => Ending::Refused {
            what: "the result",
            refusal,
        },
        Err(error) => Ending::Unrecorded { result, error },
    }
}
