//! The human report: a title with a count per section, then the sorted items.

use std::fmt::Write;

use owo_colors::OwoColorize;

use crate::report::Report;

/// A report section, as selected by the per-section flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `repo_mismatches`: see [`crate::Report`].
    RepoMismatches,
    /// `target_newer`: see [`crate::Report`].
    TargetNewer,
    /// `target_only`: see [`crate::Report`].
    TargetOnly,
    /// `missing_pkgbases`: see [`crate::Report`].
    MissingPkgbases,
    /// `outdated_any`: see [`crate::Report`].
    OutdatedAny,
    /// `missing_any`: see [`crate::Report`].
    MissingAny,
    /// `duplicates`: see [`crate::Report`].
    Duplicates,
    /// `broken_deps`: see [`crate::Report`].
    BrokenDeps,
    /// `unsatisfied_deps`: see [`crate::Report`].
    UnsatisfiedDeps,
    /// `orphaned`: see [`crate::Report`].
    Orphaned,
    /// `in_testing`: see [`crate::Report`].
    InTesting,
    /// `port_packages`: see [`crate::Report`].
    PortPackages,
    /// `bin_packages`: see [`crate::Report`].
    BinPackages,
    /// `blocked_by_blacklist`: see [`crate::Report`].
    BlockedByBlacklist,
    /// `arch_changed`: see [`crate::Report`].
    ArchChanged,
    /// `missing_split_packages`: see [`crate::Report`].
    MissingSplitPackages,
    /// `provided_elsewhere`: see [`crate::Report`].
    ProvidedElsewhere,
    /// `upstream_broken`: see [`crate::Report`].
    UpstreamBroken,
}

impl Section {
    /// Every section, in report order.
    pub const ALL: [Section; 18] = [
        Section::RepoMismatches,
        Section::TargetNewer,
        Section::TargetOnly,
        Section::MissingPkgbases,
        Section::OutdatedAny,
        Section::MissingAny,
        Section::Duplicates,
        Section::BrokenDeps,
        Section::UnsatisfiedDeps,
        Section::Orphaned,
        Section::InTesting,
        Section::PortPackages,
        Section::BinPackages,
        Section::BlockedByBlacklist,
        Section::ArchChanged,
        Section::MissingSplitPackages,
        Section::ProvidedElsewhere,
        Section::UpstreamBroken,
    ];

    /// The JSON key of the section.
    pub fn key(self) -> &'static str {
        match self {
            Section::RepoMismatches => "repo_mismatches",
            Section::TargetNewer => "target_newer",
            Section::TargetOnly => "target_only",
            Section::MissingPkgbases => "missing_pkgbases",
            Section::OutdatedAny => "outdated_any",
            Section::MissingAny => "missing_any",
            Section::Duplicates => "duplicates",
            Section::BrokenDeps => "broken_deps",
            Section::UnsatisfiedDeps => "unsatisfied_deps",
            Section::Orphaned => "orphaned",
            Section::InTesting => "in_testing",
            Section::PortPackages => "port_packages",
            Section::BinPackages => "bin_packages",
            Section::BlockedByBlacklist => "blocked_by_blacklist",
            Section::ArchChanged => "arch_changed",
            Section::MissingSplitPackages => "missing_split_packages",
            Section::ProvidedElsewhere => "provided_elsewhere",
            Section::UpstreamBroken => "upstream_broken",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Section::RepoMismatches => "In core on one side, extra on the other",
            Section::TargetNewer => "Newer on the target than on x86_64",
            Section::TargetOnly => "Only on the target",
            Section::MissingPkgbases => "Missing from the target",
            Section::OutdatedAny => "ARCH=any packages older on the target",
            Section::MissingAny => "ARCH=any packages missing from the target",
            Section::Duplicates => "Duplicates",
            Section::BrokenDeps => "Dependencies nothing provides",
            Section::UnsatisfiedDeps => "Dependencies with no satisfying version",
            Section::Orphaned => "Packages their pkgbase no longer builds",
            Section::InTesting => "Waiting in testing for promotion",
            Section::PortPackages => "In the port's own repositories",
            Section::BinPackages => "-bin packages against the x86_64 package they provide",
            Section::BlockedByBlacklist => "Blocked by a blacklisted dependency",
            Section::ArchChanged => "ARCH=any on one side only",
            Section::MissingSplitPackages => "Split packages missing from the target",
            Section::ProvidedElsewhere => "Missing, but provided by another target package",
            Section::UpstreamBroken => {
                "Dependencies with an empty version (upstream packaging bugs)"
            }
        }
    }
}

fn lines(report: &Report, section: Section) -> Vec<String> {
    match section {
        Section::RepoMismatches => report
            .repo_mismatches
            .iter()
            .map(|m| {
                format!(
                    "{}: x86_64 {} {}, target {} {}",
                    m.pkgbase, m.x86_repo, m.x86_version, m.target_repo, m.target_version
                )
            })
            .collect(),
        Section::TargetNewer | Section::OutdatedAny => {
            let items = if section == Section::TargetNewer {
                &report.target_newer
            } else {
                &report.outdated_any
            };
            items
                .iter()
                .map(|p| {
                    format!(
                        "{} ({}): x86_64 {}, target {}",
                        p.pkgbase, p.repo, p.x86_version, p.target_version
                    )
                })
                .collect()
        }
        Section::TargetOnly
        | Section::MissingPkgbases
        | Section::MissingAny
        | Section::PortPackages => {
            let items = match section {
                Section::TargetOnly => &report.target_only,
                Section::PortPackages => &report.port_packages,
                Section::MissingPkgbases => &report.missing_pkgbases,
                _ => &report.missing_any,
            };
            items
                .iter()
                .map(|o| {
                    let split = if o.pkgnames.len() > 1 || o.pkgnames.first() != Some(&o.pkgbase) {
                        format!(" [{}]", o.pkgnames.join(" "))
                    } else {
                        String::new()
                    };
                    format!("{} {} ({}){split}", o.pkgbase, o.version, o.repo)
                })
                .collect()
        }
        Section::Duplicates => report
            .duplicates
            .iter()
            .map(|d| {
                let what = if d.kind == "x86_pkgbase" {
                    "x86_64 pkgbase"
                } else {
                    "target package"
                };
                let places: Vec<String> = d
                    .repos
                    .iter()
                    .zip(&d.versions)
                    .map(|(r, v)| format!("{r} {v}"))
                    .collect();
                format!("{} ({what}): {}", d.name, places.join(", "))
            })
            .collect(),
        Section::BrokenDeps | Section::UpstreamBroken => {
            let items = if section == Section::BrokenDeps {
                &report.broken_deps
            } else {
                &report.upstream_broken
            };
            items
                .iter()
                .map(|b| {
                    format!(
                        "{} {} ({}): needs {}",
                        b.name, b.version, b.repo, b.dependency
                    )
                })
                .collect()
        }
        Section::UnsatisfiedDeps => report
            .unsatisfied_deps
            .iter()
            .map(|u| {
                let offered: Vec<String> = u
                    .candidates
                    .iter()
                    .map(|c| match &c.version {
                        Some(v) => format!("{} {v}", c.package),
                        None => format!("{} (unversioned)", c.package),
                    })
                    .collect();
                let drift = if u.soname_drift {
                    " [soname drift: rebuild needed]"
                } else {
                    ""
                };
                format!(
                    "{} {} ({}): needs {}, offered {}{drift}",
                    u.name,
                    u.version,
                    u.repo,
                    u.dependency,
                    offered.join(", ")
                )
            })
            .collect(),
        Section::Orphaned => report
            .orphaned
            .iter()
            .map(|o| {
                format!(
                    "{} {} ({}): pkgbase {} no longer builds it",
                    o.name, o.version, o.repo, o.pkgbase
                )
            })
            .collect(),
        Section::InTesting => report
            .in_testing
            .iter()
            .map(|t| {
                format!(
                    "{} ({} -> {}): {}, stable {}",
                    t.name,
                    t.testing_repo,
                    t.repo,
                    t.testing_version,
                    t.stable_version.as_deref().unwrap_or("none")
                )
            })
            .collect(),
        Section::BinPackages => report
            .bin_packages
            .iter()
            .map(|b| {
                format!(
                    "{} {} ({}): provides {}={}, x86_64 {} {}: {}",
                    b.name,
                    b.version,
                    b.repo,
                    b.provides,
                    b.provided_version,
                    b.x86_pkgbase,
                    b.x86_version,
                    b.status
                )
            })
            .collect(),
        Section::BlockedByBlacklist => report
            .blocked_by_blacklist
            .iter()
            .map(|b| {
                format!(
                    "{} {} ({}): {} (blacklisted)",
                    b.pkgbase,
                    b.version,
                    b.repo,
                    b.chain.join(" -> ")
                )
            })
            .collect(),
        Section::ArchChanged => report
            .arch_changed
            .iter()
            .map(|a| {
                format!(
                    "{} ({}): x86_64 {} {}, target {} {}",
                    a.name, a.repo, a.x86_arch, a.x86_version, a.target_arch, a.target_version
                )
            })
            .collect(),
        Section::MissingSplitPackages => report
            .missing_split_packages
            .iter()
            .map(|m| {
                format!(
                    "{} ({}): x86_64 {}, target {}, lacks {}",
                    m.pkgbase,
                    m.repo,
                    m.x86_version,
                    m.target_version,
                    m.missing.join(" ")
                )
            })
            .collect(),
        Section::ProvidedElsewhere => report
            .provided_elsewhere
            .iter()
            .map(|p| {
                format!(
                    "{} {} ({}): {} provided by {} {} ({})",
                    p.pkgbase,
                    p.version,
                    p.repo,
                    p.name,
                    p.provider,
                    p.provider_version,
                    p.provider_repo
                )
            })
            .collect(),
    }
}

/// The report as text: for each selected section (all when `sections` is empty) a title
/// with its count, then one line per item. `color` adds ANSI colours (terminals only).
pub fn render_human(report: &Report, sections: &[Section], color: bool) -> String {
    let chosen: Vec<Section> = if sections.is_empty() {
        Section::ALL.to_vec()
    } else {
        sections.to_vec()
    };
    let mut out = String::new();
    for section in chosen {
        let items = lines(report, section);
        let title = format!("{} ({})", section.title(), items.len());
        if color {
            let _ = writeln!(out, "{}", title.bold());
        } else {
            let _ = writeln!(out, "{title}");
        }
        for item in &items {
            let _ = writeln!(out, "  {item}");
        }
        if !items.is_empty() {
            out.push('\n');
        }
    }
    out
}
