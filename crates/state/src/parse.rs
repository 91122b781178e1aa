//! Reading the `<repo>-<arch>/` and `<repo>-any/` directories of a checkout into entries.
//!
//! Each directory holds one file per pkgbase, named after it, holding one line
//! `pkgbase version tag commit-sha1`. The files are read from the work tree, which someone
//! else's repository fills: through [`UntrustedDir`], so a symbolic link, FIFO or device
//! is refused rather than followed, and a file is read only up to a small cap. A real
//! checkout holds about 14,000 files and this is the fast path: one `openat` per file.

use std::path::Path;

use archport_fs::{UntrustedDir, UntrustedError};

use archport_vercmp::PkgName;

use crate::entry::StateEntry;
use crate::error::{LineProblem, StateError};

/// One parsed line, before it is tied to a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StateLine {
    pub(crate) pkgbase: PkgName,
    pub(crate) version: String,
    pub(crate) tag: String,
    pub(crate) commit: String,
}

/// Parses the content of the state file called `file_name`.
pub(crate) fn parse_state_file(file_name: &str, content: &[u8]) -> Result<StateLine, LineProblem> {
    let text = std::str::from_utf8(content).map_err(|_| LineProblem::NotUtf8)?;
    let line = text.strip_suffix('\n').unwrap_or(text);
    if line.trim().is_empty() && !line.contains('\n') {
        return Err(LineProblem::Empty);
    }
    if line.contains('\n') {
        return Err(LineProblem::SeveralLines(line.split('\n').count()));
    }
    let fields: Vec<&str> = line.split_ascii_whitespace().collect();
    let [pkgbase, version, tag, commit] = fields[..] else {
        return Err(LineProblem::FieldCount(fields.len()));
    };
    let pkgbase = PkgName::new(pkgbase).map_err(|_| LineProblem::InvalidPkgbase)?;
    if pkgbase.as_str() != file_name {
        return Err(LineProblem::NameMismatch);
    }
    if !is_valid_version(version) {
        return Err(LineProblem::InvalidVersion);
    }
    if !is_sha1_hex(commit) {
        return Err(LineProblem::InvalidCommit);
    }
    Ok(StateLine {
        pkgbase,
        version: version.to_owned(),
        tag: tag.to_owned(),
        commit: commit.to_owned(),
    })
}

/// `[epoch:]pkgver-pkgrel` as makepkg allows it: a numeric epoch, a pkgver without `:` or
/// `-`, a pkgrel of digits and dots.
fn is_valid_version(version: &str) -> bool {
    let rest = match version.split_once(':') {
        Some((epoch, rest)) => {
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            rest
        }
        None => version,
    };
    let Some((pkgver, pkgrel)) = rest.rsplit_once('-') else {
        return false;
    };
    !pkgver.is_empty()
        && !pkgver.contains([':', '-'])
        && !pkgrel.is_empty()
        && pkgrel.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && pkgrel.as_bytes()[0].is_ascii_digit()
}

/// A git sha1 as git prints it: 40 lowercase hex digits.
pub(crate) fn is_sha1_hex(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reads every state file of `root/dir_name` into `out`, in file-name order so that the
/// first malformed file reported is always the same one.
///
/// Returns `Ok(false)` when the directory does not exist: git keeps no empty directories,
/// so a repository without packages of that kind simply has none.
pub(crate) fn read_state_dir(
    root: &Path,
    dir_name: &str,
    repo: &str,
    any: bool,
    out: &mut Vec<StateEntry>,
) -> Result<bool, StateError> {
    let dir = root.join(dir_name);
    // Opened first, without following a link: a `core-x86_64 -> /etc` in the checkout
    // must not be listed, let alone read.
    let handle = match UntrustedDir::open(root, Path::new(dir_name)) {
        Ok(handle) => handle,
        Err(UntrustedError::NotFound) => return Ok(false),
        Err(error) => {
            return Err(StateError::Malformed {
                file: dir_name.into(),
                problem: untrusted_problem(error, &dir)?,
            });
        }
    };
    let listing = match std::fs::read_dir(&dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(StateError::Io { path: dir, error }),
    };
    let mut listed = Vec::new();
    for item in listing {
        let item = item.map_err(|error| StateError::Io {
            path: dir.clone(),
            error,
        })?;
        let file_type = item.file_type().map_err(|error| StateError::Io {
            path: item.path(),
            error,
        })?;
        listed.push((item.file_name(), file_type.is_dir()));
    }
    listed.sort_unstable();
    let mut names = Vec::with_capacity(listed.len());
    for (os_name, is_dir) in listed {
        let malformed = |problem| StateError::Malformed {
            file: Path::new(dir_name).join(&os_name),
            problem,
        };
        if is_dir {
            return Err(malformed(LineProblem::UnexpectedDirectory));
        }
        match os_name.to_str() {
            Some(name) => names.push(name.to_owned()),
            None => return Err(malformed(LineProblem::InvalidFileName)),
        }
    }

    // The work is system calls on tiny files: split a large directory over a few threads,
    // in contiguous runs of names so that the first error found is still the first by name.
    let workers = worker_count(names.len());
    let runs: Vec<Result<Vec<StateEntry>, StateError>> = if workers <= 1 {
        vec![read_state_files(&handle, &dir, dir_name, repo, any, &names)]
    } else {
        let run_len = names.len().div_ceil(workers);
        std::thread::scope(|scope| {
            let handles: Vec<_> = names
                .chunks(run_len)
                .map(|run| {
                    scope.spawn(|| read_state_files(&handle, &dir, dir_name, repo, any, run))
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        })
    };
    out.reserve(names.len());
    for run in runs {
        out.extend(run?);
    }
    Ok(true)
}

/// Below this many files per thread, starting threads costs more than it saves.
const MIN_FILES_PER_WORKER: usize = 2048;
/// The bound on reader threads, whatever the machine.
const MAX_WORKERS: usize = 4;

fn worker_count(files: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    cores
        .min(MAX_WORKERS)
        .min(files / MIN_FILES_PER_WORKER)
        .max(1)
}

/// What an unsafe or unreadable file is, as a [`LineProblem`]; other I/O errors stay
/// errors of `path`.
fn untrusted_problem(error: UntrustedError, path: &Path) -> Result<LineProblem, StateError> {
    match error {
        UntrustedError::Symlink | UntrustedError::Outside => Ok(LineProblem::Symlink),
        UntrustedError::NotRegular("a directory") => Ok(LineProblem::UnexpectedDirectory),
        UntrustedError::NotRegular(kind) => Ok(LineProblem::NotRegularFile(kind)),
        UntrustedError::TooLarge { .. } => Ok(LineProblem::TooLarge),
        UntrustedError::NotFound => Err(StateError::Io {
            path: path.to_owned(),
            error: std::io::ErrorKind::NotFound.into(),
        }),
        UntrustedError::Io(error) => Err(StateError::Io {
            path: path.to_owned(),
            error,
        }),
    }
}

/// Reads and parses the state files `names` of `handle` (the directory `dir`), stopping at
/// the first bad one.
fn read_state_files(
    handle: &UntrustedDir,
    dir: &Path,
    dir_name: &str,
    repo: &str,
    any: bool,
    names: &[String],
) -> Result<Vec<StateEntry>, StateError> {
    let mut entries = Vec::with_capacity(names.len());
    let mut content = Vec::with_capacity(256);
    for name in names {
        let malformed = |problem| StateError::Malformed {
            file: Path::new(dir_name).join(name),
            problem,
        };
        if PkgName::new(name).is_err() {
            return Err(malformed(LineProblem::InvalidFileName));
        }
        if let Err(error) = handle.read_into(name.as_ref(), MAX_STATE_FILE, &mut content) {
            return Err(malformed(untrusted_problem(error, &dir.join(name))?));
        }
        let line = parse_state_file(name, &content).map_err(malformed)?;
        entries.push(StateEntry {
            pkgbase: line.pkgbase,
            version: line.version,
            tag: line.tag,
            commit: line.commit,
            repo: repo.to_owned(),
            any,
        });
    }
    Ok(entries)
}

/// The most a state file may hold; a real line is under 200 bytes.
const MAX_STATE_FILE: u64 = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "4a5b6c7d8e9f00112233445566778899aabbccdd";

    fn parse(name: &str, content: &str) -> Result<StateLine, LineProblem> {
        parse_state_file(name, content.as_bytes())
    }

    #[test]
    fn parses_a_line_with_or_without_final_newline() {
        let line = parse("zlib", &format!("zlib 1:1.3.1-2 1-1.3.1-2 {SHA}\n")).unwrap();
        assert_eq!(line.pkgbase.as_str(), "zlib");
        assert_eq!(line.version, "1:1.3.1-2");
        assert_eq!(line.tag, "1-1.3.1-2");
        assert_eq!(line.commit, SHA);
        assert_eq!(
            parse("zlib", &format!("zlib 1:1.3.1-2 1-1.3.1-2 {SHA}")).unwrap(),
            line
        );
    }

    #[test]
    fn rejects_each_kind_of_bad_line() {
        assert_eq!(parse("zlib", ""), Err(LineProblem::Empty));
        assert_eq!(parse("zlib", "\n"), Err(LineProblem::Empty));
        assert_eq!(
            parse("zlib", &format!("zlib 1-1 1-1 {SHA}\nzlib 1-1 1-1 {SHA}\n")),
            Err(LineProblem::SeveralLines(2))
        );
        assert_eq!(
            parse("zlib", "zlib 1-1 1-1\n"),
            Err(LineProblem::FieldCount(3))
        );
        assert_eq!(
            parse("zlib", &format!("zlib 1-1 1-1 {SHA} extra\n")),
            Err(LineProblem::FieldCount(5))
        );
        assert_eq!(
            parse("zlib", &format!("zlib 1-1 1-1 {}\n", &SHA[..39])),
            Err(LineProblem::InvalidCommit)
        );
        let upper = SHA.to_uppercase();
        assert_eq!(
            parse("zlib", &format!("zlib 1-1 1-1 {upper}\n")),
            Err(LineProblem::InvalidCommit)
        );
        assert_eq!(
            parse("zlib", &format!("zstd 1-1 1-1 {SHA}\n")),
            Err(LineProblem::NameMismatch)
        );
        assert_eq!(
            parse("zlib", &format!(".zlib 1-1 1-1 {SHA}\n")),
            Err(LineProblem::InvalidPkgbase)
        );
        assert_eq!(
            parse_state_file("zlib", b"zlib \xff 1-1 x\n"),
            Err(LineProblem::NotUtf8)
        );
    }

    #[test]
    fn version_shape() {
        for good in [
            "1.3.1-2",
            "1:1.3.1-2",
            "2.0rc1-1.1",
            "20240101.r5.gabc-3",
            "1.0_beta-1",
        ] {
            assert!(is_valid_version(good), "{good}");
        }
        for bad in [
            "1.3.1", "-1", "1.0-", ":1.0-1", "a:1.0-1", "1.0-a", "1:2:3-1", "1-2-3",
        ] {
            assert!(!is_valid_version(bad), "{bad}");
        }
    }
}
