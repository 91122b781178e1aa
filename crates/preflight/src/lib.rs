//! The preflight check of `build-packages --check` and `bootstrap-toolchain --check`:
//! everything a run will need, checked before it starts, with every problem reported at
//! once, one line each, with its fix.
//!
//! A run otherwise fails on the first missing piece, often late (a missing `arch-nspawn`
//! shows up after the root chroot was made) and with the cause buried in a log. The checks,
//! in report order:
//!
//! 1. external programs found (configured path, or name in `PATH`) and executable:
//!    devtools, gpg, sudo, the upload backend's program, makepkg (bootstrap), the system
//!    programs that copy and remove working copies;
//! 2. the chroot configuration's `pacman.conf` and `makepkg.conf`;
//! 3. the build user exists, has a home, and can write the PKGBUILD checkouts;
//! 4. `sudo -n` allows the commands archport runs through it (not root);
//! 5. the directories the run writes are writable or can be created;
//! 6. free space under the chroot directory;
//! 7. the key files to import are readable.
//!
//! The check only looks: it creates, changes and removes nothing.

mod dirs;
mod identity;
mod keys;
mod options;
mod problem;
mod sudo;
mod tools;
mod user;

pub use identity::{Access, Identity};
pub use options::{GIB, Options, RunKind};
pub use problem::{Problem, ProblemKind, Report};

use archport_config::Config;

/// Runs every check for a run of `options.run` with `config` and reports every problem.
pub async fn check(config: &Config, options: &Options) -> Report {
    let path = options
        .path
        .clone()
        .or_else(|| std::env::var_os("PATH"))
        .unwrap_or_default();
    let needed = tools::needed(config, options);
    let (mut problems, found) = tools::check(&needed, &path);
    problems.extend(dirs::chroot_config(config));
    let (user_problems, user) = user::check(config, options);
    problems.extend(user_problems);
    if !options.root {
        let sudo = found
            .iter()
            .find(|(value, _)| *value == config.tools.sudo)
            .map(|(_, at)| at);
        // A missing sudo is already reported with the programs.
        if let Some(sudo) = sudo {
            let t = &config.tools;
            let commands = sudo::commands(&t.mkarchroot, &t.makechrootpkg, &t.arch_nspawn);
            let place = format!("[tools] sudo = {:?}", t.sudo);
            problems.extend(sudo::check(sudo, &place, &commands).await);
        }
    }
    for (key, dir) in dirs::written_dirs(config, options) {
        problems.extend(dirs::writable(key, &dir));
    }
    problems.extend(dirs::free_space(config, options.min_free_bytes));
    let importer = if options.root { user.as_ref() } else { None };
    problems.extend(keys::check(&config.paths.workdir, importer));
    Report { problems }
}
