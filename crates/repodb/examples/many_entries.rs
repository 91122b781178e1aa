//! Times reading a database whose one package directory holds many entries (issue 11,
//! point 5): the reader must be linear in the stream, so 200k entries take about twice as
//! long as 100k, not four times.
//!
//! `cargo run --release -p archport-repodb --example many_entries -- 100000 200000`

use std::time::Instant;

use archport_repodb::{DbFile, Limits, read_db_file};

fn header(path: &str, size: u64, directory: bool) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_path(path).expect("short path");
    header.set_size(size);
    header.set_mode(0o644);
    if directory {
        header.set_entry_type(tar::EntryType::Directory);
    }
    header.set_cksum();
    header
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    for arg in std::env::args().skip(1) {
        let entries: usize = arg.parse()?;
        let desc = b"%NAME%\nfoo\n\n%VERSION%\n1-1\n";
        let mut tar = header("foo-1-1/", 0, true).as_bytes().to_vec();
        tar.extend(header("foo-1-1/desc", desc.len() as u64, false).as_bytes());
        tar.extend(desc);
        tar.resize(tar.len().next_multiple_of(512), 0);
        for i in 0..entries {
            tar.extend(header(&format!("foo-1-1/f{i}"), 0, false).as_bytes());
        }
        tar.extend([0u8; 1024]);
        let compressed = zstd::encode_all(&tar[..], 3)?;
        let path = dir.path().join("extra.db");
        std::fs::write(&path, &compressed)?;
        let limits = Limits {
            max_entries_per_package: u64::MAX,
            ..Limits::default()
        };
        let start = Instant::now();
        let packages = read_db_file(&DbFile::new("extra", &path), &limits)?;
        println!(
            "{entries} entries, {} KB compressed: {} package(s) in {:.2?}",
            compressed.len() / 1000,
            packages.len(),
            start.elapsed()
        );
    }
    Ok(())
}
