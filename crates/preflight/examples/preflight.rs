//! Runs the preflight for a config file and prints the report, until the binaries have
//! `--check`: `cargo run -p archport-preflight --example preflight -- archport.toml [bootstrap]`.
//! Exits 1 when there is a problem.

use std::path::PathBuf;
use std::process::ExitCode;

use archport_config::Config;
use archport_preflight::{Options, RunKind, check};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(file) = args.next().map(PathBuf::from) else {
        eprintln!("usage: preflight CONFIG [bootstrap]");
        return ExitCode::from(2);
    };
    let run = match args.next() {
        Some(arg) if arg == "bootstrap" => RunKind::BootstrapToolchain,
        _ => RunKind::BuildPackages,
    };
    let config = match std::path::absolute(&file)
        .map_err(|e| e.to_string())
        .and_then(|file| Config::from_file(&file).map_err(|e| e.to_string()))
    {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let report = check(&config, &Options::new(run, &config)).await;
    print!("{report}");
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
