//! The status page of a real run (a SQLite queue filled through archport-queue, real
//! makepkg logs classified by archport-triage) rendered by headless Chromium: the DOM must
//! show the failures with their categories, log links that resolve, the counts, and a
//! hostile package name and log line as text.

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/world.rs"]
mod world;

use archport_status::{INDEX_HTML, STATUS_JSON, Status, write_status_dir};

/// The `<tr>...</tr>` of the table row naming `pkgbase` in bold.
fn row<'a>(dom: &'a str, pkgbase_html: &str) -> &'a str {
    let needle = format!("<b>{pkgbase_html}</b>");
    let at = dom
        .find(&needle)
        .unwrap_or_else(|| panic!("{needle} not in the page"));
    let start = dom[..at].rfind("<tr>").expect("row start");
    let end = at + dom[at..].find("</tr>").expect("row end");
    &dom[start..end]
}

#[tokio::test]
async fn chromium_shows_the_run_as_it_is() {
    let world = world::world().await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("status");
    write_status_dir(&dir, &world.status, &world.history)
        .await
        .unwrap();
    let dom = chromium::run(
        &dir.join(INDEX_HTML),
        &out.path().join("profile"),
        &["--dump-dom"],
    );

    // The failures, each with its category from its real log.
    for (pkgbase, category) in [
        ("openssl", "checksum"),
        ("python", "build"),
        ("curl", "download"),
    ] {
        let tr = row(&dom, pkgbase);
        assert!(
            tr.contains(&format!("class=\"badge {category}\"")),
            "{pkgbase}: {tr}"
        );
    }
    let openssl = row(&dom, "openssl");
    assert!(
        openssl.contains("One or more files did not pass the validity check!"),
        "{openssl}"
    );
    assert!(openssl.contains("failing since 2026-12-04"), "{openssl}");

    // Every log link resolves to a file of the status directory; the failures have one.
    let links: Vec<&str> = dom
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| !href.starts_with('#'))
        .collect();
    assert!(links.len() >= 5, "{links:?}");
    for link in &links {
        assert!(link.starts_with("logs/"), "{link}");
        let file = dir.join(link);
        assert!(file.is_file(), "{link} does not resolve");
    }
    let python_log = row(&dom, "python")
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let text = std::fs::read_to_string(dir.join(python_log)).unwrap();
    assert!(text.contains("A failure occurred in build()."), "{text}");

    // The counts, as the store has them.
    let status: Status =
        serde_json::from_str(&std::fs::read_to_string(dir.join(STATUS_JSON)).unwrap()).unwrap();
    assert_eq!(status, world.status);
    for (state, want) in [
        ("built", 1),
        ("failed", 4),
        ("blocked", 2),
        ("skipped", 1),
        ("building", 1),
        ("queued", 2),
    ] {
        assert_eq!(status.counts[state], want, "{state}");
        let tile = format!("<b>{want}</b> {state}</a>");
        assert!(dom.contains(&tile), "no tile {tile:?}");
    }
    assert!(dom.contains("8 of 11 jobs done"), "progress");
    assert!(dom.contains("ETA: 1h04m left"), "ETA");

    // The hostile name and log line are text: escaped in the DOM, and the only script
    // element is the page's own filter script (which ran: the filter box is shown).
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let hostile = row(&dom, escaped);
    assert!(hostile.contains("class=\"badge download\""), "{hostile}");
    assert!(
        hostile.contains(&format!(
            "Failure while downloading https://example.org/{escaped}\"'&amp;amp;.tar.gz"
        )),
        "{hostile}"
    );
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "a script element besides the page's own"
    );
    assert!(!dom.contains("<script>alert"), "hostile script in the DOM");
    assert!(
        dom.contains("<input id=\"filter\" type=\"search\""),
        "filter box"
    );
    assert!(
        !dom.contains("aria-label=\"Filter the tables\" hidden"),
        "the filter script did not run"
    );
}
