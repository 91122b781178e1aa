//! Loading the full-size 2024 x86_64 core+extra databases (13,947 packages, 32 MB of tar),
//! next to plain decompression of the same files as the yardstick.
//!
//! `cargo bench -p archport-repodb --bench load`

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::hint::black_box;
use std::time::Duration;

use archport_repodb::{DbFile, Index, Limits, load_dbs};
use criterion::{Criterion, criterion_group};

fn files() -> Vec<DbFile> {
    let dir = archport_realdata::require("full-2024/x86_64");
    vec![
        DbFile::new("core", dir.join("core.db.tar.gz")),
        DbFile::new("extra", dir.join("extra.db.tar.gz")),
    ]
}

fn bench_load(c: &mut Criterion) {
    let files = files();
    let mut group = c.benchmark_group("repodb");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));

    group.bench_function("gunzip_only_full_2024", |b| {
        b.iter(|| {
            for file in &files {
                let bytes = std::fs::read(&file.path).unwrap();
                let mut decoder = flate2::bufread::MultiGzDecoder::new(&bytes[..]);
                black_box(std::io::copy(&mut decoder, &mut std::io::sink()).unwrap());
            }
        })
    });

    group.bench_function("load_full_2024_core_extra", |b| {
        b.iter(|| black_box(load_dbs(&files, &Limits::default()).unwrap().len()))
    });

    let packages = load_dbs(&files, &Limits::default()).unwrap();
    group.bench_function("index_full_2024_core_extra", |b| {
        b.iter(|| black_box(Index::new(packages.clone()).len()))
    });
    group.finish();
}

criterion_group!(benches, bench_load);

/// `criterion_main!`, after checking for the real data: without it the bench says so in one
/// line and stops (see `archport_realdata::bench_path_or_exit`).
fn main() {
    archport_realdata::bench_path_or_exit("bench load", "full-2024/x86_64");
    benches();
    Criterion::default().configure_from_args().final_summary();
}
