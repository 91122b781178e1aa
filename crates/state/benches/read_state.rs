//! Reading and verifying a full-size state checkout: 14,000 state files, about the size
//! of the real repository's core and extra.
//!
//! `cargo bench -p archport-state --bench read_state`

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::Path;

use archport_state::{State, open_existing, sync_state_repo};
use criterion::{Criterion, criterion_group, criterion_main};
use git2::{IndexAddOption, Repository, Signature};

/// (directory, number of files): 14,000 in all.
const LAYOUT: [(&str, usize); 4] = [
    ("core-x86_64", 200),
    ("core-any", 50),
    ("extra-x86_64", 8_750),
    ("extra-any", 5_000),
];

fn write_state_tree(root: &Path) {
    let mut n = 0u32;
    for (dir, count) in LAYOUT {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        for _ in 0..count {
            n += 1;
            let pkgbase = format!("pkg-{n:05}-python-something");
            let commit = format!("{:040x}", u128::from(n) * 0x9e37_79b9_7f4a_7c15);
            let line = format!("{pkgbase} 1:{n}.2.3-1 1-{n}.2.3-1 {commit}\n");
            std::fs::write(root.join(dir).join(&pkgbase), line).unwrap();
        }
    }
}

fn commit_all(root: &Path) {
    let repo = Repository::init(root).unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = Signature::now("bench", "bench@example.org").unwrap();
    repo.commit(Some("HEAD"), &signature, &signature, "state", &tree, &[])
        .unwrap();
}

fn benches(c: &mut Criterion) {
    let upstream = tempfile::tempdir().unwrap();
    write_state_tree(upstream.path());
    commit_all(upstream.path());
    let url = format!("file://{}", upstream.path().display());
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("state");
    sync_state_repo(&url, &dest).unwrap();

    let mut group = c.benchmark_group("state_14000_files");
    group.sample_size(20);
    group.bench_function("State::read core+extra", |b| {
        b.iter(|| {
            let state = State::read(&dest, &["core", "extra"], "x86_64").unwrap();
            assert_eq!(state.len(), 14_000);
            state
        })
    });
    group.bench_function("open_existing (verify HEAD tree)", |b| {
        b.iter(|| open_existing(&dest).unwrap())
    });
    group.bench_function("sync_state_repo, nothing new (file://)", |b| {
        b.iter(|| sync_state_repo(&url, &dest).unwrap())
    });
    group.finish();
}

criterion_group!(state, benches);
criterion_main!(state);
