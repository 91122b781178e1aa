//! The systematic kill test (issue 11 §10): a reference run of a small build list records
//! every call build-packages makes to the outside world (the stand-in devtools and the real
//! `repo-add`, each behind a recording wrapper); then, for every event k of that sequence, a
//! fresh session runs the same list, is stopped just after event k and killed with SIGKILL
//! (the whole process tree, like a power cut), and `build-packages --continue` finishes it.
//!
//! Each wrapper logs two events into one ordered log: `call <tool> <args>` before it runs the
//! real tool and `exit <tool> <code>` after. When the log reaches line `KILL_AT`, the wrapper
//! stops there (before the tool runs for a `call`, after it ran but before build-packages sees
//! its exit for an `exit`) and the test kills the run: so every kill point is exact, and the
//! kill points cover the moments just before and just after each step of the run (preparing
//! the chroot, each build, each publication).
//!
//! After each `--continue` the test checks: exit 0; every package of the reference run is in
//! the repository databases exactly once and at the reference version; each package file was
//! added by a completed repo-add exactly once across both runs (a repo-add stopped before it
//! ran does not count); a package whose repo-add completed in the killed run is not built
//! again; nothing is left queued or interrupted; and no working copy or temporary file is
//! left (see [`Session::leftovers`]).

mod common;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Env, Run, wait_until};

/// The build list: ninja needs re2c (a chain), zlib stands alone.
const PACKAGES: &[&str] = &["ninja", "zlib"];

/// The config keys of the tools build-packages calls, with the wrapper name each gets.
const TOOLS: &[(&str, &str)] = &[
    ("makechrootpkg", "makechrootpkg"),
    ("arch_nspawn", "arch-nspawn"),
    ("mkarchroot", "mkarchroot"),
    ("sudo", "sudo"),
    ("repo_add", "repo-add"),
];

/// One event of the ordered log.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Event {
    /// `call` or `exit`.
    kind: String,
    tool: String,
    /// For a `call`, the arguments (paths reduced to their file names, so that sessions in
    /// different directories compare); for an `exit`, the exit code.
    rest: Vec<String>,
}

impl Event {
    fn parse(line: &str) -> Event {
        let mut words = line.split(' ');
        let kind = words.next().unwrap_or_default().to_owned();
        let tool = words.next().unwrap_or_default().to_owned();
        let rest = words
            .map(|w| w.rsplit('/').next().unwrap_or(w).to_owned())
            .collect();
        Event { kind, tool, rest }
    }

    /// The package files a completed or started repo-add call names.
    fn package_files(&self) -> Vec<String> {
        self.rest
            .iter()
            .filter(|w| w.contains(".pkg.tar"))
            .cloned()
            .collect()
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.kind, self.tool, self.rest.join(" "))
    }
}

/// A work directory with the build list, the stand-in devtools and the recording wrappers.
struct Session {
    env: Env,
}

impl Session {
    fn new() -> Session {
        let env = Env::new(archport_testworld::demo());
        env.use_fake_devtools("");
        let wrappers = env.path().join("wrap");
        std::fs::create_dir(&wrappers).unwrap();
        let mut config = std::fs::read_to_string(env.config()).unwrap();
        for (key, name) in TOOLS {
            let prefix = format!("{key} = \"");
            let real = match config.lines().find(|l| l.starts_with(&prefix)) {
                Some(line) => {
                    let real = line[prefix.len()..line.len() - 1].to_owned();
                    config = config.replace(&format!("{line}\n"), "");
                    real
                }
                None => (*name).to_owned(),
            };
            let wrapper = wrappers.join(name);
            write_wrapper(&wrapper, name, &real);
            config = config.replace(
                "[tools]\n",
                &format!("[tools]\n{key} = \"{}\"\n", wrapper.display()),
            );
        }
        std::fs::write(env.config(), config).unwrap();
        let s = Session { env };
        let mut args = vec!["--jobs", "1", "--packages"];
        args.extend(PACKAGES);
        let out = s
            .command("generate-build-list")
            .args(&args)
            .output()
            .unwrap();
        Run::from_output("generate-build-list", &args, out).exits(0);
        s
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.env.path().join(relative)
    }

    fn command(&self, bin: &str) -> Command {
        let mut cmd = self.env.command(bin);
        cmd.env_remove("KILL_AT")
            .env("FAKE_BUILD_EVENTS", self.path("builds.log"))
            .env("KILL_EVENTS", self.path("events.log"));
        cmd
    }

    fn bp(&self, args: &[&str]) -> Run {
        let out = self.command("build-packages").args(args).output().unwrap();
        Run::from_output("build-packages", args, out)
    }

    /// build-packages in a process group of its own, stopping at event `kill_at`.
    fn spawn_bp(&self, kill_at: usize) -> Child {
        self.command("build-packages")
            .args(["--parallel-jobs", "1"])
            .env("KILL_AT", kill_at.to_string())
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn events(&self) -> Vec<Event> {
        std::fs::read_to_string(self.path("events.log"))
            .unwrap_or_default()
            .lines()
            .map(Event::parse)
            .collect()
    }

    /// The pkgbases the stand-in makechrootpkg started building, in order.
    fn started(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("builds.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("start "))
            .map(|l| l.split(' ').nth(2).unwrap().to_owned())
            .collect()
    }

    /// Each published package (`repo name version`) with how often the repository databases
    /// hold it.
    fn published(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for repo in ["core-testing", "extra-testing"] {
            let db = self
                .path("repo")
                .join(repo)
                .join("os/aarch64")
                .join(format!("{repo}.db"));
            if !db.exists() {
                continue;
            }
            for p in archport_repodb::read_db(&db, repo).unwrap() {
                *out.entry(format!("{repo} {} {}", p.name(), p.version()))
                    .or_default() += 1;
            }
        }
        out
    }

    /// What a run must not leave: `archport-*` working copies in the chroot directory (its
    /// lock files aside), and anywhere in the work directory (the chroot's insides and
    /// `.git` aside: the repositories, the package cache, the PKGBUILD checkouts, the state)
    /// partial downloads (`*.part`), repo-add locks (`*.lck`), half-unpacked sources
    /// (`*.unpacking`) and temporary files of atomic writes (`.tmp*`, `*.tmp`).
    fn leftovers(&self) -> Vec<String> {
        let mut left = Vec::new();
        if let Ok(entries) = std::fs::read_dir(self.path("chroot")) {
            for e in entries {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                if name.starts_with("archport-") && !name.ends_with(".lock") {
                    left.push(format!("chroot/{name}"));
                }
            }
        }
        let root = self.env.path().to_path_buf();
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                if name == ".git" || (dir == root && (name == "chroot" || name == "wrap")) {
                    continue;
                }
                if e.file_type().unwrap().is_dir() {
                    pending.push(e.path());
                }
                if name.ends_with(".part")
                    || name.ends_with(".lck")
                    || name.ends_with(".unpacking")
                    || name.starts_with(".tmp")
                    || name.ends_with(".tmp")
                {
                    left.push(relative(&root, &e.path()));
                }
            }
        }
        left
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A wrapper that logs `call` and `exit` events around `real` and stops at line `KILL_AT`
/// of the log (the `.stopped` file tells the test it is there).
fn write_wrapper(path: &Path, name: &str, real: &str) {
    std::fs::write(
        path,
        format!(
            "#!/bin/bash\n\
             log() {{\n\
               echo \"$1\" >> \"$KILL_EVENTS\"\n\
               if [ \"$(wc -l < \"$KILL_EVENTS\")\" = \"${{KILL_AT:-0}}\" ]; then\n\
                 touch \"$KILL_EVENTS.stopped\"\n\
                 while :; do sleep 1; done\n\
               fi\n\
             }}\n\
             log \"call {name} $*\"\n\
             '{real}' \"$@\"\n\
             rc=$?\n\
             log \"exit {name} $rc\"\n\
             exit $rc\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A power cut: build-packages (leader of its own process group) and everything it started
/// die at once; its builds run in process groups of their own, so those are killed too.
fn power_cut(mut child: Child) {
    let pid = child.id();
    let mut groups = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if entry.file_name().to_string_lossy().parse::<u32>().is_err() {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        // Children of build-packages and their process groups.
        if fields[1] == pid.to_string() {
            groups.push(fields[2].to_owned());
        }
    }
    groups.push(pid.to_string());
    groups.sort();
    groups.dedup();
    for g in &groups {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{g}")])
            .stderr(Stdio::null())
            .status();
    }
    child.wait().unwrap();
}

/// The reference run: no kill; every package published once.
fn reference() -> (Vec<Event>, BTreeMap<String, usize>) {
    let s = Session::new();
    s.bp(&["--parallel-jobs", "1"]).exits(0);
    let published = s.published();
    assert!(
        published.len() >= 3 && published.values().all(|&n| n == 1),
        "reference run: {published:?}"
    );
    assert_eq!(s.leftovers(), Vec::<String>::new(), "reference run");
    (s.events(), published)
}

/// Completed repo-add calls per package file.
fn completed_adds(events: &[Event]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if e.kind != "exit"
            || e.tool != "repo-add"
            || e.rest.first().map(String::as_str) != Some("0")
        {
            continue;
        }
        let call = events[..i]
            .iter()
            .rev()
            .find(|c| c.kind == "call" && c.tool == "repo-add")
            .unwrap();
        for f in call.package_files() {
            *out.entry(f).or_default() += 1;
        }
    }
    out
}

/// Kills a fresh run just after event `k` (1-based) of the reference, continues it, and
/// returns what went wrong.
fn kill_at(k: usize, reference: &[Event], expected: &BTreeMap<String, usize>) -> Vec<String> {
    let s = Session::new();
    let child = s.spawn_bp(k);
    wait_until(&format!("event {k}"), || {
        s.path("events.log.stopped").exists().then_some(())
    });
    power_cut(child);
    let mut errors = Vec::new();
    let before = s.events();
    if before.len() != k || before[..] != reference[..k] {
        errors.push(format!(
            "the killed run's events differ from the reference's first {k}: {:?}",
            before.iter().map(ToString::to_string).collect::<Vec<_>>()
        ));
        return errors;
    }
    let started_before = s.started().len();
    let added_before = completed_adds(&before);

    let run = s.bp(&["--continue"]);
    if run.code != 0 {
        errors.push(format!(
            "--continue exited {}: {}",
            run.code,
            run.stderr.trim()
        ));
    }
    let published = s.published();
    if &published != expected {
        errors.push(format!(
            "repository databases hold {published:?}, expected {expected:?}"
        ));
    }
    let all = s.events();
    let added = completed_adds(&all);
    let expected_files = completed_adds(reference);
    // Killed between repo-add's exit and build-packages recording it, the run cannot tell
    // from its own state whether the files were added: `--continue` adds them again
    // ("published again"), which repo-add makes harmless (the database still holds each
    // package once, checked above). That one window allows a second completed repo-add of
    // the files of that call, and only of those (reported in the issue 11 §10 notes).
    let window: Vec<String> =
        if reference[k - 1].kind == "exit" && reference[k - 1].tool == "repo-add" {
            reference[..k - 1]
                .iter()
                .rev()
                .find(|c| c.kind == "call" && c.tool == "repo-add")
                .map(Event::package_files)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
    if !window.is_empty() && !run.stderr.contains("published again") {
        errors.push(format!("{window:?} not reported as published again"));
    }
    for (file, n) in &added {
        let allowed = if window.contains(file) { 2 } else { 1 };
        if *n > allowed {
            errors.push(format!("{file} added by {n} completed repo-add calls"));
        }
    }
    for file in expected_files.keys() {
        if !added.contains_key(file) {
            errors.push(format!("{file} never added"));
        }
    }
    for pkgbase in &s.started()[started_before..] {
        if added_before
            .keys()
            .any(|f| f.starts_with(&format!("{pkgbase}-")))
        {
            errors.push(format!(
                "{pkgbase} built again after its repo-add completed"
            ));
        }
    }
    let left = s.leftovers();
    if !left.is_empty() {
        errors.push(format!("left behind: {left:?}"));
    }
    let status = s.bp(&["--status", "--json"]);
    match serde_json::from_str::<serde_json::Value>(&status.stdout) {
        Ok(status) => {
            if status["counts"]["queued"] != 0
                || status["counts"]["interrupted"] != 0
                || !status["run"]["finished_at"].is_string()
            {
                errors.push(format!("status after --continue: {status}"));
            }
        }
        Err(e) => errors.push(format!("--status --json: {e}: {}", status.stderr)),
    }
    if !errors.is_empty() {
        errors.push(format!("--continue's stderr:\n{}", run.stderr));
    }
    errors
}

#[test]
fn a_kill_after_every_event_then_continue_publishes_everything_once() {
    let (events, expected) = reference();
    eprintln!("{} kill points:", events.len());
    for (i, e) in events.iter().enumerate() {
        eprintln!("  k={} {e}", i + 1);
    }
    assert!(
        events.iter().filter(|e| e.tool == "repo-add").count() >= 2,
        "{events:?}"
    );
    let next = AtomicUsize::new(1);
    let failures = Mutex::new(BTreeMap::new());
    // Each session has its own directories and world: two at a time keep both cores busy.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    if k > events.len() {
                        break;
                    }
                    let result = std::panic::catch_unwind(|| kill_at(k, &events, &expected))
                        .unwrap_or_else(|e| {
                            let msg = e
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                                .unwrap_or_default();
                            vec![format!("panicked: {msg}")]
                        });
                    if !result.is_empty() {
                        failures.lock().unwrap().insert(k, result);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let report: Vec<String> = failures
        .iter()
        .map(|(k, errors)| {
            format!(
                "k={k} (killed just after `{}`):\n  {}",
                events[k - 1],
                errors.join("\n  ")
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} kill points failed:\n{}",
        failures.len(),
        events.len(),
        report.join("\n")
    );
}
