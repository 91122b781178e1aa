//! The offline demo: a small world with every case the tools handle, served on 127.0.0.1,
//! and the real binaries run against it.
//!
//! ```sh
//! cargo run --example demo              # world in ./demo-world/
//! cargo run --example demo -- DIR       # world in DIR (absent, empty or an earlier demo)
//! cargo run --example demo -- --serve   # keep serving afterwards, to try commands by hand
//! ```
//!
//! The world (`archport_testworld::demo()`) is rebuilt from scratch each time in the
//! directory, with `archport.toml` pointing every upstream at it: x86_64 and target mirrors
//! over HTTP on 127.0.0.1 (a new port each run), the state, packaging and AUR repositories
//! over `file://`. Nothing touches the network.
//!
//! The binaries are the workspace's own: the demo first builds them (`cargo build --bin
//! ...`) with the profile and target directory it was itself built with, so what it shows
//! is never the output of a stale binary. Once the workspace has `build-packages`, the demo
//! also runs `build-packages --dry-run` on the list.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use archport_buildlist::{BuildList, Entry};
use archport_testworld::World;
use bins::build_binaries;

#[path = "support/bins.rs"]
mod bins;

/// The default world directory, relative to the current directory.
const DEFAULT_DIR: &str = "demo-world";

struct Args {
    dir: PathBuf,
    serve: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dir: PathBuf::from(DEFAULT_DIR),
        serve: false,
    };
    let mut dir_given = false;
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--serve") => args.serve = true,
            Some("-h" | "--help") => {
                return Err(format!(
                    "usage: cargo run --example demo -- [--serve] [DIR (default {DEFAULT_DIR})]"
                ));
            }
            Some(flag) if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ if dir_given => return Err("only one directory may be given".to_owned()),
            _ => {
                args.dir = PathBuf::from(arg);
                dir_given = true;
            }
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("demo: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let args = parse_args()?;
    let bins = build_binaries(&["repo-analyze", "generate-build-list"])?;

    println!("Building the demo world in {} ...", args.dir.display());
    let world = World::at(&args.dir, archport_testworld::demo())
        .map_err(|e| format!("cannot build the demo world: {e}"))?;
    let config = world.root().join("archport.toml");
    world
        .write_config(&config)
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    println!(
        "  x86_64 mirror {}, target mirror {}, git repositories under {}",
        world.mirror_x86_url(),
        world.mirror_target_url(),
        world.root().join("git").display()
    );
    println!(
        "  config {}, work directory {}",
        config.display(),
        world.workdir().display()
    );

    let config_arg = config.display().to_string();
    run_tool(&bins, "repo-analyze", &["--config", &config_arg])?;
    let code = run_tool(&bins, "generate-build-list", &["--config", &config_arg])?;
    if code != 0 {
        return Err(format!("generate-build-list exited with {code}"));
    }

    let list_path = world.workdir().join("packages_to_build.json");
    let list = BuildList::read(&list_path).map_err(|e| e.to_string())?;
    println!();
    println!("{} ({} steps):", list_path.display(), list.packages.len());
    print_list(&list.packages);

    // The second half of the pipeline, once the workspace has it.
    let build_packages = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/build-packages.rs");
    if build_packages.is_file() {
        match build_binaries(&["build-packages"]) {
            Ok(_) => {
                run_tool(
                    &bins,
                    "build-packages",
                    &["--config", &config_arg, "--dry-run"],
                )?;
            }
            Err(e) => println!("\n(build-packages is not ready: {e})"),
        }
    }

    if args.serve {
        println!();
        println!(
            "Serving the demo world until interrupted (Ctrl-C). Try, for example:\n  {} --config {config_arg} --dry-run --packages sound",
            bins.join("generate-build-list").display()
        );
        loop {
            std::thread::park();
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs one of the binaries as the user would, its output going straight to the terminal.
fn run_tool(bins: &Path, tool: &str, args: &[&str]) -> Result<i32, String> {
    println!();
    println!("$ {tool} {}", args.join(" "));
    let status = Command::new(bins.join(tool))
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", bins.join(tool).display()))?;
    status
        .code()
        .ok_or_else(|| format!("{tool} was killed ({status})"))
}

/// One line per build step: stage, pkgbase, version, what the target has and why it is there.
fn print_list(entries: &[Entry]) {
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
    println!(
        "  stage  {:<width$}  {:<20}  {:<20}  notes",
        "pkgbase", "version", "target"
    );
    for e in entries {
        let mut notes = Vec::new();
        if e.pkgnames.len() > 1 || e.pkgnames.first() != Some(&e.name) {
            notes.push(format!("builds {}", e.pkgnames.join(", ")));
        }
        if let Some(group) = e.cycle_group {
            notes.push(match e.cycle_stage {
                Some(stage) => format!("cycle {group}, build {stage} of 2"),
                None => format!("cycle {group}"),
            });
        }
        if let Some(reason) = &e.added_reason {
            notes.push(format!("added: {reason}"));
        }
        if let Some(reason) = &e.skip {
            notes.push(format!("skipped: {}", reason.text_or("no reason given")));
        }
        let line = format!(
            "  {:>5}  {:<width$}  {:<20}  {:<20}  {}",
            e.build_stage,
            e.name,
            e.version_text(),
            e.arm_version.as_deref().unwrap_or("(absent)"),
            notes.join("; ")
        );
        println!("{}", line.trim_end());
    }
}
