//! One build as a [`Plan`]: key imports, the working copy, makechrootpkg, upload, cache and
//! copy clean-up. `--dry-run` prints the same plans a run executes.

use std::path::PathBuf;

use archport_buildlist::Entry;
use archport_chroot::{BuildSpec, Cancel, Devtools, commit_time, failed_copy_name, find_keys};
use archport_runner::{
    Action, Cleanup, Failure, FailureCleanup, LogHeader, Outcome, Phase, Plan, Processes, execute,
    record_failure,
};
use archport_upload::Uploader;
use tokio::sync::mpsc::UnboundedSender;

/// What every build of a run shares.
pub struct JobContext {
    /// devtools commands, with the run's chroot, cache and `--no-check`.
    pub devtools: Devtools,
    /// The same, with makepkg's `--nocheck` and no checkdepends: for the entries
    /// `generate-build-list --no-check` listed as `nocheck`, whatever this run's `--no-check`.
    pub devtools_nocheck: Devtools,
    pub uploader: Uploader,
    /// The work directory (`keys/pgp/` lives there).
    pub workdir: PathBuf,
    /// `{workdir}/pkgbuilds`.
    pub pkgbuilds: PathBuf,
    /// The pacman cache shared with the chroots.
    pub cache: PathBuf,
    /// The target `CARCH`, for the package file names a build makes.
    pub arch: String,
    /// makepkg's `PKGEXT` (`.pkg.tar.zst`), for the same.
    pub pkgext: String,
    /// `--no-cache`: empty the cache before each build.
    pub no_cache: bool,
    pub no_upload: bool,
    /// `--cleanup-on-failure`: remove a failed build's working copy too.
    pub cleanup_on_failure: bool,
    /// A worker of a shared run: each job's PKGBUILD tree comes from the queue and replaces
    /// `{pkgbuilds}/<pkgbase>` before it builds.
    pub from_queue: bool,
}

/// One build to run.
pub struct JobInput {
    /// The job id (for phase reports).
    pub id: usize,
    pub entry: Entry,
    /// The working copy, unique to the slot.
    pub copy: String,
    /// The log, `logs/<pkgbase>-<stamp>-build.log`.
    pub log: PathBuf,
    /// The attempt number, for the log header.
    pub attempt: u32,
}

/// The phase of the `i`-th of `n` build commands: `Devtools::build_cmds` gives the key
/// imports first and makechrootpkg last, with the working-copy preparation between.
fn phase_of(i: usize, n: usize, keys: usize) -> Phase {
    if i < keys {
        Phase::Keys
    } else if i + 1 == n {
        Phase::Build
    } else {
        Phase::Checkdepends
    }
}

/// The plan of building `entry` in working copy `copy`: the PKGBUILD check, the cache
/// emptied (`--no-cache`), the devtools commands, the built packages taken, then (with
/// `publish`) published and dropped from the cache, then the copy removed (set aside for
/// inspection after a failure unless `--cleanup-on-failure`). Fails when the keys cannot be
/// listed or a checkdepends entry is no package relation.
///
/// A run executes the plan without `publish` and publishes itself afterwards
/// ([`crate::task`]): publishing is a state of its own in the queue, recorded before the
/// upload starts and fenced by the build's lease. `--dry-run` prints the plan with it.
pub fn plan(ctx: &JobContext, entry: &Entry, copy: &str, publish: bool) -> Result<Plan, Failure> {
    let dir = ctx.pkgbuilds.join(&entry.name);
    let mut plan = Plan::new();
    plan.push(
        Phase::Prepare,
        Action::Require {
            path: dir.join("PKGBUILD"),
            problem: format!(
                "{} has no PKGBUILD; run generate-build-list first",
                dir.display()
            ),
        },
    );
    if ctx.no_cache {
        plan.push(Phase::Cache, Action::EmptyCache(ctx.cache.clone()));
    }
    let keys = find_keys(&ctx.workdir, &dir).map_err(|e| Failure {
        phase: Phase::Keys,
        reason: e.to_string(),
    })?;
    let spec = BuildSpec {
        pkgbase: entry.name.to_string(),
        dir: dir.clone(),
        copy: copy.to_owned(),
        ignorearch: entry.ignorearch,
        checkdepends: entry.checkdepends.iter().map(ToString::to_string).collect(),
        source_date_epoch: commit_time(&dir),
        keys,
    };
    let devtools = if entry.nocheck {
        &ctx.devtools_nocheck
    } else {
        &ctx.devtools
    };
    let cmds = devtools.build_cmds(&spec).map_err(|e| Failure {
        phase: Phase::Checkdepends,
        reason: e.to_string(),
    })?;
    let n = cmds.len();
    for (i, cmd) in cmds.into_iter().enumerate() {
        plan.run(phase_of(i, n, spec.keys.len()), cmd);
    }
    plan.push(
        Phase::Build,
        Action::Collect {
            // The file names the build will produce, as makepkg names them.
            expected: entry
                .pkgnames
                .iter()
                .map(|n| {
                    dir.join(format!(
                        "{n}-{}-{}{}",
                        entry.version_text(),
                        ctx.arch,
                        ctx.pkgext
                    ))
                })
                .collect(),
            dir,
            pkgnames: entry.pkgnames.iter().map(ToString::to_string).collect(),
            version: entry.version_text().to_owned(),
        },
    );
    if publish && !ctx.no_upload {
        plan.push(
            Phase::Upload,
            Action::Publish {
                uploader: ctx.uploader.clone(),
                repo: ctx
                    .uploader
                    .publish_repo(entry.repo.as_str(), entry.port_package())
                    .to_owned(),
            },
        );
        // Later builds must install what was uploaded, not the copy the build left in the
        // cache.
        plan.push(Phase::Upload, Action::Uncache(ctx.cache.clone()));
    }
    let remove = ctx.devtools.remove_copy_cmds(copy);
    let mut built = Vec::new();
    // What an earlier failure of this pkgbase kept is no longer of interest once it builds.
    if kept_copy(&ctx.devtools, &entry.name).exists() {
        built.extend(ctx.devtools.remove_failed_copy_cmds(&entry.name));
    }
    built.extend(remove.iter().cloned());
    plan.cleanup = Cleanup {
        built,
        interrupted: remove.clone(),
        failed: if ctx.cleanup_on_failure {
            FailureCleanup::Run(remove)
        } else {
            // Set aside under the pkgbase's name: the slot's next build re-creates the slot's
            // copy.
            FailureCleanup::Keep {
                copy: ctx.devtools.copy_dir(copy),
                kept: kept_copy(&ctx.devtools, &entry.name),
                cmds: ctx.devtools.keep_failed_copy_cmds(copy, &entry.name),
            }
        },
    };
    Ok(plan)
}

/// The log header of a build: `zlib 1.3.1-2 (cycle build 1 of 2)`.
pub(crate) fn header(entry: &Entry, attempt: u32) -> LogHeader {
    let stage = entry
        .cycle_stage
        .map(|s| format!(" (cycle build {s} of 2)"))
        .unwrap_or_default();
    LogHeader {
        tool: "build-packages".into(),
        title: format!("{} {}{stage}", entry.name, entry.version_text()),
        attempt,
    }
}

/// Runs one build to its end (see [`archport_runner::execute`]), publishing nothing,
/// reporting its phases on `phases`.
pub async fn build_one(
    ctx: &JobContext,
    input: &JobInput,
    cancel: &Cancel,
    phases: &UnboundedSender<(usize, Phase)>,
) -> Outcome {
    let header = header(&input.entry, input.attempt);
    let plan = match plan(ctx, &input.entry, &input.copy, false) {
        Ok(plan) => plan,
        Err(failure) => return record_failure(&header, &input.log, failure),
    };
    let id = input.id;
    let on_phase = move |phase| {
        let _ = phases.send((id, phase));
    };
    execute(&Processes, &plan, &header, &input.log, cancel, &on_phase).await
}

/// Where a failed build of `pkgbase` keeps its working copy for inspection (unless
/// `--cleanup-on-failure`); removed once the pkgbase builds.
pub fn kept_copy(devtools: &Devtools, pkgbase: &str) -> PathBuf {
    devtools.copy_dir(&failed_copy_name(pkgbase))
}
