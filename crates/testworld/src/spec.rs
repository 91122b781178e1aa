//! The description of a world: pkgbases with their versions, packages and relations, for the
//! x86_64 side, the target side and the AUR. Built with chained methods, checked by
//! [`WorldSpec::validate`] before anything is written.

use std::collections::BTreeSet;
use std::fmt;

use archport_vercmp::{PkgName, Relation, vercmp};

use crate::error::WorldError;

/// An official repository of the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Repo {
    /// `core`
    Core,
    /// `extra`
    Extra,
}

impl Repo {
    /// Every repository, in the order the mirrors list them.
    pub const ALL: [Repo; 2] = [Repo::Core, Repo::Extra];

    /// The repository name as it appears in mirror paths and the state repository.
    pub fn as_str(self) -> &'static str {
        match self {
            Repo::Core => "core",
            Repo::Extra => "extra",
        }
    }
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One of the two mirrors of the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Arch Linux x86_64: the side the port follows.
    X86,
    /// The port (aarch64 unless the spec says otherwise).
    Target,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::X86 => "x86_64",
            Side::Target => "target",
        })
    }
}

/// One package (pkgname) of a pkgbase, with its own description and relations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageSpec {
    /// The pkgname.
    pub name: String,
    /// `pkgdesc`.
    pub desc: String,
    /// `depends`.
    pub depends: Vec<String>,
    /// `optdepends` (`name: reason`).
    pub optdepends: Vec<String>,
    /// `provides`.
    pub provides: Vec<String>,
    /// `conflicts`.
    pub conflicts: Vec<String>,
    /// `replaces`.
    pub replaces: Vec<String>,
}

fn strings(values: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    values.into_iter().map(Into::into).collect()
}

impl PackageSpec {
    /// A package with a generated description and no relations.
    pub fn new(name: impl Into<String>) -> PackageSpec {
        let name = name.into();
        PackageSpec {
            desc: format!("The {name} package of the archport test world"),
            name,
            depends: Vec::new(),
            optdepends: Vec::new(),
            provides: Vec::new(),
            conflicts: Vec::new(),
            replaces: Vec::new(),
        }
    }

    /// Sets `pkgdesc`.
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.desc = desc.into();
        self
    }

    /// Sets `depends`.
    pub fn depends(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.depends = strings(values);
        self
    }

    /// Sets `optdepends` (each `name: reason` or just `name`).
    pub fn optdepends(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.optdepends = strings(values);
        self
    }

    /// Sets `provides`.
    pub fn provides(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.provides = strings(values);
        self
    }

    /// Sets `conflicts`.
    pub fn conflicts(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.conflicts = strings(values);
        self
    }

    /// Sets `replaces`.
    pub fn replaces(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.replaces = strings(values);
        self
    }
}

/// One pkgbase: a PKGBUILD with its version, repository, architectures and packages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkgbaseSpec {
    /// The pkgbase.
    pub name: String,
    /// The full version, `[epoch:]pkgver-pkgrel`.
    pub version: String,
    /// The repository it is published in.
    pub repo: Repo,
    /// The PKGBUILD's `arch` array (`["x86_64"]`, `["any"]`, ...).
    pub arch: Vec<String>,
    /// `url`.
    pub url: String,
    /// `license`.
    pub license: Vec<String>,
    /// `groups` (shared by every package of the pkgbase).
    pub groups: Vec<String>,
    /// `makedepends` (pkgbase-wide, as in real PKGBUILDs).
    pub makedepends: Vec<String>,
    /// `checkdepends` (pkgbase-wide).
    pub checkdepends: Vec<String>,
    /// The packages; the first one's values are the PKGBUILD's global values.
    pub packages: Vec<PackageSpec>,
    /// Earlier versions, oldest first: the packaging repository gets one tagged commit for
    /// each before the commit of `version`.
    pub history: Vec<String>,
}

impl PkgbaseSpec {
    /// A pkgbase in `extra` for `x86_64` with a single package of the same name.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> PkgbaseSpec {
        let name = name.into();
        PkgbaseSpec {
            version: version.into(),
            repo: Repo::Extra,
            arch: vec!["x86_64".to_owned()],
            url: format!("https://example.org/{name}"),
            license: vec!["MIT".to_owned()],
            groups: Vec::new(),
            makedepends: Vec::new(),
            checkdepends: Vec::new(),
            packages: vec![PackageSpec::new(name.clone())],
            history: Vec::new(),
            name,
        }
    }

    /// Sets the version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Sets the repository.
    pub fn repo(mut self, repo: Repo) -> Self {
        self.repo = repo;
        self
    }

    /// Sets the `arch` array.
    pub fn arch(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.arch = strings(values);
        self
    }

    /// Makes the pkgbase architecture-independent (`arch=(any)`).
    pub fn any(self) -> Self {
        self.arch(["any"])
    }

    /// Sets `url`.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Sets `license`.
    pub fn license(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.license = strings(values);
        self
    }

    /// Sets `groups`.
    pub fn groups(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.groups = strings(values);
        self
    }

    /// Sets `makedepends`.
    pub fn makedepends(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.makedepends = strings(values);
        self
    }

    /// Sets `checkdepends`.
    pub fn checkdepends(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.checkdepends = strings(values);
        self
    }

    /// Sets the earlier versions (oldest first) that the packaging repository also tags.
    pub fn history(mut self, versions: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.history = strings(versions);
        self
    }

    fn main_package(&mut self) -> &mut PackageSpec {
        if self.packages.is_empty() {
            self.packages.push(PackageSpec::new(self.name.clone()));
        }
        &mut self.packages[0]
    }

    /// Sets `pkgdesc` of the first package.
    pub fn desc(mut self, desc: impl Into<String>) -> Self {
        self.main_package().desc = desc.into();
        self
    }

    /// Sets `depends` of the first package.
    pub fn depends(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.main_package().depends = strings(values);
        self
    }

    /// Sets `optdepends` of the first package.
    pub fn optdepends(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.main_package().optdepends = strings(values);
        self
    }

    /// Sets `provides` of the first package.
    pub fn provides(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.main_package().provides = strings(values);
        self
    }

    /// Sets `conflicts` of the first package.
    pub fn conflicts(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.main_package().conflicts = strings(values);
        self
    }

    /// Sets `replaces` of the first package.
    pub fn replaces(mut self, values: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.main_package().replaces = strings(values);
        self
    }

    /// Adds a (split) package, replacing an existing package of the same name.
    pub fn package(mut self, package: PackageSpec) -> Self {
        match self.packages.iter_mut().find(|p| p.name == package.name) {
            Some(existing) => *existing = package,
            None => self.packages.push(package),
        }
        self
    }

    /// Replaces the whole package list (for a pkgbase none of whose packages bears its name).
    pub fn packages(mut self, packages: impl IntoIterator<Item = PackageSpec>) -> Self {
        self.packages = packages.into_iter().collect();
        self
    }

    /// Whether the pkgbase is `arch=(any)`: its packages carry `ARCH=any` and its state
    /// file lives in a `<repo>-any` directory.
    pub fn is_any(&self) -> bool {
        self.arch.len() == 1 && self.arch[0] == "any"
    }

    /// Whether the PKGBUILD needs `pkgbase=` and `package_<name>()` functions.
    pub fn is_split(&self) -> bool {
        self.packages.len() != 1 || self.packages[0].name != self.name
    }

    /// The pkgnames, in PKGBUILD order.
    pub fn pkgnames(&self) -> impl Iterator<Item = &str> {
        self.packages.iter().map(|p| p.name.as_str())
    }

    /// Checks names, version, architectures and relations; see [`WorldSpec::validate`].
    pub fn validate(&self) -> Result<(), WorldError> {
        let subject = format!("pkgbase {}", self.name);
        let bad = |problem: String| WorldError::spec(subject.clone(), problem);
        PkgName::new(&self.name).map_err(|e| bad(e.to_string()))?;
        VersionParts::parse(&self.version)
            .map_err(|p| bad(format!("version {:?}: {p}", self.version)))?;
        let mut previous: Option<&str> = None;
        for version in self.history.iter().chain([&self.version]) {
            VersionParts::parse(version).map_err(|p| bad(format!("version {version:?}: {p}")))?;
            if let Some(prev) = previous
                && vercmp(prev, version).is_ge()
            {
                return Err(bad(format!(
                    "history version {prev:?} is not older than {version:?}"
                )));
            }
            previous = Some(version);
        }
        if self.arch.is_empty() {
            return Err(bad("empty arch array".to_owned()));
        }
        for arch in &self.arch {
            if arch.is_empty() || !arch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(bad(format!("invalid arch {arch:?}")));
            }
        }
        if self.arch.len() > 1 && self.arch.iter().any(|a| a == "any") {
            return Err(bad(
                "arch 'any' cannot be combined with other architectures".to_owned(),
            ));
        }
        check_text(&subject, "url", std::slice::from_ref(&self.url))?;
        check_text(&subject, "license", &self.license)?;
        check_names(&subject, "groups", &self.groups)?;
        check_relations(&subject, "makedepends", &self.makedepends)?;
        check_relations(&subject, "checkdepends", &self.checkdepends)?;
        if self.packages.is_empty() {
            return Err(bad("no packages".to_owned()));
        }
        let mut seen = BTreeSet::new();
        for package in &self.packages {
            let subject = format!("package {} of pkgbase {}", package.name, self.name);
            PkgName::new(&package.name)
                .map_err(|e| WorldError::spec(subject.clone(), e.to_string()))?;
            if !seen.insert(package.name.as_str()) {
                return Err(WorldError::spec(subject, "listed twice"));
            }
            check_text(&subject, "pkgdesc", std::slice::from_ref(&package.desc))?;
            check_relations(&subject, "depends", &package.depends)?;
            check_relations(&subject, "provides", &package.provides)?;
            check_relations(&subject, "conflicts", &package.conflicts)?;
            check_relations(&subject, "replaces", &package.replaces)?;
            check_text(&subject, "optdepends", &package.optdepends)?;
            for opt in &package.optdepends {
                let name = opt.split_once(':').map_or(opt.as_str(), |(name, _)| name);
                name.parse::<Relation>()
                    .map_err(|e| WorldError::spec(subject.clone(), format!("optdepends: {e}")))?;
            }
        }
        Ok(())
    }
}

/// Rejects values that makepkg or repo-add would rewrite (their whitespace normalisation)
/// or that cannot sit on one line of a desc or .SRCINFO file.
fn check_text(subject: &str, field: &str, values: &[String]) -> Result<(), WorldError> {
    for value in values {
        let problem = if value.is_empty() {
            "is empty"
        } else if value.chars().any(char::is_control) {
            "contains a control character"
        } else if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
            "has leading or trailing whitespace"
        } else if value.contains("  ") || value.chars().any(|c| c.is_whitespace() && c != ' ') {
            "has whitespace other than single spaces"
        } else {
            continue;
        };
        return Err(WorldError::spec(
            subject,
            format!("{field} value {value:?} {problem}"),
        ));
    }
    Ok(())
}

fn check_names(subject: &str, field: &str, values: &[String]) -> Result<(), WorldError> {
    for value in values {
        PkgName::new(value).map_err(|e| WorldError::spec(subject, format!("{field}: {e}")))?;
    }
    Ok(())
}

fn check_relations(subject: &str, field: &str, values: &[String]) -> Result<(), WorldError> {
    check_text(subject, field, values)?;
    for value in values {
        let relation: Relation = value
            .parse()
            .map_err(|e| WorldError::spec(subject, format!("{field}: {e}")))?;
        PkgName::new(&relation.name)
            .map_err(|e| WorldError::spec(subject, format!("{field}: {e}")))?;
    }
    Ok(())
}

/// A version split into the PKGBUILD's `epoch`, `pkgver` and `pkgrel`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionParts {
    /// `epoch`, absent when the version has none.
    pub epoch: Option<String>,
    /// `pkgver`.
    pub pkgver: String,
    /// `pkgrel`.
    pub pkgrel: String,
}

impl VersionParts {
    /// Splits `[epoch:]pkgver-pkgrel`, applying makepkg's rules to each part (integer
    /// epoch; pkgver without `:`, `/`, `-`, whitespace or non-ASCII; `integer[.integer]`
    /// pkgrel). The error says which rule failed.
    pub fn parse(version: &str) -> Result<VersionParts, String> {
        let (epoch, rest) = match version.split_once(':') {
            Some((epoch, rest)) => (Some(epoch), rest),
            None => (None, version),
        };
        if let Some(epoch) = epoch
            && (epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(format!("epoch {epoch:?} is not an integer"));
        }
        let (pkgver, pkgrel) = rest.rsplit_once('-').ok_or("no '-pkgrel' suffix")?;
        if pkgver.is_empty() {
            return Err("empty pkgver".to_owned());
        }
        if pkgver
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ':' | '/' | '-') || !c.is_ascii())
        {
            return Err(format!(
                "pkgver {pkgver:?} contains a character makepkg refuses"
            ));
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let rel_ok = match pkgrel.split_once('.') {
            Some((major, minor)) => digits(major) && digits(minor),
            None => digits(pkgrel),
        };
        if !rel_ok {
            return Err(format!(
                "pkgrel {pkgrel:?} is not of the form integer[.integer]"
            ));
        }
        Ok(VersionParts {
            epoch: epoch.map(str::to_owned),
            pkgver: pkgver.to_owned(),
            pkgrel: pkgrel.to_owned(),
        })
    }
}

/// A whole world: what the x86_64 mirror, the target mirror and the AUR hold.
///
/// [`WorldSpec::pkgbase`] puts a pkgbase on both sides with the same version; the other
/// methods make the sides differ. Methods that name an existing pkgbase record a problem
/// instead of panicking when it is absent; [`WorldSpec::validate`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorldSpec {
    /// The target's `CARCH` (its mirror path and the `ARCH` of its packages).
    pub target_arch: String,
    /// The x86_64 side: the sync databases, the state repository and the packaging repos.
    pub x86: Vec<PkgbaseSpec>,
    /// The target side: its sync databases only.
    pub target: Vec<PkgbaseSpec>,
    /// AUR pkgbases: one git repository each, in no sync database.
    pub aur: Vec<PkgbaseSpec>,
    problems: Vec<(String, String)>,
}

impl Default for WorldSpec {
    fn default() -> Self {
        WorldSpec::new()
    }
}

fn upsert(list: &mut Vec<PkgbaseSpec>, pkgbase: PkgbaseSpec) {
    match list.iter_mut().find(|p| p.name == pkgbase.name) {
        Some(existing) => *existing = pkgbase,
        None => list.push(pkgbase),
    }
}

impl WorldSpec {
    /// An empty world whose target is `aarch64`.
    pub fn new() -> WorldSpec {
        WorldSpec {
            target_arch: "aarch64".to_owned(),
            x86: Vec::new(),
            target: Vec::new(),
            aur: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Sets the target architecture.
    pub fn target_arch(mut self, arch: impl Into<String>) -> Self {
        self.target_arch = arch.into();
        self
    }

    /// Puts `pkgbase` on both sides, identical (replacing same-named pkgbases).
    pub fn pkgbase(mut self, pkgbase: PkgbaseSpec) -> Self {
        upsert(&mut self.target, pkgbase.clone());
        upsert(&mut self.x86, pkgbase);
        self
    }

    /// Puts `pkgbase` on the x86_64 side only (replacing a same-named one there): on its
    /// own it is a pkgbase the target lacks; after [`WorldSpec::pkgbase`] it makes the
    /// x86_64 side differ.
    pub fn x86_side(mut self, pkgbase: PkgbaseSpec) -> Self {
        upsert(&mut self.x86, pkgbase);
        self
    }

    /// Puts `pkgbase` on the target side only (replacing a same-named one there): a
    /// target-only pkgbase, or a different target build of an x86_64 pkgbase.
    pub fn target_side(mut self, pkgbase: PkgbaseSpec) -> Self {
        upsert(&mut self.target, pkgbase);
        self
    }

    /// Gives the target side's `name` another version (older or newer than x86_64's).
    pub fn target_version(mut self, name: &str, version: impl Into<String>) -> Self {
        match self.target.iter_mut().find(|p| p.name == name) {
            Some(p) => p.version = version.into(),
            None => self.problems.push((
                name.to_owned(),
                "target_version: not on the target side".to_owned(),
            )),
        }
        self
    }

    /// Removes `name` from the target side.
    pub fn target_missing(mut self, name: &str) -> Self {
        let before = self.target.len();
        self.target.retain(|p| p.name != name);
        if self.target.len() == before {
            self.problems.push((
                name.to_owned(),
                "target_missing: not on the target side".to_owned(),
            ));
        }
        self
    }

    /// Adds an AUR pkgbase (replacing a same-named one).
    pub fn aur(mut self, pkgbase: PkgbaseSpec) -> Self {
        upsert(&mut self.aur, pkgbase);
        self
    }

    /// The pkgbases of one side.
    pub fn side(&self, side: Side) -> &[PkgbaseSpec] {
        match side {
            Side::X86 => &self.x86,
            Side::Target => &self.target,
        }
    }

    /// The `CARCH` of a side.
    pub fn arch_of(&self, side: Side) -> &str {
        match side {
            Side::X86 => "x86_64",
            Side::Target => &self.target_arch,
        }
    }

    /// Checks every pkgbase, that no side lists a pkgbase twice or gives one pkgname to two
    /// pkgbases, and that the methods naming existing pkgbases found them.
    pub fn validate(&self) -> Result<(), WorldError> {
        if let Some((subject, problem)) = self.problems.first() {
            return Err(WorldError::spec(subject.clone(), problem.clone()));
        }
        if self.target_arch.is_empty()
            || self.target_arch == "any"
            || !self
                .target_arch
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(WorldError::spec(
                "target_arch",
                format!("invalid arch {:?}", self.target_arch),
            ));
        }
        for (label, list) in [
            ("x86_64", &self.x86),
            ("target", &self.target),
            ("aur", &self.aur),
        ] {
            let mut bases = BTreeSet::new();
            let mut names = BTreeSet::new();
            for pkgbase in list {
                pkgbase.validate()?;
                if !bases.insert(pkgbase.name.as_str()) {
                    return Err(WorldError::spec(
                        format!("pkgbase {}", pkgbase.name),
                        format!("listed twice on the {label} side"),
                    ));
                }
                for name in pkgbase.pkgnames() {
                    if !names.insert(name) {
                        return Err(WorldError::spec(
                            format!("package {name}"),
                            format!("belongs to two pkgbases on the {label} side"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn version_parts_follow_makepkg_rules() {
        let parts = VersionParts::parse("1:2.0~rc1-1.1").unwrap();
        assert_eq!(parts.epoch.as_deref(), Some("1"));
        assert_eq!(parts.pkgver, "2.0~rc1");
        assert_eq!(parts.pkgrel, "1.1");
        let parts = VersionParts::parse("2024.10-3").unwrap();
        assert_eq!(parts.epoch, None);
        assert_eq!(parts.pkgver, "2024.10");
        for bad in [
            "1.0",
            "x:1.0-1",
            "1.0-1a",
            "1.0-1.2.3",
            "-1",
            "1 0-1",
            ":1.0-1",
            "1.0-",
        ] {
            assert!(VersionParts::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn builder_methods_shape_both_sides() {
        let spec = WorldSpec::new()
            .pkgbase(PkgbaseSpec::new("a", "1.0-1"))
            .pkgbase(PkgbaseSpec::new("b", "1.0-1"))
            .target_version("a", "0.9-1")
            .target_missing("b")
            .target_side(PkgbaseSpec::new("t", "1-1"));
        spec.validate().unwrap();
        assert_eq!(
            spec.x86.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            spec.target
                .iter()
                .map(|p| (p.name.as_str(), p.version.as_str()))
                .collect::<Vec<_>>(),
            [("a", "0.9-1"), ("t", "1-1")]
        );
    }

    #[test]
    fn validation_rejects_what_the_tools_would_change_or_refuse() {
        let cases = [
            WorldSpec::new().target_version("nothing", "1-1"),
            WorldSpec::new().pkgbase(PkgbaseSpec::new("-bad", "1-1")),
            WorldSpec::new().pkgbase(PkgbaseSpec::new("a", "1.0")),
            WorldSpec::new().pkgbase(PkgbaseSpec::new("a", "1-1").depends(["b>>1"])),
            WorldSpec::new().pkgbase(PkgbaseSpec::new("a", "1-1").desc("two  spaces")),
            WorldSpec::new().pkgbase(PkgbaseSpec::new("a", "1-1").arch(["any", "x86_64"])),
            WorldSpec::new().pkgbase(PkgbaseSpec::new("a", "2-1").history(["3-1"])),
            WorldSpec::new()
                .pkgbase(PkgbaseSpec::new("a", "1-1"))
                .pkgbase(PkgbaseSpec::new("b", "1-1").package(PackageSpec::new("a"))),
        ];
        for spec in cases {
            assert!(
                matches!(spec.validate(), Err(WorldError::Spec { .. })),
                "{spec:?} accepted"
            );
        }
    }

    #[test]
    fn package_replaces_same_name_and_split_detection() {
        let single = PkgbaseSpec::new("foo", "1-1");
        assert!(!single.is_split());
        let split = single
            .clone()
            .package(PackageSpec::new("foo").desc("main"))
            .package(PackageSpec::new("libfoo"));
        assert!(split.is_split());
        assert_eq!(split.pkgnames().collect::<Vec<_>>(), ["foo", "libfoo"]);
        assert_eq!(split.packages[0].desc, "main");
        assert!(
            PkgbaseSpec::new("py", "1-1")
                .packages([PackageSpec::new("python-py")])
                .is_split()
        );
    }
}
