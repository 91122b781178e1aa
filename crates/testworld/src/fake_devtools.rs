//! Stand-in devtools scripts for machines without an Arch chroot.

use std::path::PathBuf;

/// The directory of the stand-in `makechrootpkg`, `arch-nspawn`, `mkarchroot`, `sudo` and
/// `repo-upload` scripts. Each appends its argument vector to `$FAKE_DEVTOOLS_LOG` (which
/// must be set); `makechrootpkg` really builds with the host's `makepkg`. The scripts'
/// header comments list their test controls (`FAKE_BUILD_USER`, `FAKE_FAIL_BUILD`,
/// `FAKE_BUILD_SLEEP`, `FAKE_SLEEP_ONLY`, `FAKE_BUILD_EVENTS`, `FAKE_IGNORE_TERM`,
/// `FAKE_FAIL_NSPAWN`, `FAKE_FAIL_MKARCHROOT`, `FAKE_UPLOAD_DIR`, `FAKE_FAIL_UPLOAD`).
pub fn fake_devtools_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fake-devtools"))
}
