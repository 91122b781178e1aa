//! Helpers shared by the integration tests: real data paths, archive builders, an
//! independent `desc` reader used as the oracle.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use archport_repodb::PackageFields;

/// A file of the real data (found by `archport_realdata`). A test calling this needs the
/// data: its name must start with `realdata_`, so `scripts/test` skips it when the data is
/// missing; run anyway, it fails here with the message saying how to get the data.
#[track_caller]
pub fn realdata(relative: &str) -> PathBuf {
    archport_realdata::require(relative)
}

/// Runs a command (argument vector), panicking with its stderr when it fails.
pub fn run(program: &str, args: &[&str], dir: &Path) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Pipes `input` through a program and returns its output (e.g. `zstd -c`).
pub fn filter(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "{program} failed");
    output.stdout
}

/// The decompressed tar stream of a gzip file.
pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(bytes), &mut out).unwrap();
    out
}

/// Gzip-compresses `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A tar archive (uncompressed) of `(path, contents)` entries; a path ending in `/` is a
/// directory entry.
pub fn tar_archive(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, contents) in entries {
        let mut header = tar::Header::new_gnu();
        if path.ends_with('/') {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            header.set_mode(0o755);
            builder
                .append_data(&mut header, path, std::io::empty())
                .unwrap();
        } else {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, path, contents.as_bytes())
                .unwrap();
        }
    }
    builder.into_inner().unwrap()
}

/// The text of every `desc` entry of a gzip database, read with the `tar` crate.
pub fn desc_texts(db: &Path) -> Vec<String> {
    let file = std::fs::File::open(db).unwrap();
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(file));
    let mut texts = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry
            .path()
            .unwrap()
            .file_name()
            .is_some_and(|n| n == "desc")
        {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    texts
}

/// Every package of a gzip database as the oracle reads it: the `tar` crate walks the
/// archive, a plain line-by-line reader takes the desc (and old `depends`) entries apart.
/// Keyed by name.
pub fn oracle_packages(db: &Path) -> BTreeMap<String, PackageFields> {
    let file = std::fs::File::open(db).unwrap();
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(file));
    let mut by_dir: BTreeMap<String, PackageFields> = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().into_owned();
        let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !entry.header().entry_type().is_file()
            || !["desc", "depends"].contains(&file_name.as_str())
        {
            continue;
        }
        let dir = path.parent().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let fields = by_dir.entry(dir).or_default();
        for section in text.split("\n\n") {
            let mut lines = section.lines().filter(|l| !l.is_empty());
            let Some(key) = lines.next() else { continue };
            let values: Vec<String> = lines.map(str::to_owned).collect();
            let first = || values.first().cloned().unwrap_or_default();
            match key {
                "%NAME%" => fields.name = first(),
                "%BASE%" => fields.base = Some(first()),
                "%VERSION%" => fields.version = first(),
                "%ARCH%" => fields.arch = first(),
                "%FILENAME%" => fields.filename = first(),
                "%DEPENDS%" => fields.depends.extend(values),
                "%MAKEDEPENDS%" => fields.makedepends.extend(values),
                "%CHECKDEPENDS%" => fields.checkdepends.extend(values),
                "%OPTDEPENDS%" => fields.optdepends.extend(values),
                "%PROVIDES%" => fields.provides.extend(values),
                "%CONFLICTS%" => fields.conflicts.extend(values),
                "%REPLACES%" => fields.replaces.extend(values),
                _ => {}
            }
        }
    }
    by_dir
        .into_values()
        .map(|mut fields| {
            if fields.base.is_none() {
                fields.base = Some(fields.name.clone());
            }
            (fields.name.clone(), fields)
        })
        .collect()
}
