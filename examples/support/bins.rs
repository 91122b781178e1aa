//! Finding the workspace's binaries from an example, built fresh.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the workspace's binaries `names` with the profile and target directory this
/// example was built with (so they are never stale), and returns the directory holding
/// them: this executable's parent's parent, `target/<profile>/examples/x` ->
/// `target/<profile>`.
pub fn build_binaries(names: &[&str]) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this example: {e}"))?;
    let outside = || format!("{}: not inside a cargo target directory", exe.display());
    let profile_dir = exe.parent().and_then(Path::parent).ok_or_else(outside)?;
    let target_dir = profile_dir.parent().ok_or_else(outside)?;
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(env!("CARGO"));
    // Run from the workspace, whatever the current directory: rustup picks the toolchain
    // by directory.
    command
        .current_dir(workspace)
        .args(["build", "--quiet", "--profile", profile, "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir);
    // The toolchain this example was built with, even when it runs outside cargo (rustup
    // would otherwise pick one by each dependency's directory).
    if let Some(toolchain) = option_env!("RUSTUP_TOOLCHAIN") {
        command.env("RUSTUP_TOOLCHAIN", toolchain);
    }
    for name in names {
        command.args(["--bin", name]);
    }
    eprintln!(
        "Building {} (cargo build --profile {profile}) ...",
        names.join(", ")
    );
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo ({}): {e}", env!("CARGO")))?;
    if !status.success() {
        return Err(format!(
            "cargo build of {} failed ({status})",
            names.join(", ")
        ));
    }
    Ok(profile_dir.to_path_buf())
}
