//! `--dry-run`: every external command a run would spawn, in order, with its arguments.
//! Nothing is written: no state, no logs, no directories, no uploads.

use std::collections::HashMap;
use std::fmt::Write;

use archport_chroot::{BuildSpec, Devtools, commit_time, copy_name, find_keys, stale_copies};
use archport_config::{Config, makepkg_conf_value};
use archport_schedule::{Outcome, ScheduleError, Scheduler};
use archport_upload::Uploader;

use crate::prepare::Prepared;

/// The order a run with one slot starts the jobs in, as far as it can be known without the
/// durations of earlier builds (reading them could write to the state database): every
/// dependency first, then the job heading the longest chain.
fn build_order(prepared: &Prepared) -> Result<Vec<usize>, ScheduleError> {
    let mut scheduler = Scheduler::new(&prepared.jobs, &HashMap::new(), 1.0)?;
    let mut order = Vec::with_capacity(prepared.jobs.len());
    while let Some(job) = scheduler.next_ready() {
        scheduler.start(job)?;
        scheduler.finish(job, Outcome::Built)?;
        order.push(job);
    }
    Ok(order)
}

/// What would be printed, one command per line; comment lines start with `#`.
pub fn plan_text(
    config: &Config,
    prepared: &Prepared,
    devtools: &Devtools,
    no_upload: bool,
) -> Result<String, String> {
    let mut out = String::new();
    let built = prepared.jobs.len();
    let skipped = prepared.skipped().count();
    let _ = writeln!(
        out,
        "# build-packages --dry-run: {built} builds, {skipped} skipped, from {}",
        prepared.path.display()
    );
    for entry in prepared.skipped() {
        let _ = writeln!(
            out,
            "# skip {} {}: {}",
            entry.name,
            entry.version,
            entry.skip_reason.as_deref().unwrap_or("skipped")
        );
    }
    for copy in stale_copies(devtools.chroot()).unwrap_or_default() {
        for cmd in devtools.remove_copy_cmds(&copy) {
            let _ = writeln!(out, "{cmd}");
        }
    }
    if let Some(cmd) = devtools.root_chroot_cmd() {
        let _ = writeln!(out, "{cmd}");
    }
    let pkgext = makepkg_conf_value(&config.paths.chroot_config.join("makepkg.conf"), "PKGEXT")
        .unwrap_or_else(|| ".pkg.tar.zst".into());
    let uploader = Uploader::from_config(config);
    let pkgbuilds = config.paths.workdir.join("pkgbuilds");
    let copy = copy_name(1);
    for job in build_order(prepared).map_err(|e| e.to_string())? {
        let entry = prepared.entry(&prepared.jobs[job]);
        let stage = entry
            .cycle_stage
            .map(|s| format!(" (cycle build {s} of 2)"))
            .unwrap_or_default();
        let _ = writeln!(out, "# {} {}{stage}", entry.name, entry.version);
        let dir = pkgbuilds.join(&entry.name);
        let spec = BuildSpec {
            pkgbase: entry.name.clone(),
            keys: find_keys(&config.paths.workdir, &dir).unwrap_or_default(),
            source_date_epoch: commit_time(&dir),
            dir: dir.clone(),
            copy: copy.clone(),
            ignorearch: entry.ignorearch,
            checkdepends: entry.checkdepends.clone(),
        };
        for cmd in devtools.build_cmds(&spec).map_err(|e| e.to_string())? {
            let _ = writeln!(out, "{cmd}");
        }
        if !no_upload {
            // The file names the build will produce, as makepkg names them.
            let files: Vec<_> = entry
                .pkgnames
                .iter()
                .map(|n| dir.join(format!("{n}-{}-{}{pkgext}", entry.version, config.arch)))
                .collect();
            for cmd in uploader
                .upload_cmds(&files, &entry.repo)
                .map_err(|e| e.to_string())?
            {
                let _ = writeln!(out, "{cmd}");
            }
        }
        for cmd in devtools.remove_copy_cmds(&copy) {
            let _ = writeln!(out, "{cmd}");
        }
    }
    Ok(out)
}
