//! pacman's version ordering, validated package names, and dependency relations.
//!
//! Everything that compares versions or decides whether a package satisfies a
//! dependency goes through this crate, so that archport orders versions exactly
//! as `pacman`/`vercmp` do (the real `vercmp` binary is the oracle in tests).

mod name;
mod order;
mod relation;

pub use name::{NameError, PkgName};
pub use order::{Version, tag_for_version, vercmp};
pub use relation::{Op, Relation, RelationError, satisfies};
