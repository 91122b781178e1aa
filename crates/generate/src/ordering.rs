//! The dependency graph over the listed pkgbases and the build-list entries in order.

use archport_buildlist::Entry;
use archport_plan::graph::{Edge, GraphError, Node};
use archport_plan::order::{BuildOrder, build_order};

use crate::candidate::Candidate;
use crate::missing::ListProviders;

/// The graph of the candidates that will be built: an edge from each to every listed
/// pkgbase satisfying one of its relations (name or provision, version checked).
pub(crate) fn graph(candidates: &[Candidate]) -> (Vec<Node>, Vec<Edge>) {
    let providers = ListProviders::new(candidates);
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        if c.skipped() {
            continue;
        }
        nodes.push(Node::new(c.name()));
        for (kind, relation) in c.relations() {
            let Some(p) = providers.provider(relation, i) else {
                continue;
            };
            let to = &candidates[p];
            if to.skipped() {
                continue;
            }
            edges.push(Edge::new(
                c.name(),
                to.name(),
                kind.edge_kind(),
                to.entry.arm_version.is_some(),
            ));
        }
    }
    (nodes, edges)
}

/// Orders the candidates: built steps first, by stage then name (a package built twice
/// appears twice), then the skipped entries by name.
pub(crate) fn order(candidates: &[Candidate]) -> Result<(BuildOrder, Vec<Entry>), GraphError> {
    let (nodes, edges) = graph(candidates);
    let order = build_order(&nodes, &edges)?;
    let by_name: std::collections::HashMap<&str, &Candidate> =
        candidates.iter().map(|c| (c.name(), c)).collect();
    let mut entries = Vec::new();
    for step in &order.steps {
        let Some(c) = by_name.get(step.pkgbase.as_str()) else {
            continue;
        };
        let mut entry = c.entry.clone();
        // The step's depth, not the package's: a second build comes after the cycle's
        // other members, and packages needing a rebuilt one wait for its second build, so a
        // builder running stage after stage sees every dependency done.
        entry.build_stage = step.depth;
        entry.cycle_group = step.cycle_group;
        // The plan numbers the two builds 1 and 2 and nothing else.
        entry.cycle_stage = step
            .cycle_stage
            .and_then(|n| archport_buildlist::CycleStage::try_from(n).ok());
        entries.push(entry);
    }
    let mut skipped: Vec<Entry> = candidates
        .iter()
        .filter(|c| c.skipped())
        .map(|c| c.entry.clone())
        .collect();
    skipped.sort_by(|a, b| a.name.cmp(&b.name));
    entries.extend(skipped);
    Ok((order, entries))
}

/// One line describing an entry of the ordered list (`--dry-run` output).
pub fn describe_entry(e: &Entry) -> String {
    let mut line = format!(
        "{:>3} {} {} ({}, target {})",
        e.build_stage,
        e.name,
        e.version_text(),
        e.repo,
        e.arm_version.as_deref().unwrap_or("absent")
    );
    if let (Some(group), stage) = (e.cycle_group, e.cycle_stage) {
        line.push_str(&format!(
            " [cycle {group}{}]",
            stage
                .map(|s| format!(", build {} of 2", s.number()))
                .unwrap_or_default()
        ));
    }
    if let Some(reason) = &e.added_reason {
        line.push_str(&format!(" [{reason}]"));
    }
    if let Some(reason) = &e.skip {
        line.push_str(&format!(" [skipped: {}]", reason.text_or("")));
    }
    line
}
