//! What the console says about each cycle: its members, the edges relaxed to break it, and
//! the packages built twice.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::graph::{EdgeKind, Relaxation};

/// How many members or edges the short form of [`CycleReport`]'s `Display` names before
/// summing up the rest.
const SHORT_LIST: usize = 10;

/// One edge relaxed to break a cycle: `from` is built before `to`, which it needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelaxedEdge {
    /// The dependent pkgbase.
    pub from: String,
    /// The dependency pkgbase.
    pub to: String,
    /// The (strongest) relation between them.
    pub kind: EdgeKind,
    /// What relaxing it costs.
    pub relaxation: Relaxation,
}

impl fmt::Display for RelaxedEdge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {} ({}", self.from, self.to, self.kind)?;
        match self.relaxation {
            Relaxation::Check => f.write_str(")"),
            Relaxation::TargetVersion => f.write_str(", served by the target repos)"),
            Relaxation::SecondBuild => write!(f, ", {} built twice)", self.from),
        }
    }
}

/// One cycle group: a strongly connected component of the dependency graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleReport {
    /// The group number (from 1), as in [`super::Placement::cycle_group`].
    pub group: u32,
    /// The member pkgbases, sorted.
    pub members: Vec<String>,
    /// The relaxed edges, sorted by `(from, to)`.
    pub relaxed: Vec<RelaxedEdge>,
    /// The members built twice, sorted.
    pub rebuilt: Vec<String>,
}

/// Writes `items` separated by commas (`none` if there are none); unless `all`, only the first [`SHORT_LIST`] and a
/// count of the others.
fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T], all: bool) -> fmt::Result {
    if items.is_empty() {
        return f.write_str("none");
    }
    let shown = if all {
        items.len()
    } else {
        items.len().min(SHORT_LIST)
    };
    for (i, item) in items[..shown].iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    if shown < items.len() {
        write!(f, ", and {} more", items.len() - shown)?;
    }
    Ok(())
}

impl fmt::Display for CycleReport {
    /// One line: `cycle 2: 3 packages (a, b, c); relaxed: c -> a (depends, c built twice);
    /// built twice: c`. Long lists are cut after ten items; the alternate form (`{:#}`) lists
    /// everything.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all = f.alternate();
        write!(f, "cycle {}: {} packages (", self.group, self.members.len())?;
        write_list(f, &self.members, all)?;
        f.write_str("); relaxed: ")?;
        write_list(f, &self.relaxed, all)?;
        f.write_str("; built twice: ")?;
        write_list(f, &self.rebuilt, all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_members_edges_and_rebuilds() {
        let report = CycleReport {
            group: 2,
            members: vec!["a".into(), "b".into(), "c".into()],
            relaxed: vec![
                RelaxedEdge {
                    from: "a".into(),
                    to: "b".into(),
                    kind: EdgeKind::Checkdepends,
                    relaxation: Relaxation::Check,
                },
                RelaxedEdge {
                    from: "b".into(),
                    to: "c".into(),
                    kind: EdgeKind::Makedepends,
                    relaxation: Relaxation::TargetVersion,
                },
                RelaxedEdge {
                    from: "c".into(),
                    to: "a".into(),
                    kind: EdgeKind::Depends,
                    relaxation: Relaxation::SecondBuild,
                },
            ],
            rebuilt: vec!["c".into()],
        };
        assert_eq!(
            report.to_string(),
            "cycle 2: 3 packages (a, b, c); relaxed: a -> b (checkdepends), \
             b -> c (makedepends, served by the target repos), c -> a (depends, c built twice); \
             built twice: c"
        );
    }

    #[test]
    fn long_lists_are_cut_unless_alternate() {
        let members: Vec<String> = (0..12).map(|i| format!("p{i:02}")).collect();
        let report = CycleReport {
            group: 1,
            members: members.clone(),
            relaxed: Vec::new(),
            rebuilt: Vec::new(),
        };
        assert_eq!(
            report.to_string(),
            "cycle 1: 12 packages (p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, and 2 more); \
             relaxed: none; built twice: none"
        );
        assert!(format!("{report:#}").contains("p09, p10, p11)"));
    }
}
