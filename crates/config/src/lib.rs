//! archport's configuration: the `archport.toml` file, its defaults, and where it is found.
//!
//! Every upstream location and every external tool is configurable so that tests, the
//! offline demo and other ports can point archport elsewhere. Lookup order: an explicit
//! `--config FILE` (or `ARCHPORT_CONFIG`), else `./archport.toml` when present, else the
//! built-in defaults, which point at the real services.

mod carch;
mod model;
mod overrides;
mod package_sources;
mod workdir;

use std::path::{Path, PathBuf};

pub use carch::{carch_from_makepkg_conf, makepkg_conf_value};
pub use model::{
    Bootstrap, Build, Config, DEFAULT_KEEP_FAILED_COPIES, DEFAULT_LEASE_SECONDS,
    DEFAULT_MIN_FREE_SPACE_GIB, DEFAULT_STAGE1, DEFAULT_STAGE2, FALLBACK_BUILD_USER, Limits, Paths,
    Queue, Sources, StatusPage, Target, Tools, Upload, UploadBackend, X86, db_url,
    default_build_user, repo_of_db_url,
};
pub use overrides::Overrides;
pub use package_sources::PackageSource;
pub use workdir::Workdir;

/// The file name looked for in the current directory when no `--config` is given.
pub const DEFAULT_FILE: &str = "archport.toml";

/// The system-wide configuration (the package installs an example there), read when neither
/// `--config`/`ARCHPORT_CONFIG` nor `./archport.toml` names a file.
pub const SYSTEM_FILE: &str = "/etc/archport/archport.toml";

/// The target architecture used when neither the config nor `chroot-config/makepkg.conf`
/// names one.
pub const FALLBACK_ARCH: &str = "aarch64";

/// A configuration that cannot be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys or wrong types.
    #[error("{path}{line}: {message}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// `:LINE` where the problem is, when known.
        line: String,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A value is present but unusable.
    #[error("{path}: {key}: {message}")]
    Invalid {
        /// The config file (or `<defaults>`).
        path: PathBuf,
        /// The offending key.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Loads the configuration: `explicit` when given (`--config` or `ARCHPORT_CONFIG`),
    /// else `./archport.toml` in `cwd`, else [`SYSTEM_FILE`], else the built-in defaults
    /// (relative paths then resolve against `cwd`; [`Config::file`] is `None`).
    pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Config, ConfigError> {
        Config::load_searching(explicit, cwd, Path::new(SYSTEM_FILE))
    }

    /// [`Config::load`] with another system-wide file (tests cannot write `/etc`).
    pub fn load_searching(
        explicit: Option<&Path>,
        cwd: &Path,
        system: &Path,
    ) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::from_file(&cwd.join(path));
        }
        let local = cwd.join(DEFAULT_FILE);
        if local.is_file() {
            Config::from_file(&local)
        } else if system.is_file() {
            Config::from_file(system)
        } else {
            Config::defaults_in(cwd)
        }
    }

    /// Reads one config file; relative paths in it resolve against the file's directory.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().map(Path::to_owned).unwrap_or_default();
        Config::from_toml(&text, path, &base)
    }

    /// The built-in defaults, with relative paths resolved against `base`.
    pub fn defaults_in(base: &Path) -> Result<Config, ConfigError> {
        Config::from_toml("", Path::new("<defaults>"), base)
    }

    /// Parses config text; `path` names it in errors, `base` anchors relative paths.
    pub fn from_toml(text: &str, path: &Path, base: &Path) -> Result<Config, ConfigError> {
        let raw: model::RawConfig = toml::from_str(text).map_err(|e| {
            let mut message: String = e
                .message()
                .trim()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let mut line = String::new();
            if let Some(span) = e.span() {
                let start = span.start.min(text.len());
                line = format!(":{}", 1 + text[..start].matches('\n').count());
                // Quote the offending line so that value errors name their key too.
                let begin = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
                // A stray carriage return or other control character would break the
                // one-line error; show it as `?`.
                let source_line: String = text[begin..end]
                    .trim()
                    .chars()
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect();
                if !source_line.is_empty() && !message.contains(&source_line) {
                    message = format!("{message} (in `{source_line}`)");
                }
            }
            ConfigError::Parse {
                path: path.to_owned(),
                line,
                message,
            }
        })?;
        raw.resolve(path, base)
    }
}

#[cfg(test)]
mod tests;
