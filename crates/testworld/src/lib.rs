//! A hermetic Arch Linux upstream for tests, benchmarks and the offline demo.
//!
//! Everything archport fetches from the internet is produced locally in one directory:
//! x86_64 and target sync databases in repo-add's exact format, served over HTTP on
//! 127.0.0.1 (with ETag/Last-Modified and a request log); the state repository; one
//! packaging repository per pkgbase with a real, buildable PKGBUILD and its `.SRCINFO`,
//! tagged per version; AUR repositories. Describe a world with [`WorldSpec`], make it with
//! [`World::build`], then move upstream on with [`World::bump`] and friends.
//!
//! [`RealDataWorld`] does the same at full size from the real Arch databases in
//! `shared/realdata` (found as `archport_realdata` says).

mod build_user;
mod config;
mod db;
mod demo;
mod error;
mod fake_devtools;
mod git_util;
mod hash;
mod packaging;
mod pkgbuild;
mod realdata;
mod server;
mod spec;
mod state_repo;
mod tool;
mod world;

pub use build_user::{BUILD_USER, makepkg_command, prepare_build_dir};
pub use config::WorldUrls;
pub use db::{
    Compression, DescEntry, PKGEXT, SYNTHETIC_BUILDDATE, compress, db_tar, db_tar_of,
    write_db_files,
};
pub use demo::demo;
pub use error::WorldError;
pub use fake_devtools::fake_devtools_dir;
pub use packaging::{aur_repo_path, gitlab_path, packaging_repo_path};
pub use pkgbuild::{PACKAGER, PAYLOAD_DIR, render_pkgbuild, render_srcinfo};
pub use realdata::{RealDataOptions, RealDataWorld, RealPkgbase, TargetChange, default_data_dir};
pub use server::{MirrorServer, RequestRecord};
pub use spec::{PackageSpec, PkgbaseSpec, Repo, Side, VersionParts, WorldSpec};
pub use state_repo::{StateEntry, state_repo_path};
pub use world::{TaggedVersion, World};
