//! The demo world: small enough to read in one screen, with every case the tools handle.

use crate::spec::{PackageSpec, PkgbaseSpec, Repo, WorldSpec};

/// A world of 17 pkgbases (16 on x86_64) and one AUR pkgbase showing each interesting case:
///
/// - `zlib`: an epoch version (`1:1.3.1-2`), older on the target;
/// - `sound`: a split pkgbase (`libsound`, `sound-tools`, `sound-docs`), older on the target;
/// - `vulkan-tools`: a `~rc` version, missing on the target;
/// - `libfoo` provides the soname `libfoo.so=1-64` that `foo-app` depends on;
///   `foo-app` is older on the target;
/// - `archlinux-keyring-data`: `arch=(any)`, older on the target;
/// - `newtool` 3.0 gained `makedepends=(ninja)`; `ninja` (which needs `re2c`) is absent
///   on the target: a missing-dependency chain;
/// - `cyc-a` and `cyc-b` depend on each other (a cycle), both older on the target;
/// - `bash` is newer on the target than on x86_64;
/// - `readline` has a decimal pkgrel (`8.2.013-1.1`);
/// - `cmake` has an earlier tagged version in its packaging repository;
/// - `uboot-tools` exists only on the target;
/// - `yay-bin` is in the AUR.
pub fn demo() -> WorldSpec {
    let core = |name: &str, version: &str| PkgbaseSpec::new(name, version).repo(Repo::Core);
    let extra = PkgbaseSpec::new;
    WorldSpec::new()
        .pkgbase(
            core("glibc", "2.40+r16+gaa533d58ff-2")
                .desc("GNU C Library")
                .provides(["libc.so=6-64", "libm.so=6-64"]),
        )
        .pkgbase(
            core("zlib", "1:1.3.1-2")
                .desc("Compression library implementing the deflate compression method")
                .depends(["glibc"])
                .provides(["libz.so=1-64"])
                .license(["Zlib"]),
        )
        .target_version("zlib", "1:1.3.1-1")
        .pkgbase(
            core("readline", "8.2.013-1.1")
                .desc("GNU readline library")
                .depends(["glibc"])
                .provides(["libreadline.so=8-64"]),
        )
        .pkgbase(
            core("bash", "5.2.037-1")
                .desc("The GNU Bourne Again shell")
                .depends(["glibc", "readline", "libreadline.so=8-64"])
                .optdepends(["bash-completion: for tab completion"])
                .provides(["sh"]),
        )
        .target_version("bash", "5.2.037-2")
        .pkgbase(
            extra("cmake", "3.30.5-1")
                .desc("A cross-platform open-source make system")
                .depends(["zlib", "glibc"])
                .history(["3.30.4-1"]),
        )
        .pkgbase(
            extra("python", "3.12.7-1")
                .depends(["glibc", "zlib"])
                .provides(["python3"]),
        )
        .pkgbase(
            extra("libfoo", "1.4-1")
                .desc("A library with a versioned soname")
                .depends(["glibc"])
                .provides(["libfoo.so=1-64"]),
        )
        .pkgbase(
            extra("foo-app", "2.0-1")
                .depends(["libfoo.so=1-64", "glibc"])
                .makedepends(["cmake"])
                .checkdepends(["python"]),
        )
        .target_version("foo-app", "1.9-1")
        .pkgbase(
            extra("sound", "1.2.0-1")
                .packages([
                    PackageSpec::new("libsound")
                        .desc("Sound library")
                        .depends(["glibc"])
                        .provides(["libsound.so=2-64"]),
                    PackageSpec::new("sound-tools")
                        .desc("Sound command line tools")
                        .depends(["libsound", "libsound.so=2-64"]),
                    PackageSpec::new("sound-docs").desc("Sound documentation"),
                ])
                .makedepends(["cmake", "python"])
                .groups(["sound-suite"]),
        )
        .target_version("sound", "1.1.0-3")
        .pkgbase(
            extra("archlinux-keyring-data", "20241015-1")
                .any()
                .desc("Architecture independent data"),
        )
        .target_version("archlinux-keyring-data", "20240913-1")
        .pkgbase(
            extra("vulkan-tools", "1.4.0~rc2-1")
                .depends(["glibc"])
                .makedepends(["cmake", "python"]),
        )
        .target_missing("vulkan-tools")
        .pkgbase(
            extra("newtool", "3.0-1")
                .depends(["glibc"])
                .makedepends(["cmake", "ninja"]),
        )
        .target_side(
            extra("newtool", "2.9-1")
                .depends(["glibc"])
                .makedepends(["cmake"]),
        )
        .x86_side(
            extra("ninja", "1.12.1-1")
                .depends(["glibc"])
                .makedepends(["python", "re2c"]),
        )
        .x86_side(extra("re2c", "4.0-1").depends(["glibc"]))
        .pkgbase(extra("cyc-a", "1.0-2").depends(["cyc-b"]))
        .target_version("cyc-a", "1.0-1")
        .pkgbase(
            extra("cyc-b", "1.0-2")
                .depends(["glibc"])
                .makedepends(["cyc-a"]),
        )
        .target_version("cyc-b", "1.0-1")
        .target_side(
            core("uboot-tools", "2024.10-1")
                .desc("U-Boot bootloader utility tools")
                .depends(["glibc"]),
        )
        .aur(extra("yay-bin", "12.4.2-1").depends(["glibc"]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn demo_is_valid_and_covers_its_cases() {
        let spec = demo();
        spec.validate().unwrap();
        assert_eq!(spec.x86.len(), 16);
        assert_eq!(spec.target.len(), 14);
        assert!(spec.x86.iter().any(|p| p.version.contains(':')));
        assert!(spec.x86.iter().any(|p| p.version.contains('~')));
        assert!(spec.x86.iter().any(|p| p.is_any()));
        assert!(spec.x86.iter().any(|p| p.packages.len() > 1));
        assert!(spec.target.iter().any(|p| p.name == "uboot-tools"));
        assert!(
            !spec
                .target
                .iter()
                .any(|p| p.name == "ninja" || p.name == "re2c")
        );
    }
}
