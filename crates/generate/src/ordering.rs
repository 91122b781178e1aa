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

/// How to shape the order beyond the dependencies.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Shape<'a> {
    /// `--single-stage`: no second builds.
    pub single_stage: bool,
    /// `--preserve-order`: the pkgbases named on the command line, in its order.
    pub preserve: Option<&'a [String]>,
}

/// Orders the candidates: built steps first, by stage then name (a package built twice
/// appears twice), then the skipped entries by name.
pub(crate) fn order(
    candidates: &[Candidate],
    shape: Shape<'_>,
) -> Result<(BuildOrder, Vec<Entry>), GraphError> {
    let (nodes, edges) = graph(candidates);
    let mut order = build_order(&nodes, &edges)?;
    if shape.single_stage {
        order = order.into_single_stage();
    }
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
    if let Some(named) = shape.preserve {
        entries = in_command_line_order(entries, named, &edges);
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

/// `--preserve-order`: the built steps rearranged so the named pkgbases come in `named`'s
/// order, each preceded by the steps it needs (its dependencies through `edges`, added or
/// named, in their dependency order) that are not placed yet. Steps needed by no named
/// pkgbase keep their place at the end. Each step gets its own stage, so a builder going
/// stage by stage builds them in exactly this order.
fn in_command_line_order(steps: Vec<Entry>, named: &[String], edges: &[Edge]) -> Vec<Entry> {
    use std::collections::{BTreeSet, HashMap};
    let mut needs: HashMap<&str, Vec<&str>> = HashMap::new();
    for edge in edges {
        needs
            .entry(edge.from.as_str())
            .or_default()
            .push(edge.to.as_str());
    }
    let mut slots: Vec<Option<Entry>> = steps.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for name in named {
        let mut closure: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![name.as_str()];
        while let Some(n) = todo.pop() {
            if closure.insert(n) {
                todo.extend(needs.get(n).into_iter().flatten().copied());
            }
        }
        for slot in &mut slots {
            if slot
                .as_ref()
                .is_some_and(|e| closure.contains(e.name.as_str()))
            {
                out.extend(slot.take());
            }
        }
    }
    out.extend(slots.into_iter().flatten());
    for (stage, entry) in out.iter_mut().enumerate() {
        entry.build_stage = u32::try_from(stage).unwrap_or(u32::MAX);
    }
    out
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
