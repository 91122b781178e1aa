//! The typed domain's base: pacman's version ordering, validated package names, versions,
//! repositories, and dependency relations.
//!
//! Everything that compares versions or decides whether a package satisfies a
//! dependency goes through this crate, so that archport orders versions exactly
//! as `pacman`/`vercmp` do (the real `vercmp` binary is the oracle in tests).

mod name;
mod order;
mod relation;
mod repo;
mod version;

pub use name::{NameError, PkgBase, PkgName};
pub use order::{tag_for_version, vercmp};
pub use relation::{
    Op, Relation, RelationError, SplitRelation, parse_relations, satisfies, split_relation,
};
pub use repo::{Repo, RepoError};
pub use version::{Version, VersionError};
