//! Test fixtures shared by the fetch tests: upstream packaging repositories made with git2,
//! and a pkgbuilds directory to fetch into.

#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};

use archport_pkgsrc::{FetchError, FetchMode, FetchOutcome, FetchRequest, fetch};
use archport_vercmp::{PkgName, tag_for_version};
use git2::{Oid, Repository, RepositoryInitOptions, Signature};

/// An upstream packaging repository: a working repository whose commits carry a PKGBUILD and
/// `.SRCINFO` for one version each, tagged the way Arch tags them.
pub struct Upstream {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub repo: Repository,
    pub pkgbase: String,
}

impl Upstream {
    pub fn new(pkgbase: &str, branch: &str) -> Upstream {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(format!("{pkgbase}.git"));
        let mut options = RepositoryInitOptions::new();
        options.initial_head(branch);
        let repo = Repository::init_opts(&path, &options).expect("init upstream");
        Upstream {
            _dir: dir,
            path,
            repo,
            pkgbase: pkgbase.to_owned(),
        }
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.path.display())
    }

    /// Commits a PKGBUILD and `.SRCINFO` for `version` (plus `extra` files), without a tag.
    pub fn commit(&self, version: &str, extra: &[(&str, &str)]) -> Oid {
        let (epoch, rest) = match version.split_once(':') {
            Some((epoch, rest)) => (Some(epoch), rest),
            None => (None, version),
        };
        let (pkgver, pkgrel) = rest.rsplit_once('-').expect("pkgver-pkgrel");
        let epoch_line = epoch.map(|e| format!("epoch={e}\n")).unwrap_or_default();
        let pkgbuild = format!(
            "# Maintainer: Test <test@example.org>\npkgname={name}\npkgver={pkgver}\npkgrel={pkgrel}\n{epoch_line}pkgdesc='test package'\narch=(x86_64)\nurl='https://example.org/'\nlicense=(MIT)\ndepends=(glibc)\n\npackage() {{\n  install -d \"$pkgdir/usr/share/{name}\"\n}}\n",
            name = self.pkgbase
        );
        let epoch_info = epoch
            .map(|e| format!("\tepoch = {e}\n"))
            .unwrap_or_default();
        let srcinfo = format!(
            "pkgbase = {name}\n\tpkgdesc = test package\n\tpkgver = {pkgver}\n\tpkgrel = {pkgrel}\n{epoch_info}\turl = https://example.org/\n\tarch = x86_64\n\tlicense = MIT\n\tdepends = glibc\n\npkgname = {name}\n",
            name = self.pkgbase
        );
        let workdir = self.repo.workdir().expect("non-bare");
        std::fs::write(workdir.join("PKGBUILD"), pkgbuild).expect("write PKGBUILD");
        std::fs::write(workdir.join(".SRCINFO"), srcinfo).expect("write .SRCINFO");
        for (name, content) in extra {
            std::fs::write(workdir.join(name), content).expect("write extra file");
        }
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        index.write().expect("write index");
        let tree = self
            .repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let signature = Signature::now("Test", "test@example.org").expect("signature");
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        self.repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                &format!("upgpkg: {version}"),
                &tree,
                &parents,
            )
            .expect("commit")
    }

    /// Commits `version` and tags it with an annotated tag, as Arch's packaging repos are.
    pub fn release(&self, version: &str, extra: &[(&str, &str)]) -> Oid {
        let oid = self.commit(version, extra);
        let object = self.repo.find_object(oid, None).expect("object");
        let signature = Signature::now("Test", "test@example.org").expect("signature");
        self.repo
            .tag(
                &tag_for_version(version),
                &object,
                &signature,
                version,
                false,
            )
            .expect("tag");
        oid
    }
}

/// The pkgbuilds directory of a test run.
pub struct Pkgbuilds {
    dir: tempfile::TempDir,
}

impl Pkgbuilds {
    pub fn new() -> Pkgbuilds {
        Pkgbuilds {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn fetch(
        &self,
        pkgbase: &str,
        version: &str,
        commit: Option<&str>,
        mode: FetchMode,
        url: &str,
    ) -> Result<FetchOutcome, FetchError> {
        let name = PkgName::new(pkgbase).expect("valid pkgbase");
        fetch(&FetchRequest {
            pkgbase: &name,
            version,
            commit,
            mode,
            url: url.to_owned(),
            dest_root: self.root(),
        })
    }

    /// Entries of the pkgbuilds directory (checkouts and anything left beside them).
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root())
            .expect("read pkgbuilds")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

pub fn head_of(dir: &Path) -> String {
    let repo = Repository::open(dir).expect("checkout is a repository");
    repo.head()
        .expect("HEAD")
        .peel_to_commit()
        .expect("commit")
        .id()
        .to_string()
}
