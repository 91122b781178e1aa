//! The blacklist: shell-glob patterns naming packages the port never builds.
//!
//! One pattern per line (`*`, `?`, `[...]`, `[!...]`); blank lines and lines starting
//! with `#` are ignored. A package is blacklisted when a pattern matches its pkgbase or any
//! of its pkgnames.

use std::path::{Path, PathBuf};

use glob::{MatchOptions, Pattern};

/// A blacklist file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BlacklistError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The blacklist file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not a valid glob pattern.
    #[error("{path}:{line}: bad pattern {pattern:?}: {reason}")]
    Pattern {
        /// The blacklist file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The pattern as written.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// One pattern with where it came from, so reports can say which line matched.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The compiled pattern.
    pub pattern: Pattern,
    /// 1-based line number in the file.
    pub line: usize,
}

/// A parsed blacklist; empty when no file is used.
#[derive(Debug, Clone, Default)]
pub struct Blacklist {
    entries: Vec<Entry>,
    source: Option<PathBuf>,
}

/// Matching is exact and case-sensitive, and `*` may match anything (names have no `/`).
const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

impl Blacklist {
    /// Reads a blacklist file.
    pub fn from_file(path: &Path) -> Result<Blacklist, BlacklistError> {
        let text = std::fs::read_to_string(path).map_err(|source| BlacklistError::Read {
            path: path.to_owned(),
            source,
        })?;
        Blacklist::parse(&text, path)
    }

    /// Reads `path` when it exists, else an empty blacklist: the default file is optional,
    /// an explicitly named one is not (use [`Blacklist::from_file`] for that).
    pub fn from_optional_file(path: &Path) -> Result<Blacklist, BlacklistError> {
        if path.exists() {
            Blacklist::from_file(path)
        } else {
            Ok(Blacklist::default())
        }
    }

    /// The blacklist at `path`: [`Blacklist::from_file`] when `required` (a file the
    /// command line named must exist), else [`Blacklist::from_optional_file`] (the
    /// configured default may be absent).
    pub fn load(path: &Path, required: bool) -> Result<Blacklist, BlacklistError> {
        if required {
            Blacklist::from_file(path)
        } else {
            Blacklist::from_optional_file(path)
        }
    }

    /// Parses blacklist text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Blacklist, BlacklistError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let pattern = Pattern::new(line).map_err(|e| BlacklistError::Pattern {
                path: path.to_owned(),
                line: i + 1,
                pattern: line.to_owned(),
                reason: e.msg.to_owned(),
            })?;
            entries.push(Entry {
                pattern,
                line: i + 1,
            });
        }
        Ok(Blacklist {
            entries,
            source: Some(path.to_owned()),
        })
    }

    /// The first entry matching `pkgbase` or any of `pkgnames`, if any.
    pub fn matching<'a>(
        &self,
        pkgbase: &'a str,
        pkgnames: impl IntoIterator<Item = &'a str>,
    ) -> Option<&Entry> {
        let names: Vec<&str> = std::iter::once(pkgbase).chain(pkgnames).collect();
        self.entries
            .iter()
            .find(|e| names.iter().any(|n| e.pattern.matches_with(n, OPTIONS)))
    }

    /// Whether `pkgbase` or any of `pkgnames` is blacklisted.
    pub fn is_blacklisted<'a>(
        &self,
        pkgbase: &'a str,
        pkgnames: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        self.matching(pkgbase, pkgnames).is_some()
    }

    /// A human reason for a match: `blacklisted by "pattern" (file:line)`.
    pub fn reason<'a>(
        &self,
        pkgbase: &'a str,
        pkgnames: impl IntoIterator<Item = &'a str>,
    ) -> Option<String> {
        let entry = self.matching(pkgbase, pkgnames)?;
        Some(match &self.source {
            Some(p) => format!(
                "blacklisted by {:?} ({}:{})",
                entry.pattern.as_str(),
                p.display(),
                entry.line
            ),
            None => format!("blacklisted by {:?}", entry.pattern.as_str()),
        })
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bl(text: &str) -> Blacklist {
        Blacklist::parse(text, Path::new("blacklist.txt")).unwrap()
    }

    #[test]
    fn globs_match_pkgbase_or_pkgnames() {
        let b = bl("# comment\n\n  linux-*  \nqt?-base\nfirefox-i18n-[a-c]*\nnot[!x]\n");
        assert_eq!(b.len(), 4);
        assert!(b.is_blacklisted("linux-zen", []));
        assert!(!b.is_blacklisted("linux", []));
        assert!(b.is_blacklisted("qt6-base", []));
        assert!(b.is_blacklisted("firefox-i18n", ["firefox-i18n-ach", "firefox-i18n-zh"]));
        assert!(!b.is_blacklisted("firefox-i18n", ["firefox-i18n-zh"]));
        assert!(b.is_blacklisted("note", []));
        assert!(!b.is_blacklisted("notx", []));
        assert!(!b.is_blacklisted("Linux-zen", []));
        let reason = b.reason("x", ["qt5-base"]).unwrap();
        assert_eq!(reason, "blacklisted by \"qt?-base\" (blacklist.txt:4)");
    }

    #[test]
    fn bad_pattern_names_file_and_line() {
        let err = Blacklist::parse("ok\n# fine\nbad[abc\n", Path::new("/etc/bl.txt")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("/etc/bl.txt:3: bad pattern \"bad[abc\""),
            "{msg}"
        );
    }

    #[test]
    fn missing_default_file_is_empty_but_named_file_must_exist() {
        let missing = Path::new("/nonexistent/blacklist.txt");
        assert!(Blacklist::from_optional_file(missing).unwrap().is_empty());
        let err = Blacklist::from_file(missing).unwrap_err().to_string();
        assert!(err.starts_with("/nonexistent/blacklist.txt: "), "{err}");
    }
}
