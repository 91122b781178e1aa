//! A small feedback vertex set: the packages to build twice inside one strongly connected
//! component.
//!
//! Relaxing every out-edge of a package costs exactly one second build (of that package), so
//! the fewest second builds that break all cycles is a minimum feedback vertex set of the
//! component. The heuristic is the classic one for directed graphs (Levy and Low's reductions,
//! then the vertex with the largest in-degree × out-degree), followed by a pass that drops
//! every chosen vertex the others make unnecessary. Everything iterates in index order, so the
//! result depends only on the graph.

use std::collections::BTreeSet;

/// Returns a set of vertices (local indices `0..node_count`) whose removal leaves the graph
/// acyclic, and none of which can be dropped from it, in ascending order.
pub(super) fn feedback_vertex_set(node_count: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut graph = Reducible::new(node_count, edges);
    let mut chosen = Vec::new();
    loop {
        graph.reduce(&mut chosen);
        if graph.alive_count == 0 {
            break;
        }
        // Edges between components lie on no cycle; dropping them lets the reductions go on.
        if graph.drop_edges_between_components() {
            continue;
        }
        let best = graph.best_candidate();
        chosen.push(best);
        graph.remove(best);
    }
    let mut kept = prune_redundant(node_count, edges, chosen);
    kept.sort_unstable();
    kept
}

/// The working graph of the heuristic: vertices are removed and bypassed as it goes.
struct Reducible {
    out: Vec<BTreeSet<usize>>,
    inn: Vec<BTreeSet<usize>>,
    alive: Vec<bool>,
    alive_count: usize,
    /// Vertices whose neighbourhood changed since they were last looked at.
    pending: Vec<usize>,
    queued: Vec<bool>,
}

impl Reducible {
    fn new(node_count: usize, edges: &[(usize, usize)]) -> Reducible {
        let mut graph = Reducible {
            out: vec![BTreeSet::new(); node_count],
            inn: vec![BTreeSet::new(); node_count],
            alive: vec![true; node_count],
            alive_count: node_count,
            pending: Vec::new(),
            queued: vec![false; node_count],
        };
        for &(from, to) in edges {
            graph.add_edge(from, to);
        }
        graph
    }

    fn add_edge(&mut self, from: usize, to: usize) {
        self.out[from].insert(to);
        self.inn[to].insert(from);
    }

    fn queue(&mut self, v: usize) {
        if self.alive[v] && !self.queued[v] {
            self.queued[v] = true;
            self.pending.push(v);
        }
    }

    fn remove(&mut self, v: usize) {
        for w in std::mem::take(&mut self.out[v]) {
            self.inn[w].remove(&v);
            self.queue(w);
        }
        for u in std::mem::take(&mut self.inn[v]) {
            self.out[u].remove(&v);
            self.queue(u);
        }
        self.alive[v] = false;
        self.alive_count -= 1;
    }

    /// Applies the safe reductions until none applies: a vertex with a loop must be chosen; a
    /// vertex without predecessors or successors lies on no cycle; a vertex with a single
    /// predecessor (successor) can be bypassed, because choosing that neighbour breaks every
    /// cycle through it just as well.
    fn reduce(&mut self, chosen: &mut Vec<usize>) {
        for v in (0..self.alive.len()).rev() {
            self.queue(v);
        }
        while let Some(v) = self.pending.pop() {
            self.queued[v] = false;
            if !self.alive[v] {
                continue;
            }
            if self.out[v].contains(&v) {
                chosen.push(v);
                self.remove(v);
            } else if self.inn[v].is_empty() || self.out[v].is_empty() {
                self.remove(v);
            } else if let Some(pred) = only(&self.inn[v]) {
                let succs: Vec<usize> = self.out[v].iter().copied().collect();
                self.remove(v);
                for w in succs {
                    self.add_edge(pred, w);
                    self.queue(w);
                }
                self.queue(pred);
            } else if let Some(succ) = only(&self.out[v]) {
                let preds: Vec<usize> = self.inn[v].iter().copied().collect();
                self.remove(v);
                for u in preds {
                    self.add_edge(u, succ);
                    self.queue(u);
                }
                self.queue(succ);
            }
        }
    }

    /// Removes the edges joining different strongly connected components of what is left;
    /// returns whether any was removed.
    fn drop_edges_between_components(&mut self) -> bool {
        let component = tarjan_components(&self.out, &self.alive);
        let mut dropped = false;
        for u in 0..self.out.len() {
            if !self.alive[u] {
                continue;
            }
            let foreign: Vec<usize> = self.out[u]
                .iter()
                .copied()
                .filter(|&w| component[w] != component[u])
                .collect();
            for w in foreign {
                self.out[u].remove(&w);
                self.inn[w].remove(&u);
                self.queue(u);
                self.queue(w);
                dropped = true;
            }
        }
        dropped
    }

    /// The vertex on the most cycles, as far as degrees tell: the largest in × out degree,
    /// the smallest index among equals.
    fn best_candidate(&self) -> usize {
        let mut best = (0, usize::MAX);
        for v in 0..self.alive.len() {
            if self.alive[v] {
                let score = self.inn[v].len() * self.out[v].len();
                if best.1 == usize::MAX || score > best.0 {
                    best = (score, v);
                }
            }
        }
        best.1
    }
}

/// The element of a one-element set.
fn only(set: &BTreeSet<usize>) -> Option<usize> {
    if set.len() == 1 {
        set.first().copied()
    } else {
        None
    }
}

/// Strongly connected component ids of the alive vertices (iterative Tarjan, so deep graphs
/// cannot overflow the stack). Dead vertices get `usize::MAX`.
fn tarjan_components(out: &[BTreeSet<usize>], alive: &[bool]) -> Vec<usize> {
    let n = out.len();
    let adjacency: Vec<Vec<usize>> = out.iter().map(|s| s.iter().copied().collect()).collect();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_component = 0;
    for root in 0..n {
        if !alive[root] || index[root] != usize::MAX {
            continue;
        }
        // Each frame: (vertex, position in its adjacency list).
        let mut frames = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(frame) = frames.last_mut() {
            let v = frame.0;
            if let Some(&w) = adjacency[v].get(frame.1) {
                frame.1 += 1;
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(parent) = frames.last() {
                low[parent.0] = low[parent.0].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

/// Drops, latest choice first, every chosen vertex without which the graph stays acyclic.
fn prune_redundant(node_count: usize, edges: &[(usize, usize)], chosen: Vec<usize>) -> Vec<usize> {
    let mut removed = vec![false; node_count];
    for &v in &chosen {
        removed[v] = true;
    }
    let mut kept = Vec::with_capacity(chosen.len());
    for &v in chosen.iter().rev() {
        removed[v] = false;
        if is_acyclic(node_count, edges, &removed) {
            continue;
        }
        removed[v] = true;
        kept.push(v);
    }
    kept
}

/// Whether the graph without the `removed` vertices has no cycle (Kahn's algorithm).
pub(super) fn is_acyclic(node_count: usize, edges: &[(usize, usize)], removed: &[bool]) -> bool {
    let mut indegree = vec![0usize; node_count];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); node_count];
    for &(from, to) in edges {
        if !removed[from] && !removed[to] {
            indegree[to] += 1;
            out[from].push(to);
        }
    }
    let mut ready: Vec<usize> = (0..node_count)
        .filter(|&v| !removed[v] && indegree[v] == 0)
        .collect();
    let mut seen = ready.len();
    while let Some(v) = ready.pop() {
        for &w in &out[v] {
            indegree[w] -= 1;
            if indegree[w] == 0 {
                ready.push(w);
                seen += 1;
            }
        }
    }
    seen == removed.iter().filter(|&&r| !r).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(node_count: usize, edges: &[(usize, usize)]) -> Vec<usize> {
        let chosen = feedback_vertex_set(node_count, edges);
        let mut removed = vec![false; node_count];
        for &v in &chosen {
            removed[v] = true;
        }
        assert!(is_acyclic(node_count, edges, &removed), "{chosen:?}");
        chosen
    }

    #[test]
    fn acyclic_graph_needs_nothing() {
        assert!(check(4, &[(0, 1), (1, 2), (0, 2), (2, 3)]).is_empty());
    }

    #[test]
    fn ring_needs_one() {
        assert_eq!(check(5, &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]).len(), 1);
    }

    #[test]
    fn hub_of_many_cycles_is_chosen_alone() {
        // Vertex 0 sits on every cycle; each other vertex on only one.
        let mut edges = Vec::new();
        for v in 1..6 {
            edges.push((0, v));
            edges.push((v, 0));
        }
        assert_eq!(check(6, &edges), [0]);
    }

    #[test]
    fn two_disjoint_cycles_need_two() {
        assert_eq!(check(4, &[(0, 1), (1, 0), (2, 3), (3, 2)]).len(), 2);
    }

    #[test]
    fn complete_digraph_needs_all_but_one() {
        let mut edges = Vec::new();
        for u in 0..5 {
            for w in 0..5 {
                if u != w {
                    edges.push((u, w));
                }
            }
        }
        assert_eq!(check(5, &edges).len(), 4);
    }
}
