//! x86_64 pkgbases the target cannot build because what they need, through depends and
//! makedepends, ends at a blacklisted package.

use std::collections::BTreeMap;

use archport_vercmp::parse_relations;

use crate::report::{Blocked, Report};
use crate::sides::{Inputs, X86Base};

/// Why a pkgbase cannot be built: blacklisted itself, or needing the named pkgbase.
enum Reason<'a> {
    Blacklisted,
    Needs(&'a str),
}

/// A pkgbase is blocked when one of its depends or makedepends is offered on x86_64 only by
/// blacklisted or blocked pkgbases, and the target does not offer it already. A relation
/// nothing on x86_64 offers is a missing dependency, not a blacklist matter. ARCH=any
/// pkgbases are not built, so they are neither blocked nor blocking.
pub(crate) fn blocked_by_blacklist(
    inputs: &Inputs<'_>,
    x86: &BTreeMap<&str, X86Base<'_>>,
    report: &mut Report,
) {
    let mut reason: BTreeMap<&str, Reason> = BTreeMap::new();
    for (&name, base) in x86 {
        if !base.any
            && inputs
                .blacklist
                .is_blacklisted(name, base.pkgnames.iter().copied())
        {
            reason.insert(name, Reason::Blacklisted);
        }
    }
    if reason.is_empty() {
        return;
    }
    // Each pkgbase's needs: for each relation, the pkgbases offering it on x86_64.
    let mut needs: BTreeMap<&str, Vec<Vec<&str>>> = BTreeMap::new();
    for (&name, base) in x86 {
        if base.any || reason.contains_key(name) {
            continue;
        }
        let Some(group) = inputs.x86.pkgbase(name) else {
            continue;
        };
        let mut offers = Vec::new();
        for pkg in group.packages() {
            let texts = pkg.depends().chain(pkg.makedepends());
            for relation in parse_relations(texts, |_| {}) {
                if inputs.target.providers_of(&relation).next().is_some() {
                    continue;
                }
                let mut bases: Vec<&str> = inputs
                    .x86
                    .providers_of(&relation)
                    .filter_map(|p| x86.get_key_value(p.base()).map(|(k, _)| *k))
                    .filter(|b| *b != name)
                    .collect();
                bases.sort_unstable();
                bases.dedup();
                if !bases.is_empty() {
                    offers.push(bases);
                }
            }
        }
        needs.insert(name, offers);
    }
    // Blocking spreads one level per pass until nothing changes.
    loop {
        let mut newly = Vec::new();
        for (&name, offers) in &needs {
            if reason.contains_key(name) {
                continue;
            }
            let blocking = offers
                .iter()
                .find(|bases| bases.iter().all(|b| reason.contains_key(b)));
            if let Some(bases) = blocking {
                newly.push((name, bases[0]));
            }
        }
        if newly.is_empty() {
            break;
        }
        for (name, via) in newly {
            reason.insert(name, Reason::Needs(via));
        }
    }
    for (&name, why) in &reason {
        let &Reason::Needs(first) = why else {
            continue;
        };
        let mut next = first;
        let mut chain = vec![name.to_owned()];
        // The chain ends at a blacklisted pkgbase; reasons were set in passes, so each
        // step goes to a pkgbase blocked earlier and the walk terminates.
        while chain.len() <= reason.len() {
            chain.push(next.to_owned());
            match reason.get(next) {
                Some(Reason::Needs(further)) => next = further,
                _ => break,
            }
        }
        let base = &x86[name];
        report.blocked_by_blacklist.push(Blocked {
            pkgbase: name.into(),
            repo: base.repo.into(),
            version: base.version.into(),
            chain,
        });
    }
}
