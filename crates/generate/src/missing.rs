//! Missing dependencies: relations of listed packages that no target package satisfies but
//! an x86_64 package does. Their pkgbases join the list, recursively.

use std::collections::HashMap;

use archport_vercmp::{PkgName, Relation, satisfies};

use crate::candidate::{Candidate, Origin};
use crate::select::{BinProvided, World, bin_provided, entry_from_state, target_versions};

/// Who in the list offers which name: `(candidate index, offered version)`.
pub(crate) struct ListProviders {
    by_name: HashMap<String, Vec<(usize, Option<String>)>>,
}

impl ListProviders {
    /// Indexes the pkgnames (at the version to be built) and provisions of `candidates`.
    pub(crate) fn new(candidates: &[Candidate]) -> ListProviders {
        let mut by_name: HashMap<String, Vec<(usize, Option<String>)>> = HashMap::new();
        for (i, c) in candidates.iter().enumerate() {
            for name in &c.entry.pkgnames {
                by_name
                    .entry(name.to_string())
                    .or_default()
                    .push((i, c.entry.version.as_ref().map(ToString::to_string)));
            }
            for provision in &c.entry.provides {
                by_name
                    .entry(provision.name.clone())
                    .or_default()
                    .push((i, provision.provided_version().map(str::to_owned)));
            }
        }
        ListProviders { by_name }
    }

    /// The listed candidates satisfying `relation`, other than `except`, in list order.
    pub(crate) fn providers<'a>(
        &'a self,
        relation: &'a Relation,
        except: usize,
    ) -> impl Iterator<Item = usize> + 'a {
        self.by_name
            .get(&relation.name)
            .into_iter()
            .flatten()
            .filter(move |(i, version)| {
                *i != except && satisfies(relation, &relation.name, version.as_deref())
            })
            .map(|(i, _)| *i)
    }

    /// The first listed candidate satisfying `relation`, other than `except`.
    pub(crate) fn provider(&self, relation: &Relation, except: usize) -> Option<usize> {
        self.providers(relation, except).next()
    }
}

/// Adds the pkgbases the candidates at `check` need and the target lacks; returns the
/// indices of the candidates added (to be fetched and checked in turn). A dependent whose
/// missing dependency is blacklisted is skipped with the reason. A dependency whose name or
/// pkgbase a target `{name}-bin` provides is not added (the port ships the binary instead)
/// and goes to `bin`, once per name, for the summary.
pub(crate) fn add_missing(
    world: &World<'_>,
    candidates: &mut Vec<Candidate>,
    check: &[usize],
    bin: &mut Vec<BinProvided>,
    warn: &mut dyn FnMut(String),
) -> Vec<usize> {
    let arm = target_versions(world.target);
    let mut providers = ListProviders::new(candidates);
    let mut added = Vec::new();
    for &i in check {
        if candidates[i].skipped() {
            continue;
        }
        let relations: Vec<(crate::candidate::RelationKind, Relation)> = candidates[i]
            .relations()
            .map(|(k, r)| (k, r.clone()))
            .collect();
        for (kind, relation) in relations {
            let text = &relation;
            if world.target.providers_of(&relation).next().is_some() {
                continue;
            }
            // Listed already; whether it gets built is settled by `skip_dependents`.
            if providers.provider(&relation, i).is_some() {
                continue;
            }
            let dependent = candidates[i].name().to_owned();
            let Some(pkg) = world.x86.providers_of(&relation).next() else {
                // A sibling of the same pkgbase may provide it; that is not missing.
                if candidates[i]
                    .entry
                    .pkgnames
                    .iter()
                    .any(|n| *n == *relation.name)
                {
                    continue;
                }
                warn(format!(
                    "{dependent}: {} {text} is provided by nothing on x86_64 or the target",
                    kind.as_str()
                ));
                continue;
            };
            let base = pkg.base();
            if base == dependent {
                continue;
            }
            if let Some(found) = bin_provided(world.target, &relation.name)
                .or_else(|| bin_provided(world.target, base))
            {
                if !bin.iter().any(|b| b.name == found.name) {
                    bin.push(found);
                }
                continue;
            }
            let Some(state) = PkgName::new(base).ok().and_then(|b| world.get(&b)) else {
                warn(format!(
                    "{dependent}: {} {text}: {base} is not in the state repository",
                    kind.as_str()
                ));
                continue;
            };
            if state.any || pkg.arch() == "any" {
                warn(format!(
                    "{dependent}: {} {text} needs ARCH=any package {}, which the target lacks",
                    kind.as_str(),
                    pkg.name()
                ));
                continue;
            }
            if world.bootstrap_only.iter().any(|b| b == base) {
                warn(format!(
                    "{dependent}: {} {text} needs {base}, which is left to bootstrap-toolchain",
                    kind.as_str()
                ));
                continue;
            }
            let mut entry = match entry_from_state(&state, world.x86, arm.get(base).copied(), warn)
            {
                Ok(entry) => entry,
                Err(e) => {
                    warn(format!("{dependent}: {} {text}: {e}", kind.as_str()));
                    continue;
                }
            };
            if let Some(reason) = world
                .blacklist
                .reason(base, entry.pkgnames.iter().map(PkgName::as_str))
            {
                candidates[i].skip(format!(
                    "{} {text}: nothing on the target satisfies it, and {base} is {reason}",
                    kind.as_str()
                ));
                continue;
            }
            entry.added_reason = Some(format!("{} of {dependent}", kind.as_str()));
            candidates.push(Candidate {
                state_commit: Some(state.commit.clone()),
                entry,
                origin: Origin::Dependency(format!("{} of {dependent}", kind.as_str())),
                has_srcinfo: false,
                no_check: false,
            });
            added.push(candidates.len() - 1);
            providers = ListProviders::new(candidates);
        }
    }
    added
}

/// Skips, until nothing changes, every listed pkgbase with a relation that the target does
/// not satisfy and that only skipped list members would (a blacklisted missing dependency,
/// a failed fetch): building it would fail for want of that dependency.
pub(crate) fn skip_dependents(world: &World<'_>, candidates: &mut [Candidate]) {
    let providers = ListProviders::new(candidates);
    loop {
        let mut newly_skipped = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            if c.skipped() {
                continue;
            }
            for (kind, relation) in c.relations() {
                let text = relation;
                if world.target.providers_of(relation).next().is_some() {
                    continue;
                }
                let mut listed = providers.providers(relation, i).peekable();
                let Some(&first) = listed.peek() else {
                    continue;
                };
                if listed.all(|p| candidates[p].skipped()) {
                    let dep = &candidates[first];
                    newly_skipped.push((
                        i,
                        format!(
                            "{} {text}: nothing on the target satisfies it, and {} is skipped",
                            kind.as_str(),
                            dep.name(),
                        ),
                    ));
                    break;
                }
            }
        }
        if newly_skipped.is_empty() {
            return;
        }
        for (i, reason) in newly_skipped {
            candidates[i].skip(reason);
        }
    }
}
