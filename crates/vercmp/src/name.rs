//! Validated package names: the only form in which a name may reach a path or a command.

use std::fmt;
use std::str::FromStr;

/// A pkgname or pkgbase that matches `^[a-zA-Z0-9@_+][a-zA-Z0-9@_+.-]*$`.
///
/// Names come from databases, `.SRCINFO` files, JSON and the command line; validating them
/// once at that border means no later path join or argument vector can see `../x` or `-rf`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PkgName(String);

/// A pkgbase: the same type as [`PkgName`], not a distinct one.
///
/// pacman, makepkg and devtools check both with the same rule, and a pkgbase is compared
/// with pkgnames constantly (a split package named like its base, `BASE` absent meaning
/// `NAME`, providers looked up by either); a separate type would add a conversion at each of
/// those places and catch no mistake the field names do not already show.
pub type PkgBase = PkgName;

/// A string that is not a valid package name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid package name {name:?}: {reason}")]
pub struct NameError {
    /// The rejected text.
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl PkgName {
    /// Validates `s` as a package name.
    pub fn new(s: &str) -> Result<PkgName, NameError> {
        let err = |reason| NameError {
            name: s.to_owned(),
            reason,
        };
        let mut bytes = s.bytes();
        match bytes.next() {
            None => return Err(err("empty")),
            Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'@' | b'_' | b'+') => {}
            Some(_) => return Err(err("must start with a letter, digit, '@', '_' or '+'")),
        }
        if bytes
            .any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'@' | b'_' | b'+' | b'.' | b'-')))
        {
            return Err(err(
                "only letters, digits and '@', '_', '+', '.', '-' are allowed",
            ));
        }
        Ok(PkgName(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PkgName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PkgName::new(s)
    }
}

impl fmt::Display for PkgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl std::ops::Deref for PkgName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for PkgName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PkgName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<str> for PkgName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for PkgName {
    fn as_ref(&self) -> &std::path::Path {
        self.0.as_ref()
    }
}

impl std::borrow::Borrow<str> for PkgName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de> serde::Deserialize<'de> for PkgName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PkgName::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_names() {
        for n in [
            "libsigc++",
            "@scope",
            "_x",
            "python-3.12",
            "g++",
            "0ad",
            "tree",
        ] {
            assert!(PkgName::new(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn rejects_paths_and_options() {
        for n in [
            "", "-rf", ".hidden", "../etc", "a/b", "a b", "a;rm", "ä", "a\n",
        ] {
            assert!(PkgName::new(n).is_err(), "{n:?}");
        }
        let e = PkgName::new("../x").unwrap_err();
        assert!(e.to_string().contains("\"../x\""));
    }
}
