//! The build-list model.

use std::path::{Path, PathBuf};

use archport_triage::Classification;
use archport_vercmp::{PkgBase, PkgName, Relation, Repo, Version};
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

/// One build step of one pkgbase, as typed values.
///
/// This is the domain model; the file's shape lives in the `wire` module, and the two are
/// converted at the border: reading rejects a bad value with the entry and field named,
/// writing gives back the same bytes the wire struct always wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The pkgbase; the file also carries it as `basename`, for older readers.
    pub name: PkgBase,
    /// The packages the pkgbase builds.
    pub pkgnames: Vec<PkgName>,
    /// The version to build; `None` (`""` in the file) only for an AUR or local pkgbase whose
    /// `.SRCINFO` could not be read, which is then skipped.
    pub version: Option<Version>,
    /// The x86_64 version; `None` (`""`) as for `version`.
    pub x86_version: Option<Version>,
    /// The target's current version, `None` when the target lacks the pkgbase.
    pub arm_version: Option<Version>,
    /// The repository the pkgbase belongs to (`core` or `extra`).
    pub repo: Repo,
    /// The packaging repo tag of `version`.
    pub tag: Option<String>,
    /// The packaging commit (from the state repository, or the one checked out).
    pub commit: Option<String>,
    /// Run-time relations, with constraints, as in `.SRCINFO`.
    pub depends: Vec<Relation>,
    /// Build-time relations.
    pub makedepends: Vec<Relation>,
    /// Test relations.
    pub checkdepends: Vec<Relation>,
    /// Provisions of all split packages.
    pub provides: Vec<Relation>,
    /// Where the PKGBUILD comes from (three booleans in the file).
    pub source: Source,
    /// Longest-path depth in the dependency graph.
    pub build_stage: u32,
    /// The dependency cycle this step belongs to.
    pub cycle_group: Option<u32>,
    /// Which build of a pkgbase built twice (a cycle) this step is.
    pub cycle_stage: Option<CycleStage>,
    /// Why the step must not be built; `None` when it is built (`skip` and `skip_reason` in
    /// the file).
    pub skip: Option<SkipReason>,
    /// Why it was added when nobody asked for it (`makedepends of vim`).
    pub added_reason: Option<String>,
    /// The PKGBUILD's `arch` lacks the target: build with `--ignorearch`.
    pub ignorearch: bool,
    /// Listed with `generate-build-list --no-check`: build with makepkg's `--nocheck` (its
    /// checkdepends were left out of the ordering, so they may not be there). Absent from
    /// the file when false, so older lists read as before.
    pub nocheck: bool,
    /// A per-package source (`[overrides.<pkgbase>]`): the git URL the PKGBUILD was fetched
    /// from instead of Arch's GitLab or the AUR; `commit` is the branch head checked out.
    /// Absent from the file when `None`, so older lists read as before.
    pub source_url: Option<String>,
    /// With `source_url`: the branch followed (`None`: the remote's default branch).
    pub source_branch: Option<String>,
    /// Set by build-packages in `failed_packages.json`: why the step was not built.
    pub failure: Option<FailureRecord>,
    /// Set by build-packages in `failed_packages.json` on a failed step: what kind of
    /// failure it is and the log line that shows it (`category` and `cause` in the file,
    /// from `archport_triage::classify_failure`), so a script can sort the morning's
    /// failures without reading logs. Absent in lists written before it existed; either
    /// key may be missing on read (no `category` reads as `unknown`, no `cause` as empty).
    pub classification: Option<Classification>,
    /// Set by build-packages in `failed_packages.json`: the build log.
    pub log: Option<String>,
}

/// Where a pkgbase's PKGBUILD comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Source {
    /// The packaging repository at the tag the state repository records (the default).
    #[default]
    StateTag,
    /// The packaging repository's newest commit (`--use-latest`; `force_latest` in the file).
    Latest,
    /// The AUR (`--aur`; `use_aur`).
    Aur,
    /// `pkgbuilds/<pkgbase>/` as it is (`--local`; `use_local`).
    Local,
}

/// Which of the two builds of a pkgbase in a dependency cycle a step is (`1` or `2` in the
/// file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CycleStage {
    /// The first build, against what the target has.
    First,
    /// The second build, against the first builds of the whole cycle.
    Second,
}

impl TryFrom<u8> for CycleStage {
    type Error = u8;
    /// 1 or 2; any other number is given back.
    fn try_from(n: u8) -> Result<CycleStage, u8> {
        match n {
            1 => Ok(CycleStage::First),
            2 => Ok(CycleStage::Second),
            n => Err(n),
        }
    }
}

impl std::fmt::Display for CycleStage {
    /// The number, as console lines show it (`cycle build 2 of 2`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl CycleStage {
    /// The number the file and the queue use: 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            CycleStage::First => 1,
            CycleStage::Second => 2,
        }
    }
}

/// Why a step is in `failed_packages.json` (`failure` in the file, as the text `Display`
/// gives: `build: makechrootpkg exited with status 1`, `blocked: zlib failed`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FailureRecord {
    /// The step itself failed.
    Step {
        /// The runner phase it failed in (`build`, `upload`, ...): the name of the runner's
        /// `Phase`, kept as text because the build list sits below the runner.
        phase: String,
        /// What went wrong (`makechrootpkg exited with status 1`).
        reason: String,
    },
    /// Not built because the build of a dependency failed.
    Blocked {
        /// The pkgbase whose build failed.
        by: PkgBase,
    },
}

impl std::fmt::Display for FailureRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureRecord::Step { phase, reason } => write!(f, "{phase}: {reason}"),
            FailureRecord::Blocked { by } => write!(f, "blocked: {by} failed"),
        }
    }
}

impl std::str::FromStr for FailureRecord {
    type Err = String;

    /// Reads the text `Display` writes; anything else is refused with what was expected.
    fn from_str(s: &str) -> Result<FailureRecord, String> {
        if let Some(by) = s
            .strip_prefix("blocked: ")
            .and_then(|rest| rest.strip_suffix(" failed"))
        {
            let by = PkgName::new(by).map_err(|e| e.to_string())?;
            return Ok(FailureRecord::Blocked { by });
        }
        match s.split_once(": ") {
            Some((phase, reason))
                if !phase.is_empty() && phase.bytes().all(|b| b.is_ascii_lowercase()) =>
            {
                Ok(FailureRecord::Step {
                    phase: phase.to_owned(),
                    reason: reason.to_owned(),
                })
            }
            _ => Err(format!(
                "{s:?} is neither `<phase>: <reason>` nor `blocked: <pkgbase> failed`"
            )),
        }
    }
}

/// Why a step is skipped: the text shown to the operator (`fetch failed: ...`,
/// `blacklisted: ...`). `None` only in a hand-made list that sets `skip` without a reason.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SkipReason(pub Option<String>);

impl SkipReason {
    /// A skip with `reason`.
    pub fn new(reason: impl Into<String>) -> SkipReason {
        SkipReason(Some(reason.into()))
    }

    /// The reason, or `fallback` when the list gives none.
    pub fn text_or<'a>(&'a self, fallback: &'a str) -> &'a str {
        self.0.as_deref().unwrap_or(fallback)
    }
}

impl Entry {
    /// An entry for `pkgbase` at `version` in `repo`, building one package named like it,
    /// with no relations yet and every flag off; callers fill in the rest.
    pub fn new(pkgbase: PkgBase, version: Option<Version>, repo: Repo) -> Entry {
        Entry {
            pkgnames: vec![pkgbase.clone()],
            name: pkgbase,
            x86_version: version.clone(),
            version,
            arm_version: None,
            repo,
            tag: None,
            commit: None,
            depends: Vec::new(),
            makedepends: Vec::new(),
            checkdepends: Vec::new(),
            provides: Vec::new(),
            source: Source::StateTag,
            build_stage: 0,
            cycle_group: None,
            cycle_stage: None,
            skip: None,
            added_reason: None,
            ignorearch: false,
            nocheck: false,
            source_url: None,
            source_branch: None,
            failure: None,
            classification: None,
            log: None,
        }
    }

    /// Whether the step is skipped.
    pub fn skipped(&self) -> bool {
        self.skip.is_some()
    }

    /// The version as text for console lines and file names; empty when unknown.
    /// A package x86_64 does not have: from the AUR or a local PKGBUILD. Such entries are
    /// published to `[upload] port_repo` when one is set.
    pub fn port_package(&self) -> bool {
        matches!(self.source, Source::Aur | Source::Local)
    }

    pub fn version_text(&self) -> &str {
        self.version.as_ref().map_or("", |v| v.as_str())
    }

    /// `depends`, `makedepends` and `checkdepends` in that order: what must be installed
    /// to build the step.
    pub fn build_relations(&self) -> impl Iterator<Item = &Relation> {
        self.depends
            .iter()
            .chain(&self.makedepends)
            .chain(&self.checkdepends)
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
        // Every value is checked while the entries are converted from the wire (`wire.rs`).
        serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))
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
            pkgnames: vec![
                name.parse().unwrap(),
                format!("{name}-libs").parse().unwrap(),
            ],
            tag: Some("1.86.0-2".into()),
            commit: Some("a".repeat(40)),
            depends: vec!["glibc>=2.38".parse().unwrap()],
            provides: vec!["libboost.so=1.86-64".parse().unwrap()],
            ..Entry::new(
                name.parse().unwrap(),
                Some("1.86.0-2".parse().unwrap()),
                Repo::Extra,
            )
        }
    }

    /// Writes a one-entry list whose entry has `key` set to `value` (raw JSON) and returns
    /// the error reading it gives.
    fn read_with(key: &str, value: &str) -> String {
        read_with_entry(entry("boost"), key, value)
    }

    fn read_with_entry(base: Entry, key: &str, value: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("packages_to_build.json");
        let list = BuildList {
            command: String::new(),
            timestamp: String::new(),
            packages: vec![base],
        };
        let mut json: serde_json::Value = serde_json::to_value(&list).unwrap();
        json["packages"][0][key] = serde_json::from_str(value).unwrap();
        std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
        let err = BuildList::read(&path).unwrap_err().to_string();
        assert!(!err.contains('\n'), "one line: {err}");
        assert!(
            err.starts_with(&format!(
                "{}: not a valid build list: entry boost: ",
                path.display()
            )) && err.contains(key),
            "{err}"
        );
        err
    }

    #[test]
    fn rejects_a_repo_that_is_a_path() {
        let err = read_with("repo", r#""../../../srv/evil""#);
        assert!(err.contains("invalid repository name"), "{err}");
    }

    #[test]
    fn rejects_a_version_with_a_newline() {
        let err = read_with("version", r#""1.0-1\nevil""#);
        assert!(err.contains("control character"), "{err}");
    }

    #[test]
    fn rejects_cycle_stage_3() {
        let err = read_with("cycle_stage", "3");
        assert!(err.contains("3 is neither 1 nor 2"), "{err}");
    }

    #[test]
    fn rejects_other_bad_values() {
        read_with("skip", "2");
        read_with("depends", r#"["a=>1"]"#);
        read_with("pkgnames", r#"["-rf"]"#);
        read_with("basename", r#""other""#);
        read_with("skip_reason", r#""why""#);
        let latest = Entry {
            source: Source::Latest,
            ..entry("boost")
        };
        let err = read_with_entry(latest, "use_aur", "true");
        assert!(err.contains("at most one may be true"), "{err}");
    }

    #[test]
    fn failure_records_round_trip() {
        for text in [
            "build: makechrootpkg exited with status 1",
            "upload: repo-upload: connection refused: try again",
            "blocked: zlib failed",
        ] {
            let record: FailureRecord = text.parse().unwrap();
            assert_eq!(record.to_string(), text);
        }
        assert_eq!(
            "blocked: zlib failed".parse::<FailureRecord>().unwrap(),
            FailureRecord::Blocked {
                by: "zlib".parse().unwrap()
            }
        );
        for bad in ["", "it broke", "blocked: ../x failed", "Build: x"] {
            assert!(bad.parse::<FailureRecord>().is_err(), "{bad:?}");
        }
        read_with("failure", r#""it broke""#);
    }

    #[test]
    fn failures_carry_category_and_cause_and_older_lists_still_read() {
        use archport_triage::Category;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failed_packages.json");
        let failed = Entry {
            failure: Some("build: makechrootpkg exited with 255".parse().unwrap()),
            classification: Some(Classification {
                category: Category::Checksum,
                cause: "==> ERROR: One or more files did not pass the validity check!".into(),
            }),
            log: Some("/w/logs/boost.log".into()),
            ..entry("boost")
        };
        let list = BuildList {
            command: String::new(),
            timestamp: String::new(),
            packages: vec![failed, entry("zlib")],
        };
        list.write(&path).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(value["packages"][0]["category"], "checksum");
        assert_eq!(
            value["packages"][0]["cause"],
            "==> ERROR: One or more files did not pass the validity check!"
        );
        let keys: Vec<&String> = value["packages"][1].as_object().unwrap().keys().collect();
        assert!(
            !keys.iter().any(|k| *k == "category" || *k == "cause"),
            "absent when unset: {keys:?}"
        );
        assert_eq!(BuildList::read(&path).unwrap(), list);

        // Either key alone reads; a category that is none of the table's is refused.
        let mut json = value.clone();
        let first = json["packages"][0].as_object_mut().unwrap();
        first.remove("cause");
        std::fs::write(&path, json.to_string()).unwrap();
        let read = BuildList::read(&path).unwrap();
        let got = read.packages[0].classification.clone().unwrap();
        assert_eq!((got.category, got.cause.as_str()), (Category::Checksum, ""));
        let mut json = value;
        let first = json["packages"][0].as_object_mut().unwrap();
        first.remove("category");
        std::fs::write(&path, json.to_string()).unwrap();
        let read = BuildList::read(&path).unwrap();
        let got = read.packages[0].classification.clone().unwrap();
        assert_eq!(got.category, Category::Unknown);
        let err = read_with("category", r#""Build""#);
        assert!(err.contains("unknown failure category"), "{err}");
    }

    #[test]
    fn wire_fields_map_to_types() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let mut e = entry("boost");
        e.source = Source::Aur;
        e.cycle_stage = Some(CycleStage::Second);
        e.skip = Some(SkipReason::new("blacklisted"));
        e.version = None;
        let list = BuildList {
            command: String::new(),
            timestamp: String::new(),
            packages: vec![e],
        };
        list.write(&path).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let p = &value["packages"][0];
        assert_eq!(p["use_aur"], true);
        assert_eq!(p["force_latest"], false);
        assert_eq!(p["use_local"], false);
        assert_eq!(p["cycle_stage"], 2);
        assert_eq!(p["skip"], 1);
        assert_eq!(p["skip_reason"], "blacklisted");
        assert_eq!(p["version"], "");
        assert_eq!(BuildList::read(&path).unwrap(), list);
    }

    #[test]
    fn nocheck_is_written_only_when_set_and_older_lists_read_as_false() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let mut list = BuildList {
            command: String::new(),
            timestamp: String::new(),
            packages: vec![entry("boost")],
        };
        list.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("nocheck"), "{text}");
        assert!(!BuildList::read(&path).unwrap().packages[0].nocheck);
        list.packages[0].nocheck = true;
        list.write(&path).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(value["packages"][0]["nocheck"], true);
        assert_eq!(BuildList::read(&path).unwrap(), list);
    }

    #[test]
    fn a_per_package_source_round_trips_and_older_lists_read_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let mut list = BuildList {
            command: String::new(),
            timestamp: String::new(),
            packages: vec![entry("boost")],
        };
        list.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("source_"), "{text}");
        assert_eq!(BuildList::read(&path).unwrap().packages[0].source_url, None);
        list.packages[0].source_url = Some("file:///srv/forks/boost".into());
        list.packages[0].source_branch = Some("arm".into());
        list.write(&path).unwrap();
        assert_eq!(BuildList::read(&path).unwrap(), list);
        let err = read_with("source_url", r#""a\nb""#);
        assert!(
            err.contains("source_url: empty or holds control characters"),
            "{err}"
        );
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
        let good = BuildList {
            command: String::new(),
            timestamp: String::new(),
            packages: vec![entry("etc")],
        };
        let bad = serde_json::to_string(&good)
            .unwrap()
            .replace("\"etc\"", "\"../etc\"");
        std::fs::write(&path, bad).unwrap();
        assert!(
            BuildList::read(&path)
                .unwrap_err()
                .to_string()
                .contains("invalid package name")
        );
    }
}
