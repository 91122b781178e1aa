//! Lookups over the packages of several repositories: by pkgname, by pkgbase, by provision.
//!
//! The index owns the packages and keeps sorted vectors of `u32` positions rather than hash
//! maps of owned keys: no per-key allocation, deterministic iteration order, and lookups by
//! binary search.

use archport_vercmp::{Relation, satisfies, vercmp};

use crate::package::{Package, split_provision};

/// Packages of one or more repositories with lookups by name, pkgbase and provision.
///
/// The order of the packages given is the repository precedence: where a name or pkgbase
/// occurs in several repositories, the earlier one wins, as in pacman.
#[derive(Clone, Debug, Default)]
pub struct Index {
    packages: Vec<Package>,
    /// Positions in `packages`, sorted by name (ties in input order).
    by_name: Vec<u32>,
    /// Positions in `packages`, sorted by (pkgbase, repository precedence), input order
    /// within a group.
    by_base: Vec<u32>,
    /// `(start, end)` ranges of `by_base`, one per (pkgbase, repository) group, in order.
    base_groups: Vec<(u32, u32)>,
    /// Every provision, sorted by provided name (ties in input order).
    provisions: Vec<ProvisionRef>,
}

/// One provision: the `item`-th `%PROVIDES%` entry of package `package`.
#[derive(Clone, Copy, Debug)]
struct ProvisionRef {
    package: u32,
    item: u32,
}

impl Index {
    /// Indexes `packages`; their order is the repository precedence.
    ///
    /// # Panics
    /// With more than `u32::MAX` packages.
    pub fn new(packages: Vec<Package>) -> Index {
        let count = u32::try_from(packages.len()).expect("fewer than 2^32 packages");
        let positions: Vec<u32> = (0..count).collect();

        let mut by_name = positions.clone();
        by_name.sort_by(|&a, &b| packages[a as usize].name().cmp(packages[b as usize].name()));

        // Repository precedence: the order in which repositories first appear.
        let mut repos: Vec<&str> = Vec::new();
        let rank: Vec<usize> = packages
            .iter()
            .map(|p| {
                repos
                    .iter()
                    .position(|r| *r == p.repo())
                    .unwrap_or_else(|| {
                        repos.push(p.repo());
                        repos.len() - 1
                    })
            })
            .collect();
        let group_key = |i: u32| (packages[i as usize].base(), rank[i as usize]);
        let mut by_base = positions;
        by_base.sort_by(|&a, &b| group_key(a).cmp(&group_key(b)));
        let mut base_groups = Vec::new();
        let mut start = 0;
        for end in 1..=by_base.len() {
            if end == by_base.len() || group_key(by_base[end]) != group_key(by_base[start]) {
                base_groups.push((start as u32, end as u32));
                start = end;
            }
        }

        let mut provisions: Vec<ProvisionRef> = packages
            .iter()
            .enumerate()
            .flat_map(|(package, p)| {
                (0..p.provides().len()).map(move |item| ProvisionRef {
                    package: package as u32,
                    item: item as u32,
                })
            })
            .collect();
        provisions.sort_by(|a, b| provided_name(&packages, a).cmp(provided_name(&packages, b)));

        Index {
            packages,
            by_name,
            by_base,
            base_groups,
            provisions,
        }
    }

    /// Indexes only the packages for which `keep` is true, e.g. `|p| p.arch() != "any"`.
    pub fn with_filter(mut packages: Vec<Package>, keep: impl FnMut(&Package) -> bool) -> Index {
        packages.retain(keep);
        Index::new(packages)
    }

    /// All packages, in the order given.
    pub fn packages(&self) -> &[Package] {
        &self.packages
    }

    /// Number of packages.
    pub fn len(&self) -> usize {
        self.packages.len()
    }

    /// Whether the index holds no package.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    fn package(&self, position: u32) -> &Package {
        &self.packages[position as usize]
    }

    /// The package called `name` in the first repository that has one.
    pub fn by_name(&self, name: &str) -> Option<&Package> {
        let start = self.name_start(name);
        let package = self.package(*self.by_name.get(start)?);
        (package.name() == name).then_some(package)
    }

    /// Position in `by_name` of the first package named `name` or greater.
    fn name_start(&self, name: &str) -> usize {
        self.by_name
            .partition_point(|&i| self.package(i).name() < name)
    }

    /// Every package called `name`, in repository precedence.
    pub fn all_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Package> + 'a {
        self.by_name[self.name_start(name)..]
            .iter()
            .map(|&i| self.package(i))
            .take_while(move |p| p.name() == name)
    }

    /// The packages built from `base`, from the first repository that has that pkgbase.
    pub fn pkgbase(&self, base: &str) -> Option<PkgBase<'_>> {
        let at = self.base_groups.partition_point(|&(start, _)| {
            self.package(self.by_base[start as usize]).base() < base
        });
        let group = self.group(*self.base_groups.get(at)?);
        (group.name() == base).then_some(group)
    }

    /// Every (pkgbase, repository) group, sorted by pkgbase, then repository precedence.
    pub fn pkgbases(&self) -> impl ExactSizeIterator<Item = PkgBase<'_>> + '_ {
        self.base_groups.iter().map(|&range| self.group(range))
    }

    fn group(&self, (start, end): (u32, u32)) -> PkgBase<'_> {
        PkgBase {
            index: self,
            members: &self.by_base[start as usize..end as usize],
        }
    }

    /// The highest version (by vercmp) among the packages of [`Index::pkgbase`]`(base)`.
    ///
    /// Split packages normally share one version; while a mirror is mid-update they may not.
    pub fn pkgbase_version(&self, base: &str) -> Option<&str> {
        self.pkgbase(base).map(|group| group.version())
    }

    /// Every provision of `name`: `%PROVIDES%` entries naming it, in repository precedence.
    pub fn providers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Provider<'a>> + 'a {
        self.provisions_named(name)
            .iter()
            .map(|r| self.provider(*r))
    }

    fn provisions_named(&self, name: &str) -> &[ProvisionRef] {
        let start = self
            .provisions
            .partition_point(|r| provided_name(&self.packages, r) < name);
        let len = self.provisions[start..]
            .iter()
            .take_while(|r| provided_name(&self.packages, r) == name)
            .count();
        &self.provisions[start..start + len]
    }

    fn provider(&self, r: ProvisionRef) -> Provider<'_> {
        let package = self.package(r.package);
        let provision = package.provides().get(r.item as usize).unwrap_or_default();
        let (name, version) = split_provision(provision);
        Provider {
            package,
            name,
            version,
        }
    }

    /// The `-bin` packages standing in for `name`: a package called `{name}-bin` that
    /// provides `name` (a prebuilt upstream binary the port ships instead of building
    /// `name`), with the provided version when it has one.
    pub fn bin_providers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Provider<'a>> + 'a {
        self.providers(name).filter(move |p| {
            p.package
                .name()
                .strip_suffix("-bin")
                .is_some_and(|base| base == name)
        })
    }

    /// Packages satisfying `relation`, as libalpm decides: by their own name and version,
    /// or by a provision (versioned relations need a versioned provision). Packages matching
    /// by name come first, then providers; each package once, in repository precedence.
    pub fn providers_of<'a>(
        &'a self,
        relation: &'a Relation,
    ) -> impl Iterator<Item = &'a Package> + 'a {
        let by_itself = move |p: &Package| satisfies(relation, p.name(), Some(p.version()));
        let named = self.all_named(&relation.name).filter(move |p| by_itself(p));
        let mut last: Option<u32> = None;
        let provided = self
            .provisions_named(&relation.name)
            .iter()
            .filter(move |r| {
                // Several provisions of one package are adjacent (sorted by package).
                let repeat = last == Some(r.package);
                let provider = self.provider(**r);
                let fits = !repeat
                    && !by_itself(provider.package)
                    && satisfies(relation, provider.name, provider.version);
                if fits {
                    last = Some(r.package);
                }
                fits
            })
            .map(|r| self.package(r.package));
        named.chain(provided)
    }
}

fn provided_name<'a>(packages: &'a [Package], r: &ProvisionRef) -> &'a str {
    let provision = packages[r.package as usize]
        .provides()
        .get(r.item as usize)
        .unwrap_or_default();
    split_provision(provision).0
}

/// The packages of one pkgbase in one repository (the split packages of a PKGBUILD).
#[derive(Clone, Copy, Debug)]
pub struct PkgBase<'a> {
    index: &'a Index,
    members: &'a [u32],
}

impl<'a> PkgBase<'a> {
    fn first(&self) -> &'a Package {
        // Groups are built from runs of at least one package.
        self.index.package(self.members[0])
    }

    /// The pkgbase.
    pub fn name(&self) -> &'a str {
        self.first().base()
    }

    /// The repository these packages came from.
    pub fn repo(&self) -> &'a str {
        self.first().repo()
    }

    /// The packages, in database order.
    pub fn packages(&self) -> impl ExactSizeIterator<Item = &'a Package> + 'a {
        let index = self.index;
        self.members.iter().map(move |&i| index.package(i))
    }

    /// The highest version among the packages, by vercmp.
    pub fn version(&self) -> &'a str {
        self.packages()
            .map(Package::version)
            .max_by(|a, b| vercmp(a, b))
            .unwrap_or_default()
    }
}

/// One provision of a name: `package` lists `name[=version]` in `%PROVIDES%`.
#[derive(Clone, Copy, Debug)]
pub struct Provider<'a> {
    /// The providing package.
    pub package: &'a Package,
    /// The provided name.
    pub name: &'a str,
    /// The provided version, `None` for an unversioned provision.
    pub version: Option<&'a str>,
}
