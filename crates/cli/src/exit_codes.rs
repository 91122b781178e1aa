//! The exit codes each tool documents at the end of its `--help` (clap's `after_help`), so
//! a cron job's author reads them where they look first. The numbers are the constants of
//! this crate; the texts say when each one happens for that tool.

/// `generate-build-list --help`'s closing section.
pub const GENERATE_BUILD_LIST: &str = "\
Exit codes:
  0  the build list was written (or printed: --dry-run, --missing-packages)
  1  an error: bad input, network, a package named with --packages that cannot be had,
     --strict with a failed fetch, or another run holds the work directory's lock
  2  usage error";

/// `repo-analyze --help`'s closing section.
pub const REPO_ANALYZE: &str = "\
Exit codes:
  0  the analysis ran (findings are not errors)
  1  an error: the configuration, the blacklist, or loading the repositories failed, or
     another run holds the work directory's lock (not with --offline)
  2  usage error";

/// `build-packages --help`'s closing section.
pub const BUILD_PACKAGES: &str = "\
Exit codes:
  0    every package was built (or --status, --check printed a clean report)
  1    a package failed or was blocked, or an error (another run holds the lock, --check
       found problems)
  2    usage error
  130  interrupted by SIGINT (143: SIGTERM); resume with --continue";

/// `bootstrap-toolchain --help`'s closing section.
pub const BOOTSTRAP_TOOLCHAIN: &str = "\
Exit codes:
  0    every step was built (or --check printed a clean report)
  1    a step failed, or an error (another run holds the lock, --check found problems)
  2    usage error
  130  interrupted by SIGINT (143: SIGTERM); resume with --continue";
