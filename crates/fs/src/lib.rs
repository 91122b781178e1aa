//! File-system plumbing with exactly one owner: every file archport writes for a reader
//! (build lists, failed lists, records, cached databases) goes through [`write_atomic`], or
//! through [`AtomicFile`] when it is streamed and checked before it replaces the old copy.
//! Every file read out of a checkout someone else controls goes through [`read_untrusted`]
//! or [`UntrustedDir`]: regular files inside the checkout only, with a size cap.

mod atomic;
mod untrusted;

pub use atomic::{AtomicFile, remove_stale_temps, write_atomic};
pub use untrusted::{UntrustedDir, UntrustedError, is_untrusted_regular_file, read_untrusted};
