//! The job graph of a build list: one job per step to build, each waiting for the steps
//! before it in the list that provide one of its relations.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use archport_buildlist::{BuildList, CycleStage, Entry};
use archport_vercmp::{Relation, satisfies};

/// One build step to run: an entry of the build list with `skip == 0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Position among the jobs (0, 1, 2, ... in list order); what the [`crate::Scheduler`]
    /// calls the job by.
    pub id: usize,
    /// The pkgbase built.
    pub pkgbase: String,
    /// The entry's `cycle_stage` as the queue numbers it: `Some(1)`/`Some(2)` for the two
    /// builds of a package built twice.
    pub cycle_stage: Option<u8>,
    /// The jobs that must be built first, ascending; each has a smaller id.
    pub deps: Vec<usize>,
    /// Position of the entry in the build list.
    pub list_index: usize,
    /// Skipped entries that would provide a relation no earlier step provides: the job does
    /// not wait for them (the target repos may hold an older version), but the orchestrator
    /// should say so in the log.
    pub skipped_providers: Vec<SkippedProvider>,
}

/// A relation of a job that only a skipped entry of the list provides.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedProvider {
    /// The relation as written in the entry (`libfoo.so=1-64`).
    pub relation: String,
    /// The pkgbase of the skipped entry.
    pub pkgbase: String,
    /// Position of the skipped entry in the build list.
    pub list_index: usize,
}

/// The jobs of `list`, in list order (see [`jobs_from_entries`]).
pub fn jobs_from_list(list: &BuildList) -> Vec<Job> {
    jobs_from_entries(&list.packages)
}

/// One [`Job`] per entry with `skip == 0`, in list order.
///
/// Entry `i` depends on an earlier entry `j` when `j` provides one of `i`'s depends,
/// makedepends or checkdepends: through a pkgname at `j`'s version or through one of `j`'s
/// provisions, the relation's version constraint checked. Pkgname providers win over
/// provisions (that is the package pacman installs); with only provisions, `i` waits for
/// every earlier provider, since which one the chroot would install is not known here. When
/// the provider's pkgbase is built twice, `i` waits for its latest step before `i`, and the
/// second step of a pkgbase always waits for its first.
///
/// Relations provided only by entries after `i` are the edges generate-build-list relaxed to
/// break cycles, and relations provided by nothing in the list are served by the target
/// repos: neither makes `i` wait. Relations arrive parsed (see [`Relation`] for the policy
/// on those that do not parse).
pub fn jobs_from_entries(entries: &[Entry]) -> Vec<Job> {
    let providers = Providers::new(entries);
    let mut job_of: Vec<Option<usize>> = vec![None; entries.len()];
    let mut jobs = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        if entry.skipped() {
            continue;
        }
        let id = jobs.len();
        job_of[i] = Some(id);
        // Per provider pkgbase, its latest step before `i`.
        let mut latest: BTreeMap<&str, usize> = BTreeMap::new();
        let mut skipped = BTreeSet::new();
        for relation in entry.build_relations() {
            let found = providers.before(relation, i);
            if found.is_empty() {
                for j in providers.skipped(relation) {
                    skipped.insert(SkippedProvider {
                        relation: relation.to_string(),
                        pkgbase: entries[j].name.to_string(),
                        list_index: j,
                    });
                }
            }
            for j in found {
                let step = latest.entry(entries[j].name.as_str()).or_insert(j);
                *step = (*step).max(j);
            }
        }
        if entry.cycle_stage == Some(CycleStage::Second)
            && let Some(first) = entries[..i]
                .iter()
                .rposition(|e| !e.skipped() && e.name == entry.name)
        {
            latest.insert(entry.name.as_str(), first);
        }
        let mut deps: Vec<usize> = latest.values().filter_map(|&j| job_of[j]).collect();
        deps.sort_unstable();
        deps.dedup();
        jobs.push(Job {
            id,
            pkgbase: entry.name.to_string(),
            cycle_stage: entry.cycle_stage.map(CycleStage::number),
            deps,
            list_index: i,
            skipped_providers: skipped.into_iter().collect(),
        });
    }
    jobs
}

/// How an entry offers a name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Pkgname,
    Provision,
}

/// One offer of a name: the entry, how, and at which version (`None`: unversioned
/// provision).
struct Offer<'a> {
    entry: usize,
    via: Via,
    version: Option<&'a str>,
    skipped: bool,
}

/// Every name the list's entries offer, in list order.
struct Providers<'a> {
    by_name: HashMap<&'a str, Vec<Offer<'a>>>,
}

impl<'a> Providers<'a> {
    fn new(entries: &'a [Entry]) -> Providers<'a> {
        let mut by_name: HashMap<&'a str, Vec<Offer<'a>>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            let skipped = entry.skipped();
            for name in &entry.pkgnames {
                by_name.entry(name).or_default().push(Offer {
                    entry: i,
                    via: Via::Pkgname,
                    version: entry.version.as_deref(),
                    skipped,
                });
            }
            for provision in &entry.provides {
                by_name.entry(&provision.name).or_default().push(Offer {
                    entry: i,
                    via: Via::Provision,
                    version: provision.provided_version(),
                    skipped,
                });
            }
        }
        Providers { by_name }
    }

    /// The built entries before `i` satisfying `relation`: the pkgname providers if there
    /// are any, else the provision providers.
    fn before(&self, relation: &Relation, i: usize) -> Vec<usize> {
        let Some(offers) = self.by_name.get(relation.name.as_str()) else {
            return Vec::new();
        };
        let matching = |via: Via| -> Vec<usize> {
            offers
                .iter()
                .filter(|o| o.entry < i && !o.skipped && o.via == via)
                .filter(|o| satisfies(relation, &relation.name, o.version))
                .map(|o| o.entry)
                .collect()
        };
        let by_pkgname = matching(Via::Pkgname);
        if by_pkgname.is_empty() {
            matching(Via::Provision)
        } else {
            by_pkgname
        }
    }

    /// The skipped entries satisfying `relation`, wherever they are in the list.
    fn skipped(&self, relation: &Relation) -> Vec<usize> {
        self.by_name
            .get(relation.name.as_str())
            .into_iter()
            .flatten()
            .filter(|o| o.skipped && satisfies(relation, &relation.name, o.version))
            .map(|o| o.entry)
            .collect()
    }
}
