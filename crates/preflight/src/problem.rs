//! What the preflight found: one [`Problem`] per thing that would stop or spoil a run, each
//! with the place to look and the fix, and the [`Report`] holding them all.

use std::fmt;

/// The kind of a problem, so callers and tests can tell problems apart without reading
/// their text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// An external program is neither at its configured path nor in `PATH`.
    ToolMissing,
    /// An external program exists but cannot be executed (no execute bit, a directory).
    ToolNotExecutable,
    /// `pacman.conf` or `makepkg.conf` is missing from the chroot configuration.
    ChrootConfigMissing,
    /// The build user does not exist.
    UserMissing,
    /// The build user's home directory does not exist (makechrootpkg and gpg need it).
    UserHomeMissing,
    /// The build user cannot write where makepkg writes (the PKGBUILD checkouts).
    UserCannotWrite,
    /// `sudo -n` refuses commands archport runs through it.
    SudoDenied,
    /// A directory archport writes to is not writable, and cannot be created.
    NotWritable,
    /// Less free space under the chroot directory than the configured minimum.
    LowFreeSpace,
    /// A key file to import cannot be read.
    KeyUnreadable,
}

/// One problem: what is wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Which check found it.
    pub kind: ProblemKind,
    /// Where to look: the configuration key and value or the path concerned
    /// (`[tools] makechrootpkg = "makechrootpkg"`, `/var/tmp/builder`).
    pub place: String,
    /// What is wrong, as a phrase (`not found in PATH`).
    pub what: String,
    /// What the operator does about it.
    pub fix: String,
}

/// One line: `{place}: {what}; fix: {fix}`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = format!("{}: {}; fix: {}", self.place, self.what, self.fix);
        // Stderr of external programs can hold newlines; a problem stays one line.
        f.write_str(&line.replace('\n', " "))
    }
}

/// Every problem the preflight found, in the order the checks ran (tools, chroot
/// configuration, build user, sudo, directories, free space, keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The problems; empty when the run has everything it needs.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// Whether a problem of `kind` was found.
    pub fn has(&self, kind: ProblemKind) -> bool {
        self.problems.iter().any(|p| p.kind == kind)
    }

    /// The problems of `kind`.
    pub fn of_kind(&self, kind: ProblemKind) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(move |p| p.kind == kind)
    }

    /// The closing line of `TOOL --check`: ready, or how many problems stand in the way.
    pub fn verdict(&self, tool: &str) -> String {
        match self.problems.len() {
            0 => format!("{tool}: preflight passed, everything a run needs is in place"),
            1 => format!("{tool}: preflight found 1 problem"),
            n => format!("{tool}: preflight found {n} problems"),
        }
    }
}

/// One line per problem, each ending in a newline; nothing when there is no problem.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_is_one_line_with_its_fix() {
        let problem = Problem {
            kind: ProblemKind::SudoDenied,
            place: "[tools] sudo = \"sudo\"".into(),
            what: "sudo -n refuses mkarchroot:\nsudo: a password is required".into(),
            fix: "allow it without a password".into(),
        };
        assert_eq!(
            problem.to_string(),
            "[tools] sudo = \"sudo\": sudo -n refuses mkarchroot: sudo: a password is required; fix: allow it without a password"
        );
        let report = Report {
            problems: vec![problem.clone(), problem],
        };
        assert_eq!(report.to_string().lines().count(), 2);
        assert!(report.has(ProblemKind::SudoDenied));
        assert!(!report.has(ProblemKind::KeyUnreadable));
        assert!(Report::default().is_ok());
        assert_eq!(Report::default().to_string(), "");
    }
}
