//! Reading plain assignments (`CARCH`, `PKGEXT`) from a makepkg.conf, the devtools source of
//! truth for the target architecture and package file names.

use std::path::Path;

/// The value of the last `KEY=` assignment in a makepkg.conf, if the file has one.
///
/// makepkg.conf is bash; archport only needs plain assignments, so it reads the lines
/// instead of running bash: `KEY="v"`, `KEY='v'` or `KEY=v`, with an optional comment.
pub fn makepkg_conf_value(path: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let prefix = format!("{key}=");
    text.lines()
        .filter_map(|line| line.trim().strip_prefix(&prefix))
        .map(|value| {
            let value = value.split('#').next().unwrap_or_default().trim();
            value.trim_matches(|c| c == '"' || c == '\'').to_owned()
        })
        .rfind(|value| !value.is_empty())
}

/// The `CARCH` of a makepkg.conf.
pub fn carch_from_makepkg_conf(path: &Path) -> Option<String> {
    makepkg_conf_value(path, "CARCH")
}
