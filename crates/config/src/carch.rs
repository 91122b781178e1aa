//! Reading `CARCH` from a makepkg.conf, the devtools source of truth for the target arch.

use std::path::Path;

/// The value of the last `CARCH=` assignment in a makepkg.conf, if the file has one.
///
/// makepkg.conf is bash; archport only needs this one plain assignment, so it reads the
/// line instead of running bash: `CARCH="aarch64"`, `CARCH='aarch64'` or `CARCH=aarch64`.
pub fn carch_from_makepkg_conf(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("CARCH="))
        .map(|value| {
            let value = value.split('#').next().unwrap_or_default().trim();
            value.trim_matches(|c| c == '"' || c == '\'').to_owned()
        })
        .filter(|value| !value.is_empty())
        .next_back()
}
