//! The PGP keys imported before builds: `{workdir}/keys/pgp/*.asc`, the files
//! `archport_chroot::find_keys` picks up.

use std::path::Path;

use crate::identity::{Access, Identity};
use crate::problem::{Problem, ProblemKind};

/// Every `*.asc` entry of `{workdir}/keys/pgp` that cannot be imported: not a readable
/// regular file (a directory, a dangling symlink), or, when `importer` is given (archport
/// runs as root and imports as the build user), not readable by that user. A missing
/// directory is fine: there are no keys to import.
pub(crate) fn check(workdir: &Path, importer: Option<&Identity>) -> Vec<Problem> {
    let dir = workdir.join("keys/pgp");
    let problem = |place: &Path, what: String, fix: String| Problem {
        kind: ProblemKind::KeyUnreadable,
        place: place.display().to_string(),
        what,
        fix,
    };
    // Missing, or under something that is not a directory (reported with the work directory).
    if !dir.exists() {
        return Vec::new();
    }
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => {
            return vec![problem(
                &dir,
                format!("cannot list the key directory: {e}"),
                "make it a readable directory of *.asc files".into(),
            )];
        }
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "asc"))
        .collect();
    paths.sort();
    let mut problems = Vec::new();
    for path in paths {
        let replace = format!(
            "replace {} with the exported key (gpg --export --armor KEYID)",
            path.display()
        );
        let meta = match path.metadata() {
            Ok(meta) => meta,
            Err(e) => {
                let what = if path.symlink_metadata().is_ok() {
                    format!("a dangling symlink ({e})")
                } else {
                    format!("cannot be read: {e}")
                };
                problems.push(problem(&path, what, replace));
                continue;
            }
        };
        if !meta.is_file() {
            problems.push(problem(
                &path,
                "not a regular file, so it is never imported".into(),
                replace,
            ));
            continue;
        }
        if let Err(e) = std::fs::File::open(&path) {
            problems.push(problem(&path, format!("cannot be read: {e}"), replace));
            continue;
        }
        if let Some(user) = importer
            && !user.may(Access::Read, &meta)
        {
            problems.push(problem(
                &path,
                format!(
                    "not readable by the build user {} (gpg --import runs as it)",
                    user.name
                ),
                format!("chmod a+r {}", path.display()),
            ));
        }
    }
    problems
}
