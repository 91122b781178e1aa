//! The status page of a real build of the demo world, with a screenshot.
//!
//! ```sh
//! cargo run --example demo_page                 # everything in ./demo-page/
//! cargo run --example demo_page -- DIR          # in DIR (absent, empty or an earlier one)
//! ```
//!
//! The demo world (`archport_testworld::demo()`, served on 127.0.0.1) goes through the real
//! `generate-build-list` and the real `build-packages` with the test world's stand-in
//! devtools (which build with the host's makepkg; as root they need the `archport-test`
//! user, created when missing) and its stand-in `repo-upload`. Failures are made the way
//! they happen: `ninja`'s and `cyc-a`'s builds fail in `build()` (`FAKE_FAIL_BUILD`) and
//! the upload of `sound`'s packages fails (`FAKE_FAIL_UPLOAD`), so the run has built,
//! failed, blocked and skipped packages. The status directory is then rendered from the
//! run's state store with the library call build-packages makes
//! (`archport_status::refresh_status_dir`), into `DIR/world/work/status/`, and headless
//! Chromium (Debian's `chromium`) takes `DIR/status-page.png` of it. The category counts
//! are printed at the end.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use archport_buildlist::BuildList;
use archport_queue::{SqliteStore, default_path};
use archport_status::{Extras, INDEX_HTML, refresh_status_dir};
use archport_testworld::World;
use bins::build_binaries;

#[path = "support/bins.rs"]
mod bins;

/// The default output directory, relative to the current directory.
const DEFAULT_DIR: &str = "demo-page";

/// The builds made to fail in `build()`, and the file-name text whose upload fails.
const FAIL_BUILD: &str = "ninja,cyc-a";
const FAIL_UPLOAD: &str = "sound-docs";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo_page: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let dir = match std::env::args_os().nth(1) {
        Some(arg) if arg == "-h" || arg == "--help" => {
            return Err(format!(
                "usage: cargo run --example demo_page -- [DIR (default {DEFAULT_DIR})]"
            ));
        }
        Some(arg) => PathBuf::from(arg),
        None => PathBuf::from(DEFAULT_DIR),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let dir = std::path::absolute(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let bins = build_binaries(&["generate-build-list", "build-packages"])?;

    println!(
        "Building the demo world in {} ...",
        dir.join("world").display()
    );
    let world = World::at(&dir.join("world"), archport_testworld::demo())
        .map_err(|e| format!("cannot build the demo world: {e}"))?;
    let config = world.root().join("archport.toml");
    write_config(&world, &config)?;
    let config_arg = config.display().to_string();
    let workdir = world.workdir();

    tool(
        &bins,
        &workdir,
        "generate-build-list",
        &["--config", &config_arg],
        &[],
    )?;
    let code = tool(
        &bins,
        &workdir,
        "build-packages",
        &["--config", &config_arg, "--parallel-jobs", "2"],
        &[
            ("FAKE_FAIL_BUILD", FAIL_BUILD),
            ("FAKE_FAIL_UPLOAD", FAIL_UPLOAD),
        ],
    )?;
    println!("build-packages exited with {code} (1: some builds failed, as intended)");

    let list =
        BuildList::read(&workdir.join("packages_to_build.json")).map_err(|e| e.to_string())?;
    let status_dir = workdir.join("status");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let status = runtime.block_on(async {
        let store = SqliteStore::open(&default_path(&workdir))
            .await
            .map_err(|e| e.to_string())?;
        let extras = Extras {
            graph: Some(archport_schedule::jobs_from_list(&list)),
            slots: 2,
            ..Extras::default()
        };
        refresh_status_dir(&store, &status_dir, extras)
            .await
            .map_err(|e| e.to_string())
    })?;
    let status = status.ok_or("the state store holds no run")?;

    let png = dir.join("status-page.png");
    screenshot(&status_dir.join(INDEX_HTML), &png)?;
    println!("status page: {}", status_dir.join(INDEX_HTML).display());
    println!("screenshot:  {}", png.display());
    println!(
        "counts: {}",
        status
            .counts
            .iter()
            .map(|(state, n)| format!("{state} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("failures by category:");
    for (category, n) in &status.categories {
        println!("  {:<13} {n}", category.as_str());
    }
    for failed in &status.failed {
        println!(
            "  {} [{}] {}",
            failed.pkgbase, failed.category, failed.cause
        );
    }
    Ok(())
}

/// The world's configuration with the stand-in devtools and repo-upload (as the build
/// tests set them up), the chroot and cache in the work directory.
fn write_config(world: &World, config: &Path) -> Result<(), String> {
    let scratch = world.root().join("build-scratch");
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    archport_testworld::prepare_build_dir(&scratch).map_err(|e| e.to_string())?;
    let fake = archport_testworld::fake_devtools_dir();
    let tool = |name: &str| fake.join(name).display().to_string();
    let base = world.urls().config_toml(&world.workdir()).replace(
        "[paths]\n",
        "[paths]\nchroot = \"work/chroot\"\ncache = \"work/cache-pacman\"\n",
    );
    let text = format!(
        "{base}\n[tools]\nmakechrootpkg = \"{}\"\narch_nspawn = \"{}\"\nmkarchroot = \"{}\"\n\
         sudo = \"{}\"\nbuild_user = \"{}\"\n\n[upload]\nbackend = \"repo-upload\"\ncommand = \"{}\"\n",
        tool("makechrootpkg"),
        tool("arch-nspawn"),
        tool("mkarchroot"),
        tool("sudo"),
        archport_testworld::BUILD_USER,
        tool("repo-upload"),
    );
    std::fs::write(config, text).map_err(|e| format!("{}: {e}", config.display()))
}

/// Runs one of the workspace's binaries in `workdir`, its output on the terminal, and
/// returns its exit code.
fn tool(
    bins: &Path,
    workdir: &Path,
    name: &str,
    args: &[&str],
    vars: &[(&str, &str)],
) -> Result<i32, String> {
    println!("\n$ {name} {}", args.join(" "));
    std::fs::create_dir_all(workdir).map_err(|e| format!("{}: {e}", workdir.display()))?;
    let status = Command::new(bins.join(name))
        .args(args)
        .current_dir(workdir)
        .env("NO_COLOR", "1")
        .env("FAKE_DEVTOOLS_LOG", workdir.join("devtools.log"))
        .envs(vars.iter().copied())
        .status()
        .map_err(|e| format!("cannot run {name}: {e}"))?;
    status
        .code()
        .ok_or_else(|| format!("{name} was killed ({status})"))
}

/// A full-page screenshot of `page` by headless Chromium into `png`.
fn screenshot(page: &Path, png: &Path) -> Result<(), String> {
    let profile = tempfile::tempdir().map_err(|e| format!("temporary profile: {e}"))?;
    let program = std::env::var("ARCHPORT_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let output = Command::new(&program)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .map_err(|e| format!("cannot run {program} ({e}): apt-get install chromium"))?;
    if !output.status.success() || !png.is_file() {
        return Err(format!(
            "{program} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}
