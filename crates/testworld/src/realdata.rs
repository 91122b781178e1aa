//! A full-size world from real Arch data: the real x86_64 `core` and `extra` databases
//! (served in place, not copied), a generated target side and a generated state repository.
//!
//! No packaging repositories are generated, so the state repository's commits are
//! synthetic 40-hex ids; fetching PKGBUILDs for this world is not possible.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use archport_vercmp::{tag_for_version, vercmp};
use tempfile::TempDir;

use crate::config::{WorldUrls, file_url};
use crate::db::{Compression, db_tar, write_db_files};
use crate::error::WorldError;
use crate::git_util::Clock;
use crate::hash::{fnv1a, hex_digest};
use crate::server::MirrorServer;
use crate::spec::{Repo, VersionParts};
use crate::state_repo::{StateEntry, commit_state, state_repo_path};
use crate::tool;

/// How to derive the target side from the real x86_64 databases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealDataOptions {
    /// The directory holding `x86_64/{core,extra}.db.tar.gz`.
    pub data_dir: PathBuf,
    /// The target's `CARCH`.
    pub target_arch: String,
    /// Pkgbases (per thousand) absent from the target.
    pub missing_per_mille: u64,
    /// Pkgbases (per thousand) with an older version on the target.
    pub older_per_mille: u64,
}

impl Default for RealDataOptions {
    /// `full-2024` of the real data ([`default_data_dir`]), aarch64, 2% missing, 5% older.
    fn default() -> Self {
        RealDataOptions {
            data_dir: default_data_dir(),
            target_arch: "aarch64".to_owned(),
            missing_per_mille: 20,
            older_per_mille: 50,
        }
    }
}

/// `full-2024` of the real data, found where `archport_realdata` looks (`$ARCHPORT_REALDATA`,
/// `../shared/realdata`, `testdata/realdata`). When the data is missing this is the first
/// place looked at, so that building a world from it fails naming that place.
pub fn default_data_dir() -> PathBuf {
    match archport_realdata::path("full-2024") {
        Ok(dir) => dir,
        Err(missing) => missing
            .looked
            .first()
            .map(|dir| dir.join("full-2024"))
            .unwrap_or_default(),
    }
}

/// How the target side differs from x86_64 for one pkgbase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetChange {
    /// The target has this older version.
    Older(String),
    /// The target lacks the pkgbase.
    Missing,
}

/// One real x86_64 pkgbase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealPkgbase {
    /// Its repository.
    pub repo: Repo,
    /// Its version.
    pub version: String,
    /// Whether every package of it is `ARCH=any`.
    pub any: bool,
    /// Its pkgnames.
    pub pkgnames: Vec<String>,
}

/// The full-size world, served while the value lives.
#[derive(Debug)]
pub struct RealDataWorld {
    root: PathBuf,
    target_arch: String,
    data_dir: PathBuf,
    pkgbases: BTreeMap<String, RealPkgbase>,
    changes: BTreeMap<String, TargetChange>,
    server: MirrorServer,
    _temp: TempDir,
}

/// One desc entry kept as its sections, in file order.
struct RawDesc {
    sections: Vec<(String, Vec<String>)>,
}

impl RawDesc {
    fn parse(text: &str) -> RawDesc {
        let mut sections: Vec<(String, Vec<String>)> = Vec::new();
        for line in text.lines() {
            if line.len() > 2 && line.starts_with('%') && line.ends_with('%') {
                sections.push((line[1..line.len() - 1].to_owned(), Vec::new()));
            } else if !line.is_empty()
                && let Some((_, values)) = sections.last_mut()
            {
                values.push(line.to_owned());
            }
        }
        RawDesc { sections }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }

    fn set(&mut self, key: &str, value: String) {
        if let Some((_, values)) = self.sections.iter_mut().find(|(k, _)| k == key) {
            *values = vec![value];
        }
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for (key, values) in &self.sections {
            out.push('%');
            out.push_str(key);
            out.push_str("%\n");
            for value in values {
                out.push_str(value);
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }
}

/// Reads every `*/desc` of a gzip-compressed sync database. Decompression goes through the
/// system `gzip`: tens of megabytes through an unoptimised (test profile) inflater take
/// seconds.
fn read_gz_db(path: &Path) -> Result<Vec<RawDesc>, WorldError> {
    let bad = |problem: String| WorldError::RealData {
        path: path.to_path_buf(),
        problem,
    };
    if !path.is_file() {
        return Err(bad(format!(
            "not a file; get the real data with scripts/fetch-realdata or set {}",
            archport_realdata::ENV
        )));
    }
    let tar = tool::run("gzip", &[OsStr::new("-dc"), path.as_os_str()], &[])?;
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut out = Vec::new();
    let mut last = String::from("<start>");
    for entry in archive.entries().map_err(|e| bad(e.to_string()))? {
        let mut entry = entry.map_err(|e| bad(format!("after entry {last}: {e}")))?;
        let name = entry
            .path()
            .map_err(|e| bad(format!("after entry {last}: {e}")))?
            .to_string_lossy()
            .into_owned();
        if name.ends_with("/desc") {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| bad(format!("entry {name}: {e}")))?;
            out.push(RawDesc::parse(&text));
        }
        last = name;
    }
    Ok(out)
}

/// A version that `vercmp` orders before `version`: the pkgrel minus one when it is at
/// least 2, otherwise the pkgver with its last non-zero number decremented.
fn older_version(version: &str) -> Option<String> {
    let parts = VersionParts::parse(version).ok()?;
    let epoch = parts.epoch.map(|e| format!("{e}:")).unwrap_or_default();
    let major: u64 = parts.pkgrel.split('.').next()?.parse().ok()?;
    let candidate = if major >= 2 {
        format!("{epoch}{}-{}", parts.pkgver, major - 1)
    } else {
        let bytes = parts.pkgver.as_bytes();
        let mut end = bytes.len();
        let mut found = None;
        while end > 0 {
            if !bytes[end - 1].is_ascii_digit() {
                end -= 1;
                continue;
            }
            let start = bytes[..end]
                .iter()
                .rposition(|b| !b.is_ascii_digit())
                .map_or(0, |i| i + 1);
            let number: u64 = parts.pkgver[start..end].parse().ok()?;
            if number > 0 {
                found = Some((start, end, number));
                break;
            }
            end = start;
        }
        let (start, end, number) = found?;
        format!(
            "{epoch}{}{}{}-{}",
            &parts.pkgver[..start],
            number - 1,
            &parts.pkgver[end..],
            parts.pkgrel
        )
    };
    vercmp(&candidate, version).is_lt().then_some(candidate)
}

impl RealDataWorld {
    /// Builds the world in a new temporary directory and starts serving it.
    pub fn build(options: &RealDataOptions) -> Result<RealDataWorld, WorldError> {
        let temp = tempfile::Builder::new()
            .prefix("archport-realworld-")
            .tempdir()
            .map_err(WorldError::io(std::env::temp_dir()))?;
        let root = temp
            .path()
            .canonicalize()
            .map_err(WorldError::io(temp.path()))?;
        file_url(&root)?;
        let data_dir = options.data_dir.join("x86_64");
        let mut pkgbases: BTreeMap<String, RealPkgbase> = BTreeMap::new();
        let mut changes = BTreeMap::new();
        for repo in Repo::ALL {
            let source = data_dir.join(format!("{repo}.db.tar.gz"));
            let descs = read_gz_db(&source)?;
            let mut target_entries: Vec<(String, String)> = Vec::new();
            for mut desc in descs {
                let missing = |key: &str| WorldError::RealData {
                    path: source.clone(),
                    problem: format!("an entry has no %{key}%"),
                };
                let name = desc.get("NAME").ok_or_else(|| missing("NAME"))?.to_owned();
                let version = desc
                    .get("VERSION")
                    .ok_or_else(|| missing("VERSION"))?
                    .to_owned();
                let arch = desc.get("ARCH").ok_or_else(|| missing("ARCH"))?.to_owned();
                let base = desc.get("BASE").unwrap_or(&name).to_owned();
                let record = pkgbases.entry(base.clone()).or_insert_with(|| RealPkgbase {
                    repo,
                    version: version.clone(),
                    any: true,
                    pkgnames: Vec::new(),
                });
                record.any &= arch == "any";
                record.pkgnames.push(name.clone());
                let roll = fnv1a(7, base.as_bytes()) % 1000;
                let change = if roll < options.missing_per_mille {
                    Some(TargetChange::Missing)
                } else if roll < options.missing_per_mille + options.older_per_mille {
                    older_version(&version).map(TargetChange::Older)
                } else {
                    None
                };
                let target_version = match &change {
                    Some(TargetChange::Missing) => None,
                    Some(TargetChange::Older(older)) => Some(older.clone()),
                    None => Some(version.clone()),
                };
                if let Some(change) = change {
                    changes.insert(base.clone(), change);
                }
                let Some(target_version) = target_version else {
                    continue;
                };
                let target_arch = if arch == "any" {
                    "any"
                } else {
                    options.target_arch.as_str()
                };
                let old_prefix = format!("{name}-{version}-{arch}");
                let ext = desc
                    .get("FILENAME")
                    .and_then(|f| f.strip_prefix(&old_prefix))
                    .unwrap_or(crate::db::PKGEXT)
                    .to_owned();
                desc.set(
                    "FILENAME",
                    format!("{name}-{target_version}-{target_arch}{ext}"),
                );
                desc.set("VERSION", target_version.clone());
                desc.set("ARCH", target_arch.to_owned());
                target_entries.push((format!("{name}-{target_version}"), desc.render()));
            }
            let tar = db_tar(target_entries.iter().map(|(d, t)| (d.as_str(), t.as_str())))?;
            // The system gzip, fastest level: this archive is tens of megabytes and rebuilt
            // for every test.
            let gz = tool::run("gzip", &["-1", "-c", "-n"], &tar)?;
            let target_dir = root
                .join("mirror-target")
                .join(repo.as_str())
                .join("os")
                .join(&options.target_arch);
            std::fs::create_dir_all(&target_dir).map_err(WorldError::io(&target_dir))?;
            write_db_files(&target_dir, repo.as_str(), &gz, Compression::Gzip)?;
        }
        let entries: Vec<StateEntry> = pkgbases
            .iter()
            .map(|(name, p)| StateEntry {
                repo: p.repo,
                any: p.any,
                pkgbase: name.clone(),
                version: p.version.clone(),
                tag: tag_for_version(&p.version),
                commit: hex_digest(format!("{name} {}", p.version).as_bytes(), 40),
            })
            .collect();
        commit_state(
            &state_repo_path(&root),
            &entries,
            "initial state",
            &mut Clock::new(),
        )?;
        let server = MirrorServer::start(&root)?;
        for repo in Repo::ALL {
            let file = data_dir.join(format!("{repo}.db.tar.gz"));
            for served in [format!("{repo}.db"), format!("{repo}.db.tar.gz")] {
                server.mount(&format!("mirror-x86/{repo}/os/x86_64/{served}"), &file);
            }
        }
        Ok(RealDataWorld {
            root,
            target_arch: options.target_arch.clone(),
            data_dir,
            pkgbases,
            changes,
            server,
            _temp: temp,
        })
    }

    /// The world's directory (target mirror and state repository).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The HTTP server: its request log and failure injection.
    pub fn server(&self) -> &MirrorServer {
        &self.server
    }

    /// The real x86_64 database file served as `{repo}.db`.
    pub fn x86_db_file(&self, repo: Repo) -> PathBuf {
        self.data_dir.join(format!("{repo}.db.tar.gz"))
    }

    /// Every real pkgbase, by name.
    pub fn pkgbases(&self) -> &BTreeMap<String, RealPkgbase> {
        &self.pkgbases
    }

    /// The pkgbases whose target side differs from x86_64, and how.
    pub fn target_changes(&self) -> &BTreeMap<String, TargetChange> {
        &self.changes
    }

    /// Every location the configuration names. The packaging and AUR templates point into
    /// the world's directory, where no repositories exist.
    pub fn urls(&self) -> WorldUrls {
        // The root was checked in `build`.
        let root =
            file_url(&self.root).unwrap_or_else(|_| format!("file://{}", self.root.display()));
        WorldUrls {
            arch: self.target_arch.clone(),
            x86_mirror: self.server.url("mirror-x86"),
            state_repo: format!("{root}/git/state"),
            target_mirror: self.server.url("mirror-target"),
            packaging_url: format!("{root}/git/packaging/{{path}}.git"),
            aur_url: format!("{root}/git/aur/{{pkgbase}}.git"),
        }
    }

    /// `http://127.0.0.1:PORT/mirror-x86`.
    pub fn mirror_x86_url(&self) -> String {
        self.urls().x86_mirror
    }

    /// `http://127.0.0.1:PORT/mirror-target`.
    pub fn mirror_target_url(&self) -> String {
        self.urls().target_mirror
    }

    /// `file://{root}/git/state`.
    pub fn state_url(&self) -> String {
        self.urls().state_repo
    }

    /// Writes `archport.toml` at `path` with `{root}/work` as the work directory.
    pub fn write_config(&self, path: &Path) -> Result<(), WorldError> {
        let text = self.urls().config_toml(&self.root.join("work"));
        std::fs::write(path, text).map_err(WorldError::io(path))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn older_versions_are_older() {
        let cases = [
            ("1.0-3", "1.0-2"),
            ("1:2.0-1", "1:1.0-1"),
            ("1.0-1", "0.0-1"),
            ("2.10.0-1.1", "2.9.0-1.1"),
            ("20240809.59460076-1", "20240809.59460075-1"),
            ("r100.abc-1", "r99.abc-1"),
        ];
        for (version, older) in cases {
            assert_eq!(older_version(version).as_deref(), Some(older), "{version}");
        }
        assert_eq!(older_version("0.0-1"), None);
    }

    #[test]
    fn raw_desc_round_trips_and_edits() {
        let text = "%NAME%\nacl\n\n%VERSION%\n1-1\n\n%PROVIDES%\na\nb\n\n";
        let mut desc = RawDesc::parse(text);
        assert_eq!(desc.render(), text);
        desc.set("VERSION", "0-1".to_owned());
        assert_eq!(desc.get("VERSION"), Some("0-1"));
        assert_eq!(desc.get("BASE"), None);
    }
}
