//! [`World`]: a spec made real on disk (sync databases, state repository, packaging and
//! AUR repositories) and served over HTTP, with methods to move upstream on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use archport_vercmp::tag_for_version;
use tempfile::TempDir;

use crate::config::{WorldUrls, file_url};
use crate::db::{Compression, DescEntry, compress, db_tar_of, write_db_files};
use crate::error::WorldError;
use crate::git_util::Clock;
use crate::packaging::{
    aur_repo_path, commit_aur, commit_version, gitlab_path, packaging_repo_path,
};
use crate::server::MirrorServer;
use crate::spec::{PkgbaseSpec, Repo, Side, WorldSpec};
use crate::state_repo::{StateEntry, commit_state, state_repo_path};

/// A file marking a directory as a test world, so [`World::at`] may rebuild it.
const MARKER: &str = ".archport-testworld";

/// One tagged version in a packaging repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggedVersion {
    /// The full version.
    pub version: String,
    /// Its tag (`1:2.0~rc1-1` is `1-2.0.rc1-1`).
    pub tag: String,
    /// The commit the tag points to (40 hex digits).
    pub commit: String,
}

/// A hermetic Arch upstream in a directory, served while the value lives.
///
/// Layout under [`World::root`]:
/// `mirror-x86/{repo}/os/x86_64/{repo}.db`, `mirror-target/{repo}/os/{arch}/{repo}.db`,
/// `git/state`, `git/packaging/{gitlab_path}.git`, `git/aur/{pkgbase}.git`; all git
/// repositories are bare.
#[derive(Debug)]
pub struct World {
    root: PathBuf,
    spec: WorldSpec,
    clock: Clock,
    compression: BTreeMap<(Side, Repo), Compression>,
    history: BTreeMap<String, Vec<TaggedVersion>>,
    // Dropped before the directory: the server must stop before its files vanish.
    server: MirrorServer,
    _temp: Option<TempDir>,
}

impl World {
    /// Builds `spec` in a new temporary directory, removed when the world is dropped.
    pub fn build(spec: WorldSpec) -> Result<World, WorldError> {
        spec.validate()?;
        let temp = tempfile::Builder::new()
            .prefix("archport-world-")
            .tempdir()
            .map_err(WorldError::io(std::env::temp_dir()))?;
        let root = temp
            .path()
            .canonicalize()
            .map_err(WorldError::io(temp.path()))?;
        World::create(root, spec, Some(temp))
    }

    /// Builds `spec` in `path`, which persists after the world is dropped (the offline demo).
    /// `path` must be absent, empty, or an earlier world (which is replaced).
    pub fn at(path: &Path, spec: WorldSpec) -> Result<World, WorldError> {
        spec.validate()?;
        std::fs::create_dir_all(path).map_err(WorldError::io(path))?;
        let root = path.canonicalize().map_err(WorldError::io(path))?;
        if root.join(MARKER).exists() {
            for name in ["mirror-x86", "mirror-target", "git", "work"] {
                let dir = root.join(name);
                if dir.exists() {
                    std::fs::remove_dir_all(&dir).map_err(WorldError::io(&dir))?;
                }
            }
        } else if std::fs::read_dir(&root)
            .map_err(WorldError::io(&root))?
            .next()
            .is_some()
        {
            return Err(WorldError::Root {
                path: root,
                problem: "not empty and not a test world".to_owned(),
            });
        }
        World::create(root, spec, None)
    }

    fn create(root: PathBuf, spec: WorldSpec, temp: Option<TempDir>) -> Result<World, WorldError> {
        file_url(&root)?;
        check_gitlab_paths(&spec)?;
        std::fs::write(root.join(MARKER), "archport test world\n")
            .map_err(WorldError::io(root.join(MARKER)))?;
        let server = MirrorServer::start(&root)?;
        let mut world = World {
            root,
            spec,
            clock: Clock::new(),
            compression: BTreeMap::new(),
            history: BTreeMap::new(),
            server,
            _temp: temp,
        };
        for pkgbase in world.spec.x86.clone() {
            for version in &pkgbase.history {
                world.commit_packaging(&pkgbase.clone().version(version.clone()))?;
            }
            world.commit_packaging(&pkgbase)?;
        }
        for pkgbase in &world.spec.aur {
            commit_aur(&world.root, pkgbase, &mut world.clock)?;
        }
        world.commit_state("initial state")?;
        for side in [Side::X86, Side::Target] {
            for repo in Repo::ALL {
                world.write_db(side, repo)?;
            }
        }
        Ok(world)
    }

    /// The world's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The world as it stands now (after any changes).
    pub fn spec(&self) -> &WorldSpec {
        &self.spec
    }

    /// The HTTP server: its request log and failure injection.
    pub fn server(&self) -> &MirrorServer {
        &self.server
    }

    /// `http://127.0.0.1:PORT/mirror-x86`: `{repo}/os/x86_64/{repo}.db` below it.
    pub fn mirror_x86_url(&self) -> String {
        self.server.url("mirror-x86")
    }

    /// `http://127.0.0.1:PORT/mirror-target`: `{repo}/os/{arch}/{repo}.db` below it.
    pub fn mirror_target_url(&self) -> String {
        self.server.url("mirror-target")
    }

    fn root_url(&self) -> String {
        // The root was checked in `create`; an unusable one never makes a World.
        file_url(&self.root).unwrap_or_else(|_| format!("file://{}", self.root.display()))
    }

    /// `file://{root}/git/state`.
    pub fn state_url(&self) -> String {
        format!("{}/git/state", self.root_url())
    }

    /// `file://{root}/git/packaging/{path}.git`, `{path}` being [`gitlab_path`] of a pkgbase.
    pub fn packaging_url_template(&self) -> String {
        format!("{}/git/packaging/{{path}}.git", self.root_url())
    }

    /// `file://{root}/git/aur/{pkgbase}.git`.
    pub fn aur_url_template(&self) -> String {
        format!("{}/git/aur/{{pkgbase}}.git", self.root_url())
    }

    /// The packaging repository URL of one pkgbase.
    pub fn packaging_url(&self, pkgbase: &str) -> String {
        self.packaging_url_template()
            .replace("{path}", &gitlab_path(pkgbase))
    }

    /// The AUR repository URL of one pkgbase.
    pub fn aur_url(&self, pkgbase: &str) -> String {
        self.aur_url_template().replace("{pkgbase}", pkgbase)
    }

    /// The state repository's directory.
    pub fn state_repo_path(&self) -> PathBuf {
        state_repo_path(&self.root)
    }

    /// The packaging repository directory of one pkgbase.
    pub fn packaging_repo_path(&self, pkgbase: &str) -> PathBuf {
        packaging_repo_path(&self.root, pkgbase)
    }

    /// The AUR repository directory of one pkgbase.
    pub fn aur_repo_path(&self, pkgbase: &str) -> PathBuf {
        aur_repo_path(&self.root, pkgbase)
    }

    /// The directory holding one side's database of `repo`.
    pub fn db_dir(&self, side: Side, repo: Repo) -> PathBuf {
        let mirror = match side {
            Side::X86 => "mirror-x86",
            Side::Target => "mirror-target",
        };
        self.root
            .join(mirror)
            .join(repo.as_str())
            .join("os")
            .join(self.spec.arch_of(side))
    }

    /// The `{repo}.db` file of one side.
    pub fn db_path(&self, side: Side, repo: Repo) -> PathBuf {
        self.db_dir(side, repo).join(format!("{repo}.db"))
    }

    /// Every location the configuration names.
    pub fn urls(&self) -> WorldUrls {
        WorldUrls {
            arch: self.spec.target_arch.clone(),
            x86_mirror: self.mirror_x86_url(),
            state_repo: self.state_url(),
            target_mirror: self.mirror_target_url(),
            packaging_url: self.packaging_url_template(),
            aur_url: self.aur_url_template(),
        }
    }

    /// The default work directory for tools run against the world: `{root}/work`.
    pub fn workdir(&self) -> PathBuf {
        self.root.join("work")
    }

    /// Writes `archport.toml` at `path`, pointing at this world, with [`World::workdir`].
    pub fn write_config(&self, path: &Path) -> Result<(), WorldError> {
        let text = self.urls().config_toml(&self.workdir());
        std::fs::write(path, text).map_err(WorldError::io(path))
    }

    /// The packaging repository's tagged versions of `pkgbase`, oldest first.
    pub fn tagged_versions(&self, pkgbase: &str) -> &[TaggedVersion] {
        self.history.get(pkgbase).map_or(&[], Vec::as_slice)
    }

    /// What the state repository holds now, sorted by directory and pkgbase.
    pub fn state_entries(&self) -> Vec<StateEntry> {
        let mut entries: Vec<StateEntry> = self
            .spec
            .x86
            .iter()
            .filter_map(|pkgbase| {
                let tagged = self
                    .tagged_versions(&pkgbase.name)
                    .iter()
                    .rev()
                    .find(|t| t.version == pkgbase.version)?;
                Some(StateEntry {
                    repo: pkgbase.repo,
                    any: pkgbase.is_any(),
                    pkgbase: pkgbase.name.clone(),
                    version: pkgbase.version.clone(),
                    tag: tagged.tag.clone(),
                    commit: tagged.commit.clone(),
                })
            })
            .collect();
        entries.sort_by(|a, b| (a.dir(), &a.pkgbase).cmp(&(b.dir(), &b.pkgbase)));
        entries
    }

    /// The desc entries of one side's `repo`, in archive order.
    pub fn db_entries(&self, side: Side, repo: Repo) -> Vec<DescEntry> {
        let arch = self.spec.arch_of(side);
        let mut entries: Vec<DescEntry> = self
            .spec
            .side(side)
            .iter()
            .filter(|p| p.repo == repo)
            .flat_map(|p| DescEntry::for_pkgbase(p, arch))
            .collect();
        entries.sort_by_key(DescEntry::dir_name);
        entries
    }

    /// One side's database of `repo` with any compression, without serving it (for tests of
    /// compression detection).
    pub fn db_bytes(
        &self,
        side: Side,
        repo: Repo,
        compression: Compression,
    ) -> Result<Vec<u8>, WorldError> {
        compress(&db_tar_of(&self.db_entries(side, repo))?, compression)
    }

    /// Serves one side's database of `repo` with `compression` from now on (rewritten now).
    pub fn set_db_compression(
        &mut self,
        side: Side,
        repo: Repo,
        compression: Compression,
    ) -> Result<(), WorldError> {
        self.compression.insert((side, repo), compression);
        self.write_db(side, repo)
    }

    fn write_db(&self, side: Side, repo: Repo) -> Result<(), WorldError> {
        let compression = self
            .compression
            .get(&(side, repo))
            .copied()
            .unwrap_or_default();
        let data = self.db_bytes(side, repo, compression)?;
        write_db_files(&self.db_dir(side, repo), repo.as_str(), &data, compression)?;
        Ok(())
    }

    fn commit_state(&mut self, message: &str) -> Result<(), WorldError> {
        let entries = self.state_entries();
        commit_state(&self.state_repo_path(), &entries, message, &mut self.clock)?;
        Ok(())
    }

    fn find(&self, side: Side, name: &str) -> Result<&PkgbaseSpec, WorldError> {
        self.spec
            .side(side)
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| WorldError::UnknownPkgbase {
                pkgbase: name.to_owned(),
                side: side.to_string(),
            })
    }

    /// Validates a changed spec and adopts it; the caller rewrites what changed.
    fn adopt(&mut self, spec: WorldSpec) -> Result<(), WorldError> {
        spec.validate()?;
        check_gitlab_paths(&spec)?;
        self.spec = spec;
        Ok(())
    }

    /// Upstream releases `pkgbase` at `version` with unchanged metadata: a new packaging
    /// commit and tag, a state repository commit, and a new x86_64 database.
    pub fn bump(&mut self, pkgbase: &str, version: &str) -> Result<TaggedVersion, WorldError> {
        let updated = self.find(Side::X86, pkgbase)?.clone().version(version);
        self.update(updated)
    }

    /// Upstream publishes `pkgbase` as given (new, or changed in any way, e.g. new
    /// makedepends): as [`World::bump`]. Its version must not have been tagged before. A
    /// pkgbase new to the world also gets its `history` versions tagged first; for a known
    /// one, `history` is ignored (its repository already holds its past).
    pub fn update(&mut self, pkgbase: PkgbaseSpec) -> Result<TaggedVersion, WorldError> {
        let tag = tag_for_version(&pkgbase.version);
        if self
            .tagged_versions(&pkgbase.name)
            .iter()
            .any(|t| t.tag == tag)
        {
            return Err(WorldError::spec(
                format!("pkgbase {}", pkgbase.name),
                format!("tag {tag} already exists in its packaging repository"),
            ));
        }
        let old_repo = self.find(Side::X86, &pkgbase.name).ok().map(|p| p.repo);
        let name = pkgbase.name.clone();
        let version = pkgbase.version.clone();
        let repo = pkgbase.repo;
        let spec = self.spec.clone().x86_side(pkgbase.clone());
        self.adopt(spec)?;
        let earlier = if self.history.contains_key(&name) {
            Vec::new()
        } else {
            pkgbase.history.clone()
        };
        for version in earlier {
            self.commit_packaging(&pkgbase.clone().version(version))?;
        }
        let tagged = self.commit_packaging(&pkgbase)?;
        self.commit_state(&format!("{name}: update to {version}"))?;
        for repo in BTreeSet::from_iter(old_repo.into_iter().chain([repo])) {
            self.write_db(Side::X86, repo)?;
        }
        Ok(tagged)
    }

    /// Commits and tags one version in the packaging repository and records it.
    fn commit_packaging(&mut self, pkgbase: &PkgbaseSpec) -> Result<TaggedVersion, WorldError> {
        let commit = commit_version(&self.root, pkgbase, &mut self.clock)?;
        let tagged = TaggedVersion {
            version: pkgbase.version.clone(),
            tag: tag_for_version(&pkgbase.version),
            commit: commit.to_string(),
        };
        self.history
            .entry(pkgbase.name.clone())
            .or_default()
            .push(tagged.clone());
        Ok(tagged)
    }

    /// Upstream drops `pkgbase` from x86_64: its state file and database entries go; the
    /// packaging repository stays, as on Arch's GitLab.
    pub fn remove(&mut self, pkgbase: &str) -> Result<(), WorldError> {
        let repo = self.find(Side::X86, pkgbase)?.repo;
        self.spec.x86.retain(|p| p.name != pkgbase);
        self.commit_state(&format!("{pkgbase}: remove"))?;
        self.write_db(Side::X86, repo)
    }

    /// The port publishes `pkgbase` as given (e.g. after building it): the target database
    /// is rewritten.
    pub fn set_target(&mut self, pkgbase: PkgbaseSpec) -> Result<(), WorldError> {
        let old_repo = self.find(Side::Target, &pkgbase.name).ok().map(|p| p.repo);
        let repo = pkgbase.repo;
        let spec = self.spec.clone().target_side(pkgbase);
        self.adopt(spec)?;
        for repo in BTreeSet::from_iter(old_repo.into_iter().chain([repo])) {
            self.write_db(Side::Target, repo)?;
        }
        Ok(())
    }

    /// The port drops `pkgbase`: the target database is rewritten without it.
    pub fn remove_target(&mut self, pkgbase: &str) -> Result<(), WorldError> {
        let repo = self.find(Side::Target, pkgbase)?.repo;
        self.spec.target.retain(|p| p.name != pkgbase);
        self.write_db(Side::Target, repo)
    }
}

/// Two pkgbases whose packaging repositories would share a path cannot both exist.
fn check_gitlab_paths(spec: &WorldSpec) -> Result<(), WorldError> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for pkgbase in &spec.x86 {
        if let Some(other) = seen.insert(gitlab_path(&pkgbase.name), &pkgbase.name) {
            return Err(WorldError::spec(
                format!("pkgbase {}", pkgbase.name),
                format!(
                    "packaging repository path {} is also {other}'s",
                    gitlab_path(&pkgbase.name)
                ),
            ));
        }
    }
    Ok(())
}
