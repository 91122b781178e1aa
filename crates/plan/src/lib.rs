//! What to build: comparison, blacklist, missing dependencies, dependency graph, build order,
//! the build list.
//!
//! So far: the dependency graph over pkgbases ([`graph`]) and its cycle-aware, deterministic
//! build order ([`order`]).

pub mod graph;
pub mod order;
