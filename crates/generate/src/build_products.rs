//! What makepkg and build-packages leave in a checkout, told apart from the operator's own
//! changes: packages and their signatures, logs, `src/` and `pkg/`, and the sources
//! makepkg downloaded. Carrying them over an update is harmless, but naming them as "local
//! changes" every night hides the changes an operator did make.

/// The names makepkg downloads `source=` entries to, from a `.SRCINFO`'s text: the name
/// before `::`, else the URL's last path segment (a VCS source's without `.git`). Local
/// files (no URL) are not listed: an untracked patch is the operator's change.
pub(crate) fn downloaded_sources(srcinfo: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in srcinfo.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key != "source" && !key.starts_with("source_") {
            continue;
        }
        let value = value.trim();
        let name = match value.split_once("::") {
            Some((name, _)) => name.to_owned(),
            None if value.contains("://") => {
                let url = value.split(['#', '?']).next().unwrap_or(value);
                let last = url.trim_end_matches('/').rsplit('/').next().unwrap_or(url);
                let vcs = value.split("://").next().is_some_and(|s| s.contains('+'))
                    || value.starts_with("git:");
                if vcs {
                    last.strip_suffix(".git").unwrap_or(last).to_owned()
                } else {
                    last.to_owned()
                }
            }
            None => continue,
        };
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Whether `path` (relative to the checkout) is something a build or makepkg made, not an
/// operator's change.
pub(crate) fn is_build_product(path: &str, sources: &[String]) -> bool {
    let first = path.split('/').next().unwrap_or(path);
    let file = path.rsplit('/').next().unwrap_or(path);
    let in_build_dir = (first == "src" || first == "pkg") && path.len() > first.len();
    in_build_dir
        || file.contains(".pkg.tar.")
        || file.ends_with(".log")
        || sources.iter().any(|s| s == first)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRCINFO: &str = "pkgbase = zlib\n\tpkgver = 1.3.1\n\
        \tsource = https://github.com/madler/zlib/releases/download/v1.3.1/zlib-1.3.1.tar.xz\n\
        \tsource = https://example.org/zlib-1.3.1.tar.xz.sig?raw=1\n\
        \tsource = renamed.tar.gz::https://example.org/download\n\
        \tsource = git+https://gitlab.example.org/zlib/zlib-ng.git#tag=v2\n\
        \tsource_aarch64 = https://example.org/arm-only.patch\n\
        \tsource = local-fix.patch\n\npkgname = zlib\n";

    #[test]
    fn downloaded_sources_are_named_as_makepkg_saves_them() {
        assert_eq!(
            downloaded_sources(SRCINFO),
            [
                "zlib-1.3.1.tar.xz",
                "zlib-1.3.1.tar.xz.sig",
                "renamed.tar.gz",
                "zlib-ng",
                "arm-only.patch"
            ]
        );
    }

    #[test]
    fn build_products_are_told_from_the_operators_changes() {
        let sources = downloaded_sources(SRCINFO);
        for product in [
            "zlib-1:1.3.1-2-aarch64.pkg.tar.zst",
            "zlib-1:1.3.1-2-aarch64.pkg.tar.zst.sig",
            "zlib-1.3.1-2-aarch64-build.log",
            "src/zlib-1.3.1/configure",
            "pkg/zlib/usr/lib/libz.so",
            "zlib-1.3.1.tar.xz",
            "zlib-ng/HEAD",
        ] {
            assert!(is_build_product(product, &sources), "{product}");
        }
        for change in [
            "PKGBUILD",
            "local-fix.patch",
            "fix-arm.patch",
            "src",
            "srcinfo",
        ] {
            assert!(!is_build_product(change, &sources), "{change}");
        }
    }
}
