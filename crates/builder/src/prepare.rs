//! From the build list file to the jobs to run.

use std::path::{Path, PathBuf};

use archport_blacklist::Blacklist;
use archport_buildlist::{BuildList, Entry};
use archport_schedule::{Job, jobs_from_list};

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
        self.list.packages.iter().filter(|e| e.skip != 0)
    }
}

/// Reads the list and applies the blacklist.
pub fn prepare(
    path: &Path,
    blacklist: &Blacklist,
) -> Result<Prepared, archport_buildlist::ListError> {
    let mut list = BuildList::read(path)?;
    for entry in &mut list.packages {
        if entry.skip != 0 {
            continue;
        }
        if let Some(reason) =
            blacklist.reason(&entry.name, entry.pkgnames.iter().map(String::as_str))
        {
            entry.skip = 1;
            entry.skip_reason = Some(reason);
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
    entry.cycle_stage.unwrap_or(0)
}
