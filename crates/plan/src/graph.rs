//! The dependency graph over pkgbases that the build order is computed on.
//!
//! The caller describes the build list as [`Node`]s (pkgbases) and [`Edge`]s (one pkgbase
//! needing another); [`DepGraph::new`] checks and normalises them: one node per name, at most
//! one edge per ordered pair (the strongest relation wins), no self-edges, everything sorted by
//! name so that the input order never shows in the result.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};

/// How a pkgbase needs another one. The derived order is the strength of the relation:
/// `Checkdepends < Makedepends < Depends`, so merging relations keeps the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    /// Needed only to run the test suite (`checkdepends`).
    Checkdepends,
    /// Needed to build (`makedepends`).
    Makedepends,
    /// Needed at run time, hence also to build (`depends`).
    Depends,
}

impl EdgeKind {
    /// The keyword used in PKGBUILDs and `.SRCINFO` files.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Checkdepends => "checkdepends",
            EdgeKind::Makedepends => "makedepends",
            EdgeKind::Depends => "depends",
        }
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One pkgbase of the build list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Node {
    /// The pkgbase.
    pub name: String,
}

impl Node {
    /// A node for `name`.
    pub fn new(name: impl Into<String>) -> Node {
        Node { name: name.into() }
    }
}

/// `from` needs `to` (both pkgbases of the build list).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// The dependent pkgbase.
    pub from: String,
    /// The dependency pkgbase.
    pub to: String,
    /// The relation through which `from` needs `to`.
    pub kind: EdgeKind,
    /// `to` already has some version in the target repos, so `from` can be built against that
    /// older version when the edge has to be relaxed to break a cycle.
    pub target_has_version: bool,
}

impl Edge {
    /// An edge `from` -> `to` of `kind`.
    pub fn new(
        from: impl Into<String>,
        to: impl Into<String>,
        kind: EdgeKind,
        target_has_version: bool,
    ) -> Edge {
        Edge {
            from: from.into(),
            to: to.into(),
            kind,
            target_has_version,
        }
    }

    /// What relaxing this edge costs.
    pub fn relaxation(&self) -> Relaxation {
        Relaxation::of(self.kind, self.target_has_version)
    }
}

/// What it costs to relax (ignore) an edge `from -> to` to break a cycle, i.e. to build `from`
/// before `to`. The derived order is the order in which edges are relaxed: cheapest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relaxation {
    /// A checkdepends edge: `from` is built before its test dependency, nothing is rebuilt.
    Check,
    /// A makedepends edge whose target already has a version in the target repos: `from` is
    /// built against that older version, nothing is rebuilt.
    TargetVersion,
    /// A depends edge, or a makedepends edge whose target has no version in the target repos:
    /// `from` is built a second time once `to` is built.
    SecondBuild,
}

impl Relaxation {
    /// The cost of relaxing an edge of `kind` whose target has (or has not) a version in the
    /// target repos.
    pub fn of(kind: EdgeKind, target_has_version: bool) -> Relaxation {
        match kind {
            EdgeKind::Checkdepends => Relaxation::Check,
            EdgeKind::Makedepends if target_has_version => Relaxation::TargetVersion,
            EdgeKind::Makedepends | EdgeKind::Depends => Relaxation::SecondBuild,
        }
    }
}

/// The input names a pkgbase that is not in the build list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// An edge has an end that is not one of the nodes.
    #[error("dependency edge {from} -> {to} ({kind}): {missing} is not in the build list")]
    UnknownPackage {
        /// The dependent pkgbase of the edge.
        from: String,
        /// The dependency pkgbase of the edge.
        to: String,
        /// The relation of the edge.
        kind: EdgeKind,
        /// The end of the edge that is not a node.
        missing: String,
    },
}

/// A normalised edge between node indices of a [`DepGraph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepEdge {
    /// Index of the dependent pkgbase.
    pub from: usize,
    /// Index of the dependency pkgbase.
    pub to: usize,
    /// The strongest relation between the two.
    pub kind: EdgeKind,
    /// Whether the dependency has a version in the target repos (see [`Edge`]).
    pub target_has_version: bool,
}

impl DepEdge {
    /// What relaxing this edge costs.
    pub fn relaxation(&self) -> Relaxation {
        Relaxation::of(self.kind, self.target_has_version)
    }
}

/// The checked, normalised dependency graph: nodes sorted by name (a node's index is its rank),
/// edges sorted by `(from, to)` with one edge per ordered pair and no self-edges.
#[derive(Clone, Debug)]
pub struct DepGraph {
    names: Vec<String>,
    edges: Vec<DepEdge>,
}

impl DepGraph {
    /// Checks and normalises the input.
    ///
    /// Duplicate nodes collapse into one. Several edges between the same pair keep the
    /// strongest kind (`Depends > Makedepends > Checkdepends`); the kept edge counts as served
    /// by the target repos only if every edge of that kind says so, which is the cautious
    /// reading of contradictory input. Self-edges (a split package needing its sibling) are
    /// dropped. An edge naming a pkgbase that is not a node is an error.
    pub fn new(nodes: &[Node], edges: &[Edge]) -> Result<DepGraph, GraphError> {
        let mut names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
        names.sort_unstable();
        names.dedup();
        // Only looked up, never iterated: the hash order cannot leak into the result.
        let ids: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let index_of = |name: &str| ids.get(name).copied();

        let mut merged: BTreeMap<(usize, usize), (EdgeKind, bool)> = BTreeMap::new();
        for edge in edges {
            let unknown = |missing: &str| GraphError::UnknownPackage {
                from: edge.from.clone(),
                to: edge.to.clone(),
                kind: edge.kind,
                missing: missing.to_owned(),
            };
            let from = index_of(&edge.from).ok_or_else(|| unknown(&edge.from))?;
            let to = index_of(&edge.to).ok_or_else(|| unknown(&edge.to))?;
            if from == to {
                continue;
            }
            merged
                .entry((from, to))
                .and_modify(|(kind, has_version)| {
                    if edge.kind > *kind {
                        *kind = edge.kind;
                        *has_version = edge.target_has_version;
                    } else if edge.kind == *kind {
                        *has_version &= edge.target_has_version;
                    }
                })
                .or_insert((edge.kind, edge.target_has_version));
        }
        let edges = merged
            .into_iter()
            .map(|((from, to), (kind, target_has_version))| DepEdge {
                from,
                to,
                kind,
                target_has_version,
            })
            .collect();
        Ok(DepGraph { names, edges })
    }

    /// The pkgbases, sorted; a node's index in this slice is its id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The edges, sorted by `(from, to)`.
    pub fn edges(&self) -> &[DepEdge] {
        &self.edges
    }

    /// The node id of `name`, if it is in the graph.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.binary_search_by(|n| n.as_str().cmp(name)).ok()
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(names: &[&str]) -> Vec<Node> {
        names.iter().map(|n| Node::new(*n)).collect()
    }

    #[test]
    fn strongest_kind_wins_and_self_edges_drop() {
        let graph = DepGraph::new(
            &nodes(&["b", "a", "b"]),
            &[
                Edge::new("a", "b", EdgeKind::Checkdepends, true),
                Edge::new("a", "b", EdgeKind::Depends, false),
                Edge::new("a", "b", EdgeKind::Makedepends, true),
                Edge::new("b", "b", EdgeKind::Depends, false),
            ],
        )
        .unwrap();
        assert_eq!(graph.names(), ["a", "b"]);
        assert_eq!(
            graph.edges(),
            [DepEdge {
                from: 0,
                to: 1,
                kind: EdgeKind::Depends,
                target_has_version: false
            }]
        );
    }

    #[test]
    fn contradictory_target_version_is_read_cautiously() {
        let graph = DepGraph::new(
            &nodes(&["a", "b"]),
            &[
                Edge::new("a", "b", EdgeKind::Makedepends, true),
                Edge::new("a", "b", EdgeKind::Makedepends, false),
            ],
        )
        .unwrap();
        assert_eq!(graph.edges()[0].relaxation(), Relaxation::SecondBuild);
    }

    #[test]
    fn unknown_package_is_named() {
        let err = DepGraph::new(
            &nodes(&["a"]),
            &[Edge::new("a", "zlib", EdgeKind::Depends, true)],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependency edge a -> zlib (depends): zlib is not in the build list"
        );
    }

    #[test]
    fn relaxation_costs() {
        assert_eq!(
            Relaxation::of(EdgeKind::Checkdepends, false),
            Relaxation::Check
        );
        assert_eq!(
            Relaxation::of(EdgeKind::Makedepends, true),
            Relaxation::TargetVersion
        );
        assert_eq!(
            Relaxation::of(EdgeKind::Makedepends, false),
            Relaxation::SecondBuild
        );
        assert_eq!(
            Relaxation::of(EdgeKind::Depends, true),
            Relaxation::SecondBuild
        );
    }
}
