//! The job graph of the real full-size world (`--rebuild-repo extra` over
//! `full-2024/srcinfo.tar.zst` of the real data), shared by the `schedule` bench, the
//! `full_world_makespan` example and the full-world test.
//!
//! The including file must also include archport-plan's support module as `full_world`.
//! The build order comes from `archport_plan::order::build_order`; every step becomes a
//! build-list [`Entry`] carrying the pkgbase's real pkgnames, provisions and relations (the
//! support module strips version constraints, so every entry is at version `1-1`), and the
//! jobs come from [`jobs_from_entries`], so the measurement exercises the real code path.

use std::collections::{BTreeSet, HashMap};
use std::error::Error;

use archport_buildlist::{CycleStage, Entry};
use archport_plan::graph::{DepGraph, EdgeKind};
use archport_plan::order::{BuildOrder, build_order};
use archport_schedule::{Job, jobs_from_entries};

use crate::full_world::{self, Srcinfo};

/// The jobs of one scenario and what they were made from.
pub struct WorldJobs {
    /// The build order of the plan crate.
    #[allow(dead_code)] // read by the example and the bench only
    pub order: BuildOrder,
    /// The jobs, one per step.
    pub jobs: Vec<Job>,
    /// Dependency edges of the pkgbase graph that the order kept (not relaxed).
    #[allow(dead_code)] // reported by the example and checked by the test only
    pub kept_edges: usize,
}

/// Reads the archive once.
pub fn read_infos() -> Result<Vec<Srcinfo>, Box<dyn Error>> {
    full_world::read_archive(&archport_realdata::path(full_world::SRCINFO_ARCHIVE)?)
}

/// Orders `--rebuild-repo extra` and turns the steps into jobs through [`jobs_from_entries`],
/// then checks the jobs against the order: every kept edge `A -> B` makes `A`'s first step
/// wait for a step of `B`, every second build waits for its first, and every dependency
/// points backwards.
pub fn world_jobs(
    infos: &[Srcinfo],
    target_has_version: bool,
) -> Result<WorldJobs, Box<dyn Error>> {
    let (nodes, edges) = full_world::rebuild_extra(infos, target_has_version);
    let order = build_order(&nodes, &edges)?;
    let entries = entries_of(infos, &order, target_has_version)?;
    let jobs = jobs_from_entries(&entries);
    if jobs.len() != order.steps.len() {
        return Err(format!("{} jobs for {} steps", jobs.len(), order.steps.len()).into());
    }
    let graph = DepGraph::new(&nodes, &edges)?;
    let kept_edges = check_jobs(&jobs, &graph, &order)?;
    Ok(WorldJobs {
        order,
        jobs,
        kept_edges,
    })
}

/// One build-list entry per step of `order`.
pub fn entries_of(
    infos: &[Srcinfo],
    order: &BuildOrder,
    target_has_version: bool,
) -> Result<Vec<Entry>, Box<dyn Error>> {
    let by_pkgbase: HashMap<&str, &Srcinfo> =
        infos.iter().map(|i| (i.pkgbase.as_str(), i)).collect();
    let mut entries = Vec::with_capacity(order.steps.len());
    for step in &order.steps {
        let info = by_pkgbase
            .get(step.pkgbase.as_str())
            .ok_or_else(|| format!("step {} has no .SRCINFO", step.pkgbase))?;
        let needs = |kind: EdgeKind| {
            parsed(
                info.needs
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, name)| name.as_str()),
            )
        };
        entries.push(Entry {
            pkgnames: parsed(info.pkgnames.iter().map(String::as_str))?,
            arm_version: target_has_version.then(|| "0-1".parse()).transpose()?,
            depends: needs(EdgeKind::Depends)?,
            makedepends: needs(EdgeKind::Makedepends)?,
            checkdepends: needs(EdgeKind::Checkdepends)?,
            provides: parsed(info.provides.iter().map(String::as_str))?,
            build_stage: order
                .packages
                .get(&step.pkgbase)
                .map_or(0, |p| p.build_stage),
            cycle_group: step.cycle_group,
            cycle_stage: step
                .cycle_stage
                .map(CycleStage::try_from)
                .transpose()
                .map_err(|n| format!("cycle_stage {n}"))?,
            ..Entry::new(
                info.pkgbase.parse()?,
                Some("1-1".parse()?),
                info.repo.parse()?,
            )
        });
    }
    Ok(entries)
}

/// Parses each text as a `T` (a name, a relation); the real data holds no bad one.
fn parsed<'a, T>(texts: impl Iterator<Item = &'a str>) -> Result<Vec<T>, Box<dyn Error>>
where
    T: std::str::FromStr,
    T::Err: Error + 'static,
{
    texts.map(|t| t.parse().map_err(Into::into)).collect()
}

/// Checks the jobs against the order; returns the number of kept edges.
fn check_jobs(jobs: &[Job], graph: &DepGraph, order: &BuildOrder) -> Result<usize, Box<dyn Error>> {
    let relaxed: BTreeSet<(&str, &str)> = order
        .relaxed_edges()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    let mut first_step: HashMap<&str, &Job> = HashMap::new();
    for job in jobs {
        if job.deps.iter().any(|&d| d >= job.id) {
            return Err(format!("job {} ({}) depends forwards", job.id, job.pkgbase).into());
        }
        match job.cycle_stage {
            Some(2) => {
                let waits_for_first = job
                    .deps
                    .iter()
                    .any(|&d| jobs[d].pkgbase == job.pkgbase && jobs[d].cycle_stage == Some(1));
                if !waits_for_first {
                    return Err(format!("second build of {} skips the first", job.pkgbase).into());
                }
            }
            _ => {
                first_step.insert(&job.pkgbase, job);
            }
        }
    }
    let names = graph.names();
    let mut kept = 0;
    for edge in graph.edges() {
        let (from, to) = (names[edge.from].as_str(), names[edge.to].as_str());
        if relaxed.contains(&(from, to)) {
            continue;
        }
        kept += 1;
        let job = first_step
            .get(from)
            .ok_or_else(|| format!("{from} has no job"))?;
        if !job.deps.iter().any(|&d| jobs[d].pkgbase == to) {
            return Err(format!("kept edge {from} -> {to} is no job dependency").into());
        }
    }
    Ok(kept)
}

/// The simulated build duration of a pkgbase, in seconds: log-normal with a median of 3
/// minutes and sigma 1.2 (mean about 6.2 minutes, 1 in 100 over 49 minutes, the slowest of
/// the 11,000 pkgbases a few hours), drawn from a hash of the name so that it is the same
/// on every run and for both builds of a pkgbase built twice.
pub fn simulated_duration(pkgbase: &str) -> f64 {
    const MEDIAN_SECONDS: f64 = 180.0;
    const SIGMA: f64 = 1.2;
    // FNV-1a, then two SplitMix64 outputs as uniforms in (0, 1] for Box-Muller.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in pkgbase.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let mut next = || {
        hash = hash.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = hash;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    };
    let (u1, u2) = (next(), next());
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    MEDIAN_SECONDS * (SIGMA * normal).exp()
}

/// The simulated duration of every job.
pub fn simulated_durations(jobs: &[Job]) -> Vec<f64> {
    jobs.iter()
        .map(|j| simulated_duration(&j.pkgbase))
        .collect()
}
