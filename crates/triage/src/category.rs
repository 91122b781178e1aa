//! The categories a failed build falls into. Leaf module: no imports from the crate.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of failure a failed build is. The lowercase names (`download`, `checksum`, ...)
/// are an interface: they appear in `status.json`, `failed_packages.json` (key `category`),
/// `--status --json` and on the page, so scripts can count and filter by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A source could not be downloaded.
    Download,
    /// A source failed its checksum or its PGP signature check.
    Checksum,
    /// pacman could not resolve or install the build's dependencies.
    Dependencies,
    /// `prepare()` failed, or a patch did not apply.
    Prepare,
    /// `build()` failed.
    Build,
    /// `check()` failed.
    Check,
    /// `package()` (or a split package's `package_<name>()`) failed.
    Package,
    /// Out of memory, or killed by a signal.
    Killed,
    /// The build ran longer than `[build] timeout`.
    Timeout,
    /// The chroot or devtools could not be set up.
    Setup,
    /// Publishing the built packages failed.
    Upload,
    /// None of the above.
    Unknown,
}

impl Category {
    /// Every category, in the order of the README's table (and of the page's counts).
    pub const ALL: [Category; 12] = [
        Category::Download,
        Category::Checksum,
        Category::Dependencies,
        Category::Prepare,
        Category::Build,
        Category::Check,
        Category::Package,
        Category::Killed,
        Category::Timeout,
        Category::Setup,
        Category::Upload,
        Category::Unknown,
    ];

    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Download => "download",
            Category::Checksum => "checksum",
            Category::Dependencies => "dependencies",
            Category::Prepare => "prepare",
            Category::Build => "build",
            Category::Check => "check",
            Category::Package => "package",
            Category::Killed => "killed",
            Category::Timeout => "timeout",
            Category::Setup => "setup",
            Category::Upload => "upload",
            Category::Unknown => "unknown",
        }
    }

    /// One sentence for people: what the category means (the README's table).
    pub fn description(self) -> &'static str {
        match self {
            Category::Download => "a source could not be downloaded",
            Category::Checksum => "checksum or PGP signature",
            Category::Dependencies => "pacman could not resolve or install dependencies",
            Category::Prepare => "prepare() or a patch failed",
            Category::Build => "build() failed",
            Category::Check => "check() failed",
            Category::Package => "package() failed",
            Category::Killed => "out of memory, or killed",
            Category::Timeout => "the build ran too long",
            Category::Setup => "chroot or devtools set-up",
            Category::Upload => "publishing failed",
            Category::Unknown => "none of the above",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`Category`]'s lowercase names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown failure category {0:?} (expected download, checksum, dependencies, prepare, build, check, package, killed, timeout, setup, upload or unknown)"
)]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_display_fromstr_and_serde() {
        for category in Category::ALL {
            let name = category.to_string();
            assert_eq!(name.parse::<Category>().unwrap(), category);
            let json = serde_json::to_string(&category).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), category);
        }
        let err = "Build".parse::<Category>().unwrap_err();
        assert!(err.to_string().contains("\"Build\""), "{err}");
    }
}
