//! The build steps: first builds of every package plus second builds of the packages built
//! before a dependency they really need, in one deterministic topological order.
//!
//! The step graph has a first build `X¹` per package and a second build `X²` per rebuilt
//! package, with these prerequisites:
//! - `A¹` after `B¹` for every kept (not relaxed) edge `A -> B`;
//! - `A¹` after `B²` as well when `B` is rebuilt and `A` is outside `B`'s cycle group, so
//!   packages beyond the cycle are built against the final `B`;
//! - `X²` after `X¹`, and after `C¹` for every edge `X -> C` inside the cycle group (relaxed
//!   ones included: that is the point of the second build);
//! - `X²` after `C²` for a kept edge `X -> C` inside the group when `C` is rebuilt, and for a
//!   relaxed one too whenever that closes no cycle of steps (checked edge by edge, in order).
//!
//! Dependents of `X` inside its own cycle group are built against `X¹`: that is what
//! bootstrapping a cycle means. Within a group, first builds only wait for first builds, so the
//! step graph is acyclic whenever the kept edges are.

use crate::graph::DepGraph;

/// One step of the plan, before names are attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Step {
    /// The package built.
    pub node: usize,
    /// Whether this is its second build.
    pub second: bool,
    /// Longest-path depth of the step in the step graph.
    pub depth: u32,
}

/// The steps in build order, and the build stage of every package.
pub(super) struct StepPlan {
    pub steps: Vec<Step>,
    /// Longest-path depth of each package in the graph of kept edges.
    pub build_stage: Vec<u32>,
}

/// Orders the steps; `relaxed` is per edge of `graph`, `rebuilt` and `group_of` per node.
pub(super) fn plan_steps(
    graph: &DepGraph,
    relaxed: &[bool],
    rebuilt: &[bool],
    group_of: &[Option<usize>],
) -> StepPlan {
    let n = graph.node_count();
    let kept: Vec<(usize, usize)> = graph
        .edges()
        .iter()
        .zip(relaxed)
        .filter(|(_, r)| !**r)
        .map(|(e, _)| (e.from, e.to))
        .collect();
    let build_stage = longest_path_depths(n, &kept);

    // Step ids: first builds are 0..n, second builds follow in node order.
    let mut second_of = vec![None; n];
    let mut step_node: Vec<usize> = (0..n).collect();
    for v in (0..n).filter(|&v| rebuilt[v]) {
        second_of[v] = Some(step_node.len());
        step_node.push(v);
    }
    let mut prerequisites: Vec<Vec<usize>> = vec![Vec::new(); step_node.len()];
    for (v, second) in second_of.iter().enumerate() {
        if let Some(s) = *second {
            prerequisites[s].push(v);
        }
    }
    let mut late_relaxed = Vec::new();
    for (edge, &is_relaxed) in graph.edges().iter().zip(relaxed) {
        let (a, b) = (edge.from, edge.to);
        let same_group = group_of[a].is_some() && group_of[a] == group_of[b];
        if !is_relaxed {
            prerequisites[a].push(b);
            if let Some(b2) = second_of[b]
                && !same_group
            {
                prerequisites[a].push(b2);
            }
        }
        if let Some(a2) = second_of[a]
            && same_group
        {
            prerequisites[a2].push(b);
            match second_of[b] {
                Some(b2) if !is_relaxed => prerequisites[a2].push(b2),
                Some(b2) => late_relaxed.push((a2, b2)),
                None => {}
            }
        }
    }
    let mut search = vec![0u32; step_node.len()];
    for (stamp, &(a2, b2)) in (1..).zip(&late_relaxed) {
        if !depends_on(&prerequisites, b2, a2, &mut search, stamp) {
            prerequisites[a2].push(b2);
        }
    }

    let depth = longest_path_depths(
        step_node.len(),
        &prerequisites
            .iter()
            .enumerate()
            .flat_map(|(s, pre)| pre.iter().map(move |&p| (s, p)))
            .collect::<Vec<_>>(),
    );
    let mut steps: Vec<Step> = (0..step_node.len())
        .map(|s| Step {
            node: step_node[s],
            second: s >= n,
            depth: depth[s],
        })
        .collect();
    // Every prerequisite has a smaller depth, so this sort is a topological order; node ids
    // are name ranks, so ties break by name.
    steps.sort_unstable_by_key(|s| (s.depth, s.node, s.second));
    StepPlan { steps, build_stage }
}

/// Whether step `from` (transitively) waits for step `target`.
fn depends_on(
    prerequisites: &[Vec<usize>],
    from: usize,
    target: usize,
    seen: &mut [u32],
    stamp: u32,
) -> bool {
    let mut stack = vec![from];
    seen[from] = stamp;
    while let Some(s) = stack.pop() {
        if s == target {
            return true;
        }
        for &p in &prerequisites[s] {
            if seen[p] != stamp {
                seen[p] = stamp;
                stack.push(p);
            }
        }
    }
    false
}

/// Longest-path depth of every vertex of an acyclic graph given as `(dependent, dependency)`
/// pairs: 0 without dependencies, else one more than the deepest dependency.
///
/// Vertices on a cycle (which callers never pass) would keep depth 0.
pub(super) fn longest_path_depths(node_count: usize, edges: &[(usize, usize)]) -> Vec<u32> {
    let mut waiting = vec![0usize; node_count];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); node_count];
    for &(dependent, dependency) in edges {
        waiting[dependent] += 1;
        dependents[dependency].push(dependent);
    }
    let mut depth = vec![0u32; node_count];
    let mut ready: Vec<usize> = (0..node_count).filter(|&v| waiting[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &d in &dependents[v] {
            depth[d] = depth[d].max(depth[v] + 1);
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(d);
            }
        }
    }
    depth
}
