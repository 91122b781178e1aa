//! The closing summary by category, the one operators read every morning: what is
//! upgraded (`name: cur -> new`), what is new and why, what is rebuilt at the same version,
//! and what was left out because the target is newer. A `Processing zlib (already up to
//! date: ...)` line says only that the checkout is current; the category says why zlib is
//! listed.

use archport_buildlist::Source;
use archport_vercmp::vercmp;

use crate::candidate::{Candidate, Origin};
use crate::options::Options;
use crate::select::{BinProvided, LeftOut};

/// Why a candidate is listed, beyond its versions; `None` for a plain outdated pkgbase,
/// whose `cur -> new` says it all.
fn reason(c: &Candidate, options: &Options) -> Option<String> {
    if let Some(added) = &c.entry.added_reason {
        return Some(added.clone());
    }
    match (&c.origin, c.entry.source) {
        (Origin::Named, Source::Aur) => Some("from the AUR, named with --packages".to_owned()),
        (Origin::Named, Source::Local) => Some("local PKGBUILD, named with --packages".to_owned()),
        (Origin::Named, _) => Some("named with --packages".to_owned()),
        (Origin::Rebuild, _) => options
            .rebuild_repo
            .as_ref()
            .map(|repo| format!("--rebuild-repo {repo}")),
        (Origin::Dependency(why), _) => Some(why.clone()),
        (Origin::Outdated, _) => None,
    }
}

/// The summary's lines: one heading per non-empty category with its count, then one line
/// per pkgbase, by name. Skipped pkgbases are not here: the skip lines tell about them.
pub(crate) fn by_category(
    candidates: &[Candidate],
    left_out: &[LeftOut],
    options: &Options,
) -> Vec<String> {
    let mut upgrades = Vec::new();
    let mut new = Vec::new();
    let mut rebuilds = Vec::new();
    let mut downgrades = Vec::new();
    let mut listed: Vec<&Candidate> = candidates.iter().filter(|c| !c.skipped()).collect();
    listed.sort_by(|a, b| a.name().cmp(b.name()));
    for c in listed {
        let why = reason(c, options);
        let suffix = why
            .as_deref()
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        let version = c.entry.version_text();
        match c.entry.arm_version.as_deref() {
            None => new.push(format!(
                "  {} {version}: {}",
                c.name(),
                why.as_deref().unwrap_or("not on the target")
            )),
            Some(arm) => match vercmp(version, arm) {
                std::cmp::Ordering::Greater => {
                    upgrades.push(format!("  {}: {arm} -> {version}{suffix}", c.name()));
                }
                std::cmp::Ordering::Equal => {
                    rebuilds.push(format!("  {} {version}{suffix}", c.name()));
                }
                std::cmp::Ordering::Less => {
                    downgrades.push(format!("  {}: {arm} -> {version}{suffix}", c.name()));
                }
            },
        }
    }
    let mut newer: Vec<String> = left_out
        .iter()
        .map(|l| {
            format!(
                "  {}: the target has {}, x86_64 {}",
                l.pkgbase, l.target_version, l.x86_version
            )
        })
        .collect();
    newer.sort();
    let mut lines = Vec::new();
    for (heading, items) in [
        ("Upgrades", upgrades),
        ("New packages", new),
        ("Rebuilds at the same version", rebuilds),
        ("Downgrades (named with --packages)", downgrades),
        ("Left out, the target is newer", newer),
    ] {
        if !items.is_empty() {
            lines.push(format!("{heading} ({}):", items.len()));
            lines.extend(items);
        }
    }
    lines
}

/// The missing dependencies not added because a target `{name}-bin` provides them: a
/// heading, then one line per name, by name (nothing when there is none).
pub(crate) fn bin_provided(found: &[BinProvided]) -> Vec<String> {
    if found.is_empty() {
        return Vec::new();
    }
    let mut items: Vec<String> = found.iter().map(bin_line).collect();
    items.sort();
    let mut lines = vec![format!(
        "Provided by -bin packages on the target, not built ({}):",
        items.len()
    )];
    lines.extend(items);
    lines
}

/// `  foo: foo-bin provides it at 1.2`.
fn bin_line(b: &BinProvided) -> String {
    format!("  {}: {} provides it at {}", b.name, b.provider, b.version)
}
