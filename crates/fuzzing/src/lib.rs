//! The bodies of the fuzz targets in `fuzz/`, kept here so that the ordinary `cargo test`
//! replays the committed corpus (`fuzz/corpus/<target>/`) and crash inputs
//! (`fuzz/regressions/<target>/`) without libFuzzer.
//!
//! Each body feeds one untrusted input to one parser and checks more than "no panic" where
//! that is cheap: errors are one line (they end up in logs and lists), and what parses
//! survives a round trip. A failed check panics, which libFuzzer reports as a crash.

use std::cmp::Ordering;
use std::path::Path;
use std::str::FromStr;

use archport_vercmp::{PkgName, Relation, vercmp};

/// The body of one fuzz target: panics when the input breaks an invariant.
pub type Target = fn(&[u8]);

/// Every target by the name of its `fuzz/fuzz_targets/<name>.rs` and corpus directory.
pub const TARGETS: [(&str, Target); 7] = [
    ("repodb_archive", repodb_archive),
    ("repodb_desc", repodb_desc),
    ("srcinfo", srcinfo),
    ("vercmp", vercmp_relation),
    ("state", state_file),
    ("buildlist", buildlist),
    ("config", config),
];

/// Panics unless `message` is one line: every error is printed as one log line.
fn assert_one_line(message: &str) {
    assert!(
        !message.contains(['\n', '\r']),
        "error message spans several lines: {message:?}"
    );
}

/// A whole database file (any compression, or plain tar), as a mirror may send it.
pub fn repodb_archive(data: &[u8]) {
    match archport_repodb::read_db_bytes(data, "fuzz.db", "core") {
        Ok(packages) => {
            for package in packages {
                assert!(PkgName::new(package.name()).is_ok(), "{}", package.name());
                assert!(PkgName::new(package.base()).is_ok(), "{}", package.base());
            }
        }
        Err(error) => assert_one_line(&error.to_string()),
    }
}

/// One `desc` entry, wrapped in a valid archive so that every input reaches the desc parser.
pub fn repodb_desc(data: &[u8]) {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_ustar();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    builder
        .append_data(&mut header, "pkg-1-1/desc", data)
        .expect("appending to a Vec cannot fail");
    let archive = builder.into_inner().expect("finishing a Vec cannot fail");
    match archport_repodb::read_db_bytes(&archive, "fuzz.db", "core") {
        Ok(packages) => assert_eq!(packages.len(), 1, "one directory, one package"),
        Err(error) => assert_one_line(&error.to_string()),
    }
}

/// `.SRCINFO` text: alpm-srcinfo first, and the fallback reader for what it rejects.
pub fn srcinfo(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A file read may list no package for aarch64 (every pkgname restricts `arch`); what is
    // read has names that are safe as paths and arguments, whichever reader took it.
    match archport_pkgsrc::parse_srcinfo(text, "aarch64", Path::new("fuzz/.SRCINFO")) {
        Ok(info) => {
            assert!(PkgName::new(&info.pkgbase).is_ok(), "{:?}", info.pkgbase);
            for name in &info.pkgnames {
                assert!(PkgName::new(name).is_ok(), "{name:?}");
            }
            assert!(
                !info
                    .version
                    .contains(|c: char| c.is_whitespace() || c.is_control()),
                "{:?}",
                info.version
            );
        }
        Err(error) => assert_one_line(&error.to_string()),
    }
}

/// Two versions (split at the first NUL) for vercmp, and the whole input as a relation.
pub fn vercmp_relation(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\0').unwrap_or((&text, ""));
    assert_eq!(vercmp(a, a), Ordering::Equal, "{a:?} against itself");
    assert_eq!(vercmp(a, b), vercmp(b, a).reverse(), "{a:?} and {b:?}");
    for candidate in [a, b] {
        match Relation::from_str(candidate) {
            Ok(relation) => {
                let shown = relation.to_string();
                let again = Relation::from_str(&shown)
                    .unwrap_or_else(|e| panic!("{candidate:?} shows as {shown:?}: {e}"));
                assert_eq!(again, relation, "{candidate:?} shows as {shown:?}");
            }
            Err(error) => assert_one_line(&error.to_string()),
        }
    }
}

/// One state-repository file: the first line is its name (a pkgbase), the rest its content.
pub fn state_file(data: &[u8]) {
    let (name, content) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"pkg"[..], data),
    };
    let name = String::from_utf8_lossy(name);
    // The checkout's file names come from git; only names the file system takes are tried.
    let name = if name.is_empty() || name.contains(['/', '\0']) || name == "." || name == ".." {
        "pkg".to_owned()
    } else {
        // File names are at most 255 bytes.
        let mut short = String::new();
        for c in name.chars() {
            if short.len() >= 200 {
                break;
            }
            short.push(c);
        }
        short
    };
    let root = tempfile::tempdir().expect("temporary directory");
    let dir = root.path().join("core-x86_64");
    std::fs::create_dir(&dir).expect("state directory");
    std::fs::write(dir.join(&name), content).expect("state file");
    match archport_state::State::read(root.path(), &["core"], "x86_64") {
        Ok(state) => {
            for entry in state.entries() {
                assert_eq!(
                    entry.pkgbase.as_str(),
                    name,
                    "pkgbase differs from file name"
                );
            }
        }
        Err(error) => assert_one_line(&error.to_string()),
    }
}

/// A `packages_to_build.json`: what reads must write and read back the same.
pub fn buildlist(data: &[u8]) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("list.json");
    std::fs::write(&path, data).expect("list file");
    match archport_buildlist::BuildList::read(&path) {
        Ok(list) => {
            list.write(&path).expect("writing a list read");
            let again = archport_buildlist::BuildList::read(&path)
                .unwrap_or_else(|e| panic!("a list written reads back: {e}"));
            assert_eq!(again, list, "round trip");
        }
        Err(error) => assert_one_line(&error.to_string()),
    }
}

/// `archport.toml` text.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = Path::new("/nonexistent/fuzz");
    if let Err(error) = archport_config::Config::from_toml(text, &base.join("archport.toml"), base)
    {
        assert_one_line(&error.to_string());
    }
}
