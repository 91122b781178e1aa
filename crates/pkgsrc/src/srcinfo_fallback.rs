//! A line reader for the `.SRCINFO` files that `alpm-srcinfo` 0.7.0 rejects although makepkg
//! wrote them (see `tests/real_srcinfo.rs` for the list from the 2024 repository).
//!
//! It reads only what [`SrcInfo`] needs and applies `alpm-srcinfo`'s merge rules: a package
//! section's `depends`/`provides` replace the pkgbase's (an empty value clears them), its
//! `depends_<arch>`/`provides_<arch>` replace the pkgbase's for that architecture, and the
//! architecture-specific values are appended after the general ones. `makedepends` and
//! `checkdepends` belong to the pkgbase only. The real-data test checks that this reader and
//! `alpm-srcinfo` agree on every file both accept.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use alpm_types::{Architectures, SystemArchitecture};

use crate::srcinfo_types::{SrcInfo, SrcInfoError, choose_arch, push_unique};

/// A package section's value for a list: inherited, cleared (`depends = `), or replaced.
#[derive(Clone, Default)]
enum Override {
    #[default]
    Inherit,
    Clear,
    Replace(Vec<String>),
}

impl Override {
    fn push(&mut self, value: String) {
        match self {
            Override::Replace(list) => list.push(value),
            _ => *self = Override::Replace(vec![value]),
        }
    }

    fn resolve(&self, inherited: &[String]) -> Vec<String> {
        match self {
            Override::Inherit => inherited.to_vec(),
            Override::Clear => Vec::new(),
            Override::Replace(list) => list.clone(),
        }
    }
}

#[derive(Default)]
struct BaseLists {
    depends: Vec<String>,
    makedepends: Vec<String>,
    checkdepends: Vec<String>,
    provides: Vec<String>,
}

#[derive(Default)]
struct PackageLists {
    depends: Override,
    provides: Override,
}

struct Base {
    name: String,
    pkgver: Option<String>,
    pkgrel: Option<String>,
    epoch: Option<String>,
    arches: Vec<String>,
    general: BaseLists,
    per_arch: BTreeMap<String, BaseLists>,
}

struct Package {
    name: String,
    arches: Option<Vec<String>>,
    general: PackageLists,
    per_arch: BTreeMap<String, PackageLists>,
}

/// Reads `.SRCINFO` text and merges it for `target` (or the fallback architecture, exactly as
/// the `alpm-srcinfo` path chooses).
pub(crate) fn parse(
    text: &str,
    target: &SystemArchitecture,
    origin: &Path,
) -> Result<SrcInfo, SrcInfoError> {
    let invalid = |line: usize, reason: String| SrcInfoError::Invalid {
        path: origin.to_path_buf(),
        line,
        reason,
    };
    let mut base: Option<Base> = None;
    let mut packages: Vec<Package> = Vec::new();

    for (index, raw_line) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw_line.trim_start_matches([' ', '\t']);
        if line.trim_end().is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = split_assignment(line)
            .ok_or_else(|| invalid(number, "expected `key = value`".to_owned()))?;
        let (keyword, arch) = match key.split_once('_') {
            Some((keyword, arch)) => (keyword, Some(arch.to_owned())),
            None => (key, None),
        };

        match keyword {
            "pkgbase" => {
                if base.is_some() {
                    return Err(invalid(number, "a second pkgbase".to_owned()));
                }
                base = Some(Base {
                    name: value.to_owned(),
                    pkgver: None,
                    pkgrel: None,
                    epoch: None,
                    arches: Vec::new(),
                    general: BaseLists::default(),
                    per_arch: BTreeMap::new(),
                });
                continue;
            }
            "pkgname" => {
                if base.is_none() {
                    return Err(invalid(number, "pkgname before pkgbase".to_owned()));
                }
                packages.push(Package {
                    name: value.to_owned(),
                    arches: None,
                    general: PackageLists::default(),
                    per_arch: BTreeMap::new(),
                });
                continue;
            }
            _ => {}
        }

        if let Some(package) = packages.last_mut() {
            read_package_line(package, keyword, arch, value);
        } else if let Some(base) = base.as_mut() {
            read_base_line(base, keyword, arch, value);
        } else {
            return Err(invalid(
                number,
                "a value before the pkgbase line".to_owned(),
            ));
        }
    }

    let base = base.ok_or_else(|| invalid(0, "no pkgbase section".to_owned()))?;
    if packages.is_empty() {
        return Err(invalid(0, "no pkgname section".to_owned()));
    }
    let pkgver = base
        .pkgver
        .clone()
        .ok_or_else(|| invalid(0, "no pkgver".to_owned()))?;
    let pkgrel = base
        .pkgrel
        .clone()
        .ok_or_else(|| invalid(0, "no pkgrel".to_owned()))?;
    let version = match &base.epoch {
        Some(epoch) => format!("{epoch}:{pkgver}-{pkgrel}"),
        None => format!("{pkgver}-{pkgrel}"),
    };
    if base.arches.is_empty() {
        return Err(invalid(0, "no arch".to_owned()));
    }
    let base_arches = architectures(&base.arches).map_err(|reason| invalid(0, reason))?;
    let (merged_arch, needs_ignorearch) = choose_arch(&base_arches, target);
    let arch_name = merged_arch.to_string();

    let mut out = SrcInfo {
        pkgbase: base.name.clone(),
        pkgnames: Vec::new(),
        version,
        arches: match &base_arches {
            Architectures::Any => vec!["any".to_owned()],
            Architectures::Some(list) => list.iter().map(ToString::to_string).collect(),
        },
        merged_arch: arch_name.clone(),
        needs_ignorearch,
        depends: Vec::new(),
        makedepends: Vec::new(),
        checkdepends: Vec::new(),
        provides: Vec::new(),
        alpm_srcinfo_rejection: None,
    };

    let empty_base = BaseLists::default();
    let base_arch = base.per_arch.get(&arch_name).unwrap_or(&empty_base);
    let empty_package = PackageLists::default();
    for package in &packages {
        let built = match &package.arches {
            Some(list) => {
                let arches = architectures(list).map_err(|reason| invalid(0, reason))?;
                builds_for(&arches, &merged_arch)
            }
            None => builds_for(&base_arches, &merged_arch),
        };
        if !built {
            continue;
        }
        out.pkgnames.push(package.name.clone());
        let package_arch = package.per_arch.get(&arch_name).unwrap_or(&empty_package);

        let mut depends = package.general.depends.resolve(&base.general.depends);
        depends.extend(package_arch.depends.resolve(&base_arch.depends));
        let mut provides = package.general.provides.resolve(&base.general.provides);
        provides.extend(package_arch.provides.resolve(&base_arch.provides));
        let makedepends = base
            .general
            .makedepends
            .iter()
            .chain(&base_arch.makedepends);
        let checkdepends = base
            .general
            .checkdepends
            .iter()
            .chain(&base_arch.checkdepends);

        push_unique(&mut out.depends, depends);
        push_unique(&mut out.provides, provides);
        push_unique(&mut out.makedepends, makedepends.cloned());
        push_unique(&mut out.checkdepends, checkdepends.cloned());
    }
    Ok(out)
}

/// Splits `key = value`; `key =` (with or without trailing blanks) has an empty value.
fn split_assignment(line: &str) -> Option<(&str, &str)> {
    let (key, rest) = line.split_once(" =")?;
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    if rest.trim().is_empty() {
        return Some((key, ""));
    }
    let value = rest.strip_prefix(' ')?;
    Some((key, value.trim_end()))
}

fn read_base_line(base: &mut Base, keyword: &str, arch: Option<String>, value: &str) {
    match (keyword, arch) {
        ("pkgver", None) => base.pkgver = Some(value.to_owned()),
        ("pkgrel", None) => base.pkgrel = Some(value.to_owned()),
        ("epoch", None) => base.epoch = Some(value.to_owned()),
        ("arch", None) => base.arches.push(value.to_owned()),
        (keyword, arch) => {
            // makepkg writes nothing for empty arrays in the pkgbase, but an empty value
            // (seen for validpgpkeys) must not become a relation.
            if value.is_empty() {
                return;
            }
            let lists = match arch {
                Some(arch) => base.per_arch.entry(arch).or_default(),
                None => &mut base.general,
            };
            let list = match keyword {
                "depends" => &mut lists.depends,
                "makedepends" => &mut lists.makedepends,
                "checkdepends" => &mut lists.checkdepends,
                "provides" => &mut lists.provides,
                _ => return,
            };
            list.push(value.to_owned());
        }
    }
}

fn read_package_line(package: &mut Package, keyword: &str, arch: Option<String>, value: &str) {
    if keyword == "arch" && arch.is_none() {
        package
            .arches
            .get_or_insert_with(Vec::new)
            .push(value.to_owned());
        return;
    }
    let lists = match arch {
        Some(arch) => package.per_arch.entry(arch).or_default(),
        None => &mut package.general,
    };
    let slot = match keyword {
        "depends" => &mut lists.depends,
        "provides" => &mut lists.provides,
        _ => return,
    };
    if value.is_empty() {
        // alpm-srcinfo applies clears before values, so a value anywhere in the section wins.
        if matches!(slot, Override::Inherit) {
            *slot = Override::Clear;
        }
    } else {
        slot.push(value.to_owned());
    }
}

/// The `arch` values as `alpm-types` reads them (`any` in any case means all). The error
/// does not quote the value: it comes from someone else's file.
fn architectures(values: &[String]) -> Result<Architectures, String> {
    if values.iter().any(|v| v.eq_ignore_ascii_case("any")) {
        return Ok(Architectures::Any);
    }
    values
        .iter()
        .map(|v| {
            SystemArchitecture::from_str(v)
                .map_err(|_| "an arch value is not a valid architecture".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Architectures::Some)
}

fn builds_for(arches: &Architectures, arch: &SystemArchitecture) -> bool {
    match arches {
        Architectures::Any => true,
        Architectures::Some(list) => list.contains(arch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, target: &str) -> SrcInfo {
        let target = SystemArchitecture::from_str(target).expect("arch");
        parse(text, &target, Path::new("test/.SRCINFO")).expect("fallback reads it")
    }

    const SPLIT: &str = "\
pkgbase = demo
\tpkgver = 1.2
\tpkgrel = 3
\tepoch = 1
\tarch = x86_64
\tarch = aarch64
\tmakedepends = cmake
\tmakedepends_aarch64 = arm-tool
\tdepends = glibc
\tdepends_aarch64 = libarm
\tprovides = demo-common

pkgname = demo
\tdepends = glibc>=2.38
\tdepends = nginx=

pkgname = demo-cleared
\tdepends = 
\tdepends_aarch64 = 

pkgname = demo-x86
\tarch = x86_64
\tdepends = x86-only
";

    #[test]
    fn split_package_overrides_and_arch_specific_values() {
        let info = read(SPLIT, "aarch64");
        assert_eq!(info.version, "1:1.2-3");
        assert_eq!(info.pkgnames, ["demo", "demo-cleared"]);
        assert!(!info.needs_ignorearch);
        assert_eq!(info.depends, ["glibc>=2.38", "nginx=", "libarm"]);
        assert_eq!(info.makedepends, ["cmake", "arm-tool"]);
        assert_eq!(info.provides, ["demo-common"]);

        let info = read(SPLIT, "x86_64");
        assert_eq!(info.pkgnames, ["demo", "demo-cleared", "demo-x86"]);
        assert_eq!(info.depends, ["glibc>=2.38", "nginx=", "x86-only"]);
        assert_eq!(info.makedepends, ["cmake"]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let target = SystemArchitecture::X86_64;
        let err = parse(
            "pkgbase = x\n\tpkgver 1\n",
            &target,
            Path::new("x/.SRCINFO"),
        )
        .expect_err("malformed line");
        assert_eq!(
            err.to_string(),
            "x/.SRCINFO: line 2: expected `key = value`"
        );
        let err = parse(
            "pkgbase = x\n\tpkgver = 1\n\tpkgrel = 1\n\tarch = any\n",
            &target,
            Path::new("x/.SRCINFO"),
        )
        .expect_err("no package");
        assert_eq!(err.to_string(), "x/.SRCINFO: line 0: no pkgname section");
    }
}
