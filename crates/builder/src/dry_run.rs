//! `--dry-run`: every external command a run would spawn, in order, with its arguments.
//! Nothing is written: no state, no logs, no directories, no uploads.

use std::collections::HashMap;
use std::fmt::Write;

use archport_chroot::{copy_name, stale_copies};
use archport_schedule::{Outcome, ScheduleError, Scheduler};

use crate::job::{JobContext, plan};
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

/// What would be printed, one command per line; comment lines start with `#`. Each build's
/// lines are its [`crate::job::plan`] rendered, the plan a real run executes, in the
/// order a run with one slot starts them.
pub fn plan_text(prepared: &Prepared, ctx: &JobContext) -> Result<String, String> {
    let devtools = &ctx.devtools;
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
            entry.version_text(),
            entry
                .skip
                .as_ref()
                .map_or("skipped", |r| r.text_or("skipped"))
        );
    }
    for copy in stale_copies(devtools.chroot()).unwrap_or_default() {
        for cmd in devtools.remove_copy_cmds(&copy) {
            let _ = writeln!(out, "{cmd}");
        }
    }
    if let Some(cmd) = devtools.root_chroot_cmd() {
        // A real run creates the chroot's directory first (see
        // archport_runner::create_root_chroot).
        if let Some(dir) = devtools.chroot_dir_cmd() {
            let _ = writeln!(out, "{dir}");
        }
        let _ = writeln!(out, "{cmd}");
    }
    let copy = copy_name(1);
    for job in build_order(prepared).map_err(|e| e.to_string())? {
        let entry = prepared.entry(&prepared.jobs[job]);
        let stage = entry
            .cycle_stage
            .map(|s| format!(" (cycle build {s} of 2)"))
            .unwrap_or_default();
        let _ = writeln!(out, "# {} {}{stage}", entry.name, entry.version_text());
        let plan = plan(ctx, entry, &copy, true).map_err(|e| format!("{}: {e}", entry.name))?;
        for line in plan.render().map_err(|e| e.to_string())? {
            let _ = writeln!(out, "{line}");
        }
    }
    Ok(out)
}
