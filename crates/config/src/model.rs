//! The configuration model: the TOML shape (raw) and the resolved values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{ConfigError, FALLBACK_ARCH, carch_from_makepkg_conf};

/// A fully resolved configuration: defaults applied, relative paths made absolute.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Target `CARCH` (e.g. `aarch64`).
    pub arch: String,
    /// Repositories to compare and build, in order (`core`, `extra`).
    pub repos: Vec<String>,
    /// The x86_64 side.
    pub x86: X86,
    /// The port's side.
    pub target: Target,
    /// Where PKGBUILDs come from.
    pub sources: Sources,
    /// Local directories.
    pub paths: Paths,
    /// External programs.
    pub tools: Tools,
    /// Publishing built packages.
    pub upload: Upload,
    /// The toolchain packages that only `bootstrap-toolchain` builds.
    pub bootstrap: Bootstrap,
    /// Settings of the chroot builds.
    pub build: Build,
    /// What a mirror may make us download and hold.
    pub limits: Limits,
    /// Where the build tools keep their status page.
    pub status: StatusPage,
    /// `[queue]`: where build-packages keeps its build state, and how long a claim lasts.
    pub queue: Queue,
    /// `[overrides.<pkgbase>]` (and the tables of `[paths] overrides`): pkgbases fetched
    /// from the port's own git repositories instead of Arch's GitLab or the AUR.
    pub package_sources: BTreeMap<String, crate::package_sources::PackageSource>,
    /// The file this came from, or `None` for the built-in defaults.
    pub file: Option<PathBuf>,
    /// The directory relative paths were resolved against.
    pub base_dir: PathBuf,
}

/// The x86_64 reference.
#[derive(Debug, Clone, PartialEq)]
pub struct X86 {
    /// Mirror root: `{mirror}/{repo}/os/x86_64/{repo}.db`.
    pub mirror: String,
    /// The state repository's git URL.
    pub state_repo: String,
    /// Whether the x86_64 side also reads upstream testing (`core-testing`/`extra-testing`
    /// databases and the state repository's testing directories), so the port can build
    /// ahead of what x86_64 releases to stable (`[x86] include_testing`, `--upstream-testing`).
    pub include_testing: bool,
}

/// The port's repositories.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Mirror root: `{mirror}/{repo}/os/{arch}/{repo}.db`.
    pub mirror: String,
    /// Explicit database URLs; when set they replace `mirror`. The repo is the file name
    /// without `.db` (`.../core.db` is core).
    pub db_urls: Option<Vec<String>>,
    /// Whether the port's testing repositories (the values of `[upload] repo_map`) are read
    /// from the mirror too, so a package waiting there for promotion counts as present.
    pub include_testing: bool,
    /// The port's own repositories (boot loaders, kernels for its boards) that x86_64 does
    /// not have, read from the mirror beside the compared ones.
    pub port_repos: Vec<String>,
}

/// PKGBUILD source URL templates.
#[derive(Debug, Clone, PartialEq)]
pub struct Sources {
    /// Official packaging repos, with `{path}` (devtools' GitLab path of the pkgbase).
    pub packaging_url: String,
    /// AUR repos, with `{pkgbase}`.
    pub aur_url: String,
}

/// Local directories, all absolute after loading (a `--blacklist` override stays as given:
/// see [`crate::Overrides`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    /// The work directory; [`Config::workdir`] knows its layout.
    pub workdir: PathBuf,
    /// devtools chroot directory (`{chroot}/root` is the root chroot).
    pub chroot: PathBuf,
    /// pacman package cache shared with the chroots.
    pub cache: PathBuf,
    /// `pacman.conf` and `makepkg.conf` for the target (`chroot-config/`).
    pub chroot_config: PathBuf,
    /// The blacklist file (`blacklist.txt` unless configured or given on the command line).
    pub blacklist: PathBuf,
    /// Whether a missing blacklist file is an error: true when the command line named it
    /// (see [`crate::Overrides`]), false for the configured default, which may be absent.
    pub blacklist_required: bool,
}

/// External program names or paths.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Tools {
    pub makechrootpkg: String,
    pub arch_nspawn: String,
    pub mkarchroot: String,
    pub sudo: String,
    pub gpg: String,
    pub makepkg: String,
    pub repo_add: String,
    /// The unprivileged user makepkg runs as when archport runs as root: makechrootpkg's
    /// `-U` (it refuses to run makepkg as root), key imports, `makepkg --printsrcinfo`. It
    /// needs a home and gets the PKGBUILD checkouts it builds (makepkg writes SRCDEST there).
    /// Unset, it is the operator who ran `sudo` (`SUDO_USER`), else the owner of the work
    /// directory, else `archport` (the user `contrib/archport.sysusers` creates); never
    /// root, which makechrootpkg refuses (see [`default_build_user`]).
    pub build_user: String,
}

/// The build user when `[tools] build_user` is unset: `SUDO_USER` (not root), else the
/// owner of `workdir` (when it exists and is not root), else [`FALLBACK_BUILD_USER`]. Each
/// is a real user with a home in the usual set-ups: an operator running `sudo
/// build-packages` in their own work directory, or the dedicated user of the contrib units.
pub fn default_build_user(sudo_user: Option<&str>, workdir: &Path) -> String {
    if let Some(user) = sudo_user.filter(|u| !u.is_empty() && *u != "root") {
        return user.to_owned();
    }
    let owner = std::fs::metadata(workdir)
        .ok()
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .filter(|uid| *uid != 0)
        .and_then(|uid| nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)).ok())
        .flatten();
    match owner {
        Some(user) => user.name,
        None => FALLBACK_BUILD_USER.to_owned(),
    }
}

/// The build user when neither `SUDO_USER` nor the work directory's owner names one: the
/// dedicated user `contrib/archport.sysusers` creates, with its home `/var/lib/archport`.
pub const FALLBACK_BUILD_USER: &str = "archport";

/// How built packages are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UploadBackend {
    /// The port's `repo-upload` command.
    RepoUpload,
    /// A local repository tree updated with `repo-add`.
    Local,
}

/// Publishing settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// Which backend publishes.
    pub backend: UploadBackend,
    /// The `repo-upload` command.
    pub command: String,
    /// The bucket given to `repo-upload`.
    pub bucket: String,
    /// Root of the local repository tree (`local` backend).
    pub local_dir: PathBuf,
    /// Where each repository's packages are published (`core` -> `core-testing`).
    pub repo_map: BTreeMap<String, String>,
    /// `port_repo`: the port's own repository (one of `[target] port_repos`) that AUR and
    /// local entries are published to, instead of the testing repository of the list's
    /// `repo`: x86_64 has no such packages, so they have no place in its repositories.
    pub port_repo: Option<String>,
}

/// Toolchain packages left to `bootstrap-toolchain`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    /// pkgbases `generate-build-list` leaves out unless named with `--packages`.
    pub only: Vec<String>,
    /// The first pass of the staged toolchain rebuild, in build order.
    pub stage1: Vec<String>,
    /// The second pass, in build order: rebuilt against the first pass's results.
    pub stage2: Vec<String>,
}

/// Settings of the chroot builds (`build-packages`, `bootstrap-toolchain`).
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    /// The free space the chroot directory needs before a run starts, in GiB: every build
    /// copies the root chroot, and a full disk fails builds in ways that look like their own.
    pub min_free_space_gib: u64,
    /// How many failed builds' working copies are kept for inspection (at least one; each is
    /// a full chroot copy, so a bad night would fill the disk): the newest ones, older ones
    /// are removed when a build fails.
    pub keep_failed_copies: usize,
    /// The longest one build (makechrootpkg) may run before it is stopped and fails as timed
    /// out, so that a hung build does not hold its slot forever; `None` for no limit.
    pub timeout: Option<std::time::Duration>,
}

/// The status page (`[status]`): `index.html` and `status.json`, kept current by
/// build-packages and bootstrap-toolchain at every state transition.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusPage {
    /// The directory the page, `status.json`, `history.json` and `logs/` are written to;
    /// absolute after loading (relative to the config file); `{workdir}/status` by default,
    /// so it can be served or synced (an S3 bucket) as it is.
    pub dir: PathBuf,
}
/// The default of `[build] keep_failed_copies`.
pub const DEFAULT_KEEP_FAILED_COPIES: usize = 3;

/// Where build-packages keeps the state of a run (`[queue]`): SQLite in the work directory
/// for one host, or a PostgreSQL database that several build hosts share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// `url`: a `postgres://` URL of the database a run is shared through; `None` keeps the
    /// state in SQLite under `{workdir}/build-state/`. Credentials may come from the URL,
    /// `PGPASSWORD` or `~/.pgpass`, and are never printed.
    pub url: Option<String>,
    /// `lease_seconds`: how long a claimed build stays with its host without a heartbeat.
    /// A host that cannot renew stops the build once it passed; another host then takes it.
    pub lease_seconds: u64,
    /// `host`: this host's name in the shared run (default: the hostname).
    pub host: Option<String>,
}

/// The default of `[queue] lease_seconds`.
pub const DEFAULT_LEASE_SECONDS: u64 = 600;

/// The default of `[build] min_free_space_gib`.
pub const DEFAULT_MIN_FREE_SPACE_GIB: u64 = 20;
/// Caps on one sync database, so that a hostile or broken mirror costs an error line rather
/// than the machine's memory or the night, and on `makepkg --printsrcinfo`, so that a hostile
/// PKGBUILD costs one skipped package (`[limits]`; all must be above zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest download (and cached database file), in MiB.
    pub max_download_mib: u64,
    /// Largest decompressed database, in MiB.
    pub max_db_mib: u64,
    /// Largest single entry of a database, in KiB.
    pub max_entry_kib: u64,
    /// Most entries in one package directory of a database.
    pub max_entries_per_package: u64,
    /// Longest one download may take, in seconds, however slowly the bytes come.
    pub download_timeout_secs: u64,
    /// Longest `makepkg --printsrcinfo` may run on a PKGBUILD without `.SRCINFO`, in seconds:
    /// it sources someone else's bash, which may sleep forever. On the limit the package is
    /// skipped with the reason.
    pub printsrcinfo_secs: u64,
}

impl Default for Limits {
    /// Generous: the real `extra.db` is 8 MiB compressed, 32 MiB of tar.
    fn default() -> Self {
        Limits {
            max_download_mib: 256,
            max_db_mib: 1024,
            max_entry_kib: 16 * 1024,
            max_entries_per_package: 1000,
            download_timeout_secs: 600,
            printsrcinfo_secs: 60,
        }
    }
}

/// The default first bootstrap stage.
pub const DEFAULT_STAGE1: [&str; 8] = [
    "linux-api-headers",
    "glibc",
    "binutils",
    "gcc",
    "gmp",
    "mpfr",
    "libmpc",
    "libisl",
];

/// The default second bootstrap stage.
pub const DEFAULT_STAGE2: [&str; 5] = ["glibc", "binutils", "gcc", "libtool", "valgrind"];

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    arch: Option<String>,
    repos: Option<Vec<String>>,
    #[serde(default)]
    x86: RawX86,
    #[serde(default)]
    target: RawTarget,
    #[serde(default)]
    sources: RawSources,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    tools: RawTools,
    #[serde(default)]
    upload: RawUpload,
    #[serde(default)]
    bootstrap: RawBootstrap,
    #[serde(default)]
    build: RawBuild,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    status: RawStatus,
    #[serde(default)]
    queue: RawQueue,
    #[serde(default)]
    overrides: BTreeMap<String, crate::package_sources::RawPackageSource>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStatus {
    dir: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawQueue {
    url: Option<String>,
    lease_seconds: Option<u64>,
    host: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBuild {
    min_free_space_gib: Option<u64>,
    keep_failed_copies: Option<usize>,
    timeout: Option<RawDuration>,
}

/// A duration in the file: seconds as an integer, or a string of a number and a unit
/// (`90s`, `45m`, `6h`, `1d`).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawDuration {
    Seconds(u64),
    Text(String),
}

impl RawDuration {
    /// The duration, above zero, or why it is not one.
    fn resolve(self) -> Result<std::time::Duration, String> {
        let secs = match self {
            RawDuration::Seconds(secs) => secs,
            RawDuration::Text(text) => {
                let trimmed = text.trim();
                let split = trimmed
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(trimmed.len());
                let (number, unit) = trimmed.split_at(split);
                let factor = match unit.trim() {
                    "" | "s" => 1,
                    "m" => 60,
                    "h" => 3600,
                    "d" => 86_400,
                    _ => {
                        return Err(format!(
                            "{text:?} is not a duration (seconds, or a number with s, m, h or d)"
                        ));
                    }
                };
                number
                    .parse::<u64>()
                    .ok()
                    .and_then(|n| n.checked_mul(factor))
                    .ok_or_else(|| format!("{text:?} is not a duration"))?
            }
        };
        if secs == 0 {
            return Err("must be above zero (leave it out for no limit)".into());
        }
        Ok(std::time::Duration::from_secs(secs))
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_download_mib: Option<u64>,
    max_db_mib: Option<u64>,
    max_entry_kib: Option<u64>,
    max_entries_per_package: Option<u64>,
    download_timeout_secs: Option<u64>,
    printsrcinfo_secs: Option<u64>,
}

impl RawLimits {
    /// The limits with defaults filled in; zero would refuse every database, so it is an error.
    fn resolve(self, file: &Path) -> Result<Limits, ConfigError> {
        let defaults = Limits::default();
        let value = |v: Option<u64>, default: u64, key: &'static str| match v {
            Some(0) => Err(ConfigError::Invalid {
                path: file.to_owned(),
                key,
                message: "must be above zero".into(),
            }),
            v => Ok(v.unwrap_or(default)),
        };
        Ok(Limits {
            max_download_mib: value(
                self.max_download_mib,
                defaults.max_download_mib,
                "limits.max_download_mib",
            )?,
            max_db_mib: value(self.max_db_mib, defaults.max_db_mib, "limits.max_db_mib")?,
            max_entry_kib: value(
                self.max_entry_kib,
                defaults.max_entry_kib,
                "limits.max_entry_kib",
            )?,
            max_entries_per_package: value(
                self.max_entries_per_package,
                defaults.max_entries_per_package,
                "limits.max_entries_per_package",
            )?,
            download_timeout_secs: value(
                self.download_timeout_secs,
                defaults.download_timeout_secs,
                "limits.download_timeout_secs",
            )?,
            printsrcinfo_secs: value(
                self.printsrcinfo_secs,
                defaults.printsrcinfo_secs,
                "limits.printsrcinfo_secs",
            )?,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawX86 {
    mirror: Option<String>,
    state_repo: Option<String>,
    include_testing: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    mirror: Option<String>,
    db_urls: Option<Vec<String>>,
    include_testing: Option<bool>,
    port_repos: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSources {
    packaging_url: Option<String>,
    aur_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    workdir: Option<PathBuf>,
    chroot: Option<PathBuf>,
    cache: Option<PathBuf>,
    chroot_config: Option<PathBuf>,
    blacklist: Option<PathBuf>,
    overrides: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTools {
    makechrootpkg: Option<String>,
    arch_nspawn: Option<String>,
    mkarchroot: Option<String>,
    sudo: Option<String>,
    gpg: Option<String>,
    makepkg: Option<String>,
    repo_add: Option<String>,
    build_user: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUpload {
    backend: Option<UploadBackend>,
    command: Option<String>,
    bucket: Option<String>,
    local_dir: Option<PathBuf>,
    repo_map: Option<BTreeMap<String, String>>,
    port_repo: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBootstrap {
    only: Option<Vec<String>>,
    stage1: Option<Vec<String>>,
    stage2: Option<Vec<String>>,
}

/// A bootstrap stage from the file, or its default: non-empty, pkgbase names, none twice.
fn stage(
    value: Option<Vec<String>>,
    default: &[&str],
    key: &'static str,
    file: &Path,
) -> Result<Vec<String>, ConfigError> {
    let Some(list) = value else {
        return Ok(default.iter().map(|s| (*s).to_owned()).collect());
    };
    let invalid = |message: String| ConfigError::Invalid {
        path: file.to_owned(),
        key,
        message,
    };
    if list.is_empty() {
        return Err(invalid("a stage needs at least one pkgbase".into()));
    }
    for (i, name) in list.iter().enumerate() {
        // The names become paths (`pkgbuilds/<name>`) and command arguments.
        let valid = name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"@_+".contains(&b))
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"@_+.-".contains(&b));
        if !valid {
            return Err(invalid(format!("{name:?} is not a pkgbase name")));
        }
        if list[..i].contains(name) {
            return Err(invalid(format!("{name} is listed twice")));
        }
    }
    Ok(list)
}

/// A tool value that names a path (has a `/`) resolves like any relative path; a bare
/// name is left for `PATH` lookup.
fn tool(value: Option<String>, default: &str, base: &Path) -> String {
    match value {
        Some(v) if v.contains('/') => base.join(v).to_string_lossy().into_owned(),
        Some(v) => v,
        None => default.to_owned(),
    }
}

impl RawConfig {
    pub(crate) fn resolve(self, file: &Path, base: &Path) -> Result<Config, ConfigError> {
        // `components()` drops `.` components: the default workdir `.` is the base itself.
        let dir = |value: Option<PathBuf>, default: &str| -> PathBuf {
            base.join(value.unwrap_or_else(|| default.into()))
                .components()
                .collect()
        };
        let chroot_config = dir(self.paths.chroot_config, "chroot-config");
        let arch = match self.arch {
            Some(a) => a,
            None => carch_from_makepkg_conf(&chroot_config.join("makepkg.conf"))
                .unwrap_or_else(|| FALLBACK_ARCH.into()),
        };
        let invalid = |key, message: String| ConfigError::Invalid {
            path: file.to_owned(),
            key,
            message,
        };
        if arch.is_empty() || !arch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(invalid(
                "arch",
                format!("{arch:?} is not an architecture name"),
            ));
        }
        let repos = self
            .repos
            .unwrap_or_else(|| vec!["core".into(), "extra".into()]);
        if repos.is_empty() {
            return Err(invalid("repos", "at least one repository is needed".into()));
        }
        let repo_name = |key, repo: &String| {
            if repo.is_empty()
                || !repo
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(key, format!("{repo:?} is not a repository name")));
            }
            Ok(())
        };
        for repo in &repos {
            repo_name("repos", repo)?;
        }
        let port_repos = self.target.port_repos.unwrap_or_default();
        for repo in &port_repos {
            repo_name("target.port_repos", repo)?;
            if repos.contains(repo) {
                return Err(invalid(
                    "target.port_repos",
                    format!("{repo} is also in repos: a port repository is the port's own"),
                ));
            }
        }
        if let Some(port_repo) = &self.upload.port_repo
            && !port_repos.contains(port_repo)
        {
            return Err(invalid(
                "upload.port_repo",
                format!(
                    "{port_repo} is not one of [target] port_repos: the next run would not see what was published there"
                ),
            ));
        }
        let sources = Sources {
            packaging_url: self.sources.packaging_url.unwrap_or_else(|| {
                "https://gitlab.archlinux.org/archlinux/packaging/packages/{path}.git".into()
            }),
            aur_url: self
                .sources
                .aur_url
                .unwrap_or_else(|| "https://aur.archlinux.org/{pkgbase}.git".into()),
        };
        if !sources.packaging_url.contains("{path}") {
            return Err(invalid(
                "sources.packaging_url",
                "must contain {path}".into(),
            ));
        }
        if !sources.aur_url.contains("{pkgbase}") {
            return Err(invalid("sources.aur_url", "must contain {pkgbase}".into()));
        }
        let chroot = dir(self.paths.chroot, "/var/tmp/builder");
        let cache = match self.paths.cache {
            Some(c) => base.join(c),
            None => chroot.join("pacman-cache"),
        };
        let workdir = dir(self.paths.workdir, ".");
        let repo_map = self.upload.repo_map.unwrap_or_else(|| {
            repos
                .iter()
                .map(|r| (r.clone(), format!("{r}-testing")))
                .collect()
        });
        let t = self.tools;
        let stage1 = stage(
            self.bootstrap.stage1,
            &DEFAULT_STAGE1,
            "bootstrap.stage1",
            file,
        )?;
        let stage2 = stage(
            self.bootstrap.stage2,
            &DEFAULT_STAGE2,
            "bootstrap.stage2",
            file,
        )?;
        let limits = self.limits.resolve(file)?;
        if self.queue.lease_seconds == Some(0) {
            return Err(ConfigError::Invalid {
                path: file.to_owned(),
                key: "queue.lease_seconds",
                message: "must be above zero".into(),
            });
        }
        if let Some(host) = &self.queue.host
            && (host.is_empty() || host.chars().any(char::is_control))
        {
            return Err(ConfigError::Invalid {
                path: file.to_owned(),
                key: "queue.host",
                message: "must be a non-empty name without control characters".into(),
            });
        }
        let overrides_file: Option<PathBuf> = self
            .paths
            .overrides
            .as_ref()
            .map(|f| base.join(f).components().collect());
        let package_sources =
            crate::package_sources::resolve(self.overrides, overrides_file.as_deref(), file)?;
        Ok(Config {
            arch,
            repos,
            x86: X86 {
                mirror: self
                    .x86
                    .mirror
                    .unwrap_or_else(|| "https://geo.mirror.pkgbuild.com".into()),
                state_repo: self.x86.state_repo.unwrap_or_else(|| {
                    "https://gitlab.archlinux.org/archlinux/packaging/state.git".into()
                }),
                include_testing: self.x86.include_testing.unwrap_or(false),
            },
            target: Target {
                mirror: self
                    .target
                    .mirror
                    .unwrap_or_else(|| "https://arch-linux-repo.drzee.net/arch".into()),
                db_urls: self.target.db_urls,
                include_testing: self.target.include_testing.unwrap_or(true),
                port_repos,
            },
            sources,
            paths: Paths {
                blacklist: dir(self.paths.blacklist, "blacklist.txt"),
                blacklist_required: false,
                workdir: workdir.clone(),
                chroot,
                cache,
                chroot_config,
            },
            tools: Tools {
                makechrootpkg: tool(t.makechrootpkg, "makechrootpkg", base),
                arch_nspawn: tool(t.arch_nspawn, "arch-nspawn", base),
                mkarchroot: tool(t.mkarchroot, "mkarchroot", base),
                sudo: tool(t.sudo, "sudo", base),
                gpg: tool(t.gpg, "gpg", base),
                makepkg: tool(t.makepkg, "makepkg", base),
                repo_add: tool(t.repo_add, "repo-add", base),
                build_user: t.build_user.unwrap_or_else(|| {
                    let sudo_user = std::env::var("SUDO_USER").ok();
                    default_build_user(sudo_user.as_deref(), &workdir)
                }),
            },
            upload: Upload {
                backend: self.upload.backend.unwrap_or(UploadBackend::RepoUpload),
                command: tool(self.upload.command, "repo-upload", base),
                bucket: self
                    .upload
                    .bucket
                    .unwrap_or_else(|| "arch-linux-repos.drzee.net".into()),
                // Relative to the config file like every path; unset, it lives in the work
                // directory.
                local_dir: match self.upload.local_dir {
                    Some(dir) => base.join(dir),
                    None => workdir.join("repo"),
                },
                repo_map,
                port_repo: self.upload.port_repo,
            },
            bootstrap: Bootstrap {
                only: self.bootstrap.only.unwrap_or_else(|| {
                    ["linux-api-headers", "glibc", "binutils", "gcc"]
                        .map(String::from)
                        .to_vec()
                }),
                stage1,
                stage2,
            },
            build: Build {
                min_free_space_gib: self
                    .build
                    .min_free_space_gib
                    .unwrap_or(DEFAULT_MIN_FREE_SPACE_GIB),
                keep_failed_copies: match self.build.keep_failed_copies {
                    Some(0) => {
                        return Err(invalid(
                            "build.keep_failed_copies",
                            "must be at least 1 (--cleanup-on-failure keeps none)".into(),
                        ));
                    }
                    Some(n) => n,
                    None => DEFAULT_KEEP_FAILED_COPIES,
                },
                timeout: self
                    .build
                    .timeout
                    .map(RawDuration::resolve)
                    .transpose()
                    .map_err(|message| invalid("build.timeout", message))?,
            },
            limits,
            status: StatusPage {
                dir: match self.status.dir {
                    Some(d) => base.join(d).components().collect(),
                    None => crate::Workdir::new(&workdir).status(),
                },
            },
            queue: Queue {
                url: self.queue.url.filter(|url| !url.is_empty()),
                lease_seconds: self.queue.lease_seconds.unwrap_or(DEFAULT_LEASE_SECONDS),
                host: self.queue.host,
            },
            package_sources,
            file: (file != Path::new("<defaults>")).then(|| file.to_owned()),
            base_dir: base.to_owned(),
        })
    }
}

impl Config {
    /// The work directory's layout.
    pub fn workdir(&self) -> crate::Workdir {
        crate::Workdir::new(&self.paths.workdir)
    }

    /// The x86_64 database URL of `repo`.
    pub fn x86_db_url(&self, repo: &str) -> String {
        db_url(&self.x86.mirror, repo, "x86_64")
    }

    /// The target database URLs, `(repo, url)`: `db_urls` when configured, else the mirror's.
    pub fn target_db_urls(&self) -> Vec<(String, String)> {
        match &self.target.db_urls {
            Some(urls) => urls
                .iter()
                .map(|u| (repo_of_db_url(u), u.clone()))
                .collect(),
            None => self
                .repos
                .iter()
                .map(|r| (r.clone(), db_url(&self.target.mirror, r, &self.arch)))
                .collect(),
        }
    }

    /// The port's testing repositories, `(stable, testing)` in the order of `repos`: the
    /// values of `[upload] repo_map` that name another repository. They are recognised as
    /// testing wherever they come from; `[target] include_testing` decides only whether
    /// they are read from the mirror.
    pub fn target_testing_repos(&self) -> Vec<(String, String)> {
        self.repos
            .iter()
            .filter_map(|stable| {
                let testing = self.upload.repo_map.get(stable)?;
                (testing != stable && !self.repos.contains(testing))
                    .then(|| (stable.clone(), testing.clone()))
            })
            .collect()
    }

    /// The upstream testing repositories, `(stable, testing)` in the order of `repos`
    /// (`core` -> `core-testing`), when `[x86] include_testing` is on (empty otherwise).
    pub fn x86_testing_repos(&self) -> Vec<(String, String)> {
        if !self.x86.include_testing {
            return Vec::new();
        }
        self.repos
            .iter()
            .map(|stable| (stable.clone(), format!("{stable}-testing")))
            .collect()
    }

    /// The target database URL of `repo` on the configured mirror.
    pub fn target_mirror_db_url(&self, repo: &str) -> String {
        db_url(&self.target.mirror, repo, &self.arch)
    }

    /// The packaging repo URL for a GitLab path (see devtools' path rules).
    pub fn packaging_url(&self, gitlab_path: &str) -> String {
        self.sources.packaging_url.replace("{path}", gitlab_path)
    }

    /// The AUR repo URL of a pkgbase.
    pub fn aur_url(&self, pkgbase: &str) -> String {
        self.sources.aur_url.replace("{pkgbase}", pkgbase)
    }
}

/// `{mirror}/{repo}/os/{arch}/{repo}.db`, tolerating a trailing `/` on the mirror.
pub fn db_url(mirror: &str, repo: &str, arch: &str) -> String {
    format!(
        "{}/{repo}/os/{arch}/{repo}.db",
        mirror.trim_end_matches('/')
    )
}

/// The repository a database URL serves: its file name up to the first `.`
/// (`.../extra.db`, `.../extra.db.tar.gz` -> `extra`).
pub fn repo_of_db_url(url: &str) -> String {
    let file = url.rsplit('/').next().unwrap_or(url);
    file.split('.').next().unwrap_or(file).to_owned()
}
