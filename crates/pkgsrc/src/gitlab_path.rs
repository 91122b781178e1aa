//! Where a pkgbase's PKGBUILD lives upstream: devtools' GitLab project path, and the clone
//! URLs built from configurable templates.

use archport_vercmp::PkgName;

/// The placeholder a packaging URL template must contain; replaced by [`gitlab_project_path`].
pub const PATH_PLACEHOLDER: &str = "{path}";

/// The placeholder an AUR URL template must contain; replaced by the pkgbase as it is.
pub const PKGBASE_PLACEHOLDER: &str = "{pkgbase}";

/// A URL template that lacks its placeholder: every package would get the same URL.
#[derive(Debug, thiserror::Error)]
#[error("URL template {template:?} lacks the placeholder {placeholder}")]
pub struct UrlTemplateError {
    /// The template as configured.
    pub template: String,
    /// The placeholder it should contain (`{path}` or `{pkgbase}`).
    pub placeholder: &'static str,
}

/// The GitLab project path of a pkgbase, exactly as devtools' `gitlab_project_name_to_path`
/// computes it (GitLab refuses some characters and reserves some names, so the packaging
/// namespace does not always use the pkgbase itself).
///
/// devtools runs five `sed -E` substitutions in turn; each step below is one of them:
/// 1. `s/([a-zA-Z0-9]+)\+([a-zA-Z]+)/\1-\2/g`: a `+` between a word and a letter becomes `-`
///    (`dvd+rw-tools` -> `dvd-rw-tools`);
/// 2. `s/\+/plus/g`: any other `+` becomes `plus` (`libsigc++` -> `libsigcplusplus`);
/// 3. `s/[^a-zA-Z0-9_\-\.]/-/g`: other characters become `-` (in a POSIX bracket expression
///    `\` is literal, so `\-\` is the one-character range `\`: backslash is kept, and `-` is
///    "replaced" by itself);
/// 4. `s/[_\-]{2,}/-/g`: runs of two or more `_`, `\` or `-` become one `-`;
/// 5. `s/^tree$/unix-tree/g`: `tree` is a reserved name on GitLab.
pub fn gitlab_project_path(name: &str) -> String {
    let joined = join_plus_between_words(name);
    let spelled = joined.replace('+', "plus");
    let replaced: String = spelled
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '\\' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let collapsed = collapse_separator_runs(&replaced);
    if collapsed == "tree" {
        "unix-tree".to_owned()
    } else {
        collapsed
    }
}

/// Step 1: `s/([a-zA-Z0-9]+)\+([a-zA-Z]+)/\1-\2/g`.
///
/// A match needs a run of alphanumerics, a `+`, then letters; the letters are taken greedily
/// and the next search starts right after them, as sed's global replacement does.
fn join_plus_between_words(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    // `copied` marks how far `name` has been copied to `out`; only ASCII bytes are ever
    // replaced, so slicing at these indices never splits a UTF-8 sequence.
    let mut copied = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
            end += 1;
        }
        let letters_start = end + 1;
        let has_plus = bytes.get(end) == Some(&b'+');
        let has_letter = bytes
            .get(letters_start)
            .is_some_and(|b| b.is_ascii_alphabetic());
        if has_plus && has_letter {
            let mut letters_end = letters_start;
            while letters_end < bytes.len() && bytes[letters_end].is_ascii_alphabetic() {
                letters_end += 1;
            }
            out.push_str(&name[copied..end]);
            out.push('-');
            copied = letters_start;
            i = letters_end;
        } else {
            i = end;
        }
    }
    out.push_str(&name[copied..]);
    out
}

/// Step 4: `s/[_\-]{2,}/-/g` (with the literal backslash of the bracket expression).
fn collapse_separator_runs(s: &str) -> String {
    let is_sep = |c: char| matches!(c, '_' | '-' | '\\');
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if is_sep(chars[i]) {
            let mut end = i;
            while end < chars.len() && is_sep(chars[end]) {
                end += 1;
            }
            if end - i >= 2 {
                out.push('-');
            } else {
                out.push(chars[i]);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The clone URL of an official packaging repository: `template` with `{path}` replaced by
/// [`gitlab_project_path`] of `pkgbase`
/// (`https://gitlab.archlinux.org/archlinux/packaging/packages/{path}.git`).
pub fn packaging_url(template: &str, pkgbase: &PkgName) -> Result<String, UrlTemplateError> {
    expand(
        template,
        PATH_PLACEHOLDER,
        &gitlab_project_path(pkgbase.as_str()),
    )
}

/// The clone URL of an AUR repository: `template` with `{pkgbase}` replaced by the pkgbase
/// (`https://aur.archlinux.org/{pkgbase}.git`).
pub fn aur_url(template: &str, pkgbase: &PkgName) -> Result<String, UrlTemplateError> {
    expand(template, PKGBASE_PLACEHOLDER, pkgbase.as_str())
}

fn expand(
    template: &str,
    placeholder: &'static str,
    value: &str,
) -> Result<String, UrlTemplateError> {
    if !template.contains(placeholder) {
        return Err(UrlTemplateError {
            template: template.to_owned(),
            placeholder,
        });
    }
    Ok(template.replace(placeholder, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devtools_documented_examples() {
        // The examples devtools' comments and DESIGN.md give for each rule.
        assert_eq!(gitlab_project_path("libsigc++"), "libsigcplusplus");
        assert_eq!(gitlab_project_path("tree"), "unix-tree");
        assert_eq!(gitlab_project_path("dvd+rw-tools"), "dvd-rw-tools");
    }

    #[test]
    fn real_arch_pkgbases_with_special_characters() {
        let cases = [
            ("gtk+", "gtkplus"),
            ("gtk2+extra", "gtk2-extra"),
            ("memtest86+", "memtest86plus"),
            ("memtest86+-efi", "memtest86plus-efi"),
            ("libxml++", "libxmlplusplus"),
            ("libxml++2.6", "libxmlplusplus2.6"),
            ("mysql++", "mysqlplusplus"),
            ("ntfs-3g", "ntfs-3g"),
            ("python-zope-interface", "python-zope-interface"),
            ("perl_foo", "perl_foo"),
            ("xorg-server", "xorg-server"),
            ("unix-tree", "unix-tree"),
            ("trees", "trees"),
            ("libc++", "libcplusplus"),
            ("libc++abi", "libcplusplusabi"),
            ("c++utilities", "cplusplusutilities"),
            ("foo@bar", "foo-bar"),
        ];
        for (name, path) in cases {
            assert_eq!(gitlab_project_path(name), path, "{name}");
        }
    }

    #[test]
    fn plus_rules_follow_sed_scanning() {
        // The first match consumes `b`, so the second `+` has no word before it.
        assert_eq!(gitlab_project_path("a+b+c"), "a-bplusc");
        // Letters are greedy but digits end them: the next match starts at `2`.
        assert_eq!(gitlab_project_path("a+b2+c"), "a-b2-c");
        // A digit after `+` is not a letter.
        assert_eq!(gitlab_project_path("a+2"), "aplus2");
        assert_eq!(gitlab_project_path("+a"), "plusa");
        assert_eq!(gitlab_project_path("a++b"), "aplusplusb");
    }

    #[test]
    fn separator_runs_collapse_only_from_two() {
        assert_eq!(gitlab_project_path("a_b"), "a_b");
        assert_eq!(gitlab_project_path("a__b"), "a-b");
        assert_eq!(gitlab_project_path("a_-_b"), "a-b");
        assert_eq!(gitlab_project_path("a@@b"), "a-b");
        assert_eq!(gitlab_project_path("a.-b"), "a.-b");
    }

    #[test]
    fn urls_from_templates() {
        let name = PkgName::new("libsigc++").expect("valid name");
        let url = packaging_url(
            "https://gitlab.archlinux.org/archlinux/packaging/packages/{path}.git",
            &name,
        )
        .expect("template has {path}");
        assert_eq!(
            url,
            "https://gitlab.archlinux.org/archlinux/packaging/packages/libsigcplusplus.git"
        );
        let aur = aur_url("https://aur.archlinux.org/{pkgbase}.git", &name).expect("template");
        assert_eq!(aur, "https://aur.archlinux.org/libsigc++.git");
    }

    #[test]
    fn template_without_placeholder_is_refused() {
        let name = PkgName::new("vim").expect("valid name");
        let err = packaging_url("https://example.invalid/vim.git", &name).expect_err("no {path}");
        assert_eq!(
            err.to_string(),
            "URL template \"https://example.invalid/vim.git\" lacks the placeholder {path}"
        );
        assert!(aur_url("https://aur.example/{path}.git", &name).is_err());
    }
}
