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
}

impl Section {
    /// Every section, in report order.
    pub const ALL: [Section; 11] = [
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
        Section::TargetOnly | Section::MissingPkgbases | Section::MissingAny => {
            let items = match section {
                Section::TargetOnly => &report.target_only,
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
        Section::BrokenDeps => report
            .broken_deps
            .iter()
            .map(|b| {
                format!(
                    "{} {} ({}): needs {}",
                    b.name, b.version, b.repo, b.dependency
                )
            })
            .collect(),
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
