//! The package model: what one sync-database entry says about a package, stored compactly.
//!
//! A full x86_64 database holds about 14,000 packages with some 15 strings each. Instead of a
//! `String` per field and a `Vec<String>` per list, a [`Package`] keeps all of its text in one
//! buffer with `u32` end offsets: two allocations per package however many relations it has.

use std::fmt;
use std::sync::Arc;

/// Number of single-valued fields kept: NAME, BASE, VERSION, ARCH, FILENAME.
pub(crate) const SCALAR_COUNT: usize = 5;
/// Number of list-valued fields kept; see [`ListField`].
pub(crate) const LIST_COUNT: usize = 7;

/// Positions of the single-valued fields in storage order.
pub(crate) const NAME: usize = 0;
pub(crate) const BASE: usize = 1;
pub(crate) const VERSION: usize = 2;
pub(crate) const ARCH: usize = 3;
pub(crate) const FILENAME: usize = 4;

/// The list-valued fields of a package, as named in a sync database's `desc` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListField {
    /// `%DEPENDS%`: run-time dependencies (relations).
    Depends,
    /// `%MAKEDEPENDS%`: build-time dependencies (relations).
    MakeDepends,
    /// `%CHECKDEPENDS%`: dependencies of the test suite (relations).
    CheckDepends,
    /// `%OPTDEPENDS%`: optional dependencies, `relation: description`.
    OptDepends,
    /// `%PROVIDES%`: virtual names provided, `name` or `name=version`.
    Provides,
    /// `%CONFLICTS%`: relations this package cannot be installed with.
    Conflicts,
    /// `%REPLACES%`: relations this package replaces.
    Replaces,
}

impl ListField {
    /// Every list field, in storage order.
    pub const ALL: [ListField; LIST_COUNT] = [
        ListField::Depends,
        ListField::MakeDepends,
        ListField::CheckDepends,
        ListField::OptDepends,
        ListField::Provides,
        ListField::Conflicts,
        ListField::Replaces,
    ];

    /// The `desc` key of this field without its percent signs, e.g. `DEPENDS`.
    pub fn key(self) -> &'static str {
        match self {
            ListField::Depends => "DEPENDS",
            ListField::MakeDepends => "MAKEDEPENDS",
            ListField::CheckDepends => "CHECKDEPENDS",
            ListField::OptDepends => "OPTDEPENDS",
            ListField::Provides => "PROVIDES",
            ListField::Conflicts => "CONFLICTS",
            ListField::Replaces => "REPLACES",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// One package of a sync database, with the repository it came from.
///
/// Strings are kept exactly as the database wrote them: relations such as `glibc>=2.40` or
/// `libfoo.so=5-64`, optional dependencies with their `name: description` text. Use
/// [`optdepend_relation`] and [`split_provision`] to take those apart.
#[derive(Clone, PartialEq, Eq)]
pub struct Package {
    repo: Arc<str>,
    /// All strings of the package back to back: the scalar fields, then each list's items.
    text: Box<str>,
    /// End offset in `text` of every string; string `i` starts where string `i - 1` ends.
    ends: Box<[u32]>,
    /// Index in `ends` of each list's first item; list `i` runs to `list_starts[i + 1]`.
    list_starts: [u32; LIST_COUNT + 1],
}

/// A package whose text does not fit the compact representation (4 GiB).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("package {name:?} holds more than 4 GiB of text")]
pub struct PackageTooLarge {
    /// The package's name.
    pub name: String,
}

impl Package {
    /// Builds a package from owned field values; the inverse of [`Package::to_fields`].
    ///
    /// Exists so that other crates and tests can make packages without writing a database.
    /// Unlike the database reader it does not validate names: callers hold trusted values.
    pub fn new(repo: &str, fields: &PackageFields) -> Result<Package, PackageTooLarge> {
        let base = fields
            .base
            .as_deref()
            .filter(|base| !base.is_empty())
            .unwrap_or(&fields.name);
        let scalars = [
            fields.name.as_bytes(),
            base.as_bytes(),
            fields.version.as_bytes(),
            fields.arch.as_bytes(),
            fields.filename.as_bytes(),
        ];
        fn as_bytes(list: &[String]) -> Vec<&[u8]> {
            list.iter().map(String::as_bytes).collect()
        }
        let lists = [
            as_bytes(&fields.depends),
            as_bytes(&fields.makedepends),
            as_bytes(&fields.checkdepends),
            as_bytes(&fields.optdepends),
            as_bytes(&fields.provides),
            as_bytes(&fields.conflicts),
            as_bytes(&fields.replaces),
        ];
        Package::from_parts(Arc::from(repo), scalars, &lists).ok_or_else(|| PackageTooLarge {
            name: fields.name.clone(),
        })
    }

    /// Builds a package from raw byte strings; invalid UTF-8 is replaced, not fatal.
    ///
    /// Returns `None` when the text exceeds what `u32` offsets can address.
    pub(crate) fn from_parts(
        repo: Arc<str>,
        scalars: [&[u8]; SCALAR_COUNT],
        lists: &[Vec<&[u8]>; LIST_COUNT],
    ) -> Option<Package> {
        let total: usize = scalars.iter().map(|s| s.len()).sum::<usize>()
            + lists.iter().flatten().map(|s| s.len()).sum::<usize>();
        u32::try_from(total).ok()?;
        let count = SCALAR_COUNT + lists.iter().map(Vec::len).sum::<usize>();
        let mut text = String::with_capacity(total);
        let mut ends = Vec::with_capacity(count);
        fn push(bytes: &[u8], text: &mut String) -> Option<u32> {
            text.push_str(&String::from_utf8_lossy(bytes));
            // Lossy replacement can grow the text past the checked total.
            u32::try_from(text.len()).ok()
        }
        for s in scalars {
            ends.push(push(s, &mut text)?);
        }
        let mut list_starts = [0u32; LIST_COUNT + 1];
        for (slot, list) in lists.iter().enumerate() {
            list_starts[slot] = u32::try_from(ends.len()).ok()?;
            for s in list {
                ends.push(push(s, &mut text)?);
            }
        }
        list_starts[LIST_COUNT] = u32::try_from(ends.len()).ok()?;
        Some(Package {
            repo,
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
            list_starts,
        })
    }

    /// The `i`-th stored string.
    fn string(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The repository this package was read from (`core`, `extra`, ...).
    pub fn repo(&self) -> &str {
        &self.repo
    }

    /// `%NAME%`: the pkgname.
    pub fn name(&self) -> &str {
        self.string(NAME)
    }

    /// `%BASE%`: the pkgbase; equal to [`Package::name`] when the database has no `%BASE%`.
    pub fn base(&self) -> &str {
        self.string(BASE)
    }

    /// `%VERSION%`: `[epoch:]pkgver-pkgrel`.
    pub fn version(&self) -> &str {
        self.string(VERSION)
    }

    /// `%ARCH%` (`x86_64`, `any`, ...); empty when the database does not say.
    pub fn arch(&self) -> &str {
        self.string(ARCH)
    }

    /// `%FILENAME%`: the package file's name on the mirror; empty when absent.
    pub fn filename(&self) -> &str {
        self.string(FILENAME)
    }

    /// The items of one list field.
    pub fn list(&self, field: ListField) -> StrList<'_> {
        let slot = field.slot();
        let first = self.list_starts[slot] as usize;
        let last = self.list_starts[slot + 1] as usize;
        StrList {
            text: &self.text,
            start: self.ends[first - 1] as usize,
            ends: &self.ends[first..last],
        }
    }

    /// `%DEPENDS%`: run-time dependency relations.
    pub fn depends(&self) -> StrList<'_> {
        self.list(ListField::Depends)
    }

    /// `%MAKEDEPENDS%`: build-time dependency relations.
    pub fn makedepends(&self) -> StrList<'_> {
        self.list(ListField::MakeDepends)
    }

    /// `%CHECKDEPENDS%`: test-suite dependency relations.
    pub fn checkdepends(&self) -> StrList<'_> {
        self.list(ListField::CheckDepends)
    }

    /// `%OPTDEPENDS%`: `relation: description` texts; see [`optdepend_relation`].
    pub fn optdepends(&self) -> StrList<'_> {
        self.list(ListField::OptDepends)
    }

    /// `%PROVIDES%`: provisions, `name` or `name=version`; see [`split_provision`].
    pub fn provides(&self) -> StrList<'_> {
        self.list(ListField::Provides)
    }

    /// `%CONFLICTS%`: conflicting relations.
    pub fn conflicts(&self) -> StrList<'_> {
        self.list(ListField::Conflicts)
    }

    /// `%REPLACES%`: replaced relations.
    pub fn replaces(&self) -> StrList<'_> {
        self.list(ListField::Replaces)
    }

    /// The relation part of every optional dependency (`foo>=1: for bar` gives `foo>=1`).
    pub fn optdepend_relations(&self) -> impl Iterator<Item = &str> + '_ {
        self.optdepends().map(optdepend_relation)
    }

    /// Copies the package out into owned fields (for serialising or editing).
    pub fn to_fields(&self) -> PackageFields {
        let owned = |list: StrList<'_>| list.map(str::to_owned).collect();
        PackageFields {
            name: self.name().to_owned(),
            base: Some(self.base().to_owned()),
            version: self.version().to_owned(),
            arch: self.arch().to_owned(),
            filename: self.filename().to_owned(),
            depends: owned(self.depends()),
            makedepends: owned(self.makedepends()),
            checkdepends: owned(self.checkdepends()),
            optdepends: owned(self.optdepends()),
            provides: owned(self.provides()),
            conflicts: owned(self.conflicts()),
            replaces: owned(self.replaces()),
        }
    }
}

impl fmt::Debug for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Package")
            .field("repo", &self.repo())
            .field("name", &self.name())
            .field("base", &self.base())
            .field("version", &self.version())
            .field("arch", &self.arch())
            .field("filename", &self.filename())
            .field("depends", &self.depends())
            .field("makedepends", &self.makedepends())
            .field("checkdepends", &self.checkdepends())
            .field("optdepends", &self.optdepends())
            .field("provides", &self.provides())
            .field("conflicts", &self.conflicts())
            .field("replaces", &self.replaces())
            .finish()
    }
}

/// Owned, editable package fields: the input of [`Package::new`], the output of
/// [`Package::to_fields`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageFields {
    /// pkgname.
    pub name: String,
    /// pkgbase; `None` means the same as `name`.
    pub base: Option<String>,
    /// `[epoch:]pkgver-pkgrel`.
    pub version: String,
    /// Architecture (`x86_64`, `any`, ...).
    pub arch: String,
    /// Package file name on the mirror.
    pub filename: String,
    /// Run-time dependency relations.
    pub depends: Vec<String>,
    /// Build-time dependency relations.
    pub makedepends: Vec<String>,
    /// Test-suite dependency relations.
    pub checkdepends: Vec<String>,
    /// Optional dependencies, `relation: description`.
    pub optdepends: Vec<String>,
    /// Provisions, `name` or `name=version`.
    pub provides: Vec<String>,
    /// Conflicting relations.
    pub conflicts: Vec<String>,
    /// Replaced relations.
    pub replaces: Vec<String>,
}

/// The items of one list field of a [`Package`], borrowed.
#[derive(Clone)]
pub struct StrList<'a> {
    text: &'a str,
    /// Offset in `text` where the next item starts.
    start: usize,
    /// End offsets of the remaining items.
    ends: &'a [u32],
}

impl<'a> StrList<'a> {
    /// The `i`-th remaining item.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 {
            self.start
        } else {
            self.ends[i - 1] as usize
        };
        Some(&self.text[start..end])
    }
}

impl<'a> Iterator for StrList<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let (&end, rest) = self.ends.split_first()?;
        let item = &self.text[self.start..end as usize];
        self.start = end as usize;
        self.ends = rest;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ends.len(), Some(self.ends.len()))
    }
}

impl ExactSizeIterator for StrList<'_> {}

impl fmt::Debug for StrList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// The relation part of an optional dependency: `foo>=1: for bar` gives `foo>=1`.
///
/// libalpm splits at the first `": "`, so a version with an epoch (`foo>=1:2`) stays whole.
pub fn optdepend_relation(optdepend: &str) -> &str {
    match optdepend.find(": ") {
        Some(at) => &optdepend[..at],
        None => optdepend.strip_suffix(':').unwrap_or(optdepend),
    }
}

/// Splits a provision into the provided name and its version: `libfoo.so=5-64` gives
/// `("libfoo.so", Some("5-64"))`, `sh` gives `("sh", None)`, `nginx=` gives `("nginx", Some(""))`.
///
/// The text is read by the one relation parser ([`archport_vercmp::split_relation`]); like
/// libalpm, any comparison operator separates name and version, since only `=` is
/// meaningful in a provision. A provision that does not parse provides nothing (the policy
/// on `Relation`): it gives the empty name, which no relation asks for.
pub fn split_provision(provision: &str) -> (&str, Option<&str>) {
    match archport_vercmp::split_relation(provision) {
        Ok((name, constraint)) => (name, constraint.map(|(_, version)| version)),
        Err(_) => ("", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PackageFields {
        PackageFields {
            name: "python-foo".into(),
            base: Some("foo".into()),
            version: "1:2.0-3".into(),
            arch: "x86_64".into(),
            filename: "python-foo-1:2.0-3-x86_64.pkg.tar.zst".into(),
            depends: vec!["glibc>=2.40".into(), "python".into()],
            makedepends: vec![],
            checkdepends: vec!["python-pytest".into()],
            optdepends: vec!["bar: for baz".into(), "qux>=1:2: epoch".into()],
            provides: vec!["libfoo.so=5-64".into(), "foo-cli".into()],
            conflicts: vec!["foo-git".into()],
            replaces: vec![],
        }
    }

    #[test]
    fn fields_round_trip_through_the_compact_form() {
        let fields = sample();
        let package = Package::new("extra", &fields).unwrap();
        assert_eq!(package.repo(), "extra");
        assert_eq!(package.name(), "python-foo");
        assert_eq!(package.base(), "foo");
        assert_eq!(package.version(), "1:2.0-3");
        assert_eq!(
            package.depends().collect::<Vec<_>>(),
            ["glibc>=2.40", "python"]
        );
        assert_eq!(package.makedepends().len(), 0);
        assert_eq!(package.checkdepends().get(0), Some("python-pytest"));
        assert_eq!(package.provides().get(1), Some("foo-cli"));
        assert_eq!(package.provides().get(2), None);
        assert_eq!(package.to_fields(), fields);
    }

    #[test]
    fn absent_base_means_the_name() {
        let fields = PackageFields {
            name: "zlib".into(),
            version: "1.3.1-2".into(),
            ..PackageFields::default()
        };
        let package = Package::new("core", &fields).unwrap();
        assert_eq!(package.base(), "zlib");
        assert_eq!(package.arch(), "");
        assert!(package.depends().next().is_none());
    }

    #[test]
    fn optdepend_relation_keeps_epochs() {
        let package = Package::new("extra", &sample()).unwrap();
        assert_eq!(
            package.optdepend_relations().collect::<Vec<_>>(),
            ["bar", "qux>=1:2"]
        );
        assert_eq!(optdepend_relation("plain"), "plain");
        assert_eq!(optdepend_relation("trailing:"), "trailing");
    }

    #[test]
    fn provisions_split_at_the_operator() {
        assert_eq!(
            split_provision("libfoo.so=5-64"),
            ("libfoo.so", Some("5-64"))
        );
        assert_eq!(split_provision("sh"), ("sh", None));
        assert_eq!(split_provision("nginx="), ("nginx", Some("")));
        assert_eq!(split_provision("odd>=1"), ("odd", Some("1")));
        // Under the Relation policy a provision that does not parse provides nothing.
        assert_eq!(split_provision("a=>1"), ("", None));
        assert_eq!(split_provision(">=1"), ("", None));
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let lists: [Vec<&[u8]>; LIST_COUNT] = Default::default();
        let package = Package::from_parts(
            Arc::from("core"),
            [b"a", b"a", b"1-1", b"any", b"caf\xe9"],
            &lists,
        )
        .unwrap();
        assert_eq!(package.filename(), "caf\u{fffd}");
    }
}
