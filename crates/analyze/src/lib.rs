//! `repo-analyze`: what is wrong with the port's repositories compared to x86_64.
//!
//! The x86_64 side is the state repository (authoritative versions) plus the x86_64 sync
//! databases (pkgnames, provisions); the target side is the port's sync databases. The
//! comparison is per pkgbase and every section of the [`Report`] is sorted, so the same
//! inputs always give the same report.

mod blocked;
mod deps;
mod render;
mod report;
mod sections;
mod sides;

pub use render::{Section, render_human};
pub use report::*;
pub use sides::Inputs;

/// Runs every check and returns the report.
pub fn analyze(inputs: &Inputs<'_>) -> Report {
    let x86 = sides::x86_side(inputs);
    let target = sides::target_side(inputs);
    let mut report = Report::default();
    sides::compare(inputs, &x86, &target, &mut report);
    sections::bin_packages(inputs, &x86, &mut report);
    sections::arch_changed(inputs, &mut report);
    sections::missing_split_packages(&x86, &target, &mut report);
    sections::provided_elsewhere(inputs, &mut report);
    blocked::blocked_by_blacklist(inputs, &x86, &mut report);
    deps::check_dependencies(inputs.target, &mut report);
    report.sort();
    report
}

#[cfg(test)]
mod tests;
