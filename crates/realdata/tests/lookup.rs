//! The lookup as `scripts/test` sees it: the `realdata` binary, run with and without
//! `ARCHPORT_REALDATA`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

fn realdata(args: &[&str], env: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_realdata"));
    command.args(args);
    match env {
        Some(value) => command.env("ARCHPORT_REALDATA", value),
        None => command.env_remove("ARCHPORT_REALDATA"),
    };
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end().to_owned()
}

#[test]
fn archport_realdata_wins_when_set() {
    let dir = std::env::temp_dir().join(format!("archport-realdata-lookup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = realdata(&["root"], Some(dir.to_str().unwrap()));
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), dir.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_wrong_archport_realdata_is_missing_data_not_a_reason_to_look_elsewhere() {
    let output = realdata(&["root"], Some("/nonexistent/realdata"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        "real data not found (looked at /nonexistent/realdata); get it with \
         scripts/fetch-realdata or point ARCHPORT_REALDATA at a copy of shared/realdata"
    );
}

#[test]
fn without_archport_realdata_it_looks_beside_and_inside_the_project() {
    let root = archport_realdata::project_root().canonicalize().unwrap();
    let beside = root.parent().unwrap().join("shared/realdata");
    let inside = root.join("testdata/realdata");
    for env in [None, Some("")] {
        let output = realdata(&["root"], env);
        let expected = [&beside, &inside].into_iter().find(|d| d.is_dir());
        match expected {
            Some(dir) => assert_eq!(text(&output.stdout), dir.to_str().unwrap()),
            None => assert!(
                text(&output.stderr).starts_with(&format!(
                    "real data not found (looked at {}, {});",
                    beside.display(),
                    inside.display()
                )),
                "{}",
                text(&output.stderr)
            ),
        }
    }
}

#[test]
fn suites_name_the_targets_of_this_workspace_that_need_the_data() {
    let output = realdata(&["suites"], None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let suites = text(&output.stdout);
    for part in [
        "archport: repo_analyze",
        "archport-vercmp: differential",
        "archport-plan: full_world, bench order",
    ] {
        assert!(suites.contains(part), "{suites}");
    }
    assert!(!suites.contains("archport-realdata"), "{suites}");
}
