//! `--dry-run`: what each fetch would do, told from the checkouts on disk without running
//! git, and the metadata of checkouts that need no fetch read from their `.SRCINFO`, so
//! the ordered list matches what a real run would write as closely as possible offline.

use std::path::Path;

use archport_pkgsrc::{FetchMode, current_version, parse_srcinfo};
use archport_vercmp::tag_for_version;

use crate::candidate::Candidate;
use crate::fetching::{FetchContext, apply, fail, plan_fetch};

/// What a fetch would do, as the line `--dry-run` prints: the real progress line's words,
/// with `Would process` and where the PKGBUILD would come from.
pub(crate) fn preview_line(
    mode: FetchMode,
    name: &str,
    version: &str,
    url: &str,
    current: Option<&str>,
    exists: bool,
) -> String {
    let tag = tag_for_version(version);
    let what = match mode {
        FetchMode::Tag => match current {
            Some(current) if current == version => format!("already up to date: {version}"),
            Some(current) => format!("updating {current} -> {version}, tag {tag} of {url}"),
            None if exists => format!("updating unknown -> {version}, tag {tag} of {url}"),
            None => format!("fetching {version}, tag {tag} of {url}"),
        },
        FetchMode::Latest if exists => format!("updating to latest commit of {url}"),
        FetchMode::Latest => format!("fetching latest commit of {url}"),
        FetchMode::Aur => format!("fetching from AUR: {url}"),
        FetchMode::Local => "using local PKGBUILD".to_owned(),
        FetchMode::NoUpdate => format!("no update, current: {}", current.unwrap_or("unknown")),
    };
    format!("Would process {name} ({what})")
}

/// Prints what fetching the candidates at `indices` would do, and reads the `.SRCINFO` of
/// those a real run would not move (already at the version, `--local`, `--no-update`). A
/// candidate the real run could not fetch for a reason visible offline (no PKGBUILD to use
/// as it is, an unusable URL template) is skipped with the reason, as the real run would.
/// Returns the failures, `(pkgbase, reason)`.
pub(crate) fn preview_all(
    ctx: &FetchContext<'_>,
    candidates: &mut [Candidate],
    indices: &[usize],
) -> Vec<(String, String)> {
    let mut failures = Vec::new();
    for &i in indices {
        let c = &mut candidates[i];
        let (mode, url) = match plan_fetch(ctx, c) {
            Ok(planned) => planned,
            Err(reason) => {
                failures.push(fail(ctx, c, reason));
                continue;
            }
        };
        let dir = ctx.workdir.pkgbuild_dir(c.name());
        let exists = dir.symlink_metadata().is_ok();
        let current = if exists { current_version(&dir) } else { None };
        ctx.console.line(&preview_line(
            mode,
            c.name(),
            c.entry.version_text(),
            &url,
            current.as_deref(),
            exists,
        ));
        let as_is = matches!(mode, FetchMode::Local | FetchMode::NoUpdate);
        let unmoved =
            as_is || (mode == FetchMode::Tag && current.as_deref() == Some(c.entry.version_text()));
        if !unmoved {
            continue;
        }
        if as_is && !dir.join("PKGBUILD").is_file() {
            let reason = format!("no PKGBUILD in {}", dir.display());
            failures.push(fail(ctx, c, reason));
            continue;
        }
        match read_local_srcinfo(&dir, ctx.arch) {
            Ok(Some(srcinfo)) => match apply(c, None, srcinfo, as_is) {
                Ok(warnings) => warnings.iter().for_each(|w| ctx.console.warn(w)),
                Err(reason) => failures.push(fail(ctx, c, reason)),
            },
            // Without a .SRCINFO the real run would ask makepkg; a dry run keeps the
            // database metadata instead of running it.
            Ok(None) => {}
            Err(reason) => failures.push(fail(ctx, c, reason)),
        }
    }
    failures
}

/// The checkout's `.SRCINFO`, `None` when it has none.
fn read_local_srcinfo(dir: &Path, arch: &str) -> Result<Option<archport_pkgsrc::SrcInfo>, String> {
    match archport_pkgsrc::read_srcinfo_file(dir).map_err(|e| e.to_string())? {
        Some(text) => parse_srcinfo(&text, arch, &dir.join(".SRCINFO"))
            .map(Some)
            .map_err(|e| e.to_string()),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_real_progress_lines() {
        let url = "file:///w/zlib.git";
        assert_eq!(
            preview_line(FetchMode::Tag, "zlib", "1:1.3.1-2", url, None, false),
            "Would process zlib (fetching 1:1.3.1-2, tag 1-1.3.1-2 of file:///w/zlib.git)"
        );
        assert_eq!(
            preview_line(
                FetchMode::Tag,
                "zlib",
                "1:1.3.1-2",
                url,
                Some("1:1.3.1-2"),
                true
            ),
            "Would process zlib (already up to date: 1:1.3.1-2)"
        );
        assert_eq!(
            preview_line(
                FetchMode::Tag,
                "zlib",
                "1:1.3.1-2",
                url,
                Some("1:1.3.1-1"),
                true
            ),
            "Would process zlib (updating 1:1.3.1-1 -> 1:1.3.1-2, tag 1-1.3.1-2 of file:///w/zlib.git)"
        );
        assert_eq!(
            preview_line(FetchMode::Latest, "zlib", "1:1.3.1-2", url, None, true),
            "Would process zlib (updating to latest commit of file:///w/zlib.git)"
        );
        assert_eq!(
            preview_line(FetchMode::NoUpdate, "zlib", "1:1.3.1-2", url, None, true),
            "Would process zlib (no update, current: unknown)"
        );
        assert_eq!(
            preview_line(FetchMode::Local, "mine", "", url, None, true),
            "Would process mine (using local PKGBUILD)"
        );
    }
}
