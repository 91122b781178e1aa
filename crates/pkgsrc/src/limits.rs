//! The bounds on what a hostile PKGBUILD repository can make us read or wait for: a leaf
//! module, so the readers and the makepkg runner share them without importing each other.

use std::time::Duration;

/// The most a `.SRCINFO` (read from the checkout, or printed by makepkg) or a PKGBUILD read
/// for its version may hold. The largest `.SRCINFO` of the 2024 repository is 74 KB
/// (`libreoffice-fresh-i18n`); a file fifty times that is not package metadata.
pub const MAX_SRCINFO_BYTES: u64 = 4 << 20;

/// The default for `Makepkg::timeout`: a real PKGBUILD is sourced in well under a second, and
/// one that sleeps at top level must not hold up the whole run.
pub const DEFAULT_PRINTSRCINFO_TIMEOUT: Duration = Duration::from_secs(60);
