//! Both sides at once: the x86_64 and target sync databases and the x86_64 state
//! repository, fetched concurrently and loaded into indexes.
//!
//! `repo-analyze` and `generate-build-list` start from the same picture of the world;
//! this crate is the one place that decides how it is fetched and where it is cached:
//! databases in the work directory's `cache/`, the state repository in its `state/`
//! (see [`archport_config::Workdir`]).

use archport_config::{Config, repo_of_db_url};
use archport_repodb::{DbSource, Downloaded, Index, download_all, load_dbs};
use archport_state::{State, SyncOutcome, open_existing, sync_state_repo};

/// How to fetch the snapshot.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// No network: cached databases and the existing state checkout.
    pub offline: bool,
    /// Target database URLs replacing the configured ones (`--arm-urls`).
    pub target_urls: Option<Vec<String>>,
}

/// Loading the snapshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// A database could not be downloaded (or is not cached, offline).
    #[error(transparent)]
    Download(#[from] archport_repodb::DownloadError),
    /// A database could not be read.
    #[error(transparent)]
    Db(#[from] archport_repodb::DbError),
    /// The state repository could not be synced or read.
    #[error("{}", state_context(.0))]
    State(#[from] archport_state::StateError),
    /// The state sync task died.
    #[error("state repository: sync task panicked")]
    Panicked,
}

/// A state error saying that it is about the state repository, once: errors about the
/// remote already name it (`state repository file:///…: cannot connect`).
fn state_context(error: &archport_state::StateError) -> String {
    let message = error.to_string();
    if message.starts_with("state repository") {
        message
    } else {
        format!("state repository: {message}")
    }
}

/// The x86_64 side, the target side, and how they were obtained.
pub struct Snapshot {
    /// x86_64 sync databases of the configured repos.
    pub x86: Index,
    /// The port's sync databases.
    pub target: Index,
    /// The state repository's x86_64 and any entries for the configured repos.
    pub state: State,
    /// Every database fetched, x86_64 first (stable, then testing), in configuration order.
    pub downloads: Vec<Downloaded>,
    /// What syncing the state repository did (`None` offline).
    pub state_sync: Option<SyncOutcome>,
    /// With `[x86] include_testing`: the state repository's testing directories that exist
    /// (`core-testing-x86_64`, ...), read apart because their pkgbases are in stable too.
    /// Each entry's `repo` is the testing repository; the stable one is its name without
    /// `-testing`.
    pub x86_testing: Option<State>,
}

/// The database sources of both sides: x86_64 first, then the target.
///
/// The target side is the configured repositories (or `--arm-urls`, or `[target] db_urls`),
/// then `[target] port_repos`, then (with `[target] include_testing`, the default, and the
/// configured mirror) the port's testing repositories, the values of `[upload] repo_map`.
/// Explicit URLs are the whole list of compared repositories: nothing is derived from them.
pub fn sources(config: &Config, options: &Options) -> (Vec<DbSource>, Vec<DbSource>) {
    let all = all_sources(config, options);
    (
        all.x86,
        all.target.into_iter().chain(all.target_testing).collect(),
    )
}

/// Every source, with the optional ones apart.
struct Sources {
    x86: Vec<DbSource>,
    /// Optional: upstream testing databases, each under its stable repository's name, so
    /// that its packages keep the stable repository for the upload mapping.
    x86_testing: Vec<DbSource>,
    /// Required: the compared repositories and the port repositories.
    target: Vec<DbSource>,
    /// Optional: a mirror that does not carry a testing repository has it empty.
    target_testing: Vec<DbSource>,
}

fn all_sources(config: &Config, options: &Options) -> Sources {
    let x86 = config
        .repos
        .iter()
        .map(|repo| DbSource {
            repo: repo.clone(),
            url: config.x86_db_url(repo),
        })
        .collect();
    let from_mirror = |repo: &str| DbSource {
        repo: repo.to_owned(),
        url: config.target_mirror_db_url(repo),
    };
    let explicit = options
        .target_urls
        .as_ref()
        .or(config.target.db_urls.as_ref());
    let mut target: Vec<DbSource> = match explicit {
        Some(urls) => urls
            .iter()
            .map(|url| DbSource {
                repo: repo_of_db_url(url),
                url: url.clone(),
            })
            .collect(),
        None => config.repos.iter().map(|r| from_mirror(r)).collect(),
    };
    let mut target_testing = Vec::new();
    if explicit.is_none() {
        target.extend(config.target.port_repos.iter().map(|r| from_mirror(r)));
    }
    if explicit.is_none() && config.target.include_testing {
        target_testing = config
            .target_testing_repos()
            .iter()
            .map(|(_, testing)| from_mirror(testing))
            .collect();
    }
    let x86_testing = config
        .x86_testing_repos()
        .into_iter()
        .map(|(stable, testing)| DbSource {
            repo: stable,
            url: config.x86_db_url(&testing),
        })
        .collect();
    Sources {
        x86,
        x86_testing,
        target,
        target_testing,
    }
}

/// Fetches and loads both sides: the databases download while the state repository syncs
/// (git is blocking, so it runs on tokio's blocking pool). Databases are cached in the work
/// directory's `cache/`, the state repository checked out in its `state/`. A testing
/// repository the target mirror does not carry (404, no such file) is read as empty.
pub async fn load(config: &Config, options: &Options) -> Result<Snapshot, SnapshotError> {
    let sources = all_sources(config, options);
    let required: Vec<DbSource> = sources.x86.iter().chain(&sources.target).cloned().collect();
    let workdir = config.workdir();

    let state_task = tokio::task::spawn_blocking({
        let state_path = workdir.state();
        let url = config.x86.state_repo.clone();
        let repos = config.repos.clone();
        let testing_repos: Vec<String> = config
            .x86_testing_repos()
            .into_iter()
            .map(|(_, testing)| testing)
            .collect();
        let offline = options.offline;
        move || -> Result<(State, Option<SyncOutcome>, Option<State>), SnapshotError> {
            let outcome = if offline {
                open_existing(&state_path)?;
                None
            } else {
                Some(sync_state_repo(&url, &state_path)?)
            };
            let state = State::read(&state_path, &repos, "x86_64")?;
            // Upstream testing is often empty, and git keeps no empty directories.
            let present: Vec<&String> = testing_repos
                .iter()
                .filter(|r| {
                    state_path.join(format!("{r}-x86_64")).is_dir()
                        || state_path.join(format!("{r}-any")).is_dir()
                })
                .collect();
            let testing = if present.is_empty() {
                None
            } else {
                Some(State::read(&state_path, &present, "x86_64")?)
            };
            Ok((state, outcome, testing))
        }
    });
    let limits = db_limits(&config.limits);
    let cache = workdir.db_cache();
    let (downloads, x86_optional, target_optional) = tokio::join!(
        download_all(&required, &cache, options.offline, &limits),
        download_optional(&sources.x86_testing, &cache, options.offline, &limits),
        download_optional(&sources.target_testing, &cache, options.offline, &limits),
    );
    let state = state_task.await.unwrap_or(Err(SnapshotError::Panicked));
    let downloads = downloads?;
    let x86_optional = x86_optional?;
    let target_optional = target_optional?;
    let (state, state_sync, x86_testing) = state?;

    // x86_64 stable, its testing, the target, its testing: stable first, as it takes
    // precedence by name in the indexes.
    let (x86_required, target_required) = downloads.split_at(sources.x86.len());
    let files = |parts: &[&[Downloaded]]| {
        parts
            .iter()
            .flat_map(|p| p.iter().map(|d| d.file.clone()))
            .collect::<Vec<_>>()
    };
    let x86 = Index::new(load_dbs(&files(&[x86_required, &x86_optional]), &limits)?);
    let target = Index::new(load_dbs(
        &files(&[target_required, &target_optional]),
        &limits,
    )?);
    let downloads = [
        x86_required,
        &x86_optional,
        target_required,
        &target_optional,
    ]
    .concat();
    Ok(Snapshot {
        x86,
        target,
        state,
        downloads,
        state_sync,
        x86_testing,
    })
}

/// Downloads each optional database on its own, so that one the mirror lacks is left out
/// (logged) rather than failing the run; any other failure still fails it.
async fn download_optional(
    sources: &[DbSource],
    cache: &std::path::Path,
    offline: bool,
    limits: &archport_repodb::Limits,
) -> Result<Vec<Downloaded>, SnapshotError> {
    let mut found = Vec::with_capacity(sources.len());
    for source in sources {
        match download_all(std::slice::from_ref(source), cache, offline, limits).await {
            Ok(mut one) => found.append(&mut one),
            Err(error) if error.is_absent() => {
                tracing::info!(repo = %source.repo, "{error}: read as an empty repository");
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(found)
}

/// The configured `[limits]` in the units archport-repodb counts in.
fn db_limits(limits: &archport_config::Limits) -> archport_repodb::Limits {
    archport_repodb::Limits {
        max_download_bytes: limits.max_download_mib.saturating_mul(1 << 20),
        max_db_bytes: limits.max_db_mib.saturating_mul(1 << 20),
        max_entry_bytes: limits.max_entry_kib.saturating_mul(1 << 10),
        max_entries_per_package: limits.max_entries_per_package,
        download_timeout: std::time::Duration::from_secs(limits.download_timeout_secs),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use archport_state::StateError;

    use super::*;

    #[test]
    fn state_errors_name_the_state_repository_once() {
        let remote = SnapshotError::State(StateError::Remote {
            url: "file:///w/git/state".to_owned(),
            message: "cannot connect".to_owned(),
        });
        assert_eq!(
            remote.to_string(),
            "state repository file:///w/git/state: cannot connect"
        );
        let local = SnapshotError::State(StateError::NoCheckout {
            path: PathBuf::from("/w/state"),
        });
        assert_eq!(
            local.to_string(),
            "state repository: /w/state: no state repository checkout here (sync it once with network access)"
        );
    }
}
