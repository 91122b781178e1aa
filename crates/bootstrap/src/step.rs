//! One step: its plan ([`Commands::plan`]) executed by the runner, all output into the
//! step's log (`logs/<pkgbase>-<YYYYmmdd-HHMMSS>-build.log`, as build-packages names them).

use std::path::{Path, PathBuf};

use archport_chroot::Cancel;
use archport_runner::{Failure, LogHeader, Outcome, Phase, Processes, execute, record_failure};
use archport_upload::Uploader;

use crate::commands::Commands;
use crate::plan::{STAGES, Step};
use crate::sources::Package;

/// What every step of a run shares.
#[derive(Debug)]
pub struct StepContext {
    /// The commands of every step, with the run's chroot and cache.
    pub commands: Commands,
    /// Where built packages are published (unless `--no-upload`).
    pub uploader: Uploader,
    /// `--no-upload`: build, publish nothing.
    pub no_upload: bool,
}

/// The log header: the same shape as build-packages', naming this tool and the stage.
pub fn header(step: &Step, version: &str, attempt: u32) -> LogHeader {
    LogHeader {
        tool: "bootstrap-toolchain".into(),
        title: format!(
            "{} {version} (stage {} of {STAGES}, {}/{})",
            step.pkgbase, step.stage, step.position, step.stage_len
        ),
        attempt,
    }
}

/// Runs `step` of `package` to its end, `installed` being the package files built so far.
/// Every problem becomes [`Outcome::Failed`] with its phase, written to `log` as well.
pub async fn run_step(
    ctx: &StepContext,
    step: &Step,
    package: &Package,
    installed: &[PathBuf],
    log: &Path,
    attempt: u32,
    cancel: &Cancel,
) -> Outcome {
    let header = header(step, &package.version, attempt);
    let uploader = (!ctx.no_upload).then_some(&ctx.uploader);
    match ctx.commands.plan(package, installed, uploader) {
        Ok(plan) => execute(&Processes, &plan, &header, log, cancel, &|_| {}).await,
        Err(e) => record_failure(
            &header,
            log,
            Failure {
                phase: Phase::Build,
                reason: e.to_string(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_the_tool_and_the_stage() {
        let step = Step {
            stage: 2,
            position: 1,
            stage_len: 5,
            pkgbase: "glibc".into(),
        };
        let header = header(&step, "2.40-1", 2);
        assert_eq!(header.tool, "bootstrap-toolchain");
        assert_eq!(header.title, "glibc 2.40-1 (stage 2 of 2, 1/5)");
        assert_eq!(header.attempt, 2);
    }
}
