//! The mirror server: full and conditional responses, 404s, injected failures, mounts and
//! the request log.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use archport_testworld::{MirrorServer, PkgbaseSpec, RequestRecord, World, WorldSpec};
use common::{http_get, http_request};

fn record(method: &str, path: &str, status: u16, conditional: bool) -> RequestRecord {
    RequestRecord {
        method: method.to_owned(),
        path: path.to_owned(),
        status,
        conditional,
    }
}

#[test]
fn conditional_requests_get_304_and_everything_is_logged() {
    let world =
        World::build(WorldSpec::new().pkgbase(PkgbaseSpec::new("zlib", "1.3.1-2"))).unwrap();
    let path = "/mirror-x86/extra/os/x86_64/extra.db";
    let url = world.server().url(path);

    let full = http_get(&url, &[]);
    assert_eq!(full.status, 200);
    assert_eq!(
        full.body,
        std::fs::read(world.root().join(&path[1..])).unwrap()
    );
    let etag = full.headers["etag"].clone();
    let last_modified = full.headers["last-modified"].clone();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    httpdate::parse_http_date(&last_modified).unwrap();

    let by_etag = http_get(&url, &[("If-None-Match", &etag)]);
    assert_eq!((by_etag.status, by_etag.body.len()), (304, 0));
    assert_eq!(by_etag.headers["etag"], etag);
    let weak = http_get(&url, &[("If-None-Match", &format!("\"other\", W/{etag}"))]);
    assert_eq!(weak.status, 304);
    let by_date = http_get(&url, &[("If-Modified-Since", &last_modified)]);
    assert_eq!(by_date.status, 304);
    let stale_date = http_get(
        &url,
        &[("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")],
    );
    assert_eq!(stale_date.status, 200);
    // A non-matching ETag wins over a matching date.
    let mismatch = http_get(
        &url,
        &[
            ("If-None-Match", "\"nope\""),
            ("If-Modified-Since", &last_modified),
        ],
    );
    assert_eq!(mismatch.status, 200);

    let head = http_request("HEAD", &url, &[]);
    assert_eq!(head.status, 200);
    assert_eq!(head.headers["content-length"], full.body.len().to_string());
    assert_eq!(http_request("POST", &url, &[]).status, 405);

    assert_eq!(
        http_get(
            &world.server().url("/mirror-x86/extra/os/x86_64/nothing.db"),
            &[]
        )
        .status,
        404
    );
    assert_eq!(
        http_get(&world.server().url("/mirror-x86/extra"), &[]).status,
        404,
        "directories are not files"
    );
    assert_eq!(
        http_get(&world.server().url("/mirror-x86/../../etc/passwd"), &[]).status,
        404
    );

    assert_eq!(
        world.server().take_requests(),
        [
            record("GET", path, 200, false),
            record("GET", path, 304, true),
            record("GET", path, 304, true),
            record("GET", path, 304, true),
            record("GET", path, 200, true),
            record("GET", path, 200, true),
            record("HEAD", path, 200, false),
            record("POST", path, 405, false),
            record("GET", "/mirror-x86/extra/os/x86_64/nothing.db", 404, false),
            record("GET", "/mirror-x86/extra", 404, false),
            record("GET", "/mirror-x86/../../etc/passwd", 404, false),
        ]
    );
    assert!(world.server().requests().is_empty());

    // A second "run" that revalidates everything makes only 304 requests.
    for url in [
        &url,
        &world
            .server()
            .url("/mirror-target/extra/os/aarch64/extra.db"),
    ] {
        let etag = http_get(url, &[]).headers["etag"].clone();
        world.server().take_requests();
        assert_eq!(http_get(url, &[("If-None-Match", &etag)]).status, 304);
        assert!(world.server().requests().iter().all(|r| r.status == 304));
    }
}

#[test]
fn failures_and_mounts() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("a.db"), b"in root").unwrap();
    let elsewhere = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(elsewhere.path(), b"mounted").unwrap();
    let server = MirrorServer::start(root.path()).unwrap();
    assert_eq!(http_get(&server.url("a.db"), &[]).body, b"in root");

    server.mount("x/y.db", elsewhere.path());
    assert_eq!(http_get(&server.url("x/y.db"), &[]).body, b"mounted");

    server.fail("a.db", 503);
    assert_eq!(http_get(&server.url("a.db"), &[]).status, 503);
    server.clear_failures();
    assert_eq!(http_get(&server.url("a.db"), &[]).status, 200);

    // Percent-encoded paths are decoded before lookup and in the log.
    std::fs::write(root.path().join("b:c~d.db"), b"odd").unwrap();
    assert_eq!(http_get(&server.url("b%3Ac~d.db"), &[]).body, b"odd");
    assert_eq!(server.requests().last().unwrap().path, "/b:c~d.db");
}

#[test]
fn dropping_the_server_stops_it() {
    let root = tempfile::tempdir().unwrap();
    let server = MirrorServer::start(root.path()).unwrap();
    let port = server.port();
    // An idle client connection must not keep the server alive.
    let _idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    drop(server);
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
