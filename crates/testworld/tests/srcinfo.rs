//! The generated `.SRCINFO` is byte for byte what real `makepkg --printsrcinfo` prints for
//! the generated PKGBUILD.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use archport_testworld::{PackageSpec, PkgbaseSpec, Repo, render_srcinfo};
use common::BuildDir;

/// Few specs, each covering many cases: every makepkg call costs seconds.
fn specs() -> Vec<PkgbaseSpec> {
    vec![
        // An epoch, a soname provides, two licenses.
        PkgbaseSpec::new("zlib", "1:1.3.1-2")
            .repo(Repo::Core)
            .depends(["glibc"])
            .provides(["libz.so=1-64"])
            .license(["Zlib", "custom:foo"]),
        // A ~rc pkgver, a decimal pkgrel, two architectures, quotes and every array.
        PkgbaseSpec::new("rc-thing", "2.0~rc1-1.1")
            .arch(["x86_64", "aarch64"])
            .desc("It's got a 'quote' and $dollar and \"double\" quotes")
            .makedepends(["cmake>=3.20", "python"])
            .checkdepends(["python-pytest"])
            .optdepends(["python: scripting support", "bash"])
            .conflicts(["rc-thing-git"])
            .replaces(["old-thing<2"])
            .groups(["thing-suite"]),
        // arch=(any), split, no package named like the pkgbase.
        PkgbaseSpec::new("python-split", "1.0-3").any().packages([
            PackageSpec::new("python-split-a").depends(["python"]),
            PackageSpec::new("python-split-b").depends(["python", "python-split-a"]),
        ]),
        // Split with overrides: one clearing depends, one with a '+' in its name.
        PkgbaseSpec::new("foo", "1-1")
            .depends(["glibc"])
            .provides(["libfoo.so=1-64"])
            .package(PackageSpec::new("foo-docs"))
            .package(
                PackageSpec::new("foo+extra")
                    .depends(["foo"])
                    .conflicts(["foo-extra"])
                    .optdepends(["perl: for the scripts"]),
            ),
    ]
}

#[test]
fn srcinfo_matches_real_makepkg() {
    // Two at a time: makepkg --printsrcinfo runs hundreds of greps per PKGBUILD.
    let specs = specs();
    std::thread::scope(|scope| {
        for pair in specs.chunks(2) {
            let handles: Vec<_> = pair
                .iter()
                .map(|spec| {
                    scope.spawn(move || {
                        let build = BuildDir::new(spec);
                        (
                            build.makepkg(&["--printsrcinfo"], &[]),
                            render_srcinfo(spec).unwrap(),
                        )
                    })
                })
                .collect();
            for (spec, handle) in pair.iter().zip(handles) {
                let (real, ours) = handle.join().unwrap();
                assert_eq!(ours, real, "pkgbase {}", spec.name);
            }
        }
    });
}
