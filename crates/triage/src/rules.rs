//! The rule table: which log line means which category. Data, not code: one row per message
//! that makepkg, pacman, GNU patch, curl, the compiler toolchain, bash or devtools really
//! print (English texts, as in `/usr/share/makepkg/`, `/usr/bin/makepkg`, libalpm and pacman;
//! the builds run with `LC_ALL=C`, so these are the texts in the logs).
//!
//! Patterns are regular expressions matched against one log line with ANSI colour codes
//! removed and surrounding whitespace trimmed. Regular expressions rather than substrings
//! because most rows need an anchor (`^==> ERROR:` so that a line merely quoting the message
//! does not count) and several need a shape (`package_<name>()`, `Hunk #3 FAILED`,
//! `curl: (22)`, bash's `line 7:  7709 Killed`), which substrings cannot say.

use crate::category::Category;

/// How much a matching line says about the cause; a higher rank beats a lower one wherever
/// it is in the tail, and within one rank the last matching line wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rank {
    /// A symptom that a later, more specific message usually explains (`curl: (7) ...`,
    /// which precedes makepkg's `Failure while downloading`), or a message printed only when
    /// nothing more specific ran (devtools refusing to start).
    Hint,
    /// makepkg's "A failure occurred in <function>()" and the patch failures inside
    /// prepare(): where the build stopped.
    Function,
    /// A root cause that makepkg reports before it gives up and that the lines after it
    /// would otherwise mask: failed downloads, checksums and signatures, unresolvable
    /// dependencies, a process killed (the OOM killer) inside a function.
    RootCause,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The category a matching line gives.
    pub category: Category,
    /// How it weighs against other matching lines.
    pub rank: Rank,
    /// The regular expression (see the module documentation for what it is matched against).
    pub pattern: &'static str,
    /// Who prints the message, for people reading the table.
    pub source: &'static str,
}

const fn rule(category: Category, rank: Rank, pattern: &'static str, source: &'static str) -> Rule {
    Rule {
        category,
        rank,
        pattern,
        source,
    }
}

use Category::{Build, Check, Checksum, Dependencies, Download, Killed, Package, Prepare, Setup};
use Rank::{Function, Hint, RootCause};

/// The table. Order does not matter for the result (rank, then position in the log,
/// decides); it is grouped by category for reading.
#[rustfmt::skip]
pub const RULES: &[Rule] = &[
    // download
    rule(Download, RootCause, r"^==> ERROR: Failure while downloading ", "makepkg (source/*.sh)"),
    rule(Download, RootCause, r"^==> ERROR: Unable to find source file ", "makepkg (util/source.sh)"),
    rule(Download, RootCause, r"^==> ERROR: Unknown download protocol: ", "makepkg"),
    rule(Download, Hint, r"^curl: \(\d+\) ", "curl (makepkg's DLAGENTS)"),
    rule(Download, Hint, r"^==> ERROR: Could not download sources\.", "devtools makechrootpkg"),
    // checksum
    rule(Checksum, RootCause, r"^==> ERROR: One or more files did not pass the validity check!", "makepkg (integrity/verify_checksum.sh)"),
    rule(Checksum, RootCause, r"^==> ERROR: One or more PGP signatures could not be verified!", "makepkg (integrity/verify_signature.sh)"),
    rule(Checksum, RootCause, r"^==> ERROR: Integrity checks (\(.*\) differ in size|are missing for: )", "makepkg (integrity.sh)"),
    rule(Checksum, Function, r"^==> ERROR: A failure occurred in verify\(\)\.", "makepkg run_function"),
    // dependencies
    rule(Dependencies, RootCause, r"^error: target not found: ", "pacman"),
    rule(Dependencies, RootCause, r"^error: failed to prepare transaction \(", "pacman"),
    rule(Dependencies, RootCause, r"^:: unable to satisfy dependency '", "pacman"),
    rule(Dependencies, RootCause, r"^error: failed to commit transaction \(", "pacman"),
    rule(Dependencies, RootCause, r"^error: failed retrieving file '", "libalpm"),
    rule(Dependencies, RootCause, r"^==> ERROR: '.*' failed to install missing dependencies\.", "makepkg"),
    rule(Dependencies, RootCause, r"^==> ERROR: Could not resolve all dependencies\.", "makepkg"),
    // prepare
    rule(Prepare, Function, r"^==> ERROR: A failure occurred in (prepare|pkgver)\(\)\.", "makepkg run_function"),
    rule(Prepare, Function, r"^Hunk #\d+ FAILED at \d+", "GNU patch"),
    rule(Prepare, Function, r"^\d+ out of \d+ hunks? FAILED", "GNU patch"),
    rule(Prepare, Function, r"^patch: \*\*\*\* ", "GNU patch"),
    rule(Prepare, Function, r"^error: patch failed: ", "git apply / git am"),
    // build, check, package
    rule(Build, Function, r"^==> ERROR: A failure occurred in build\(\)\.", "makepkg run_function"),
    rule(Check, Function, r"^==> ERROR: A failure occurred in check\(\)\.", "makepkg run_function"),
    rule(Package, Function, r"^==> ERROR: A failure occurred in package(_\S+)?\(\)\.", "makepkg run_function"),
    // killed
    rule(Killed, RootCause, r"(^|: )line \d+: +\d+ Killed\b", "bash job status (a child got SIGKILL)"),
    rule(Killed, RootCause, r"fatal error: Killed signal terminated program ", "gcc driver"),
    rule(Killed, RootCause, r"Out of memory: Kill(ed)? process ", "kernel OOM killer"),
    rule(Killed, RootCause, r"\(signal: 9, SIGKILL: kill\)", "cargo / rustc"),
    rule(Killed, RootCause, r"^make(\[\d+\])?: \*\*\* .*(Killed|Error 137)$", "GNU make"),
    rule(Killed, RootCause, r"^Killed$", "shell"),
    rule(Killed, RootCause, r"^==> ERROR: ([A-Z]+ signal caught|Aborted by user!) Exiting\.\.\.", "makepkg trap_exit"),
    // setup: devtools refusing to start (the runner also says when set-up failed)
    rule(Setup, Hint, r"^==> ERROR: No chroot dir defined", "devtools makechrootpkg"),
    rule(Setup, Hint, r"^==> ERROR: Missing chroot dir root directory", "devtools makechrootpkg"),
    rule(Setup, Hint, r"^==> ERROR: Can't create chroot, ", "devtools arch-nspawn"),
    rule(Setup, Hint, r"^==> ERROR: Working directory '.*' already exists", "devtools mkarchroot"),
    rule(Setup, Hint, r"^==> ERROR: This must be run in a directory containing a PKGBUILD", "devtools makechrootpkg"),
    rule(Setup, Hint, r"^==> ERROR: Could not (create|lock|acquire lock)", "devtools"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for rule in RULES {
            regex::Regex::new(rule.pattern)
                .unwrap_or_else(|e| panic!("pattern {:?}: {e}", rule.pattern));
        }
    }
}
