//! Repository names: Arch's own and the validated names of a port's extra repositories.

use std::fmt;
use std::str::FromStr;

/// A package repository.
///
/// Arch's repositories are variants, so code can match on them; any other name (a port's
/// own repository) is kept in [`Repo::Other`] after the same check as a package name, since a
/// repository name becomes a path component (`{mirror}/{repo}/os/{arch}/{repo}.db`) and a
/// `repo-upload --repo` argument: `../../srv/evil` or `-x` must never get that far.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Repo {
    /// `core`
    Core,
    /// `extra`
    Extra,
    /// `core-testing`
    CoreTesting,
    /// `extra-testing`
    ExtraTesting,
    /// Any other validated name; never one of the names above.
    Other(String),
}

/// A string that is not a valid repository name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid repository name {name:?}: {reason}")]
pub struct RepoError {
    /// The rejected text.
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Repo {
    /// Validates `s` as a repository name.
    pub fn new(s: &str) -> Result<Repo, RepoError> {
        Ok(match s {
            "core" => Repo::Core,
            "extra" => Repo::Extra,
            "core-testing" => Repo::CoreTesting,
            "extra-testing" => Repo::ExtraTesting,
            _ => {
                crate::PkgName::new(s).map_err(|e| RepoError {
                    name: s.to_owned(),
                    reason: e.reason,
                })?;
                Repo::Other(s.to_owned())
            }
        })
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        match self {
            Repo::Core => "core",
            Repo::Extra => "extra",
            Repo::CoreTesting => "core-testing",
            Repo::ExtraTesting => "extra-testing",
            Repo::Other(name) => name,
        }
    }
}

impl FromStr for Repo {
    type Err = RepoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Repo::new(s)
    }
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::ops::Deref for Repo {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Repo {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<std::path::Path> for Repo {
    /// Validated, so safe as one path component.
    fn as_ref(&self) -> &std::path::Path {
        self.as_str().as_ref()
    }
}

impl serde::Serialize for Repo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Repo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Repo::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "core",
            "extra",
            "core-testing",
            "extra-testing",
            "alarm",
            "aur",
        ] {
            assert_eq!(Repo::new(s).unwrap().to_string(), s);
        }
        assert_eq!(Repo::new("core").unwrap(), Repo::Core);
        assert_eq!(Repo::new("extra-testing").unwrap(), Repo::ExtraTesting);
        assert_eq!(Repo::new("alarm").unwrap(), Repo::Other("alarm".into()));
    }

    #[test]
    fn rejects_paths_and_options() {
        for s in [
            "",
            "../../../srv/evil",
            "a/b",
            "-x",
            "core\n",
            ".hidden",
            "a b",
        ] {
            let e = Repo::new(s).unwrap_err();
            assert_eq!(e.name, s);
        }
        assert!(
            Repo::new("../x")
                .unwrap_err()
                .to_string()
                .starts_with("invalid repository name \"../x\"")
        );
    }
}
