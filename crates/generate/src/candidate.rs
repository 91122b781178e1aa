//! A pkgbase on its way into the build list.

use archport_buildlist::{Entry, SkipReason};
use archport_vercmp::Relation;

/// Why a pkgbase is in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// x86_64 has a newer version than the target.
    Outdated,
    /// Named with `--packages`.
    Named,
    /// Its repository is rebuilt (`--rebuild-repo`).
    Rebuild,
    /// A dependency the target cannot satisfy: `makedepends of vim`.
    Dependency(String),
}

/// One pkgbase to build, with everything known about it so far.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The build-list entry under construction (stage and cycle fields filled last).
    pub entry: Entry,
    /// Why it is listed.
    pub origin: Origin,
    /// The commit the state repository records for the version, to check the checkout.
    pub state_commit: Option<String>,
    /// Whether its metadata comes from its `.SRCINFO` (true) or still from the x86_64 db.
    pub has_srcinfo: bool,
    /// `--no-check`: its checkdepends take no part in ordering or the missing-dependency
    /// search (they stay in the entry, which tells build-packages to skip `check()`).
    pub no_check: bool,
}

impl Candidate {
    /// The pkgbase.
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// Whether the entry is skipped.
    pub fn skipped(&self) -> bool {
        self.entry.skipped()
    }

    /// Marks the entry skipped, keeping the first reason given.
    pub fn skip(&mut self, reason: String) {
        if self.entry.skip.is_none() {
            self.entry.skip = Some(SkipReason::new(reason));
        }
    }

    /// Every build relation with its kind: depends, makedepends, checkdepends (none with
    /// `--no-check`, since `check()` will not run).
    pub fn relations(&self) -> impl Iterator<Item = (RelationKind, &Relation)> {
        let e = &self.entry;
        let checkdepends: &[Relation] = if self.no_check { &[] } else { &e.checkdepends };
        e.depends
            .iter()
            .map(|r| (RelationKind::Depends, r))
            .chain(e.makedepends.iter().map(|r| (RelationKind::Makedepends, r)))
            .chain(checkdepends.iter().map(|r| (RelationKind::Checkdepends, r)))
    }
}

/// Which list a relation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// `depends`
    Depends,
    /// `makedepends`
    Makedepends,
    /// `checkdepends`
    Checkdepends,
}

impl RelationKind {
    /// The `.SRCINFO` key.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Depends => "depends",
            RelationKind::Makedepends => "makedepends",
            RelationKind::Checkdepends => "checkdepends",
        }
    }

    /// The graph edge kind.
    pub fn edge_kind(self) -> archport_plan::graph::EdgeKind {
        use archport_plan::graph::EdgeKind;
        match self {
            RelationKind::Depends => EdgeKind::Depends,
            RelationKind::Makedepends => EdgeKind::Makedepends,
            RelationKind::Checkdepends => EdgeKind::Checkdepends,
        }
    }
}
