//! `repo-analyze --html FILE`: the port-health report as a page in the build page's style,
//! one section per finding kind (all of `Report`'s, in the report's order after the first
//! ten) with its count, versions on both sides.

use archport_analyze::Report;
use chrono::{DateTime, Utc};

use crate::chrome::{Html, page, section, table, tiles};

/// What the analysis page says about where the report came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisContext {
    /// The target architecture (`aarch64`).
    pub target_arch: String,
    /// When the report was made.
    pub generated_at: DateTime<Utc>,
}

fn code(text: &str) -> Html {
    Html::element("code", "", Html::text(text))
}

fn bold(text: &str) -> Html {
    Html::element("b", "", Html::text(text))
}

/// The page of `report`: a header with the count of every section, then each section as a
/// table (or "none").
pub fn render_analysis_html(report: &Report, context: &AnalysisContext) -> String {
    let arch = &context.target_arch;
    let counts = tiles(&[
        ("missing", "missing_pkgbases", report.missing_pkgbases.len()),
        ("ARCH=any older", "outdated_any", report.outdated_any.len()),
        ("ARCH=any missing", "missing_any", report.missing_any.len()),
        ("newer on target", "target_newer", report.target_newer.len()),
        ("target only", "target_only", report.target_only.len()),
        (
            "repo mismatches",
            "repo_mismatches",
            report.repo_mismatches.len(),
        ),
        ("duplicates", "duplicates", report.duplicates.len()),
        ("broken deps", "broken_deps", report.broken_deps.len()),
        (
            "unsatisfied deps",
            "unsatisfied_deps",
            report.unsatisfied_deps.len(),
        ),
        ("orphaned", "orphaned", report.orphaned.len()),
        ("in testing", "in_testing", report.in_testing.len()),
        ("port packages", "port_packages", report.port_packages.len()),
        ("-bin packages", "bin_packages", report.bin_packages.len()),
        (
            "blocked by blacklist",
            "blocked_by_blacklist",
            report.blocked_by_blacklist.len(),
        ),
        ("arch changed", "arch_changed", report.arch_changed.len()),
        (
            "split packages missing",
            "missing_split_packages",
            report.missing_split_packages.len(),
        ),
        (
            "provided elsewhere",
            "provided_elsewhere",
            report.provided_elsewhere.len(),
        ),
        (
            "upstream broken",
            "upstream_broken",
            report.upstream_broken.len(),
        ),
    ]);
    let header = Html::concat([
        Html::element(
            "p",
            "",
            Html::text(&format!("The {arch} port's repositories against x86_64.")),
        ),
        counts,
    ]);

    let one_sided = |items: &[archport_analyze::OneSided]| {
        table(
            &["pkgbase", "repo", "version", "packages"],
            items
                .iter()
                .map(|i| {
                    vec![
                        bold(&i.pkgbase),
                        Html::text(&i.repo),
                        code(&i.version),
                        Html::text(&i.pkgnames.join(", ")),
                    ]
                })
                .collect(),
        )
    };
    let pairs = |items: &[archport_analyze::VersionPair]| {
        table(
            &["pkgbase", "repo", "x86_64", "target"],
            items
                .iter()
                .map(|i| {
                    vec![
                        bold(&i.pkgbase),
                        Html::text(&i.repo),
                        code(&i.x86_version),
                        code(&i.target_version),
                    ]
                })
                .collect(),
        )
    };
    let broken = |items: &[archport_analyze::BrokenDep]| {
        table(
            &["package", "pkgbase", "repo", "version", "dependency"],
            items
                .iter()
                .map(|i| {
                    vec![
                        bold(&i.name),
                        Html::text(&i.pkgbase),
                        Html::text(&i.repo),
                        code(&i.version),
                        code(&i.dependency),
                    ]
                })
                .collect(),
        )
    };

    let body = Html::concat([
        section(
            "missing_pkgbases",
            "Missing from the target",
            report.missing_pkgbases.len(),
            one_sided(&report.missing_pkgbases),
        ),
        section(
            "outdated_any",
            "ARCH=any packages older on the target",
            report.outdated_any.len(),
            pairs(&report.outdated_any),
        ),
        section(
            "missing_any",
            "ARCH=any packages missing from the target",
            report.missing_any.len(),
            one_sided(&report.missing_any),
        ),
        section(
            "target_newer",
            "Newer on the target than on x86_64",
            report.target_newer.len(),
            pairs(&report.target_newer),
        ),
        section(
            "target_only",
            "Only on the target",
            report.target_only.len(),
            one_sided(&report.target_only),
        ),
        section(
            "repo_mismatches",
            "In core on one side, extra on the other",
            report.repo_mismatches.len(),
            table(
                &["pkgbase", "x86_64 repo", "target repo", "x86_64", "target"],
                report
                    .repo_mismatches
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.pkgbase),
                            Html::text(&i.x86_repo),
                            Html::text(&i.target_repo),
                            code(&i.x86_version),
                            code(&i.target_version),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "duplicates",
            "Duplicates",
            report.duplicates.len(),
            table(
                &["name", "kind", "where"],
                report
                    .duplicates
                    .iter()
                    .map(|i| {
                        let places: Vec<String> = i
                            .repos
                            .iter()
                            .zip(&i.versions)
                            .map(|(repo, version)| format!("{repo} {version}"))
                            .collect();
                        vec![bold(&i.name), Html::text(i.kind), code(&places.join(", "))]
                    })
                    .collect(),
            ),
        ),
        section(
            "broken_deps",
            "Dependencies nothing provides",
            report.broken_deps.len(),
            broken(&report.broken_deps),
        ),
        section(
            "unsatisfied_deps",
            "Dependencies with no satisfying version",
            report.unsatisfied_deps.len(),
            table(
                &[
                    "package",
                    "pkgbase",
                    "repo",
                    "version",
                    "dependency",
                    "offered",
                    "note",
                ],
                report
                    .unsatisfied_deps
                    .iter()
                    .map(|i| {
                        let offered: Vec<String> = i
                            .candidates
                            .iter()
                            .map(|c| match &c.version {
                                Some(v) => format!("{} {v}", c.package),
                                None => format!("{} (unversioned)", c.package),
                            })
                            .collect();
                        vec![
                            bold(&i.name),
                            Html::text(&i.pkgbase),
                            Html::text(&i.repo),
                            code(&i.version),
                            code(&i.dependency),
                            code(&offered.join(", ")),
                            Html::text(if i.soname_drift {
                                "soname moved on: rebuild"
                            } else {
                                ""
                            }),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "orphaned",
            "Packages their pkgbase no longer builds",
            report.orphaned.len(),
            table(
                &["package", "pkgbase", "repo", "version"],
                report
                    .orphaned
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.name),
                            Html::text(&i.pkgbase),
                            Html::text(&i.repo),
                            code(&i.version),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "in_testing",
            "Waiting in testing for promotion",
            report.in_testing.len(),
            table(
                &[
                    "package",
                    "pkgbase",
                    "testing repo",
                    "testing",
                    "stable repo",
                    "stable",
                ],
                report
                    .in_testing
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.name),
                            Html::text(&i.pkgbase),
                            Html::text(&i.testing_repo),
                            code(&i.testing_version),
                            Html::text(&i.repo),
                            match &i.stable_version {
                                Some(version) => code(version),
                                None => Html::text("not in stable yet"),
                            },
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "port_packages",
            "In the port's own repositories",
            report.port_packages.len(),
            one_sided(&report.port_packages),
        ),
        section(
            "bin_packages",
            "-bin packages against the x86_64 package they provide",
            report.bin_packages.len(),
            table(
                &[
                    "package",
                    "repo",
                    "version",
                    "provides",
                    "x86_64 pkgbase",
                    "x86_64",
                    "pkgver",
                ],
                report
                    .bin_packages
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.name),
                            Html::text(&i.repo),
                            code(&i.version),
                            code(&format!("{}={}", i.provides, i.provided_version)),
                            Html::text(&i.x86_pkgbase),
                            code(&i.x86_version),
                            Html::text(i.status),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "blocked_by_blacklist",
            "Blocked by a blacklisted dependency",
            report.blocked_by_blacklist.len(),
            table(
                &[
                    "pkgbase",
                    "repo",
                    "x86_64",
                    "chain to the blacklisted package",
                ],
                report
                    .blocked_by_blacklist
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.pkgbase),
                            Html::text(&i.repo),
                            code(&i.version),
                            Html::text(&i.chain.join(" \u{2192} ")),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "arch_changed",
            "ARCH=any on one side only",
            report.arch_changed.len(),
            table(
                &[
                    "package",
                    "pkgbase",
                    "repo",
                    "x86_64 arch",
                    "x86_64",
                    "target arch",
                    "target",
                ],
                report
                    .arch_changed
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.name),
                            Html::text(&i.pkgbase),
                            Html::text(&i.repo),
                            Html::text(&i.x86_arch),
                            code(&i.x86_version),
                            Html::text(&i.target_arch),
                            code(&i.target_version),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "missing_split_packages",
            "Split packages missing from the target",
            report.missing_split_packages.len(),
            table(
                &["pkgbase", "repo", "x86_64", "target", "missing packages"],
                report
                    .missing_split_packages
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.pkgbase),
                            Html::text(&i.repo),
                            code(&i.x86_version),
                            code(&i.target_version),
                            Html::text(&i.missing.join(", ")),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "provided_elsewhere",
            "Missing, but provided by another target package",
            report.provided_elsewhere.len(),
            table(
                &[
                    "pkgbase",
                    "repo",
                    "x86_64",
                    "name",
                    "provider",
                    "provider repo",
                    "target",
                ],
                report
                    .provided_elsewhere
                    .iter()
                    .map(|i| {
                        vec![
                            bold(&i.pkgbase),
                            Html::text(&i.repo),
                            code(&i.version),
                            code(&i.name),
                            bold(&i.provider),
                            Html::text(&i.provider_repo),
                            code(&i.provider_version),
                        ]
                    })
                    .collect(),
            ),
        ),
        section(
            "upstream_broken",
            "Dependencies with an empty version (upstream packaging bugs)",
            report.upstream_broken.len(),
            broken(&report.upstream_broken),
        ),
    ]);
    page(
        &format!("archport port health: {arch}"),
        header,
        body,
        context.generated_at,
    )
}
