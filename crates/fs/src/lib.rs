//! File-system plumbing with exactly one owner: every file archport writes for a reader
//! (build lists, failed lists, records, cached databases) goes through [`write_atomic`].

mod atomic;

pub use atomic::write_atomic;
