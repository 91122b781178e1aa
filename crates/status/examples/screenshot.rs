//! Writes a screenshot of a realistic status page (the browser test's run: built, failed,
//! blocked, skipped, running and queued jobs) with headless Chromium.
//!
//! `cargo run -p archport-status --example screenshot -- OUT.png [WIDTHxHEIGHT]`
//! (default 1280x1800; `390x1600` shows the phone layout). The status directory it rendered
//! is kept next to the screenshot, as `OUT.png.status/`.

#[path = "../tests/support/chromium.rs"]
mod chromium;
#[path = "../tests/support/world.rs"]
mod world;

use std::path::PathBuf;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: screenshot OUT.png [WIDTHxHEIGHT]");
        std::process::exit(2);
    };
    let size = args
        .next()
        .unwrap_or_else(|| "1280x1800".to_owned())
        .replace('x', ",");
    let out = std::path::absolute(&out).unwrap_or(out);
    let world = world::world().await;
    let dir = PathBuf::from(format!("{}.status", out.display()));
    if let Err(e) = archport_status::write_status_dir(&dir, &world.status, &world.history).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let profile = tempfile::tempdir().unwrap_or_else(|e| panic!("temporary profile: {e}"));
    chromium::run(
        &dir.join(archport_status::INDEX_HTML),
        profile.path(),
        &[
            &format!("--screenshot={}", out.display()),
            &format!("--window-size={size}"),
            "--hide-scrollbars",
        ],
    );
    println!("{}", out.display());
}
