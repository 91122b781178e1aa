//! Loads the given sync databases in parallel and prints package and pkgbase counts.
//!
//! `cargo run --release -p archport-repodb --example load_db -- core.db.tar.gz extra.db.tar.gz`
//!
//! The repository name is the file name up to its first dot. Used to compare the loader's
//! whole-process time and memory with `zcat` (hyperfine, `/usr/bin/time -v`).

use std::path::PathBuf;
use std::process::ExitCode;

use archport_repodb::{DbFile, Index, Limits, load_dbs};

fn main() -> ExitCode {
    let files: Vec<DbFile> = std::env::args_os()
        .skip(1)
        .map(PathBuf::from)
        .map(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let repo = name.split('.').next().unwrap_or_default().to_owned();
            DbFile::new(repo, path)
        })
        .collect();
    if files.is_empty() {
        eprintln!("usage: load_db <db file>...");
        return ExitCode::from(2);
    }
    let packages = match load_dbs(&files, &Limits::default()) {
        Ok(packages) => packages,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let index = Index::new(packages);
    for file in &files {
        let count = index
            .packages()
            .iter()
            .filter(|p| p.repo() == file.repo)
            .count();
        let bases = index.pkgbases().filter(|b| b.repo() == file.repo).count();
        println!("{}: {count} packages, {bases} pkgbases", file.repo);
    }
    println!("total: {} packages", index.len());
    ExitCode::SUCCESS
}
