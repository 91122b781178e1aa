//! The analysis page's sections added after the first ten (testing, the port's own
//! repositories, -bin packages, the blacklist's chains, ARCH changes, split packages,
//! providers, upstream bugs): each one present with its count, both sides' versions, and
//! every string from the repositories escaped.

use archport_analyze::{
    ArchChanged, BinPackage, Blocked, BrokenDep, InTesting, MissingSplit, OneSided,
    ProvidedElsewhere, Report,
};
use archport_status::{AnalysisContext, render_analysis_html};
use chrono::TimeZone as _;

const EVIL: &str = "<script>x()</script>\"'&";
const EVIL_HTML: &str = "&lt;script&gt;x()&lt;/script&gt;&quot;&#39;&amp;";

/// The markup of the section with `id`, from its opening tag to its end.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("<section id=\"{id}\">");
    let start = html
        .find(&open)
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = start + html[start..].find("</section>").expect("the section ends");
    &html[start..end]
}

fn evil(name: &str) -> String {
    format!("{name}{EVIL}")
}

fn report() -> Report {
    Report {
        in_testing: vec![
            InTesting {
                name: evil("gcc-libs"),
                pkgbase: evil("gcc"),
                repo: "core".into(),
                testing_repo: "core-testing".into(),
                stable_version: Some("14.2.1-1".into()),
                testing_version: "14.2.1-2".into(),
            },
            InTesting {
                name: "newpkg".into(),
                pkgbase: "newpkg".into(),
                repo: "extra".into(),
                testing_repo: "extra-testing".into(),
                stable_version: None,
                testing_version: "0.1-1".into(),
            },
        ],
        port_packages: vec![OneSided {
            pkgbase: evil("uboot-rpi"),
            repo: "alarm".into(),
            version: "2024.10-1".into(),
            pkgnames: vec![evil("uboot-rpi-tools")],
        }],
        bin_packages: vec![BinPackage {
            name: evil("zig-bin"),
            repo: "extra".into(),
            version: "0.13.0-5".into(),
            provides: evil("zig"),
            provided_version: "0.13.0".into(),
            x86_pkgbase: evil("zig"),
            x86_version: "0.14.0-1".into(),
            status: "outdated",
        }],
        blocked_by_blacklist: vec![Blocked {
            pkgbase: evil("chromium"),
            repo: "extra".into(),
            version: "131.0-1".into(),
            chain: vec!["chromium".into(), "rust-bindgen".into(), evil("nodejs-lts")],
        }],
        arch_changed: vec![ArchChanged {
            name: evil("python-foo"),
            pkgbase: evil("python-foo"),
            repo: "extra".into(),
            x86_arch: "any".into(),
            target_arch: "aarch64".into(),
            x86_version: "1.2-1".into(),
            target_version: "1.1-3".into(),
        }],
        missing_split_packages: vec![MissingSplit {
            pkgbase: evil("qt6-base"),
            repo: "extra".into(),
            x86_version: "6.8.1-1".into(),
            target_version: "6.8.0-2".into(),
            missing: vec![evil("qt6-xcb-private-headers"), "qt6-docs".into()],
        }],
        provided_elsewhere: vec![ProvidedElsewhere {
            pkgbase: evil("jre-openjdk"),
            repo: "extra".into(),
            version: "23.0.1-1".into(),
            name: evil("java-runtime"),
            provider: evil("jre21-openjdk"),
            provider_repo: "extra".into(),
            provider_version: "21.0.5-2".into(),
        }],
        upstream_broken: vec![BrokenDep {
            name: evil("nginx-mod-x"),
            pkgbase: evil("nginx-mod-x"),
            repo: "extra".into(),
            version: "1.0-1".into(),
            dependency: evil("nginx="),
        }],
        ..Report::default()
    }
}

#[test]
fn every_new_section_has_its_count_both_versions_and_escaped_strings() {
    let html = render_analysis_html(
        &report(),
        &AnalysisContext {
            target_arch: "aarch64".into(),
            generated_at: chrono::Utc
                .with_ymd_and_hms(2026, 12, 6, 4, 31, 0)
                .single()
                .expect("a valid time"),
        },
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains(EVIL), "an unescaped string");

    // (id, count, what the section must show: versions on both sides, chains, names).
    let expected: [(&str, usize, &[&str]); 8] = [
        (
            "in_testing",
            2,
            &[
                "<code>14.2.1-2</code>",
                "<code>14.2.1-1</code>",
                "core-testing",
                "not in stable yet",
            ],
        ),
        ("port_packages", 1, &["<code>2024.10-1</code>", "alarm"]),
        (
            "bin_packages",
            1,
            &[
                "<code>0.13.0-5</code>",
                "0.13.0</code>",
                "<code>0.14.0-1</code>",
                "outdated",
            ],
        ),
        (
            "blocked_by_blacklist",
            1,
            &[
                "<code>131.0-1</code>",
                "chromium \u{2192} rust-bindgen \u{2192} nodejs-lts",
            ],
        ),
        (
            "arch_changed",
            1,
            &["<code>1.2-1</code>", "<code>1.1-3</code>", "any", "aarch64"],
        ),
        (
            "missing_split_packages",
            1,
            &["<code>6.8.1-1</code>", "<code>6.8.0-2</code>", "qt6-docs"],
        ),
        (
            "provided_elsewhere",
            1,
            &["<code>23.0.1-1</code>", "<code>21.0.5-2</code>"],
        ),
        ("upstream_broken", 1, &["<code>1.0-1</code>", "nginx="]),
    ];
    for (id, count, shows) in expected {
        let text = section(&html, id);
        assert!(
            text.contains(&format!("<span class=\"count\">{count}</span>")),
            "{id}: count {count}: {text}"
        );
        assert!(
            html.contains(&format!("<a href=\"#{id}\"><b>{count}</b>")),
            "{id}: the header's tile"
        );
        assert!(text.contains(EVIL_HTML), "{id}: the escaped string: {text}");
        for what in shows {
            assert!(text.contains(what), "{id} shows {what}: {text}");
        }
    }
}
