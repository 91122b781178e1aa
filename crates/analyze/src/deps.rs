//! Runtime dependencies of target packages that the target repositories cannot meet.

use archport_repodb::{Index, Package};
use archport_vercmp::{Relation, parse_relations, vercmp};

use crate::report::{BrokenDep, Candidate, Report, UnsatisfiedDep};

/// Checks every `%DEPENDS%` entry of every target package against the target repositories:
/// nothing offers the name (broken), or something does but at no fitting version
/// (unsatisfied). Make- and checkdepends are not checked: they break builds, not installs,
/// and `generate-build-list` resolves them.
///
/// A dependency that does not parse is met by nothing (the policy documented on
/// `Relation`), so it is reported once, as broken.
fn broken(pkg: &Package, dependency: &str) -> BrokenDep {
    BrokenDep {
        name: pkg.name().into(),
        pkgbase: pkg.base().into(),
        repo: pkg.repo().into(),
        version: pkg.version().into(),
        dependency: dependency.into(),
    }
}

/// Whether something on the target meets a relation with an empty version (`nginx=`,
/// `php-interpreter<`) the way libalpm's `alpm_find_satisfier` decides: the offered version
/// is compared with the empty one, so `=` and `<` are never met and `>` always is. An
/// unversioned provision meets no versioned relation.
fn empty_version_met(target: &Index, relation: &Relation, op: &str) -> bool {
    let fits = |version: &str| {
        let ord = vercmp(version, "");
        match op {
            "=" => ord.is_eq(),
            ">=" => ord.is_ge(),
            "<=" => ord.is_le(),
            ">" => ord.is_gt(),
            _ => ord.is_lt(),
        }
    };
    target.all_named(&relation.name).any(|p| fits(p.version()))
        || target
            .providers(&relation.name)
            .any(|p| p.version.is_some_and(fits))
}

pub(crate) fn check_dependencies(target: &Index, report: &mut Report) {
    for pkg in target.packages() {
        let relations = parse_relations(pkg.depends(), |bad| {
            report.broken_deps.push(broken(pkg, &bad.text));
        });
        for relation in &relations {
            // The relation's text as the database wrote it (`Display` round-trips).
            let text = relation.to_string();
            let text = text.as_str();
            if let Some((op, version)) = &relation.constraint
                && version.is_empty()
            {
                if !empty_version_met(target, relation, op.as_str()) {
                    report.upstream_broken.push(broken(pkg, text));
                }
                continue;
            }
            if target.providers_of(relation).next().is_some() {
                continue;
            }
            let mut candidates: Vec<Candidate> = target
                .all_named(&relation.name)
                .map(|p| Candidate {
                    package: p.name().into(),
                    version: Some(p.version().into()),
                })
                .chain(target.providers(&relation.name).map(|p| Candidate {
                    package: p.package.name().into(),
                    version: p.version.map(Into::into),
                }))
                .collect();
            candidates.sort();
            candidates.dedup();
            if candidates.is_empty() {
                report.broken_deps.push(broken(pkg, text));
                continue;
            }
            let soname_drift = relation.name.contains(".so")
                && relation.constraint.is_some()
                && candidates.iter().any(|c| c.version.is_some());
            report.unsatisfied_deps.push(UnsatisfiedDep {
                name: pkg.name().into(),
                pkgbase: pkg.base().into(),
                repo: pkg.repo().into(),
                version: pkg.version().into(),
                dependency: text.into(),
                candidates,
                soname_drift,
            });
        }
    }
}
