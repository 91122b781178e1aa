//! Shared by the test binaries: the backend-neutral suite and the private PostgreSQL server.

pub mod pg;
pub mod suite;
