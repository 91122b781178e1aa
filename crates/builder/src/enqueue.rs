//! From the prepared list to the jobs of a run in the queue: every entry in list order (the
//! skipped ones as skipped), what each waits for, its critical-path priority, its build-list
//! entry and, for a run shared by several hosts, its PKGBUILD tree.

use std::collections::HashMap;
use std::path::Path;

use archport_queue::{JobKey, JobState, NewJob, WorkJob, pack_pkgbuild};
use archport_schedule::{Scheduler, default_weight};

use crate::error::BuildError;
use crate::prepare::{Prepared, stage_of};

/// The queue's jobs for `prepared`, prioritized with the build `durations` of earlier runs.
/// With `pkgbuilds`, each built entry carries its `{pkgbuilds}/<pkgbase>` tree (when it has
/// a PKGBUILD: a missing one fails that build, on whichever host, with the usual message).
pub(crate) fn work_jobs(
    prepared: &Prepared,
    durations: &HashMap<String, f64>,
    pkgbuilds: Option<&Path>,
) -> Result<Vec<WorkJob>, BuildError> {
    let scheduler = Scheduler::new(&prepared.jobs, durations, default_weight(durations))?;
    let by_index: HashMap<usize, usize> = prepared
        .jobs
        .iter()
        .map(|job| (job.list_index, job.id))
        .collect();
    let key_of = |index: usize| {
        let entry = &prepared.list.packages[index];
        JobKey::new(entry.name.as_str(), stage_of(entry))
    };
    let mut packed: HashMap<String, archport_queue::PkgbuildArchive> = HashMap::new();
    let mut out = Vec::with_capacity(prepared.list.packages.len());
    for (index, entry) in prepared.list.packages.iter().enumerate() {
        let entry_json = serde_json::to_string(entry).map_err(|e| {
            BuildError::Chroot(format!(
                "{}: cannot store its build-list entry: {e}",
                entry.name
            ))
        })?;
        let new_job = NewJob {
            key: key_of(index),
            version: entry.version_text().to_owned(),
            repo: entry.repo.to_string(),
            state: if by_index.contains_key(&index) {
                JobState::Queued
            } else {
                JobState::Skipped
            },
            reason: entry.skip.as_ref().and_then(|r| r.0.clone()),
        };
        let Some(&job) = by_index.get(&index) else {
            out.push(WorkJob {
                job: new_job,
                deps: Vec::new(),
                priority: 0.0,
                pkgbuild: None,
                entry: Some(entry_json),
            });
            continue;
        };
        let pkgbuild = match pkgbuilds {
            Some(root) => {
                let dir = root.join(entry.name.as_str());
                match packed.get(entry.name.as_str()) {
                    Some(archive) => Some(archive.clone()),
                    None if dir.join("PKGBUILD").is_file() => {
                        let archive = pack_pkgbuild(entry.name.as_str(), &dir)
                            .map_err(|e| BuildError::Chroot(e.to_string()))?;
                        packed.insert(entry.name.to_string(), archive.clone());
                        Some(archive)
                    }
                    None => None,
                }
            }
            None => None,
        };
        out.push(WorkJob {
            job: new_job,
            deps: prepared.jobs[job]
                .deps
                .iter()
                .map(|&dep| key_of(prepared.jobs[dep].list_index))
                .collect(),
            priority: scheduler.priority(job)?,
            pkgbuild,
            entry: Some(entry_json),
        });
    }
    Ok(out)
}
