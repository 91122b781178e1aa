//! Benchmark of the steady-state cron run: `generate-build-list` on the full-size world
//! (the real 2024 core and extra databases, 11,465 pkgbases) when nothing changed since
//! the last run, so nothing is fetched.
//!
//! ```sh
//! cargo run --release --example steady_state                  # 5 timed runs
//! cargo run --release --example steady_state -- --runs 10
//! cargo run --release --example steady_state -- --identical   # target = x86_64: empty list
//! cargo run --release --example steady_state -- --serve       # set up, serve until Enter
//! ```
//!
//! Set-up, done once: the world (`archport_testworld::RealDataWorld`, by default 2% of the
//! pkgbases missing on the target and 5% older) is served on 127.0.0.1; one
//! `--missing-packages` run caches the databases and clones the state repository; then
//! every pkgbase the run will list, missing dependencies included, gets a checkout holding
//! its real `.SRCINFO` (from `shared/realdata/full-2024/srcinfo.tar.zst`) at the version
//! the state repository records, as a previous run would have left it. The world has no
//! packaging repositories, so any git operation on a PKGBUILD would fail: the timed runs
//! are checked to print only `already up to date` lines.
//!
//! Each timed run is the real binary under `/usr/bin/time -v` (wall time, peak resident
//! memory): 304 answers for the four databases, a fetch of the unchanged state repository,
//! the comparison, reading every checkout's `.SRCINFO`, the missing dependencies, the
//! graph and its order, and writing the list.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use archport_generate::{Console, Options, Outcome};
use archport_testworld::{RealDataOptions, RealDataWorld, default_data_dir};
use bins::build_binaries;

#[path = "support/bins.rs"]
mod bins;

struct Args {
    runs: usize,
    identical: bool,
    serve: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        runs: 5,
        identical: false,
        serve: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => {
                args.runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--runs needs a positive number")?;
            }
            "--identical" => args.identical = true,
            "--serve" => args.serve = true,
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: steady_state [--runs N] [--identical] [--serve]"
                ));
            }
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    archport_realdata::path_or_exit("steady_state", "full-2024");
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("steady_state: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let bins = build_binaries(&["generate-build-list"])?;
    let binary = bins.join("generate-build-list");

    let options = if args.identical {
        RealDataOptions {
            missing_per_mille: 0,
            older_per_mille: 0,
            ..RealDataOptions::default()
        }
    } else {
        RealDataOptions::default()
    };
    let started = Instant::now();
    let world = RealDataWorld::build(&options).map_err(|e| e.to_string())?;
    let config_path = world.root().join("archport.toml");
    world
        .write_config(&config_path)
        .map_err(|e| e.to_string())?;
    let config_arg = config_path.display().to_string();
    eprintln!(
        "World of {} pkgbases ({} differ on the target) in {} ({:.1} s)",
        world.pkgbases().len(),
        world.target_changes().len(),
        world.root().display(),
        started.elapsed().as_secs_f64()
    );

    let prime = Command::new(&binary)
        .args(["--config", &config_arg, "-q", "--missing-packages"])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !prime.success() {
        return Err(format!("the priming run failed ({prime})"));
    }
    let checkouts = prepare_checkouts(world.root(), &config_path)?;
    eprintln!("{checkouts} checkouts at the state repository's versions");

    let check = Command::new(&binary)
        .args(["--config", &config_arg])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let stderr = String::from_utf8_lossy(&check.stderr);
    let moved: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("Processing ") && !l.contains("(already up to date: "))
        .collect();
    if !check.status.success() || !moved.is_empty() {
        return Err(format!(
            "the untimed run is not a steady state ({}): {}",
            check.status,
            moved.join("; ")
        ));
    }
    if let Some(summary) = stderr.lines().find(|l| l.contains(" to build (")) {
        eprintln!("Each run: {summary}");
    }

    if args.serve {
        eprintln!(
            "Serving until Enter is pressed (the world is then removed). For example:\n  hyperfine --warmup 1 '{} --config {config_arg} -q'\n  /usr/bin/time -v {} --config {config_arg} -q",
            binary.display(),
            binary.display()
        );
        let mut line = String::new();
        // Returns on Enter or end of input; either way the world is dropped and removed.
        let _ = std::io::stdin().read_line(&mut line);
        return Ok(());
    }

    let mut samples = Vec::new();
    for i in 1..=args.runs {
        let sample = timed_run(&binary, &config_arg)?;
        eprintln!(
            "run {i}: {:.3} s wall, {} MiB peak resident",
            sample.wall.as_secs_f64(),
            sample.max_rss_kib / 1024
        );
        samples.push(sample);
    }
    let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    walls.sort();
    let peak = samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0);
    println!(
        "generate-build-list, steady state, {} runs: wall min {:.3} s, median {:.3} s, max {:.3} s; peak resident {} MiB",
        walls.len(),
        walls[0].as_secs_f64(),
        walls[walls.len() / 2].as_secs_f64(),
        walls[walls.len() - 1].as_secs_f64(),
        peak / 1024
    );
    Ok(())
}

/// Gives every pkgbase the run will list a checkout with its real `.SRCINFO`, as a previous
/// run would have left it. The list comes from a dry run (which itself reads the checkouts
/// already there), repeated until it stops growing, since a `.SRCINFO` may name missing
/// dependencies the database did not. Returns the number of checkouts.
fn prepare_checkouts(root: &Path, config_path: &Path) -> Result<usize, String> {
    let srcinfo_dir = root.join("srcinfo");
    std::fs::create_dir_all(&srcinfo_dir).map_err(|e| format!("{}: {e}", srcinfo_dir.display()))?;
    let archive = default_data_dir().join("srcinfo.tar.zst");
    let status = Command::new("tar")
        .arg("--zstd")
        .arg("-xf")
        .arg(&archive)
        .arg("-C")
        .arg(&srcinfo_dir)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.success() {
        return Err(format!("tar -xf {} failed ({status})", archive.display()));
    }

    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let config =
        archport_config::Config::load(Some(config_path), &cwd).map_err(|e| e.to_string())?;
    let workdir = config.workdir();
    let options = Options {
        dry_run: true,
        jobs: 1,
        command_line: "generate-build-list --dry-run".to_owned(),
        ..Options::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut placed = 0;
    loop {
        let list = match runtime.block_on(archport_generate::run(
            &config,
            &options,
            &Console::silent(),
        )) {
            Ok(Outcome::DryRun { list }) => list,
            Ok(_) => return Err("a dry run wrote something".to_owned()),
            Err(e) => return Err(e.to_string()),
        };
        let mut added = 0;
        for entry in &list.packages {
            let dest = workdir.pkgbuild_dir(&entry.name);
            if dest.join(".SRCINFO").exists() {
                continue;
            }
            let source = srcinfo_dir
                .join(&entry.repo)
                .join(&entry.name)
                .join(".SRCINFO");
            std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
            std::fs::copy(&source, dest.join(".SRCINFO"))
                .map_err(|e| format!("{}: {e}", source.display()))?;
            added += 1;
        }
        if added == 0 {
            return Ok(placed);
        }
        placed += added;
    }
}

/// One run's wall time and peak resident set size.
struct Sample {
    wall: Duration,
    max_rss_kib: u64,
}

/// Runs the binary under `/usr/bin/time -v` and reads its report.
fn timed_run(binary: &PathBuf, config_arg: &str) -> Result<Sample, String> {
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(binary)
        .args(["--config", config_arg, "-q"])
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time (apt-get install time): {e}"))?;
    let report = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "the timed run failed ({}): {report}",
            output.status
        ));
    }
    let field = |name: &str| {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(str::trim)
            .ok_or_else(|| format!("no {name:?} in /usr/bin/time's report: {report}"))
    };
    let wall = parse_clock(field("Elapsed (wall clock) time (h:mm:ss or m:ss):")?)?;
    let max_rss_kib = field("Maximum resident set size (kbytes):")?
        .parse()
        .map_err(|e| format!("maximum resident set size: {e}"))?;
    Ok(Sample { wall, max_rss_kib })
}

/// `1:02.34` or `1:02:03.45` (GNU time's format).
fn parse_clock(text: &str) -> Result<Duration, String> {
    let mut seconds = 0.0;
    for part in text.split(':') {
        let value: f64 = part
            .parse()
            .map_err(|_| format!("bad elapsed time {text:?}"))?;
        seconds = seconds * 60.0 + value;
    }
    Ok(Duration::from_secs_f64(seconds))
}
