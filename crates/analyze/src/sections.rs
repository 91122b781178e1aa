//! The sections the original tool had beside the version comparison: `-bin` packages,
//! architecture changes, missing split packages, and missing pkgbases another target
//! package provides.

use std::collections::{BTreeMap, BTreeSet};

use archport_vercmp::vercmp;

use crate::report::{ArchChanged, BinPackage, MissingSplit, ProvidedElsewhere, Report};
use crate::sides::{Inputs, TargetBase, X86Base};

/// The pkgver of a full version: without the epoch and the pkgrel (`1:2.3-4` is `2.3`).
pub(crate) fn pkgver(version: &str) -> &str {
    let without_epoch = match version.split_once(':') {
        Some((epoch, rest)) if epoch.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => version,
    };
    without_epoch
        .rsplit_once('-')
        .map_or(without_epoch, |(ver, _)| ver)
}

/// Target `foo-bin` packages providing `foo=VER`, compared by pkgver with x86_64's `foo`
/// (the state repository's version of its pkgbase when known).
pub(crate) fn bin_packages(
    inputs: &Inputs<'_>,
    x86: &BTreeMap<&str, X86Base<'_>>,
    report: &mut Report,
) {
    for pkg in inputs.target.packages() {
        let Some(name) = pkg.name().strip_suffix("-bin") else {
            continue;
        };
        let Some(x86_pkg) = inputs.x86.by_name(name) else {
            continue;
        };
        for provider in inputs.target.bin_providers(name) {
            if provider.package.name() != pkg.name() || provider.package.repo() != pkg.repo() {
                continue;
            }
            let Some(provided) = provider.version else {
                continue;
            };
            let x86_version = x86
                .get(x86_pkg.base())
                .map_or(x86_pkg.version(), |b| b.version);
            let status = match vercmp(pkgver(provided), pkgver(x86_version)) {
                std::cmp::Ordering::Equal => "matching",
                std::cmp::Ordering::Greater => "newer",
                std::cmp::Ordering::Less => "outdated",
            };
            report.bin_packages.push(BinPackage {
                name: pkg.name().into(),
                repo: pkg.repo().into(),
                version: pkg.version().into(),
                provides: name.into(),
                provided_version: provided.into(),
                x86_pkgbase: x86_pkg.base().into(),
                x86_version: x86_version.into(),
                status,
            });
            break;
        }
    }
}

/// Packages whose architecture is `any` on one side and specific on the other.
pub(crate) fn arch_changed(inputs: &Inputs<'_>, report: &mut Report) {
    for pkg in inputs.target.packages() {
        let Some(x86_pkg) = inputs.x86.by_name(pkg.name()) else {
            continue;
        };
        if (x86_pkg.arch() == "any") != (pkg.arch() == "any") {
            report.arch_changed.push(ArchChanged {
                name: pkg.name().into(),
                pkgbase: pkg.base().into(),
                repo: pkg.repo().into(),
                x86_arch: x86_pkg.arch().into(),
                target_arch: pkg.arch().into(),
                x86_version: x86_pkg.version().into(),
                target_version: pkg.version().into(),
            });
        }
    }
}

/// Pkgbases on both sides whose target packages lack some of x86_64's pkgnames.
pub(crate) fn missing_split_packages(
    x86: &BTreeMap<&str, X86Base<'_>>,
    target: &BTreeMap<&str, TargetBase<'_>>,
    report: &mut Report,
) {
    for (&name, x) in x86 {
        let Some(t) = target.get(name) else {
            continue;
        };
        let have: BTreeSet<&str> = t.pkgnames.iter().copied().collect();
        let missing: BTreeSet<&str> = x
            .pkgnames
            .iter()
            .copied()
            .filter(|n| !have.contains(n))
            .collect();
        if !missing.is_empty() {
            report.missing_split_packages.push(MissingSplit {
                pkgbase: name.into(),
                repo: x.repo.into(),
                x86_version: x.version.into(),
                target_version: t.version.into(),
                missing: missing.into_iter().map(Into::into).collect(),
            });
        }
    }
}

/// Missing pkgbases (arch-specific or any) whose pkgbase or a pkgname another target
/// package carries or provides (`rust` provided by `rustup`). They stay missing: the
/// operator decides whether the provider is enough.
pub(crate) fn provided_elsewhere(inputs: &Inputs<'_>, report: &mut Report) {
    let mut found = Vec::new();
    for missing in report.missing_pkgbases.iter().chain(&report.missing_any) {
        let names = std::iter::once(&missing.pkgbase).chain(&missing.pkgnames);
        let provider = names.into_iter().find_map(|name| {
            let by_name = inputs.target.by_name(name);
            let by_provision = || inputs.target.providers(name).next().map(|p| p.package);
            by_name.or_else(by_provision).map(|p| (name, p))
        });
        if let Some((name, p)) = provider {
            found.push(ProvidedElsewhere {
                pkgbase: missing.pkgbase.clone(),
                repo: missing.repo.clone(),
                version: missing.version.clone(),
                name: name.clone(),
                provider: p.name().into(),
                provider_repo: p.repo().into(),
                provider_version: p.version().into(),
            });
        }
    }
    report.provided_elsewhere = found;
}

#[cfg(test)]
mod tests {
    use super::pkgver;

    #[test]
    fn pkgver_drops_epoch_and_pkgrel() {
        assert_eq!(pkgver("1:2.3-4"), "2.3");
        assert_eq!(pkgver("2.3-4"), "2.3");
        assert_eq!(pkgver("2.3"), "2.3");
        assert_eq!(pkgver("1.0+r5-g1-2"), "1.0+r5-g1");
    }
}
