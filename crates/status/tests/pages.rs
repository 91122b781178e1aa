//! The pages and files without a browser: every string escaped in every section, the
//! `status.json` schema's keys, the status directory's contents, the analysis page.

#[path = "support/world.rs"]
mod world;

use archport_analyze::{
    BrokenDep, Candidate, Duplicate, OneSided, Orphaned, Report, UnsatisfiedDep, VersionPair,
};
use archport_status::{
    AnalysisContext, HISTORY_JSON, INDEX_HTML, STATUS_JSON, render_analysis_html, render_html,
    write_status_dir,
};

const EVIL: &str = "<script>x()</script>\"'&";
const EVIL_HTML: &str = "&lt;script&gt;x()&lt;/script&gt;&quot;&#39;&amp;";

/// Puts [`EVIL`] into every string of the status that reaches the page.
fn poison(status: &mut archport_status::Status) {
    let s = |text: &mut String| text.push_str(EVIL);
    s(&mut status.run.command);
    s(&mut status.run.list_path);
    s(&mut status.run.list_timestamp);
    status.run.hosts.push(EVIL.to_owned());
    for j in &mut status.running {
        s(&mut j.host);
        s(&mut j.pkgbase);
        s(&mut j.version);
        j.phase = Some(EVIL.to_owned());
    }
    for j in &mut status.failed {
        s(&mut j.pkgbase);
        s(&mut j.version);
        s(&mut j.cause);
        j.phase = Some(EVIL.to_owned());
    }
    for g in &mut status.blocked {
        s(&mut g.blocker);
        for p in &mut g.packages {
            s(&mut p.pkgbase);
            s(&mut p.version);
        }
    }
    for j in &mut status.built {
        s(&mut j.pkgbase);
        s(&mut j.version);
        s(&mut j.repo);
    }
    for j in &mut status.skipped {
        s(&mut j.pkgbase);
        s(&mut j.version);
        j.reason = Some(EVIL.to_owned());
    }
    for r in &mut status.last_runs {
        s(&mut r.command);
    }
    if let Some(log) = status.failed.first_mut().and_then(|f| f.log.as_mut()) {
        s(log);
    }
}

#[tokio::test]
async fn every_string_on_the_page_is_escaped() {
    let mut status = world::world().await.status;
    poison(&mut status);
    let html = render_html(&status);
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("x()</script>"));
    // Each poisoned string shows up escaped: command, list, hosts, every section's rows.
    let shown = html.matches(EVIL_HTML).count();
    assert!(shown >= 30, "{shown} escaped strings");
    assert!(html.contains("href=\"logs/"), "log links");
}

#[tokio::test]
async fn status_json_keeps_its_documented_keys() {
    let status = world::world().await.status;
    let value = serde_json::to_value(&status).unwrap();
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(value["schema"], 1);
    assert_eq!(
        keys(&value),
        [
            "blocked",
            "built",
            "categories",
            "counts",
            "done",
            "eta",
            "failed",
            "generated_at",
            "last_runs",
            "run",
            "running",
            "schema",
            "skipped",
            "total"
        ]
    );
    assert_eq!(
        keys(&value["run"]),
        [
            "command",
            "elapsed_secs",
            "finished_at",
            "hosts",
            "id",
            "list_path",
            "list_timestamp",
            "resumed_at",
            "start_failure",
            "started_at"
        ]
    );
    assert_eq!(
        keys(&value["eta"]),
        [
            "finish_at",
            "reason",
            "remaining",
            "seconds",
            "unknown_durations"
        ]
    );
    assert_eq!(
        keys(&value["failed"][0]),
        [
            "attempt",
            "blocks",
            "category",
            "cause",
            "cycle_stage",
            "failed_at",
            "failing_since",
            "log",
            "log_path",
            "phase",
            "pkgbase",
            "reason",
            "version"
        ]
    );
    assert_eq!(
        keys(&value["running"][0]),
        [
            "attempt",
            "cycle_stage",
            "elapsed_secs",
            "host",
            "log",
            "log_path",
            "phase",
            "pkgbase",
            "previous_secs",
            "slot",
            "started_at",
            "version"
        ]
    );
    assert_eq!(
        keys(&value["blocked"][0]),
        ["blocker", "category", "packages"]
    );
    assert_eq!(
        keys(&value["built"][0]),
        [
            "cycle_stage",
            "duration_secs",
            "finished_at",
            "log",
            "log_path",
            "pkgbase",
            "repo",
            "version"
        ]
    );
    assert_eq!(
        keys(&value["skipped"][0]),
        ["cycle_stage", "pkgbase", "reason", "version"]
    );
    assert_eq!(
        keys(&value["last_runs"][0]),
        [
            "command",
            "counts",
            "elapsed_secs",
            "finished_at",
            "id",
            "started_at"
        ]
    );
    // Every category and every state is present, zero included.
    assert_eq!(value["categories"].as_object().unwrap().len(), 12);
    assert_eq!(value["counts"].as_object().unwrap().len(), 7);
    assert_eq!(value["categories"]["checksum"], 1);
    assert_eq!(value["categories"]["download"], 2);
    assert_eq!(value["categories"]["build"], 1);
}

#[tokio::test]
async fn the_status_directory_is_complete_and_rewritable() {
    let world = world::world().await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("status");
    write_status_dir(&dir, &world.status, &world.history)
        .await
        .unwrap();
    // Again, as at the next transition: same files, nothing left over.
    write_status_dir(&dir, &world.status, &world.history)
        .await
        .unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [HISTORY_JSON, INDEX_HTML, "logs", STATUS_JSON]);
    let logs: Vec<String> = std::fs::read_dir(dir.join("logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // zlib (built), openssl, python, curl, the hostile one (failed), rust (running).
    assert_eq!(logs.len(), 6, "{logs:?}");
    for failed in &world.status.failed {
        let link = failed.log.as_deref().unwrap();
        let copy = std::fs::read(dir.join(link)).unwrap();
        let original = std::fs::read(failed.log_path.as_deref().unwrap()).unwrap();
        assert_eq!(copy, original, "{link}");
    }
    let history = archport_status::History::load(&dir.join(HISTORY_JSON)).unwrap();
    assert_eq!(history, world.history);
}

#[test]
fn the_analysis_page_shows_every_section_escaped() {
    let one = |name: &str| OneSided {
        pkgbase: format!("{name}{EVIL}"),
        repo: "extra".into(),
        version: "1.0-1".into(),
        pkgnames: vec![format!("{name}-doc{EVIL}")],
    };
    let pair = |name: &str| VersionPair {
        pkgbase: format!("{name}{EVIL}"),
        repo: "core".into(),
        x86_version: "2.0-1".into(),
        target_version: "1.9-3".into(),
    };
    let report = Report {
        repo_mismatches: vec![archport_analyze::RepoMismatch {
            pkgbase: format!("mm{EVIL}"),
            x86_repo: "core".into(),
            target_repo: "extra".into(),
            x86_version: "1-1".into(),
            target_version: "1-1".into(),
        }],
        target_newer: vec![pair("newer")],
        target_only: vec![one("only")],
        missing_pkgbases: vec![one("missing"), one("missing2")],
        outdated_any: vec![pair("outdated")],
        missing_any: vec![one("anymissing")],
        duplicates: vec![Duplicate {
            name: format!("dup{EVIL}"),
            kind: "target_pkgname",
            repos: vec!["core".into(), "extra".into()],
            versions: vec!["1-1".into(), "1-2".into()],
        }],
        broken_deps: vec![BrokenDep {
            name: "b".into(),
            pkgbase: "b".into(),
            repo: "extra".into(),
            version: "1-1".into(),
            dependency: format!("libgone.so=1{EVIL}"),
        }],
        unsatisfied_deps: vec![UnsatisfiedDep {
            name: "u".into(),
            pkgbase: "u".into(),
            repo: "extra".into(),
            version: "1-1".into(),
            dependency: "libfoo.so=5-64".into(),
            candidates: vec![Candidate {
                package: format!("foo{EVIL}"),
                version: Some("6-64".into()),
            }],
            soname_drift: true,
        }],
        orphaned: vec![Orphaned {
            name: format!("orphan{EVIL}"),
            pkgbase: "o".into(),
            repo: "extra".into(),
            version: "1-1".into(),
        }],
        ..Report::default()
    };
    let html = render_analysis_html(
        &report,
        &AnalysisContext {
            target_arch: "aarch64".into(),
            generated_at: world::start(),
        },
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(html.matches(EVIL_HTML).count() >= 12);
    for id in [
        "missing_pkgbases",
        "outdated_any",
        "missing_any",
        "target_newer",
        "target_only",
        "repo_mismatches",
        "duplicates",
        "broken_deps",
        "unsatisfied_deps",
        "orphaned",
    ] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "{id}");
    }
    assert!(html.contains("<b>2</b> missing"), "counts");
    assert!(
        html.contains("<code>2.0-1</code>") && html.contains("<code>1.9-3</code>"),
        "both sides"
    );
    assert!(html.contains("soname moved on: rebuild"));
    // An empty report says "none" in every section.
    let empty = render_analysis_html(
        &Report::default(),
        &AnalysisContext {
            target_arch: "aarch64".into(),
            generated_at: world::start(),
        },
    );
    assert_eq!(empty.matches("<p class=\"none\">none</p>").count(), 18);
}

#[tokio::test]
async fn refreshing_from_the_store_writes_the_directory_and_remembers_the_run() {
    use archport_queue::SqliteStore;
    let world = world::world().await;
    let store = SqliteStore::open(&world._workdir.path().join("state.db"))
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("status");
    let extras = archport_status::Extras {
        slots: 2,
        ..Default::default()
    };
    let first = archport_status::refresh_status_dir(&store, &dir, extras.clone())
        .await
        .unwrap()
        .unwrap();
    // The failures were classified from their logs, the durations read from the store.
    let categories: Vec<String> = first
        .failed
        .iter()
        .map(|f| f.category.to_string())
        .collect();
    assert_eq!(categories, ["checksum", "download", "build", "download"]);
    assert_eq!(first.running[0].previous_secs, Some(95.0 * 60.0));
    // No graph given: the ETA says so.
    assert!(
        first
            .eta
            .reason
            .as_deref()
            .unwrap()
            .contains("job graph unknown")
    );
    let again = archport_status::refresh_status_dir(&store, &dir, extras)
        .await
        .unwrap()
        .unwrap();
    let history = archport_status::History::load(&dir.join(HISTORY_JSON)).unwrap();
    // The directory's own history starts with this run: recorded once, however often
    // refreshed; the earlier run is unknown to it (it kept no directory then).
    assert_eq!(history.runs.len(), 1);
    assert_eq!(history.runs[0].id, again.run.id);
    assert!(again.last_runs.is_empty());
    let written: archport_status::Status =
        serde_json::from_str(&std::fs::read_to_string(dir.join(STATUS_JSON)).unwrap()).unwrap();
    assert_eq!(written, again);
}
