//! What a run (or a dry run) builds: a new step record or the last one continued, with the
//! hand checkouts it needs checked.

use std::path::PathBuf;

use archport_config::Config;
use archport_runner::apply_chroot_overrides;

use crate::error::BootstrapError;
use crate::options::Options;
use crate::plan::{distinct_pkgbases, plan_steps};
use crate::record::{RECORD_FILE, Record};
use crate::sources::check_hand_checkouts;

/// The steps to run: a new record, or the last one continued.
pub(crate) struct Prepared {
    /// The steps and what became of them, saved at every transition.
    pub record: Record,
    /// The index of the first step to run.
    pub first: usize,
    /// What continuing found, for the console.
    pub note: Option<String>,
}

/// `config` with `--chroot` and `--cache` applied (made absolute: the builds run in the
/// checkouts).
pub(crate) fn effective_config(
    config: &Config,
    options: &Options,
) -> Result<Config, BootstrapError> {
    let mut config = config.clone();
    apply_chroot_overrides(
        &mut config,
        options.chroot.as_deref(),
        options.cache.as_deref(),
    )
    .map_err(BootstrapError::io("current directory"))?;
    Ok(config)
}

/// The record path of a work directory.
pub(crate) fn record_path(config: &Config) -> PathBuf {
    config.paths.workdir.join(RECORD_FILE)
}

/// The pkgbuilds directory of a work directory.
pub(crate) fn pkgbuilds_dir(config: &Config) -> PathBuf {
    config.paths.workdir.join("pkgbuilds")
}

/// Plans the run (new or continued) and checks that gcc and glibc are checked out when
/// the steps left need them.
pub(crate) fn prepare(
    config: &Config,
    options: &Options,
    started: &str,
) -> Result<Prepared, BootstrapError> {
    let new = || -> Result<Record, BootstrapError> {
        let steps = plan_steps(
            &config.bootstrap.stage1,
            &config.bootstrap.stage2,
            options.start_from.as_deref(),
        )?;
        Ok(Record::new(&options.command_line, started, steps))
    };
    let prepared = if options.continue_run {
        match Record::load(&record_path(config))? {
            Some(record) => {
                let first = record.resume_index();
                let note = format!(
                    "continuing the bootstrap started {}: {first} of {} steps built",
                    record.started,
                    record.steps.len()
                );
                Prepared {
                    record,
                    first,
                    note: Some(note),
                }
            }
            None => Prepared {
                record: new()?,
                first: 0,
                note: Some("no earlier bootstrap run to continue: starting a new one".into()),
            },
        }
    } else {
        Prepared {
            record: new()?,
            first: 0,
            note: None,
        }
    };
    let left: Vec<_> = prepared.record.steps[prepared.first..]
        .iter()
        .map(|r| r.step.clone())
        .collect();
    check_hand_checkouts(&pkgbuilds_dir(config), &distinct_pkgbases(&left))?;
    Ok(prepared)
}
