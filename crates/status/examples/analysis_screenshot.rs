//! Writes a screenshot of the port-health page (`repo-analyze --html`) for a small report
//! shaped like a real one, with headless Chromium.
//!
//! `cargo run -p archport-status --example analysis_screenshot -- OUT.png [WIDTHxHEIGHT]`

#[path = "../tests/support/chromium.rs"]
mod chromium;

use std::path::PathBuf;

use archport_analyze::{BrokenDep, Candidate, OneSided, Report, UnsatisfiedDep, VersionPair};
use archport_status::{AnalysisContext, render_analysis_html};

fn one(pkgbase: &str, repo: &str, version: &str, pkgnames: &[&str]) -> OneSided {
    OneSided {
        pkgbase: pkgbase.into(),
        repo: repo.into(),
        version: version.into(),
        pkgnames: pkgnames.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn pair(pkgbase: &str, repo: &str, x86: &str, target: &str) -> VersionPair {
    VersionPair {
        pkgbase: pkgbase.into(),
        repo: repo.into(),
        x86_version: x86.into(),
        target_version: target.into(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: analysis_screenshot OUT.png [WIDTHxHEIGHT]");
        std::process::exit(2);
    };
    let size = args
        .next()
        .unwrap_or_else(|| "1280x1400".to_owned())
        .replace('x', ",");
    let out = std::path::absolute(&out).unwrap_or(out);
    let report = Report {
        missing_pkgbases: vec![
            one(
                "ghc",
                "extra",
                "9.4.8-4",
                &["ghc", "ghc-libs", "ghc-static"],
            ),
            one("pypy3", "extra", "7.3.17-1", &["pypy3"]),
        ],
        outdated_any: vec![pair(
            "python-setuptools",
            "extra",
            "1:75.6.0-1",
            "1:75.1.0-1",
        )],
        target_newer: vec![pair("linux-aarch64", "core", "6.12.1-1", "6.12.3-1")],
        broken_deps: vec![BrokenDep {
            name: "qt6-webengine".into(),
            pkgbase: "qt6-webengine".into(),
            repo: "extra".into(),
            version: "6.8.0-2".into(),
            dependency: "libvpx.so=9-64".into(),
        }],
        unsatisfied_deps: vec![UnsatisfiedDep {
            name: "ffmpeg".into(),
            pkgbase: "ffmpeg".into(),
            repo: "extra".into(),
            version: "2:7.1-3".into(),
            dependency: "libx265.so=209-64".into(),
            candidates: vec![Candidate {
                package: "x265".into(),
                version: Some("212-64".into()),
            }],
            soname_drift: true,
        }],
        ..Report::default()
    };
    let html = render_analysis_html(
        &report,
        &AnalysisContext {
            target_arch: "aarch64".into(),
            generated_at: chrono::Utc::now(),
        },
    );
    let page = PathBuf::from(format!("{}.html", out.display()));
    if let Err(e) = archport_fs::write_atomic(&page, html.as_bytes()) {
        eprintln!("error: {}: {e}", page.display());
        std::process::exit(1);
    }
    let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary profile: {e}"));
    chromium::run(
        &page,
        profile.path(),
        &[
            &format!("--screenshot={}", out.display()),
            &format!("--window-size={size}"),
            "--hide-scrollbars",
        ],
    );
    println!("{}", out.display());
}
