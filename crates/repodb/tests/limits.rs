//! Issue 11, points 4 and 5: a hostile database costs one error line naming the archive and
//! the limit, never the machine's memory or minutes of parsing.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use archport_repodb::{DbErrorKind, DbFile, Limits, read_db_bytes, read_db_file};
use common::{filter, gunzip, realdata};

/// A tar header for a regular file `path` claiming `size` bytes.
fn header(path: &str, size: u64, directory: bool) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_path(path).unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    if directory {
        header.set_entry_type(tar::EntryType::Directory);
    }
    header.set_cksum();
    header.as_bytes().to_vec()
}

/// A package directory with its `desc` and `extra` more empty entries, ended properly.
fn package_with_entries(extra: usize) -> Vec<u8> {
    let desc = b"%NAME%\nfoo\n\n%VERSION%\n1-1\n";
    let mut tar = header("foo-1-1/", 0, true);
    tar.extend(header("foo-1-1/desc", desc.len() as u64, false));
    tar.extend(desc);
    tar.resize(tar.len().next_multiple_of(512), 0);
    for i in 0..extra {
        tar.extend(header(&format!("foo-1-1/f{i}"), 0, false));
    }
    tar.extend([0u8; 1024]);
    tar
}

/// The 131 KB zstd file whose one entry claims 4 GiB made the reader allocate 4 GiB and abort.
#[test]
fn an_entry_over_the_limit_is_refused_before_it_is_read() {
    let mut tar = header("foo-1-1/desc", 4 << 30, false);
    tar.extend(vec![b'a'; 1 << 20]);
    let zst = filter("zstd", &["-q", "-c", "-19"], &tar);
    let err = read_db_bytes(&zst, "/cache/core.db", "core").unwrap_err();
    assert!(
        matches!(err.kind, DbErrorKind::EntryOverLimit { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "/cache/core.db: entry at offset 0 is 4294967296 bytes, over the limit of 16384 KiB \
         (limits.max_entry_kib)"
    );
}

#[test]
fn realdata_a_decompressed_stream_over_the_limit_is_refused() {
    let gz = std::fs::read(realdata("arch-2019/extra.db")).unwrap();
    assert!(gunzip(&gz).len() > 2 << 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("core.db");
    std::fs::write(&path, &gz).unwrap();
    let limits = Limits {
        max_db_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = read_db_file(&DbFile::new("core", &path), &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: decompressed archive exceeds the limit of 1 MiB (limits.max_db_mib)",
            path.display()
        )
    );
    let limits = Limits {
        max_download_bytes: 1000,
        ..Limits::default()
    };
    let err = read_db_file(&DbFile::new("core", &path), &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: file is {} bytes, over the limit of 0 MiB (limits.max_download_mib)",
            path.display(),
            gz.len()
        )
    );
}

/// 100k entries in one directory took 16 s (each chunk re-read the open directory); the cap
/// refuses such a directory, and the linear reader reads what is under the cap.
#[test]
fn a_package_directory_with_too_many_entries_is_refused() {
    let zst = filter("zstd", &["-q", "-c"], &package_with_entries(5000));
    let err = read_db_bytes(&zst, "/cache/extra.db", "extra").unwrap_err();
    assert!(
        matches!(err.kind, DbErrorKind::TooManyEntries { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "/cache/extra.db: package directory foo-1-1/ has more than 1000 entries \
         (limits.max_entries_per_package)"
    );
    let zst = filter("zstd", &["-q", "-c"], &package_with_entries(900));
    let packages = read_db_bytes(&zst, "/cache/extra.db", "extra").unwrap();
    assert_eq!(packages.len(), 1);
}
