//! `packages_to_build.json`: the build list `generate-build-list` writes and
//! `build-packages` reads.
//!
//! The JSON shape is an interface (scripts read it): field names and meanings only change
//! with a major version.

mod model;
mod wire;

pub use model::{
    BuildList, CycleStage, Entry, FailureRecord, ListError, SkipReason, Source, timestamp_now,
};
