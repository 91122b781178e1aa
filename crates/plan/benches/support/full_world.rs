//! The real full-size world of `full-2024/srcinfo.tar.zst` in the real data (found by
//! `archport_realdata`) as build-order input, shared by the `order` bench, the
//! `full_world_order` example and the `full_world` tests of plan and schedule.
//!
//! The scenario is `--rebuild-repo extra`: every extra pkgbase is in the build list, core
//! pkgbases are not (so they are no graph nodes and edges to them vanish). Relations resolve
//! to pkgbases through package names first, then provides; versions are ignored, which is
//! enough for measuring the ordering.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use archport_plan::graph::{Edge, EdgeKind, Node};

/// The real `.SRCINFO` archive, relative to the real data directory.
pub const SRCINFO_ARCHIVE: &str = "full-2024/srcinfo.tar.zst";

/// What one `.SRCINFO` says about dependencies, at pkgbase level.
#[derive(Debug, Default)]
pub struct Srcinfo {
    /// `core` or `extra`.
    pub repo: String,
    pub pkgbase: String,
    pub pkgnames: Vec<String>,
    pub provides: Vec<String>,
    /// Relation names (constraints stripped) per kind, over the pkgbase and all its packages.
    pub needs: Vec<(EdgeKind, String)>,
}

/// Reads every `.SRCINFO` of the archive at `path`.
pub fn read_archive(path: &Path) -> Result<Vec<Srcinfo>, Box<dyn Error>> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut archive = tar::Archive::new(zstd::Decoder::new(file)?);
    let mut out = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let entry_path = entry.path()?.into_owned();
        let parts: Vec<String> = entry_path
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if parts.len() != 3 || parts[2] != ".SRCINFO" {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        let mut info = parse_srcinfo(&String::from_utf8_lossy(&bytes));
        info.repo = parts[0].clone();
        if info.pkgbase.is_empty() {
            return Err(format!("{}: no pkgbase", entry_path.display()).into());
        }
        out.push(info);
    }
    Ok(out)
}

/// The name of a relation or provision: what precedes its constraint.
fn relation_name(value: &str) -> &str {
    value.split(['<', '>', '=']).next().unwrap_or(value).trim()
}

/// Minimal `.SRCINFO` reading: the keys this measurement needs, arch `x86_64` only.
pub fn parse_srcinfo(text: &str) -> Srcinfo {
    let mut info = Srcinfo::default();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once(" = ") else {
            continue;
        };
        let key = key.strip_suffix("_x86_64").unwrap_or(key);
        let kind = match key {
            "pkgbase" => {
                info.pkgbase = value.to_owned();
                continue;
            }
            "pkgname" => {
                info.pkgnames.push(value.to_owned());
                continue;
            }
            "provides" => {
                info.provides.push(relation_name(value).to_owned());
                continue;
            }
            "depends" => EdgeKind::Depends,
            "makedepends" => EdgeKind::Makedepends,
            "checkdepends" => EdgeKind::Checkdepends,
            _ => continue,
        };
        info.needs.push((kind, relation_name(value).to_owned()));
    }
    info
}

/// Build-order input for rebuilding all of extra, every target marked `target_has_version`.
pub fn rebuild_extra(infos: &[Srcinfo], target_has_version: bool) -> (Vec<Node>, Vec<Edge>) {
    graph_of(infos, "extra", target_has_version)
}

/// Every pkgbase of core and extra as nodes (to compare with the README's figures).
#[allow(dead_code)] // only the example cross-checks
pub fn whole_world(infos: &[Srcinfo]) -> (Vec<Node>, Vec<Edge>) {
    graph_of(infos, "", true)
}

/// Nodes: the pkgbases of `repo` (all of them if `repo` is empty); edges between them.
fn graph_of(infos: &[Srcinfo], repo: &str, target_has_version: bool) -> (Vec<Node>, Vec<Edge>) {
    let in_list = |r: &str| repo.is_empty() || r == repo;
    // Package names win over provides; among several providers the first by (repo, pkgbase).
    let mut by_name: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut by_provide: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
    for info in infos {
        for name in &info.pkgnames {
            by_name.insert(name, (&info.repo, &info.pkgbase));
        }
        for name in &info.provides {
            by_provide
                .entry(name)
                .or_default()
                .insert((&info.repo, &info.pkgbase));
        }
    }
    let resolve = |name: &str| {
        by_name
            .get(name)
            .copied()
            .or_else(|| by_provide.get(name).and_then(|s| s.first().copied()))
    };
    let nodes = infos
        .iter()
        .filter(|i| in_list(&i.repo))
        .map(|i| Node::new(i.pkgbase.clone()))
        .collect();
    let mut edges = Vec::new();
    for info in infos.iter().filter(|i| in_list(&i.repo)) {
        for (kind, name) in &info.needs {
            if let Some((to_repo, pkgbase)) = resolve(name)
                && in_list(to_repo)
            {
                edges.push(Edge::new(
                    info.pkgbase.clone(),
                    pkgbase,
                    *kind,
                    target_has_version,
                ));
            }
        }
    }
    (nodes, edges)
}
