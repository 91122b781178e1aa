//! `realdata root`: prints the real data directory, or the one-line reason it is missing on
//! stderr with exit status 1. `realdata suites`: prints the targets that need the data (see
//! [`archport_realdata::suites`]). `scripts/test` asks it, so the lookup has one owner.

use std::process::ExitCode;

fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    match command.as_deref() {
        Some("root") => match archport_realdata::root() {
            Ok(dir) => {
                println!("{}", dir.display());
                ExitCode::SUCCESS
            }
            Err(missing) => {
                eprintln!("{missing}");
                ExitCode::FAILURE
            }
        },
        Some("suites") => match archport_realdata::suites(&archport_realdata::project_root()) {
            Ok(suites) => {
                println!("{suites}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("realdata suites: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: realdata root|suites");
            ExitCode::from(2)
        }
    }
}
