//! `packages_to_build.json`: the build list `generate-build-list` writes and
//! `build-packages` reads.
//!
//! The JSON shape is an interface (scripts read it): field names and meanings only change
//! with a major version.

mod model;
mod wire;

// Kept only until bootstrap's record switches to archport-fs on the runner branch; the
// function itself lives in archport-fs alone. Remove when merging.
#[doc(hidden)]
pub use archport_fs::write_atomic;
pub use model::{
    BuildList, CycleStage, Entry, FailureRecord, ListError, SkipReason, Source, timestamp_now,
};
