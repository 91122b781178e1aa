//! The `archport.toml` that points the tools at a world, and the `file://` URLs in it.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::WorldError;

/// Where a world's upstream lives: every location the configuration file names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorldUrls {
    /// The target's `CARCH`.
    pub arch: String,
    /// `http://127.0.0.1:PORT/mirror-x86`.
    pub x86_mirror: String,
    /// `file://{root}/git/state`.
    pub state_repo: String,
    /// `http://127.0.0.1:PORT/mirror-target`.
    pub target_mirror: String,
    /// `file://{root}/git/packaging/{path}.git`.
    pub packaging_url: String,
    /// `file://{root}/git/aur/{pkgbase}.git`.
    pub aur_url: String,
}

impl WorldUrls {
    /// The configuration file text, with `workdir` as the tools' work directory.
    pub fn config_toml(&self, workdir: &Path) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "arch = {}", toml_string(&self.arch));
        let _ = writeln!(out, "repos = [\"core\", \"extra\"]");
        let _ = writeln!(out);
        let _ = writeln!(out, "[x86]");
        let _ = writeln!(out, "mirror = {}", toml_string(&self.x86_mirror));
        let _ = writeln!(out, "state_repo = {}", toml_string(&self.state_repo));
        let _ = writeln!(out);
        let _ = writeln!(out, "[target]");
        let _ = writeln!(out, "mirror = {}", toml_string(&self.target_mirror));
        let _ = writeln!(out);
        let _ = writeln!(out, "[sources]");
        let _ = writeln!(out, "packaging_url = {}", toml_string(&self.packaging_url));
        let _ = writeln!(out, "aur_url = {}", toml_string(&self.aur_url));
        let _ = writeln!(out);
        let _ = writeln!(out, "[paths]");
        let _ = writeln!(out, "workdir = {}", toml_string(&workdir.to_string_lossy()));
        out
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `file://` followed by the absolute `path`. Only paths made of characters that need no
/// percent-encoding are accepted, because git and libgit2 disagree on decoding them.
pub(crate) fn file_url(path: &Path) -> Result<String, WorldError> {
    let text = path.to_str().ok_or_else(|| WorldError::Root {
        path: path.to_path_buf(),
        problem: "not valid UTF-8".to_owned(),
    })?;
    if !text.starts_with('/') {
        return Err(WorldError::Root {
            path: path.to_path_buf(),
            problem: "not absolute".to_owned(),
        });
    }
    if let Some(c) = text.chars().find(|&c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '~' | '+' | '@'))
    }) {
        return Err(WorldError::Root {
            path: path.to_path_buf(),
            problem: format!("character {c:?} would need percent-encoding in a file:// URL"),
        });
    }
    Ok(format!("file://{text}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_string("x\u{1}"), "\"x\\u0001\"");
    }

    #[test]
    fn file_urls_only_for_plain_absolute_paths() {
        assert_eq!(file_url(Path::new("/tmp/w-1")).unwrap(), "file:///tmp/w-1");
        assert!(file_url(Path::new("tmp")).is_err());
        assert!(file_url(Path::new("/tmp/a b")).is_err());
    }

    #[test]
    fn config_has_the_documented_keys() {
        let urls = WorldUrls {
            arch: "aarch64".to_owned(),
            x86_mirror: "http://127.0.0.1:1/mirror-x86".to_owned(),
            state_repo: "file:///w/git/state".to_owned(),
            target_mirror: "http://127.0.0.1:1/mirror-target".to_owned(),
            packaging_url: "file:///w/git/packaging/{path}.git".to_owned(),
            aur_url: "file:///w/git/aur/{pkgbase}.git".to_owned(),
        };
        assert_eq!(
            urls.config_toml(Path::new("/w/work")),
            "arch = \"aarch64\"\nrepos = [\"core\", \"extra\"]\n\n[x86]\nmirror = \"http://127.0.0.1:1/mirror-x86\"\n\
             state_repo = \"file:///w/git/state\"\n\n[target]\nmirror = \"http://127.0.0.1:1/mirror-target\"\n\n\
             [sources]\npackaging_url = \"file:///w/git/packaging/{path}.git\"\naur_url = \
             \"file:///w/git/aur/{pkgbase}.git\"\n\n[paths]\nworkdir = \"/w/work\"\n"
        );
    }
}
