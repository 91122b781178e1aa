//! The build-list model.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole file: how it was made, when, and the packages in build order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildList {
    /// The command line that produced it.
    #[serde(rename = "_command")]
    pub command: String,
    /// When it was produced, UTC with milliseconds and `Z`.
    #[serde(rename = "_timestamp")]
    pub timestamp: String,
    /// One entry per pkgbase build step, in build order.
    pub packages: Vec<Entry>,
}

/// One build step of one pkgbase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The pkgbase.
    pub name: String,
    /// The pkgbase (kept beside `name` for older readers).
    pub basename: String,
    /// The packages the pkgbase builds.
    pub pkgnames: Vec<String>,
    /// The version to build.
    pub version: String,
    /// The x86_64 version.
    pub x86_version: String,
    /// The target's current version, `null` when absent.
    pub arm_version: Option<String>,
    /// `core` or `extra`.
    pub repo: String,
    /// The packaging repo tag of `version`.
    pub tag: Option<String>,
    /// The packaging commit (from the state repository, or the one checked out).
    pub commit: Option<String>,
    /// Relations as in `.SRCINFO`, with constraints.
    pub depends: Vec<String>,
    /// Build-time relations.
    pub makedepends: Vec<String>,
    /// Test relations.
    pub checkdepends: Vec<String>,
    /// Provisions of all split packages.
    pub provides: Vec<String>,
    /// Built from the packaging repo's newest commit instead of the tag.
    pub force_latest: bool,
    /// Built from the AUR.
    pub use_aur: bool,
    /// Built from `pkgbuilds/<name>/` as it is.
    pub use_local: bool,
    /// Longest-path depth in the dependency graph.
    pub build_stage: u32,
    /// The dependency cycle this step belongs to.
    pub cycle_group: Option<u32>,
    /// 1 for the first build in a cycle, 2 for the second.
    pub cycle_stage: Option<u8>,
    /// 1 when the step must not be built.
    pub skip: u8,
    /// Why it is skipped.
    pub skip_reason: Option<String>,
    /// Why it was added when nobody asked for it (`makedepends of vim`).
    pub added_reason: Option<String>,
    /// The PKGBUILD's `arch` lacks the target: build with `--ignorearch`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignorearch: bool,
    /// Set by build-packages in `failed_packages.json`: phase and reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Set by build-packages in `failed_packages.json`: the build log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

impl Entry {
    /// An entry for `pkgbase` at `version` in `repo`, building one package named like it,
    /// with no relations yet and every flag off; callers fill in the rest.
    pub fn new(pkgbase: &str, version: &str, repo: &str) -> Entry {
        Entry {
            name: pkgbase.to_owned(),
            basename: pkgbase.to_owned(),
            pkgnames: vec![pkgbase.to_owned()],
            version: version.to_owned(),
            x86_version: version.to_owned(),
            arm_version: None,
            repo: repo.to_owned(),
            tag: None,
            commit: None,
            depends: Vec::new(),
            makedepends: Vec::new(),
            checkdepends: Vec::new(),
            provides: Vec::new(),
            force_latest: false,
            use_aur: false,
            use_local: false,
            build_stage: 0,
            cycle_group: None,
            cycle_stage: None,
            skip: 0,
            skip_reason: None,
            added_reason: None,
            ignorearch: false,
            failure: None,
            log: None,
        }
    }
}

/// A build list that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The file does not exist.
    #[error("{path}: no such file; run generate-build-list first")]
    Missing {
        /// The build list path.
        path: PathBuf,
    },
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The build list path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid build list.
    #[error("{path}: not a valid build list: {message}")]
    Invalid {
        /// The build list path.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
}

/// The current time as the build list records it: `2026-11-23T10:13:57.735Z`.
pub fn timestamp_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl BuildList {
    /// Reads and validates a build list (or a `failed_packages.json`).
    pub fn read(path: &Path) -> Result<BuildList, ListError> {
        let bytes = std::fs::read(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ListError::Missing {
                    path: path.to_owned(),
                }
            } else {
                ListError::Io {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        let invalid = |message: String| ListError::Invalid {
            path: path.to_owned(),
            message,
        };
        let list: BuildList = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        for entry in &list.packages {
            archport_vercmp::PkgName::new(&entry.name).map_err(|e| invalid(e.to_string()))?;
            for n in &entry.pkgnames {
                archport_vercmp::PkgName::new(n)
                    .map_err(|e| invalid(format!("{}: {e}", entry.name)))?;
            }
            if !matches!(entry.skip, 0 | 1) {
                return Err(invalid(format!("{}: skip must be 0 or 1", entry.name)));
            }
        }
        Ok(list)
    }

    /// Writes the list atomically, pretty-printed with a final newline.
    pub fn write(&self, path: &Path) -> Result<(), ListError> {
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| ListError::Invalid {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        text.push(b'\n');
        archport_fs::write_atomic(path, &text).map_err(|source| ListError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Entry {
        Entry {
            pkgnames: vec![name.into(), format!("{name}-libs")],
            tag: Some("1.86.0-2".into()),
            commit: Some("a".repeat(40)),
            depends: vec!["glibc>=2.38".into()],
            provides: vec!["libboost.so=1.86-64".into()],
            ..Entry::new(name, "1.86.0-2", "extra")
        }
    }

    #[test]
    fn round_trip_with_interface_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("packages_to_build.json");
        let list = BuildList {
            command: "generate-build-list --packages boost".into(),
            timestamp: timestamp_now(),
            packages: vec![entry("boost")],
        };
        list.write(&path).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let keys: Vec<&str> = value["packages"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "name",
            "basename",
            "pkgnames",
            "version",
            "x86_version",
            "arm_version",
            "repo",
            "tag",
            "commit",
            "depends",
            "makedepends",
            "checkdepends",
            "provides",
            "force_latest",
            "use_aur",
            "use_local",
            "build_stage",
            "cycle_group",
            "cycle_stage",
            "skip",
            "skip_reason",
            "added_reason",
        ] {
            assert!(keys.contains(&key), "missing {key}");
        }
        assert!(value["packages"][0]["arm_version"].is_null());
        assert!(value["_timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(BuildList::read(&path).unwrap(), list);
    }

    #[test]
    fn clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let err = BuildList::read(&path).unwrap_err().to_string();
        assert!(err.contains("run generate-build-list first"), "{err}");
        std::fs::write(
            &path,
            "{\"_command\": \"x\", \"_timestamp\": \"t\", \"packages\": [",
        )
        .unwrap();
        let err = BuildList::read(&path).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("{}: not a valid build list", path.display())),
            "{err}"
        );
        let mut e = entry("../etc");
        e.basename = e.name.clone();
        let bad = BuildList {
            command: String::new(),
            timestamp: String::new(),
            packages: vec![e],
        };
        std::fs::write(&path, serde_json::to_string(&bad).unwrap()).unwrap();
        assert!(
            BuildList::read(&path)
                .unwrap_err()
                .to_string()
                .contains("invalid package name")
        );
    }
}
