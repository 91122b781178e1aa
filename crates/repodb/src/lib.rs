//! Arch Linux sync databases: download them with caching, read the `.db` archives, and look
//! packages up by name, pkgbase and provision.
//!
//! ```no_run
//! use archport_repodb::{DbSource, Index, Limits, db_url, download_all, load_dbs};
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let mirror = "https://geo.mirror.pkgbuild.com";
//! let sources: Vec<DbSource> = ["core", "extra"]
//!     .iter()
//!     .map(|repo| DbSource { repo: repo.to_string(), url: db_url(mirror, repo, "x86_64") })
//!     .collect();
//! let limits = Limits::default();
//! let cached = download_all(&sources, "work/cache".as_ref(), false, &limits).await?;
//! let files: Vec<_> = cached.into_iter().map(|d| d.file).collect();
//! let index = Index::new(load_dbs(&files, &limits)?);
//! println!("glibc is {:?}", index.pkgbase_version("glibc"));
//! # Ok(()) }
//! ```

mod archive;
mod compression;
mod desc;
mod download;
mod error;
mod index;
mod limits;
mod load;
mod package;
mod tar_header;

pub use download::{
    DbSource, DownloadError, Downloaded, FetchStatus, cache_file_name, db_url, download_all,
};
pub use error::{DbError, DbErrorKind};
pub use index::{Index, PkgBase, Provider};
pub use limits::Limits;
pub use load::{DbFile, load_dbs, read_db, read_db_bytes, read_db_file};
pub use package::{
    ListField, Package, PackageFields, PackageTooLarge, StrList, optdepend_relation,
    split_provision,
};
