//! A full package version as a value: validated once, ordered by pacman's `vercmp`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::order::vercmp;

/// A full package version (`[epoch:]pkgver[-pkgrel]`) ordered by [`vercmp`].
///
/// The text is kept exactly as written, so `Display` gives back what `FromStr` read. It is
/// never empty and holds no whitespace or control characters: a version reaches file names
/// (`name-version-arch.pkg.tar.zst`), log lines and the build list, where a newline would
/// forge a line. Beyond that the text is not judged: pacman orders any text, and so do we.
///
/// Equality is textual while ordering follows pacman, so `1.0` and `1_0` are distinct
/// values; `Ord` breaks pacman's tie between them textually to stay consistent with `Eq`.
/// Use [`Version::vercmp`] where pacman's own answer (`Equal`) is wanted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version(String);

/// A string that is not a valid version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version {text:?}: {reason}")]
pub struct VersionError {
    /// The rejected text.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Version {
    /// Validates `s` as a version.
    pub fn new(s: &str) -> Result<Version, VersionError> {
        let err = |reason| VersionError {
            text: s.to_owned(),
            reason,
        };
        if s.is_empty() {
            return Err(err("empty"));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(err("contains whitespace or a control character"));
        }
        Ok(Version(s.to_owned()))
    }

    /// The version text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// pacman's comparison, where `1.0` and `1_0` are `Equal`.
    pub fn vercmp(&self, other: &Version) -> Ordering {
        vercmp(&self.0, &other.0)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        vercmp(&self.0, &other.0).then_with(|| self.0.cmp(&other.0))
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::new(s)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl std::ops::Deref for Version {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Version {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Version::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn round_trips() {
        for s in [
            "1.0-1",
            "1:2.0~rc1-3",
            "2.38",
            "1_0",
            "20240101.abcdef-1.1",
            "ß1",
        ] {
            assert_eq!(v(s).to_string(), s);
            assert_eq!(v(s).as_str(), s);
        }
    }

    #[test]
    fn rejects_empty_whitespace_and_control() {
        for s in ["", "1.0\n", "1.0-1\r", "1 0", "\t1", "1\u{7f}", "1\u{0}"] {
            let e = Version::new(s).unwrap_err();
            assert_eq!(e.text, s);
        }
        assert!(
            Version::new("1\n2")
                .unwrap_err()
                .to_string()
                .contains("control character")
        );
    }

    #[test]
    fn ordering_agrees_with_vercmp() {
        let texts = [
            "1.0", "1.0-1", "1.0-2", "1_0", "1.0a", "1.0rc1", "1:0.1", "0:1.0", "1.1~rc1", "1.1",
            "2.0", "1..0",
        ];
        for a in texts {
            for b in texts {
                let pacman = vercmp(a, b);
                assert_eq!(v(a).vercmp(&v(b)), pacman, "{a} {b}");
                // Ord refines pacman's order: it only breaks pacman's ties.
                if pacman.is_ne() {
                    assert_eq!(v(a).cmp(&v(b)), pacman, "{a} {b}");
                }
                assert_eq!(v(a).cmp(&v(b)).is_eq(), a == b, "{a} {b}");
            }
        }
        assert!(v("1:1.0-1") > v("2.0-1"));
    }

    #[test]
    fn serde_is_a_plain_string() {
        let json = serde_json::to_string(&v("1:2-3")).unwrap();
        assert_eq!(json, "\"1:2-3\"");
        assert_eq!(serde_json::from_str::<Version>(&json).unwrap(), v("1:2-3"));
        assert!(serde_json::from_str::<Version>("\"1\\n2\"").is_err());
    }
}
