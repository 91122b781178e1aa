//! What every binary shares: its own name in `--version` and completions, one-line errors
//! for a bad configuration, and clap's exit code 2 for usage errors.

use std::process::Command;

const BINARIES: [(&str, &str); 4] = [
    ("repo-analyze", env!("CARGO_BIN_EXE_repo-analyze")),
    (
        "generate-build-list",
        env!("CARGO_BIN_EXE_generate-build-list"),
    ),
    ("build-packages", env!("CARGO_BIN_EXE_build-packages")),
    (
        "bootstrap-toolchain",
        env!("CARGO_BIN_EXE_bootstrap-toolchain"),
    ),
];

fn run(program: &str, args: &[&str], cwd: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env_remove("ARCHPORT_CONFIG")
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_and_completions_name_each_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, program) in BINARIES {
        let (code, stdout, _) = run(program, &["--version"], dir.path());
        assert_eq!((code, stdout.trim()), (0, format!("{name} 0.1.0").as_str()));
        let (code, stdout, _) = run(program, &["--completions", "bash"], dir.path());
        assert_eq!(code, 0);
        assert!(
            stdout.contains(&format!(" {name}\n")) || stdout.contains(&format!(" {name} ")),
            "{name}: {stdout}"
        );
    }
}

#[test]
fn unknown_config_key_is_one_line_exit_1_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("archport.toml"),
        "[x86]\nmirorr = \"http://127.0.0.1:9\"\n",
    )
    .expect("write");
    for (name, program) in BINARIES {
        let args: &[&str] = if name == "build-packages" {
            &["--status"]
        } else {
            &["--dry-run"]
        };
        let args = if name == "repo-analyze" {
            &["--offline"][..]
        } else {
            args
        };
        let (code, stdout, stderr) = run(program, args, dir.path());
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.starts_with("error: ")
                && stderr.contains("archport.toml:2")
                && stderr.contains("mirorr"),
            "{name}: {stderr}"
        );
        let (code, _, _) = run(program, &["--no-such-option"], dir.path());
        assert_eq!(code, 2, "{name}");
    }
}

#[test]
fn build_packages_json_is_a_file_or_with_status_the_output_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bp = env!("CARGO_BIN_EXE_build-packages");
    let (code, _, stderr) = run(bp, &["--json"], dir.path());
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = run(bp, &["--status", "--json", "list.json"], dir.path());
    assert_eq!(code, 2, "{stderr}");
    // Text for people: no run is an error.
    let (code, _, stderr) = run(bp, &["--status"], dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no build run recorded yet"), "{stderr}");
    // JSON for scripts: a document saying there is no run, under both spellings.
    for args in [
        &["--status", "--json"][..],
        &["--status", "--format", "json"],
    ] {
        let (code, stdout, stderr) = run(bp, args, dir.path());
        assert_eq!(code, 0, "{args:?}: {stderr}");
        let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
        assert!(doc["run"].is_null(), "{args:?}: {stdout}");
        assert!(
            doc["message"]
                .as_str()
                .is_some_and(|m| m.contains("no build run recorded yet")),
            "{args:?}: {stdout}"
        );
    }
}

/// With no `--config`, no `ARCHPORT_CONFIG` and no `./archport.toml`, every binary says once
/// that it uses the built-in defaults (the real mirrors) and which work directory.
#[test]
fn the_built_in_defaults_are_announced_once_with_the_work_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let system_file = std::path::Path::new("/etc/archport/archport.toml");
    for (name, program) in BINARIES {
        let args: &[&str] = match name {
            "repo-analyze" => &["--offline"],
            "build-packages" => &["--status"],
            _ => &["--dry-run"],
        };
        let (_, _, stderr) = run(program, args, dir.path());
        let notes: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("note: no configuration file"))
            .collect();
        if system_file.is_file() {
            // This machine has a system-wide configuration: it is read, and nothing is said.
            assert!(notes.is_empty(), "{name}: {stderr}");
            continue;
        }
        assert_eq!(notes.len(), 1, "{name}: {stderr}");
        assert!(
            notes[0].contains("built-in defaults")
                && notes[0].contains("/etc/archport/archport.toml")
                && notes[0].ends_with(&format!("work directory {}", dir.path().display())),
            "{name}: {}",
            notes[0]
        );
    }
}

/// Every long option a binary's `--help` lists is in the README: in the binary's own section
/// (`## NAME` up to the next `## `), or among the common options.
#[test]
fn every_option_in_help_is_documented_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = |title: &str| -> String {
        let start = readme
            .find(&format!("\n## {title}\n"))
            .unwrap_or_else(|| panic!("README has no section {title}"));
        let rest = &readme[start + 1..];
        let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
        rest[..end].to_owned()
    };
    let common = section("Common options");
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, program) in BINARIES {
        let (code, help, stderr) = run(program, &["--help"], dir.path());
        assert_eq!(code, 0, "{name}: {stderr}");
        let own = section(name);
        // Option lines are indented by at most six columns; wrapped descriptions more.
        let options: Vec<&str> = help
            .lines()
            .filter(|l| l.len() - l.trim_start().len() <= 6)
            .filter_map(|l| {
                let l = l.trim_start();
                let l = l
                    .strip_prefix('-')
                    .and_then(|r| r.get(3..))
                    .filter(|r| r.starts_with("--"))
                    .unwrap_or(l);
                l.starts_with("--")
                    .then(|| l.split([' ', '=', '[', '<', '.']).next().unwrap())
            })
            .filter(|o| !matches!(*o, "--help" | "--version"))
            .collect();
        assert!(options.len() > 5, "{name}: {options:?}");
        let missing: Vec<&&str> = options
            .iter()
            .filter(|o| !mentions(&own, o) && !mentions(&common, o))
            .collect();
        assert!(missing.is_empty(), "{name}: not in the README: {missing:?}");
    }
}

/// Whether `text` names `option` in code (after a backtick or a blank inside one), not
/// as the start of a longer option.
fn mentions(text: &str, option: &str) -> bool {
    text.match_indices(option).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + option.len()..].chars().next();
        matches!(before, Some('`' | ' '))
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}
