//! Shared set-up of the CLI tests: a test world served on 127.0.0.1 and a config file
//! pointing every upstream at it.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use archport_testworld::{World, WorldSpec};

/// A test world plus a work directory holding `archport.toml`.
pub struct Env {
    pub world: World,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new(spec: WorldSpec) -> Env {
        let world = World::build(spec).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("archport.toml"),
            world.urls().config_toml(dir.path()),
        )
        .unwrap();
        Env { world, dir }
    }

    pub fn demo() -> Env {
        Env::new(archport_testworld::demo())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("archport.toml")
    }

    /// Replaces `key = ...` in `[section]` of the env's `archport.toml`, adding either when
    /// missing.
    pub fn set_config(&self, section: &str, key: &str, value: &str) {
        let path = self.config();
        let config = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        let mut current = String::new();
        let mut done = false;
        for line in config.lines() {
            if line.starts_with('[') {
                if current == section && !done {
                    out.push_str(&format!("{key} = {value}\n"));
                    done = true;
                }
                current = line.trim_matches(['[', ']']).to_owned();
            }
            if current == section && line.starts_with(&format!("{key} = ")) {
                out.push_str(&format!("{key} = {value}\n"));
                done = true;
                continue;
            }
            out.push_str(line);
            out.push('\n');
        }
        if !done {
            if current == section {
                out.push_str(&format!("{key} = {value}\n"));
            } else {
                out.push_str(&format!("\n[{section}]\n{key} = {value}\n"));
            }
        }
        std::fs::write(&path, out).unwrap();
    }

    /// [`operator_command`] in the work directory, with the logs there.
    pub fn command(&self, bin: &str) -> std::process::Command {
        operator_command(bin, self.path(), self.path())
    }

    /// A command for one of our binaries, run in the work directory with its config.
    pub fn cmd(&self, bin: &str) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin(bin).unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("ARCHPORT_CONFIG")
            .env("NO_COLOR", "1");
        cmd
    }
}

/// `bin` (one of the workspace's binaries) as an operator runs it in `dir`: no
/// `ARCHPORT_CONFIG`, no colour, stdin closed; the stand-in devtools log their calls to
/// `logs/devtools.log` and their builds to `logs/events.log`.
pub fn operator_command(bin: &str, dir: &Path, logs: &Path) -> std::process::Command {
    let program = match bin {
        "build-packages" => env!("CARGO_BIN_EXE_build-packages"),
        "generate-build-list" => env!("CARGO_BIN_EXE_generate-build-list"),
        "bootstrap-toolchain" => env!("CARGO_BIN_EXE_bootstrap-toolchain"),
        "repo-analyze" => env!("CARGO_BIN_EXE_repo-analyze"),
        _ => panic!("unknown binary {bin}"),
    };
    let mut cmd = std::process::Command::new(program);
    cmd.current_dir(dir)
        .env_remove("ARCHPORT_CONFIG")
        .env("NO_COLOR", "1")
        .env("FAKE_DEVTOOLS_LOG", logs.join("devtools.log"))
        .env("FAKE_BUILD_EVENTS", logs.join("events.log"))
        .stdin(std::process::Stdio::null());
    cmd
}

/// Replaces what varies between runs (temp paths, ports, timestamps) for snapshots.
pub fn scrub(text: &str, env: &Env) -> String {
    let mut out = text.replace(&env.path().display().to_string(), "[WORKDIR]");
    out = out.replace(&env.world.root().display().to_string(), "[WORLD]");
    out = out.replace(&format!(":{}", env.world.server().port()), ":[PORT]");
    out
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Polls `check` until it gives a value; a bound (not a timing assertion) so that a broken
/// build fails the test instead of hanging it.
pub fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The file names under `dir`, recursively, with sizes and modification times: what a
/// command that touches nothing leaves exactly as it was.
pub fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.path().symlink_metadata().unwrap();
            out.insert(
                entry.path().strip_prefix(dir).unwrap().to_path_buf(),
                (meta.len(), meta.modified().unwrap()),
            );
            if meta.is_dir() {
                todo.push(entry.path());
            }
        }
    }
    out
}

/// The live (not zombie) processes of process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<String> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let rest = stat.rsplit_once(')').unwrap().1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields[2] == pgid.to_string() && !matches!(fields[0], "Z" | "X") {
            members.push(stat);
        }
    }
    members
}

/// One command of a session: what was typed and what came out.
pub struct Run {
    pub program: String,
    pub args: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    /// The exit code; killed by a signal: the shell's 128 + signal.
    pub code: i32,
}

impl Run {
    pub fn from_output(program: &str, args: &[&str], output: std::process::Output) -> Run {
        use std::os::unix::process::ExitStatusExt as _;
        Run {
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            code: output
                .status
                .code()
                .unwrap_or_else(|| 128 + output.status.signal().unwrap_or(0)),
        }
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn exits(self, code: i32) -> Run {
        assert_eq!(
            self.code,
            code,
            "{} {}\nstderr:\n{}\nstdout:\n{}",
            self.program,
            self.args.join(" "),
            self.stderr,
            self.stdout
        );
        self
    }

    /// Asserts exit 0.
    pub fn ok(self) -> Run {
        self.exits(0)
    }

    /// The run as a terminal shows it (stderr, then stdout), passed through `clean`.
    pub fn transcript_with(&self, clean: impl Fn(&str) -> String) -> String {
        let typed: Vec<&str> = std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect();
        let mut out = format!("$ {}\n", typed.join(" "));
        out.push_str(&self.stderr);
        if !self.stdout.is_empty() {
            out.push_str("[stdout]\n");
            out.push_str(&self.stdout);
        }
        out.push_str(&format!("[exit {}]\n", self.code));
        clean(&out)
    }
}

impl Env {
    /// Points the configuration's devtools at the test world's stand-ins (which build with
    /// makepkg as the unprivileged build user, created here when missing), with chroot and
    /// cache in the work directory and the `local` upload backend; `extra` is appended.
    pub fn use_fake_devtools(&self, extra: &str) {
        let scratch = tempfile::tempdir().unwrap();
        archport_testworld::prepare_build_dir(scratch.path()).unwrap();
        let fake = archport_testworld::fake_devtools_dir();
        let tool = |name: &str| fake.join(name).display().to_string();
        let config = std::fs::read_to_string(self.config()).unwrap().replace(
            "[paths]\n",
            "[paths]\nchroot = \"chroot\"\ncache = \"cache-pacman\"\n",
        );
        let config = format!(
            "{config}\n[tools]\nmakechrootpkg = \"{}\"\narch_nspawn = \"{}\"\nmkarchroot = \"{}\"\n\
             sudo = \"{}\"\nbuild_user = \"{}\"\n\n[upload]\nbackend = \"local\"\n{extra}",
            tool("makechrootpkg"),
            tool("arch-nspawn"),
            tool("mkarchroot"),
            tool("sudo"),
            archport_testworld::BUILD_USER,
        );
        std::fs::write(self.config(), config).unwrap();
    }
}
#[path = "../../crates/queue/tests/support/pg.rs"]
pub mod pg;
