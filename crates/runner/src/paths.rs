//! `--chroot` and `--cache` on the command line.

use std::path::Path;

use archport_config::Config;

/// Applies `--chroot` and `--cache` to `config`, made absolute against the current
/// directory: makechrootpkg runs inside `pkgbuilds/<pkgbase>/`, where a relative path would
/// name something else.
pub fn apply_chroot_overrides(
    config: &mut Config,
    chroot: Option<&Path>,
    cache: Option<&Path>,
) -> std::io::Result<()> {
    if let Some(chroot) = chroot {
        config.paths.chroot = std::path::absolute(chroot)?;
    }
    if let Some(cache) = cache {
        config.paths.cache = std::path::absolute(cache)?;
    }
    Ok(())
}
