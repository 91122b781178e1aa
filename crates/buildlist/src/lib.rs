//! `packages_to_build.json`: the build list `generate-build-list` writes and
//! `build-packages` reads, and the atomic file writing every archport output uses.
//!
//! The JSON shape is an interface (scripts read it): field names and meanings only change
//! with a major version.

mod atomic;
mod model;

pub use atomic::write_atomic;
pub use model::{BuildList, Entry, ListError, timestamp_now};
