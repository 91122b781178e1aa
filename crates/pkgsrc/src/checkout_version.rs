//! The version a PKGBUILD checkout currently holds, read without git: `.SRCINFO` first,
//! else the PKGBUILD's plain `epoch=`/`pkgver=`/`pkgrel=` assignments.
//!
//! This is what lets an up-to-date checkout be recognised with no git operation at all.

use std::path::Path;

use archport_fs::read_untrusted;

use crate::limits::MAX_SRCINFO_BYTES;
use crate::srcinfo_types::is_valid_version;

/// The full version (`[epoch:]pkgver-pkgrel`) of the checkout in `dir`, or `None` when it
/// cannot be told without running bash (no `.SRCINFO`, and a PKGBUILD whose values are
/// computed, e.g. `pkgver=${_major}.${_minor}`).
///
/// Both files come from someone else's repository: each is read only when it is a regular
/// file inside `dir` of at most [`MAX_SRCINFO_BYTES`], and a version that is not
/// `[epoch:]pkgver-pkgrel` counts as unknown.
pub fn current_version(dir: &Path) -> Option<String> {
    let read = |name: &str| {
        let bytes = read_untrusted(dir, Path::new(name), MAX_SRCINFO_BYTES).ok()?;
        String::from_utf8(bytes).ok()
    };
    if let Some(text) = read(".SRCINFO")
        && let Some(version) = version_from_srcinfo(&text)
    {
        return Some(version);
    }
    version_from_pkgbuild(&read("PKGBUILD")?)
}

/// The version in the `pkgbase` section of `.SRCINFO` text.
pub(crate) fn version_from_srcinfo(text: &str) -> Option<String> {
    let mut fields = VersionFields::default();
    for line in text.lines() {
        let line = line.trim_start();
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        match key {
            // pkgver, pkgrel and epoch are only allowed in the pkgbase section.
            "pkgname" => break,
            "pkgver" => fields.pkgver = Some(value.trim_end().to_owned()),
            "pkgrel" => fields.pkgrel = Some(value.trim_end().to_owned()),
            "epoch" => fields.epoch = Some(value.trim_end().to_owned()),
            _ => {}
        }
    }
    fields.full()
}

/// The version from top-level `epoch=`, `pkgver=` and `pkgrel=` assignments of a PKGBUILD.
///
/// Only literal values are accepted (bare or quoted); anything needing expansion gives `None`
/// rather than a wrong version.
pub(crate) fn version_from_pkgbuild(text: &str) -> Option<String> {
    let mut fields = VersionFields::default();
    for line in text.lines() {
        // Assignments inside functions (indented) are not the package's version.
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let slot = match key {
            "pkgver" => &mut fields.pkgver,
            "pkgrel" => &mut fields.pkgrel,
            "epoch" => &mut fields.epoch,
            _ => continue,
        };
        *slot = Some(literal_value(raw)?);
    }
    fields.full()
}

/// A shell word that needs no expansion: `1.2`, `'1.2'`, `"1.2"`, optionally followed by a
/// comment.
fn literal_value(raw: &str) -> Option<String> {
    let raw = raw.trim_end();
    let value = if let Some(rest) = raw.strip_prefix('\'') {
        rest.split_once('\'')
            .filter(|(_, tail)| tail.is_empty() || tail.trim_start().starts_with('#'))?
            .0
    } else if let Some(rest) = raw.strip_prefix('"') {
        let (inner, tail) = rest.split_once('"')?;
        if !(tail.is_empty() || tail.trim_start().starts_with('#')) {
            return None;
        }
        inner
    } else {
        match raw.split_once(char::is_whitespace) {
            Some((word, tail)) if tail.trim_start().starts_with('#') => word,
            Some(_) => return None,
            None => raw,
        }
    };
    let expands = value.chars().any(|c| {
        matches!(
            c,
            '$' | '`' | '\\' | '(' | ')' | '{' | '}' | '*' | '?' | '['
        )
    });
    if value.is_empty() || expands {
        return None;
    }
    Some(value.to_owned())
}

#[derive(Default)]
struct VersionFields {
    epoch: Option<String>,
    pkgver: Option<String>,
    pkgrel: Option<String>,
}

impl VersionFields {
    fn full(self) -> Option<String> {
        let pkgver = self.pkgver?;
        let pkgrel = self.pkgrel?;
        let version = match self.epoch.filter(|e| e != "0") {
            Some(epoch) => format!("{epoch}:{pkgver}-{pkgrel}"),
            None => format!("{pkgver}-{pkgrel}"),
        };
        is_valid_version(&version).then_some(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srcinfo_with_and_without_epoch() {
        let text =
            "pkgbase = vim\n\tpkgver = 9.1.1734\n\tpkgrel = 1\n\tarch = x86_64\n\npkgname = vim\n";
        assert_eq!(version_from_srcinfo(text).as_deref(), Some("9.1.1734-1"));
        let text = "pkgbase = x\n\tpkgver = 2.0rc1\n\tpkgrel = 2\n\tepoch = 1\n\npkgname = x\n";
        assert_eq!(version_from_srcinfo(text).as_deref(), Some("1:2.0rc1-2"));
    }

    #[test]
    fn srcinfo_without_pkgrel_is_unknown() {
        assert_eq!(version_from_srcinfo("pkgbase = x\n\tpkgver = 1\n"), None);
    }

    #[test]
    fn pkgbuild_literal_assignments() {
        let text = "pkgname=foo\npkgver=1.2.3 # upstream\npkgrel='2'\nepoch=\"1\"\n";
        assert_eq!(version_from_pkgbuild(text).as_deref(), Some("1:1.2.3-2"));
        let text = "pkgver=1.0\npkgrel=1\nepoch=0\n";
        assert_eq!(version_from_pkgbuild(text).as_deref(), Some("1.0-1"));
    }

    #[test]
    fn pkgbuild_computed_version_is_unknown() {
        assert_eq!(version_from_pkgbuild("pkgver=${_v}.1\npkgrel=1\n"), None);
        assert_eq!(
            version_from_pkgbuild("pkgver=\"$(date)\"\npkgrel=1\n"),
            None
        );
        assert_eq!(version_from_pkgbuild("pkgrel=1\n"), None);
    }

    #[test]
    fn an_invalid_version_is_unknown() {
        assert_eq!(version_from_pkgbuild("pkgver=1/2\npkgrel=1\n"), None);
        assert_eq!(
            version_from_srcinfo("pkgbase = x\n\tpkgver = 1\n\tpkgrel = 1x\n"),
            None
        );
    }

    #[test]
    fn a_linked_srcinfo_or_pkgbuild_is_not_read() {
        let secret = tempfile::tempdir().unwrap();
        std::fs::write(
            secret.path().join("SRCINFO"),
            "pkgbase = x\n\tpkgver = 6\n\tpkgrel = 6\n",
        )
        .unwrap();
        std::fs::write(secret.path().join("PKGBUILD"), "pkgver=6\npkgrel=6\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(secret.path().join("SRCINFO"), dir.path().join(".SRCINFO"))
            .unwrap();
        std::os::unix::fs::symlink(secret.path().join("PKGBUILD"), dir.path().join("PKGBUILD"))
            .unwrap();
        assert_eq!(current_version(dir.path()), None);
        std::fs::remove_file(dir.path().join("PKGBUILD")).unwrap();
        std::fs::write(dir.path().join("PKGBUILD"), "pkgver=1\npkgrel=2\n").unwrap();
        assert_eq!(current_version(dir.path()).as_deref(), Some("1-2"));
    }

    #[test]
    fn pkgbuild_indented_assignments_are_ignored() {
        let text = "pkgver=1\npkgrel=1\npackage() {\n  pkgver=2\n}\n";
        assert_eq!(version_from_pkgbuild(text).as_deref(), Some("1-1"));
    }
}
