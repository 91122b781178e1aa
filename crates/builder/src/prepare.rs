//! From the build list file to the jobs to run.

use std::path::{Path, PathBuf};

use archport_blacklist::Blacklist;
use archport_buildlist::{BuildList, CycleStage, Entry, SkipReason};
use archport_schedule::{Job, jobs_from_list};
use archport_vercmp::PkgName;

/// The list as this run sees it: entries (blacklist applied) and the jobs of the entries
/// that are built.
pub struct Prepared {
    /// Where the list was read from.
    pub path: PathBuf,
    /// The list, with blacklisted entries marked skipped.
    pub list: BuildList,
    /// One job per built entry, in list order; `job.list_index` points into `list.packages`.
    pub jobs: Vec<Job>,
}

impl Prepared {
    /// The entry of a job.
    pub fn entry(&self, job: &Job) -> &Entry {
        &self.list.packages[job.list_index]
    }

    /// The skipped entries.
    pub fn skipped(&self) -> impl Iterator<Item = &Entry> {
        self.list.packages.iter().filter(|e| e.skipped())
    }
}

/// Reads the list and applies the blacklist.
pub fn prepare(
    path: &Path,
    blacklist: &Blacklist,
) -> Result<Prepared, archport_buildlist::ListError> {
    let mut list = BuildList::read(path)?;
    for entry in &mut list.packages {
        if entry.skipped() {
            continue;
        }
        if let Some(reason) =
            blacklist.reason(&entry.name, entry.pkgnames.iter().map(PkgName::as_str))
        {
            entry.skip = Some(SkipReason::new(reason));
        }
    }
    let jobs = jobs_from_list(&list);
    Ok(Prepared {
        path: path.to_owned(),
        list,
        jobs,
    })
}

/// The queue key stage of an entry: 0 for a single build, else its cycle stage.
pub fn stage_of(entry: &Entry) -> u8 {
    entry.cycle_stage.map_or(0, CycleStage::number)
}
