//! A private PostgreSQL server for one test or bench binary (crates/queue's tests and bench,
//! and the workspace's end-to-end tests): Debian's `initdb`, `pg_ctl` and `createdb`
//! (the newest version under `/usr/lib/postgresql`), a data directory in a temporary
//! directory, listening on 127.0.0.1 on a free port, run as the unprivileged `archport-test`
//! user when the tests run as root (PostgreSQL refuses to run as root). Stopped when the
//! guard drops, also when a test panics.

#![allow(dead_code)] // each including binary uses part of it

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The unprivileged user that runs the server when the tests run as root.
const TEST_USER: &str = "archport-test";

/// The directory holding `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/<N>/bin`.
pub fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A running server; stopped on drop.
pub struct PgServer {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    user: Option<String>,
    stopped: bool,
}

impl PgServer {
    /// Starts a server; `durable` keeps fsync on (benchmarks), tests run without it.
    /// Panics with what to install when the binaries are missing.
    pub fn start(durable: bool) -> PgServer {
        let bin = find_bin().unwrap_or_else(|| {
            panic!(
                "PostgreSQL server binaries (initdb, pg_ctl) not found under \
                 /usr/lib/postgresql/<version>/bin: apt-get install postgresql"
            )
        });
        let dir = tempfile::Builder::new()
            .prefix("archport-pg-")
            .tempdir()
            .expect("a temporary directory for PostgreSQL");
        let is_root = std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(1)
            == 0;
        let user = is_root.then(|| TEST_USER.to_owned());
        if is_root {
            let uid = id_of("-u");
            let gid = id_of("-g");
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("chown the PostgreSQL directory to archport-test");
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let server = PgServer {
            bin,
            dir,
            port,
            user,
            stopped: true,
        };
        let data = server.data();
        server.run(
            "initdb",
            &[
                "-D",
                path_str(&data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        let socket_dir = server.dir.path().display().to_string();
        let mut conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{socket_dir}'\n\
             max_connections = 200\n"
        );
        if !durable {
            conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        let conf_path = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path).expect("read postgresql.conf");
        text.push_str(&conf);
        std::fs::write(&conf_path, text).expect("write postgresql.conf");
        let mut server = server;
        server.pg_ctl("start");
        server.stopped = false;
        server
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// Runs one of the server binaries, as the test user when root.
    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = match &self.user {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        let output = command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
        assert!(
            output.status.success(),
            "{} {args:?} failed: {}{}\nserver log: {}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.log()).unwrap_or_default()
        );
    }

    fn pg_ctl(&self, action: &str) {
        let data = self.data();
        let log = self.log();
        self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data),
                "-l",
                path_str(&log),
                "-w",
                "-t",
                "60",
                "-m",
                "fast",
                action,
            ],
        );
    }

    /// Restarts the server (fast shutdown: open connections are cut).
    pub fn restart(&self) {
        self.pg_ctl("restart");
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database `name` (with Debian's `createdb`) and returns its URL.
    pub fn create_database(&self, name: &str) -> String {
        let port = self.port.to_string();
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name],
        );
        self.url(name)
    }

    /// Stops the server (fast shutdown: open connections are cut).
    pub fn stop(&self) {
        self.pg_ctl("stop");
    }

    /// Starts the stopped server again on the same port and data.
    pub fn start_again(&self) {
        self.pg_ctl("start");
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if !self.stopped {
            self.stopped = true;
            let data = self.data();
            let program = self.bin.join("pg_ctl");
            let args = ["-D", path_str(&data), "-w", "-m", "immediate", "stop"];
            let _ = match &self.user {
                Some(user) => Command::new("runuser")
                    .args(["-u", user, "--"])
                    .arg(&program)
                    .args(args)
                    .output(),
                None => Command::new(&program).args(args).output(),
            };
        }
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn id_of(flag: &str) -> u32 {
    let output = Command::new("id")
        .args([flag, TEST_USER])
        .output()
        .expect("run id");
    assert!(
        output.status.success(),
        "user {TEST_USER} is missing: the tests run PostgreSQL as it when root"
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a numeric id")
}
