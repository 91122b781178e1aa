//! `jobs_from_list` on a hand-written build list: names, versioned provisions, a cycle built
//! twice with its relaxed forward edge, skipped providers, several providers of one name.

#![allow(clippy::unwrap_used)]

use archport_buildlist::{BuildList, CycleStage, Entry, SkipReason};
use archport_schedule::{Job, SkippedProvider, jobs_from_list};
use archport_vercmp::Repo;

fn entry(name: &str, version: &str) -> Entry {
    Entry::new(
        name.parse().unwrap(),
        Some(version.parse().unwrap()),
        Repo::Extra,
    )
}

fn with(mut e: Entry, f: impl FnOnce(&mut Entry)) -> Entry {
    f(&mut e);
    e
}

fn strings<T: std::str::FromStr>(items: &[&str]) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    items.iter().map(|s| s.parse().unwrap()).collect()
}

/// The list, in order (list index: job id):
fn list() -> BuildList {
    let packages = vec![
        // 0: job 0
        entry("glibc", "2.40-1"),
        // 1: job 1
        with(entry("zlib", "1:1.3.1-2"), |e| {
            e.pkgnames = strings(&["zlib", "minizip"]);
            e.depends = strings(&["glibc>=2.38"]);
            e.provides = strings(&["libz.so=1-64"]);
        }),
        // 2: skipped, in the middle: no job
        with(entry("oldssl", "1.1-1"), |e| {
            e.skip = Some(SkipReason::new("test"));
            e.provides = strings(&["libssl.so=1.1-64", "libz.so=1-64"]);
        }),
        // 3: job 2, an old version that does not meet `openssl-compat>=2`
        entry("openssl-compat", "1.0-1"),
        // 4: job 3; provides `bash` too, but the pkgname provider wins where there is one
        with(entry("busybox", "1.36-1"), |e| {
            e.provides = strings(&["bash"])
        }),
        // 5: job 4
        with(entry("bash", "5.2-1"), |e| e.provides = strings(&["sh"])),
        // 6: job 5, 7: job 6: two providers of java-runtime
        with(entry("jdk17", "17.0-1"), |e| {
            e.provides = strings(&["java-runtime=17"])
        }),
        with(entry("jdk21", "21.0-1"), |e| {
            e.provides = strings(&["java-runtime=21"])
        }),
        // 8: job 7: the cycle, first build of freetype2; its `harfbuzz` edge points
        // forwards (relaxed by generate-build-list) and is ignored
        with(entry("freetype2", "2.13-1"), |e| {
            e.depends = strings(&["zlib", "harfbuzz"]);
            e.cycle_group = Some(1);
            e.cycle_stage = Some(CycleStage::First);
        }),
        // 9: job 8
        with(entry("harfbuzz", "9.0-1"), |e| {
            e.depends = strings(&["freetype2", "glibc"]);
            e.cycle_group = Some(1);
        }),
        // 10: job 9: second build of freetype2
        with(entry("freetype2", "2.13-1"), |e| {
            e.depends = strings(&["zlib", "harfbuzz"]);
            e.cycle_group = Some(1);
            e.cycle_stage = Some(CycleStage::Second);
        }),
        // 11: job 10
        with(entry("app", "1.0-1"), |e| {
            e.depends = strings(&[
                "freetype2",
                "libz.so=1-64",
                "openssl-compat>=2",
                "libssl.so",
                "not-in-the-list",
                "java-runtime>=21",
                // No "<bad relation" here any more: reading the list rejects it (the
                // Relation policy), so a job never sees one.
            ]);
            e.makedepends = strings(&["sh", "bash"]);
            e.checkdepends = strings(&["java-runtime", "glibc"]);
        }),
        // 12: skipped at the end, as generate-build-list lists skipped entries
        with(entry("libfancy", "3.0-1"), |e| {
            e.skip = Some(SkipReason::new("test"));
            e.provides = strings(&["libfancy.so=3-64"]);
        }),
        // 13: job 11
        with(entry("uses-fancy", "1.0-1"), |e| {
            e.depends = strings(&["libfancy.so=3-64", "libfancy>=4"]);
        }),
    ];
    BuildList {
        command: "generate-build-list --rebuild-repo extra".into(),
        timestamp: "2024-11-23T10:13:57.735Z".into(),
        packages,
    }
}

fn job(jobs: &[Job], list_index: usize) -> &Job {
    jobs.iter().find(|j| j.list_index == list_index).unwrap()
}

#[test]
fn one_job_per_built_entry_in_list_order() {
    let jobs = jobs_from_list(&list());
    let index: Vec<usize> = jobs.iter().map(|j| j.list_index).collect();
    assert_eq!(index, [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]);
    for (position, job) in jobs.iter().enumerate() {
        assert_eq!(job.id, position);
        assert!(job.deps.iter().all(|&d| d < job.id), "{job:?}");
        assert!(job.deps.windows(2).all(|w| w[0] < w[1]), "{job:?}");
    }
    assert_eq!(job(&jobs, 8).pkgbase, "freetype2");
    assert_eq!(job(&jobs, 8).cycle_stage, Some(1));
    assert_eq!(job(&jobs, 10).cycle_stage, Some(2));
}

#[test]
fn versioned_constraints_are_checked() {
    let jobs = jobs_from_list(&list());
    // zlib's `glibc>=2.38` is met by glibc 2.40-1.
    assert_eq!(job(&jobs, 1).deps, [0]);
    // harfbuzz: freetype2 (its first build, the only one before it) and glibc.
    assert_eq!(job(&jobs, 9).deps, [0, 7]);
}

#[test]
fn cycle_pair_and_relaxed_forward_edge() {
    let jobs = jobs_from_list(&list());
    // First build: zlib only; harfbuzz comes later in the list (relaxed edge).
    assert_eq!(job(&jobs, 8).deps, [1]);
    // Second build: zlib, its first build and harfbuzz.
    assert_eq!(job(&jobs, 10).deps, [1, 7, 8]);
}

#[test]
fn dependents_wait_for_the_latest_step_and_the_right_providers() {
    let jobs = jobs_from_list(&list());
    let app = job(&jobs, 11);
    // glibc (checkdepends), zlib (libz.so provision), bash (by pkgname, not busybox's
    // provision; also `sh`'s provider), jdk21 for `>=21`, jdk17 too for the unversioned
    // checkdepends, and freetype2's second build, not its first.
    assert_eq!(app.deps, [0, 1, 4, 5, 6, 9]);
    assert!(!app.deps.contains(&3), "busybox only provides bash");
    assert!(!app.deps.contains(&7), "first build of freetype2");
    assert!(
        !app.deps.contains(&2),
        "openssl-compat 1.0-1 does not meet >=2"
    );
}

#[test]
fn skipped_providers_are_reported_not_waited_for() {
    let jobs = jobs_from_list(&list());
    let app = job(&jobs, 11);
    // oldssl also provides libz.so, but zlib serves that: only libssl.so is reported.
    assert_eq!(
        app.skipped_providers,
        [SkippedProvider {
            relation: "libssl.so".into(),
            pkgbase: "oldssl".into(),
            list_index: 2,
        }]
    );
    let fancy = job(&jobs, 13);
    assert!(fancy.deps.is_empty());
    // `libfancy>=4` is not met by libfancy 3.0-1: nothing to report for it.
    assert_eq!(
        fancy.skipped_providers,
        [SkippedProvider {
            relation: "libfancy.so=3-64".into(),
            pkgbase: "libfancy".into(),
            list_index: 12,
        }]
    );
    assert!(job(&jobs, 0).skipped_providers.is_empty());
}

#[test]
fn epoch_versions_and_empty_constraints() {
    let mut list = list();
    list.packages.push(with(entry("needs-epoch", "1-1"), |e| {
        // zlib is 1:1.3.1-2: the epoch makes it newer than 2.0 and older than 2:0.
        e.depends = strings(&["zlib>2.0", "minizip<2:0", "glibc="]);
    }));
    list.packages.push(with(entry("needs-newer", "1-1"), |e| {
        e.depends = strings(&["zlib>=2:0", "glibc<2.40"]);
    }));
    let jobs = jobs_from_list(&list);
    assert_eq!(jobs[jobs.len() - 2].deps, [0, 1]);
    assert!(jobs[jobs.len() - 1].deps.is_empty());
}
