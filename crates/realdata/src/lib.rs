//! The one place that knows where the real Arch data lives (the layout of
//! `shared/realdata/README.md`: `arch-2019/`, `full-2024/x86_64/{core,extra}.db.tar.gz`,
//! `full-2024/srcinfo.tar.zst`), and what to say when it is not there.
//!
//! The data is looked up, in this order:
//! 1. `$ARCHPORT_REALDATA`, when set (and then nowhere else: a wrong setting is an error,
//!    not a reason to read other data);
//! 2. `../shared/realdata` beside the project root: the pinned snapshot CI and the
//!    development machines share, the data the tests' counts were measured on;
//! 3. `testdata/realdata` in the project root, where `scripts/fetch-realdata` puts it.
//!
//! Every test that needs the data has `realdata` in its test path (a `realdata_` name
//! prefix), so `scripts/test` leaves them out with `--skip realdata_` when the data is
//! missing. Run any other way, they fail through [`require`] with the message below; they
//! never pass without having read the data.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable naming the data directory.
pub const ENV: &str = "ARCHPORT_REALDATA";

/// The test-name marker `scripts/test` skips when the data is missing.
pub const TEST_MARKER: &str = "realdata_";

/// The real data, or one part of it, could not be found. Its `Display` is the one line a
/// user sees: where it looked and how to get the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// The places looked at, in order.
    pub looked: Vec<PathBuf>,
    /// The file or directory asked for, relative to the data directory, when the data
    /// directory itself was found but lacks it.
    pub part: Option<String>,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let looked: Vec<String> = self
            .looked
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        match &self.part {
            Some(part) => write!(
                f,
                "real data incomplete: no {part} in {}",
                looked.join(", ")
            )?,
            None => write!(f, "real data not found (looked at {})", looked.join(", "))?,
        }
        write!(
            f,
            "; get it with scripts/fetch-realdata or point {ENV} at a copy of shared/realdata"
        )
    }
}

impl std::error::Error for Missing {}

/// The project root (the workspace holding this crate), fixed when the crate is compiled.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The places the data is looked for, in order (see the crate documentation).
fn candidates() -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os(ENV).filter(|v| !v.is_empty()) {
        return vec![PathBuf::from(dir)];
    }
    let root = project_root();
    let root = root.canonicalize().unwrap_or(root);
    let beside = root.parent().map_or_else(
        || root.join("../shared/realdata"),
        |p| p.join("shared/realdata"),
    );
    vec![beside, root.join("testdata/realdata")]
}

/// The data directory: the first candidate that is a directory.
pub fn root() -> Result<PathBuf, Missing> {
    let looked = candidates();
    match looked.iter().find(|dir| dir.is_dir()) {
        Some(dir) => Ok(dir.clone()),
        None => Err(Missing { looked, part: None }),
    }
}

/// `relative` (e.g. `full-2024/srcinfo.tar.zst`) inside the data directory, checked to exist.
pub fn path(relative: &str) -> Result<PathBuf, Missing> {
    let dir = root()?;
    let path = dir.join(relative);
    if path.exists() {
        Ok(path)
    } else {
        Err(Missing {
            looked: vec![dir],
            part: Some(relative.to_owned()),
        })
    }
}

/// [`path`] for tests: panics with the one-line message when the data is missing, so a test
/// that needs the data fails instead of passing without it.
#[track_caller]
pub fn require(relative: &str) -> PathBuf {
    match path(relative) {
        Ok(path) => path,
        // A panic here, not in a closure, so the message names the test's line.
        Err(missing) => panic!("{missing}"),
    }
}

/// [`path`] for an example's `main`: when the data is missing, prints one line (on stderr)
/// saying that `target` did not run and why, and exits with status 1 (the user asked for
/// work that was not done).
pub fn path_or_exit(target: &str, relative: &str) -> PathBuf {
    path(relative).unwrap_or_else(|missing| {
        eprintln!("{target}: not run: {missing}");
        std::process::exit(1)
    })
}

/// [`path`] for a bench's `main`: when the data is missing, prints one line saying that
/// `target` did not run and why, and exits. The status is 0 when the bench runs as a test
/// (`cargo test --all-targets` runs benches without `--bench`), so the rest of the test run
/// goes on, and 1 under `cargo bench`, where the measurement was asked for.
pub fn bench_path_or_exit(target: &str, relative: &str) -> PathBuf {
    path(relative).unwrap_or_else(|missing| {
        println!("{target}: not run: {missing}");
        let benchmarking = std::env::args().any(|a| a == "--bench");
        std::process::exit(i32::from(benchmarking))
    })
}

/// The targets that need the real data, per package, as `scripts/test` names them when it
/// leaves them out: `archport-plan: full_world, bench order; ...`. Found in the sources under
/// `root`, by the same marks that make them skippable: a test function named `realdata_*`
/// (in `src/` it counts for `lib`, in `tests/<name>.rs` for `<name>`), and a bench calling
/// [`bench_path_or_exit`]. So the list cannot drift from what is skipped.
pub fn suites(root: &Path) -> std::io::Result<String> {
    let test_mark = format!("fn {TEST_MARKER}");
    let bench_mark = "archport_realdata::bench_path_or_exit(";
    let mut packages = vec![root.to_path_buf()];
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    crates.sort();
    packages.extend(crates);
    let mut out = Vec::new();
    for dir in packages {
        let Some(name) = package_name(&dir.join("Cargo.toml"))? else {
            continue;
        };
        let mut targets = Vec::new();
        if rs_files(&dir.join("src"), true)?
            .iter()
            .any(|(_, text)| text.contains(&test_mark))
        {
            targets.push("lib".to_owned());
        }
        for (stem, text) in rs_files(&dir.join("tests"), false)? {
            if text.contains(&test_mark) {
                targets.push(stem);
            }
        }
        for (stem, text) in rs_files(&dir.join("benches"), false)? {
            if text.contains(bench_mark) {
                targets.push(format!("bench {stem}"));
            }
        }
        if !targets.is_empty() {
            out.push(format!("{name}: {}", targets.join(", ")));
        }
    }
    Ok(out.join("; "))
}

/// The `name` of a manifest's `[package]`, if it has one.
fn package_name(manifest: &Path) -> std::io::Result<Option<String>> {
    let text = match std::fs::read_to_string(manifest) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(value) = line.strip_prefix("name") {
            let value = value.trim_start().trim_start_matches('=').trim();
            return Ok(Some(value.trim_matches('"').to_owned()));
        }
    }
    Ok(None)
}

/// `(file stem, text)` of the `.rs` files in `dir` (sorted; below it too when `deep`, but
/// never in `src/bin`, whose binaries are not the library's tests). A missing `dir` has none.
fn rs_files(dir: &Path, deep: bool) -> std::io::Result<Vec<(String, String)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            if deep && path.file_name().is_some_and(|n| n != "bin") {
                out.extend(rs_files(&path, true)?);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && let Some(stem) = path.file_stem()
        {
            let text = std::fs::read_to_string(&path)?;
            out.push((stem.to_string_lossy().into_owned(), text));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_places_and_the_ways_to_get_the_data() {
        let missing = Missing {
            looked: vec![
                PathBuf::from("/a/shared/realdata"),
                PathBuf::from("/a/p/testdata/realdata"),
            ],
            part: None,
        };
        assert_eq!(
            missing.to_string(),
            "real data not found (looked at /a/shared/realdata, /a/p/testdata/realdata); get it \
             with scripts/fetch-realdata or point ARCHPORT_REALDATA at a copy of shared/realdata"
        );
        let incomplete = Missing {
            looked: vec![PathBuf::from("/d")],
            part: Some("arch-2019/core.db".to_owned()),
        };
        assert!(
            incomplete
                .to_string()
                .starts_with("real data incomplete: no arch-2019/core.db in /d; get it with")
        );
    }

    #[test]
    fn the_project_root_holds_the_scripts() {
        assert!(project_root().join("scripts/test").is_file());
    }

    #[test]
    fn suites_are_found_by_their_marks() {
        let dir = tempfile_dir("suites");
        let write = |path: &str, text: &str| {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let test = format!("#[test]\nfn {TEST_MARKER}reads() {{}}\n");
        write("Cargo.toml", "[workspace]\n[package]\nname = \"top\"\n");
        write("tests/uses.rs", &test);
        write("tests/plain.rs", "#[test]\nfn reads_nothing() {}\n");
        write(
            "crates/a/Cargo.toml",
            "[package]\nname = \"pkg-a\"\n[lib]\nname = \"x\"\n",
        );
        write("crates/a/src/deep/mod.rs", &test);
        write("crates/a/src/bin/tool.rs", &test);
        write(
            "crates/a/benches/load.rs",
            "fn main() { archport_realdata::bench_path_or_exit(\"b\", \"x\"); }",
        );
        write("crates/a/benches/other.rs", "fn main() {}");
        write("crates/b/Cargo.toml", "[package]\nname = \"pkg-b\"\n");
        write("crates/b/src/lib.rs", "");
        assert_eq!(suites(&dir).unwrap(), "top: uses; pkg-a: lib, bench load");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A fresh directory under the system's temporary directory (this crate has no
    /// dependencies, not even `tempfile`).
    fn tempfile_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("archport-realdata-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
