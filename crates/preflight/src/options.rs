//! What the preflight is asked to check: which tool will run, as whom, and the limits.

use std::ffi::OsString;

use archport_config::Config;

/// Bytes in one GiB.
pub const GIB: u64 = 1 << 30;

/// The binary the preflight runs for: both build in chroots, but need different programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    /// `build-packages`: devtools and the upload.
    BuildPackages,
    /// `bootstrap-toolchain`: the same, plus `makepkg --printsrcinfo` on each checkout.
    BootstrapToolchain,
}

/// The preflight's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Which binary will run.
    pub run: RunKind,
    /// Whether archport runs as root. As root, devtools runs directly and makepkg runs as the
    /// configured build user; otherwise every devtools command goes through `sudo -n`.
    pub root: bool,
    /// The minimum free space under the chroot directory, in bytes.
    pub min_free_bytes: u64,
    /// The `PATH` bare program names are looked up in; `None` for the process's own.
    pub path: Option<OsString>,
}

impl Options {
    /// The options for `run` as the current process: root or not by the effective uid,
    /// `config`'s `[build] min_free_space_gib`, the process's `PATH`.
    pub fn new(run: RunKind, config: &Config) -> Options {
        Options {
            run,
            root: nix::unistd::geteuid().is_root(),
            min_free_bytes: config.build.min_free_space_gib.saturating_mul(GIB),
            path: None,
        }
    }

    /// The same options, assuming archport runs as root (`true`) or not.
    pub fn as_root(mut self, root: bool) -> Options {
        self.root = root;
        self
    }

    /// The same options with a minimum free space of `bytes`.
    pub fn min_free_bytes(mut self, bytes: u64) -> Options {
        self.min_free_bytes = bytes;
        self
    }

    /// The same options, looking bare program names up in `path` instead of `$PATH`.
    pub fn search_path(mut self, path: impl Into<OsString>) -> Options {
        self.path = Some(path.into());
        self
    }
}
