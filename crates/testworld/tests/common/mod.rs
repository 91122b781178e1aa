//! Helpers shared by the integration tests: a build directory for real makepkg, a minimal
//! HTTP/1.1 client for the mirror server, and reading sync databases back.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses a subset; unwraps fail tests

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use archport_testworld::{PkgbaseSpec, makepkg_command, prepare_build_dir, render_pkgbuild};

/// A temporary directory holding `spec`'s PKGBUILD, ready for makepkg.
pub struct BuildDir {
    pub temp: tempfile::TempDir,
    pub dir: PathBuf,
    pub user: Option<&'static str>,
}

impl BuildDir {
    pub fn new(spec: &PkgbaseSpec) -> BuildDir {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join(&spec.name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("PKGBUILD"), render_pkgbuild(spec).unwrap()).unwrap();
        let user = prepare_build_dir(temp.path()).unwrap();
        BuildDir { temp, dir, user }
    }

    /// Runs makepkg with `args` and returns stdout; panics with stderr on failure.
    pub fn makepkg(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let mut command = makepkg_command(&self.dir, self.user);
        command.args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "makepkg {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }
}

/// A response from [`http_get`].
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// GET (or HEAD) `url` (`http://127.0.0.1:PORT/path`) with extra headers, one connection
/// per request.
pub fn http_request(method: &str, url: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (key, value) in headers {
        request.push_str(&format!("{key}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|line| {
            let (k, v) = line.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_owned())
        })
        .collect::<BTreeMap<_, _>>();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v == "chunked")
    {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

pub fn http_get(url: &str, headers: &[(&str, &str)]) -> HttpResponse {
    http_request("GET", url, headers)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// The `*/desc` files of a sync database (any compression bsdtar reads), by directory name,
/// extracted with the real `bsdtar`.
pub fn bsdtar_descs(db: &Path) -> BTreeMap<String, String> {
    let out = tempfile::tempdir().unwrap();
    run(
        "bsdtar",
        &[
            "-xf".as_ref(),
            db.as_os_str(),
            "-C".as_ref(),
            out.path().as_os_str(),
        ],
    );
    let mut descs = BTreeMap::new();
    for entry in std::fs::read_dir(out.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(entry.path().join("desc")).unwrap();
        descs.insert(name, text);
    }
    descs
}

/// Runs a program and returns its stdout, panicking with stderr on failure.
pub fn run(program: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs git with string arguments.
pub fn git(args: &[&str]) -> String {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    run("git", &args)
}
