//! File-system plumbing with exactly one owner: every file archport writes for a reader
//! (build lists, failed lists, records, cached databases) goes through [`write_atomic`], or
//! through [`AtomicFile`] when it is streamed and checked before it replaces the old copy.

mod atomic;

pub use atomic::{AtomicFile, remove_stale_temps, write_atomic};
