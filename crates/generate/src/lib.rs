//! `generate-build-list`: compares x86_64 with the port, fetches the PKGBUILDs that need
//! building, adds missing dependencies, orders everything and writes the build list.
//!
//! The pipeline, one module per step, driven by `run`:
//! `select` (what needs building) -> `fetching` (PKGBUILDs at the right version, in
//! parallel; `dry_run` instead tells what it would do, from the checkouts on disk) ->
//! `missing` (dependencies the target lacks, recursively; dependents of skipped ones
//! skipped) -> `ordering` (graph edges, cycle-aware order) -> the `packages_to_build.json`
//! entries.

mod build_products;
mod candidate;
mod console;
mod dry_run;
mod error;
mod fetching;
mod missing;
mod options;
mod ordering;
mod run;
mod select;
mod summary;

pub use candidate::{Candidate, Origin};
pub use console::Console;
pub use error::GenerateError;
pub use options::Options;
pub use ordering::describe_entry;
pub use run::{Outcome, run};
pub use select::{BinProvided, Missing, MissingPackage};
