//! `[overrides.<pkgbase>]`: per-package sources, the port's own forks of a packaging
//! repository (the original tool's `package-overrides.json`), inline or in the separate
//! file `[paths] overrides` names. A leaf module: the model reads it, it reads nothing back.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::ConfigError;

/// Where one pkgbase's PKGBUILD comes from instead of Arch's GitLab or the AUR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSource {
    /// The git URL to clone (any transport git understands, `file://` included).
    pub url: String,
    /// The branch whose head is built; `None`: the remote's default branch.
    pub branch: Option<String>,
}

/// One `[overrides.<pkgbase>]` table as written.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPackageSource {
    url: String,
    branch: Option<String>,
}

/// The separate overrides file: the same `[overrides.<pkgbase>]` tables, nothing else.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOverridesFile {
    #[serde(default)]
    overrides: BTreeMap<String, RawPackageSource>,
}

/// Whether `name` can be a pkgbase (makepkg's rule: alphanumerics and `@._+-`, not
/// starting with `-` or `.`), so a typo cannot name a path outside `pkgbuilds/`.
fn valid_pkgbase(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(['-', '.'])
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@._+-".contains(&b))
}

/// Whether `branch` is a branch name git accepts (a conservative subset of
/// `git check-ref-format --branch`).
fn valid_branch(branch: &str) -> bool {
    !branch.is_empty()
        && !branch.starts_with(['-', '/', '.'])
        && !branch.ends_with(['/', '.'])
        && !branch.ends_with(".lock")
        && !branch.contains("..")
        && !branch.contains("//")
        && !branch.contains("@{")
        && !branch
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
}

/// Checks and resolves the inline tables and those of `file` (when given; relative to
/// `base`); a pkgbase in both is an error, as is a bad name, URL or branch. `config` names
/// the configuration file in errors about its own tables.
pub(crate) fn resolve(
    inline: BTreeMap<String, RawPackageSource>,
    file: Option<&Path>,
    config: &Path,
) -> Result<BTreeMap<String, PackageSource>, ConfigError> {
    let mut all = BTreeMap::new();
    add(&mut all, inline, config)?;
    if let Some(file) = file {
        let text = std::fs::read_to_string(file).map_err(|source| ConfigError::Read {
            path: file.to_owned(),
            source,
        })?;
        let raw: RawOverridesFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: file.to_owned(),
            line: e
                .span()
                .map(|s| {
                    format!(
                        ":{}",
                        1 + text[..s.start.min(text.len())].matches('\n').count()
                    )
                })
                .unwrap_or_default(),
            message: e.message().trim().replace(['\n', '\r'], " "),
        })?;
        add(&mut all, raw.overrides, file)?;
    }
    Ok(all)
}

fn add(
    all: &mut BTreeMap<String, PackageSource>,
    raw: BTreeMap<String, RawPackageSource>,
    path: &Path,
) -> Result<(), ConfigError> {
    for (pkgbase, source) in raw {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            key: "overrides",
            message: format!("{pkgbase}: {message}"),
        };
        if !valid_pkgbase(&pkgbase) {
            return Err(invalid("not a valid pkgbase name".to_owned()));
        }
        if source.url.trim().is_empty() || source.url.chars().any(char::is_control) {
            return Err(invalid("url: empty or holds control characters".to_owned()));
        }
        if let Some(branch) = source.branch.as_deref().filter(|b| !valid_branch(b)) {
            return Err(invalid(format!(
                "branch: {branch:?} is not a valid branch name"
            )));
        }
        if all.contains_key(&pkgbase) {
            return Err(invalid(
                "given both in the configuration and in [paths] overrides".to_owned(),
            ));
        }
        all.insert(
            pkgbase,
            PackageSource {
                url: source.url,
                branch: source.branch,
            },
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_branches_are_checked() {
        assert!(valid_pkgbase("python-foo+1.2"));
        assert!(!valid_pkgbase("../etc"));
        assert!(!valid_pkgbase("-rf"));
        assert!(valid_branch("arm/fix-1.2"));
        for bad in ["", "-x", "a..b", "a b", "a~1", "x.lock", "a/"] {
            assert!(!valid_branch(bad), "{bad}");
        }
    }
}
