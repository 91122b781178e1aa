//! `gitlab_project_path` against devtools' own `sed -E` pipeline, run by GNU sed: every real
//! pkgbase of the 2024 repository, and every short string over the characters the rules treat
//! specially.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use archport_pkgsrc::gitlab_project_path;

/// devtools' `gitlab_project_name_to_path`, one `-e` per `sed -E` of its pipeline (sed runs
/// them in order on each line, as the pipeline does).
fn devtools_sed(names: &[String]) -> Vec<String> {
    let mut child = Command::new("sed")
        .args([
            "-E",
            "-e",
            r"s/([a-zA-Z0-9]+)\+([a-zA-Z]+)/\1-\2/g",
            "-e",
            r"s/\+/plus/g",
            "-e",
            r"s/[^a-zA-Z0-9_\-\.]/-/g",
            "-e",
            r"s/[_\-]{2,}/-/g",
            "-e",
            r"s/^tree$/unix-tree/g",
        ])
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("GNU sed runs");
    let mut input = names.join("\n");
    input.push('\n');
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).expect("write"));
    let mut output = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut output)
        .expect("sed output is UTF-8");
    writer.join().expect("writer");
    assert!(child.wait().expect("sed exits").success());
    output.lines().map(str::to_owned).collect()
}

fn assert_same_as_sed(names: &[String]) {
    let expected = devtools_sed(names);
    assert_eq!(expected.len(), names.len());
    for (name, expected) in names.iter().zip(&expected) {
        assert_eq!(&gitlab_project_path(name), expected, "for {name:?}");
    }
}

#[test]
fn realdata_every_real_pkgbase_matches_devtools() {
    let path = archport_realdata::require("full-2024/srcinfo.tar.zst");
    let file = std::fs::File::open(path).expect("real data readable");
    let mut archive = tar::Archive::new(zstd::Decoder::new(file).expect("zstd"));
    let mut names = Vec::new();
    for entry in archive.entries().expect("tar") {
        let entry = entry.expect("entry");
        let path = entry.path().expect("path").into_owned();
        if path.file_name().is_some_and(|n| n == ".SRCINFO")
            && let Some(dir) = path.parent().and_then(|p| p.file_name())
        {
            names.push(dir.to_string_lossy().into_owned());
        }
    }
    assert_eq!(names.len(), 11_467);
    assert!(
        names.iter().any(|n| n.contains('+')),
        "the data has names with '+'"
    );
    names.extend(["tree", "libsigc++", "dvd+rw-tools", "gtk+"].map(str::to_owned));
    assert_same_as_sed(&names);
}

#[test]
fn every_short_string_over_the_special_characters_matches_devtools() {
    // Word characters, letters, digits, '+', the kept and collapsed separators, a character
    // that becomes '-', a backslash (literal in sed's bracket expressions) and a non-ASCII one.
    let alphabet = ['a', 'B', '2', '+', '-', '_', '.', '@', '\\', 'é'];
    let mut names = vec!["tree".to_owned()];
    let mut current = vec![String::new()];
    for _ in 0..4 {
        let mut next = Vec::new();
        for prefix in &current {
            for c in alphabet {
                let mut s = prefix.clone();
                s.push(c);
                next.push(s);
            }
        }
        names.extend(next.iter().cloned());
        current = next;
    }
    assert_same_as_sed(&names);
}
