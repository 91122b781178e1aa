//! Packaging repositories (one bare git repo per pkgbase, one tagged commit per version)
//! and AUR repositories, holding the generated PKGBUILD and `.SRCINFO`.

use std::path::{Path, PathBuf};

use archport_vercmp::tag_for_version;
use git2::Oid;

use crate::error::WorldError;
use crate::git_util::{Clock, Storage, TreeSpec, commit_tree, open_or_init_bare, tag_commit};
use crate::pkgbuild::{render_pkgbuild, render_srcinfo};
use crate::spec::PkgbaseSpec;

/// The GitLab project path of a pkgbase's packaging repository, by devtools' rules
/// (`gitlab_project_name_to_path`): a `+` between a word and a letter becomes `-`, any other
/// `+` becomes `plus`, characters outside `[A-Za-z0-9_.-]` become `-`, runs of two or more
/// `-`/`_` collapse to `-`, and `tree` (a GitLab reserved name) becomes `unix-tree`.
pub fn gitlab_path(pkgbase: &str) -> String {
    let chars: Vec<char> = pkgbase.chars().collect();
    // Step 1, as sed -E 's/([a-zA-Z0-9]+)\+([a-zA-Z]+)/\1-\2/g': scan left to right; a match
    // is a maximal alphanumeric run, a '+', and a run of letters; matching resumes after it.
    let mut joined = String::new();
    let mut i = 0;
    while i < chars.len() {
        let run_end = chars[i..]
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .map_or(chars.len(), |n| i + n);
        if run_end > i && chars.get(run_end) == Some(&'+') {
            let letters_end = chars[run_end + 1..]
                .iter()
                .position(|c| !c.is_ascii_alphabetic())
                .map_or(chars.len(), |n| run_end + 1 + n);
            if letters_end > run_end + 1 {
                joined.extend(&chars[i..run_end]);
                joined.push('-');
                joined.extend(&chars[run_end + 1..letters_end]);
                i = letters_end;
                continue;
            }
        }
        if run_end > i {
            // No match can start inside this run: every start reaches the same end.
            joined.extend(&chars[i..run_end]);
            i = run_end;
        } else {
            joined.push(chars[i]);
            i += 1;
        }
    }
    // Steps 2 and 3.
    let mut replaced = String::new();
    for c in joined.replace('+', "plus").chars() {
        // devtools' bracket `[^a-zA-Z0-9_\-\.]` is POSIX, where `\` is literal: it keeps `\`.
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '\\') {
            replaced.push(c);
        } else {
            replaced.push('-');
        }
    }
    // Step 4: runs of two or more of `_`, `\`, `-` (the POSIX reading of `[_\-]`) become `-`.
    let mut collapsed = String::new();
    let mut run = String::new();
    let in_run = |c: char| matches!(c, '_' | '-' | '\\');
    for c in replaced.chars().chain(std::iter::once('\0')) {
        if c != '\0' && in_run(c) {
            run.push(c);
            continue;
        }
        if run.chars().count() >= 2 {
            collapsed.push('-');
        } else {
            collapsed.push_str(&run);
        }
        run.clear();
        if c != '\0' {
            collapsed.push(c);
        }
    }
    if collapsed == "tree" {
        "unix-tree".to_owned()
    } else {
        collapsed
    }
}

/// The packaging repository of `pkgbase` under `root`: `{root}/git/packaging/{path}.git`.
pub fn packaging_repo_path(root: &Path, pkgbase: &str) -> PathBuf {
    root.join("git/packaging")
        .join(format!("{}.git", gitlab_path(pkgbase)))
}

/// The AUR repository of `pkgbase` under `root`: `{root}/git/aur/{pkgbase}.git`.
pub fn aur_repo_path(root: &Path, pkgbase: &str) -> PathBuf {
    root.join("git/aur").join(format!("{pkgbase}.git"))
}

fn source_tree(spec: &PkgbaseSpec) -> Result<TreeSpec, WorldError> {
    let mut tree = TreeSpec::default();
    tree.files
        .insert("PKGBUILD".to_owned(), render_pkgbuild(spec)?.into_bytes());
    tree.files
        .insert(".SRCINFO".to_owned(), render_srcinfo(spec)?.into_bytes());
    Ok(tree)
}

/// Commits `spec` at its version to its packaging repository (created on first use, branch
/// `main`) and tags the commit with the version's tag. Returns the commit.
pub(crate) fn commit_version(
    root: &Path,
    spec: &PkgbaseSpec,
    clock: &mut Clock,
) -> Result<Oid, WorldError> {
    let path = packaging_repo_path(root, &spec.name);
    let repo = open_or_init_bare(&path, "main")?;
    let tree = source_tree(spec)?;
    let commit = commit_tree(
        &repo,
        Storage::Loose,
        "main",
        &tree,
        &format!("upgpkg: {}", spec.version),
        clock,
    )?;
    tag_commit(&repo, &tag_for_version(&spec.version), commit, clock)?;
    Ok(commit)
}

/// Commits `spec` to its AUR repository (created on first use, branch `master`, untagged
/// like the AUR). Returns the commit.
pub(crate) fn commit_aur(
    root: &Path,
    spec: &PkgbaseSpec,
    clock: &mut Clock,
) -> Result<Oid, WorldError> {
    let path = aur_repo_path(root, &spec.name);
    let repo = open_or_init_bare(&path, "master")?;
    let tree = source_tree(spec)?;
    commit_tree(
        &repo,
        Storage::Loose,
        "master",
        &tree,
        &format!("Update to {}", spec.version),
        clock,
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn gitlab_path_matches_devtools_examples() {
        let cases = [
            ("libsigc++", "libsigcplusplus"),
            ("tree", "unix-tree"),
            ("unix-tree", "unix-tree"),
            ("treeline", "treeline"),
            ("dvd+rw-tools", "dvd-rw-tools"),
            ("gtk2+extra", "gtk2-extra"),
            ("mysql++", "mysqlplusplus"),
            ("libc++abi", "libcplusplusabi"),
            ("a+b+c", "a-bplusc"),
            ("gtk+3", "gtkplus3"),
            ("+plus", "plusplus"),
            ("foo@bar", "foo-bar"),
            ("foo__bar", "foo-bar"),
            ("foo_-bar", "foo-bar"),
            ("foo_bar", "foo_bar"),
            ("python-zope.interface", "python-zope.interface"),
            ("zlib", "zlib"),
        ];
        for (pkgbase, path) in cases {
            assert_eq!(gitlab_path(pkgbase), path, "{pkgbase}");
        }
    }

    #[test]
    fn gitlab_path_agrees_with_devtools_sed_pipeline() {
        // The real oracle: devtools' own sed expressions, run on every name at once.
        let names = [
            "libsigc++",
            "tree",
            "dvd+rw-tools",
            "gtk2+extra",
            "mysql++",
            "libc++abi",
            "a+b+c",
            "gtk+3",
            "+plus",
            "foo@bar",
            "foo__bar",
            "foo_-bar",
            "x+y+z+w",
            "c++utilities",
            "a++b",
            "a+1b",
            "1+a",
            "_-_",
            "tree2",
            "ab+cd+ef",
            "q+",
            "@@",
            "a.b+c.d",
            "py+q_-x",
        ];
        let input = names.join("\n") + "\n";
        let script = [
            r"s/([a-zA-Z0-9]+)\+([a-zA-Z]+)/\1-\2/g",
            r"s/\+/plus/g",
            r"s/[^a-zA-Z0-9_\-\.]/-/g",
            r"s/[_\-]{2,}/-/g",
            r"s/^tree$/unix-tree/g",
        ];
        let mut args = vec!["-E"];
        for expr in &script {
            args.push("-e");
            args.push(expr);
        }
        let out = crate::tool::run("sed", &args, input.as_bytes()).unwrap();
        let expected: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
        let ours: Vec<String> = names.iter().map(|n| gitlab_path(n)).collect();
        assert_eq!(ours, expected);
    }
}
