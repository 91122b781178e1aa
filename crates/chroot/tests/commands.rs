//! The exact devtools command sequences.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use archport_chroot::{BuildSpec, Cmd, Devtools, copy_name};
use archport_config::Config;

/// A configuration with every path under `base` and recognisable tool names.
fn config(base: &Path) -> Config {
    let text = r#"
arch = "aarch64"
[paths]
workdir = "work"
chroot = "chroot"
cache = "cache"
chroot_config = "chroot-config"
[tools]
makechrootpkg = "makechrootpkg"
arch_nspawn = "arch-nspawn"
mkarchroot = "mkarchroot"
sudo = "/usr/bin/sudo"
gpg = "gpg"
build_user = "builder"
"#;
    Config::from_toml(text, Path::new("test.toml"), base).unwrap()
}

fn p(path: PathBuf) -> String {
    path.to_string_lossy().into_owned()
}

/// (program, args) of each command, for readable comparisons.
fn argv(cmds: &[Cmd]) -> Vec<Vec<String>> {
    cmds.iter()
        .map(|c| {
            let mut v = vec![c.program.clone()];
            v.extend(c.args.iter().cloned());
            v
        })
        .collect()
}

fn spec(base: &Path) -> BuildSpec {
    BuildSpec {
        pkgbase: "foo-app".into(),
        dir: base.join("work/pkgbuilds/foo-app"),
        copy: copy_name(1),
        ignorearch: true,
        checkdepends: vec!["python>=3.12".into(), "libfoo.so=1-64".into()],
        keys: vec![
            base.join("work/keys/pgp/A.asc"),
            base.join("work/pkgbuilds/foo-app/keys/pgp/B.asc"),
        ],
        source_date_epoch: Some(1_700_000_000),
    }
}

#[test]
fn root_chroot_is_created_only_when_missing() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let devtools = Devtools::from_config(&config(b), false).as_root(true);
    let cmd = devtools.root_chroot_cmd().unwrap();
    assert_eq!(
        argv(std::slice::from_ref(&cmd)),
        [vec![
            "mkarchroot".to_owned(),
            "-C".into(),
            p(b.join("chroot-config/pacman.conf")),
            "-M".into(),
            p(b.join("chroot-config/makepkg.conf")),
            "-c".into(),
            p(b.join("cache")),
            p(b.join("chroot/root")),
            "base-devel".into(),
        ]]
    );
    assert_eq!(cmd.cwd, None);
    std::fs::create_dir_all(b.join("chroot/root")).unwrap();
    assert_eq!(devtools.root_chroot_cmd(), None);
}

#[test]
fn build_with_ignorearch_checkdepends_and_keys_prepares_the_copy_itself() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let devtools = Devtools::from_config(&config(b), false).as_root(true);
    let cmds = devtools.build_cmds(&spec(b)).unwrap();
    let copy = p(b.join("chroot/archport-slot1"));
    let cache = p(b.join("cache"));
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let srcdest = p(b.join("work/sources/foo-app"));
    assert_eq!(
        argv(&cmds),
        [
            strings(&[
                "/usr/bin/sudo",
                "-n",
                "-u",
                "builder",
                "-H",
                "--",
                "gpg",
                "--import"
            ])
            .into_iter()
            .chain([p(b.join("work/keys/pgp/A.asc"))])
            .collect::<Vec<_>>(),
            strings(&[
                "/usr/bin/sudo",
                "-n",
                "-u",
                "builder",
                "-H",
                "--",
                "gpg",
                "--import"
            ])
            .into_iter()
            .chain([p(b.join("work/pkgbuilds/foo-app/keys/pgp/B.asc"))])
            .collect(),
            strings(&[
                "rm",
                "--recursive",
                "--force",
                "--one-file-system",
                "--",
                &copy
            ]),
            strings(&[
                "flock",
                "--shared",
                &p(b.join("chroot/root.lock")),
                "cp",
                "-a",
                "--reflink=auto",
                "--",
                &p(b.join("chroot/root")),
                &copy,
            ]),
            strings(&[
                "arch-nspawn",
                "-c",
                &cache,
                &copy,
                "pacman",
                "-Syuu",
                "--noconfirm"
            ]),
            strings(&[
                "arch-nspawn",
                "-c",
                &cache,
                &copy,
                "pacman",
                "-S",
                "--needed",
                "--noconfirm",
                "python>=3.12",
                "libfoo.so=1-64",
            ]),
            // No -c: makechrootpkg would re-create the copy and lose the checkdepends.
            // As root, SRCDEST is a directory of the build user's: makepkg writes it.
            strings(&["install", "-d", "-o", "builder", "--", &srcdest]),
            strings(&[
                "makechrootpkg",
                "-r",
                &p(b.join("chroot")),
                "-l",
                "archport-slot1",
                "-u",
                "-d",
                &cache,
                "-U",
                "builder",
                "--",
                "--ignorearch",
            ]),
        ]
    );
    let build = cmds.last().unwrap();
    assert_eq!(
        build.cwd.as_deref(),
        Some(b.join("work/pkgbuilds/foo-app").as_path())
    );
    assert_eq!(
        build.env,
        [
            ("SRCDEST".to_owned(), srcdest.clone()),
            ("SOURCE_DATE_EPOCH".to_owned(), "1700000000".to_owned())
        ]
    );
    assert!(
        cmds[..cmds.len() - 1]
            .iter()
            .all(|c| c.env.is_empty() && c.cwd.is_none())
    );
}

#[test]
fn nocheck_skips_checkdepends_and_lets_makechrootpkg_clean_the_copy() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let devtools = Devtools::from_config(&config(b), true).as_root(true);
    let mut spec = spec(b);
    spec.keys.clear();
    spec.ignorearch = false;
    let cmds = devtools.build_cmds(&spec).unwrap();
    assert_eq!(cmds[0].args[..4], ["-d", "-o", "builder", "--"]);
    let cmds = &cmds[1..];
    assert_eq!(
        argv(cmds),
        [[
            "makechrootpkg".to_owned(),
            "-r".into(),
            p(b.join("chroot")),
            "-l".into(),
            "archport-slot1".into(),
            "-c".into(),
            "-u".into(),
            "-d".into(),
            p(b.join("cache")),
            "-U".into(),
            "builder".into(),
            "--".into(),
            "--nocheck".into(),
        ]]
    );
    // Without checkdepends the sequence is the same single clean build, minus --nocheck.
    let mut bare = spec.clone();
    bare.checkdepends.clear();
    let cmds = Devtools::from_config(&config(b), false)
        .as_root(true)
        .build_cmds(&bare)
        .unwrap();
    assert_eq!(cmds.len(), 2, "install -d, makechrootpkg");
    assert!(cmds[1].args.contains(&"-c".to_owned()));
    assert_eq!(cmds[1].args.last().map(String::as_str), Some("--"));
}

#[test]
fn without_root_devtools_run_through_sudo_and_keys_import_as_the_user() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let devtools = Devtools::from_config(&config(b), false).as_root(false);
    assert!(!devtools.is_root());
    let cmds = devtools.build_cmds(&spec(b)).unwrap();
    assert_eq!(
        argv(&cmds[..1])[0],
        ["gpg", "--import", &p(b.join("work/keys/pgp/A.asc"))]
    );
    for cmd in &cmds[2..] {
        assert_eq!(cmd.program, "/usr/bin/sudo", "{cmd}");
    }
    let build = cmds.last().unwrap();
    assert_eq!(
        build.args[..5],
        [
            "-n",
            "--preserve-env=SOURCE_DATE_EPOCH",
            "--",
            "makechrootpkg",
            "-r"
        ]
    );
    assert!(
        !build.args.contains(&"-U".to_owned()),
        "sudo sets SUDO_USER"
    );
    assert_eq!(
        build.to_string(),
        format!(
            "cd {dir} && SOURCE_DATE_EPOCH=1700000000 /usr/bin/sudo -n '--preserve-env=SOURCE_DATE_EPOCH' -- \
             makechrootpkg -r {chroot} -l archport-slot1 -u -d {cache} -- --ignorearch",
            dir = p(b.join("work/pkgbuilds/foo-app")),
            chroot = p(b.join("chroot")),
            cache = p(b.join("cache")),
        )
    );
    let install = &cmds[cmds.len() - 2];
    assert_eq!(
        install.to_string(),
        format!(
            "/usr/bin/sudo -n -- arch-nspawn -c {cache} {copy} pacman -S --needed --noconfirm \
             'python>=3.12' 'libfoo.so=1-64'",
            cache = p(b.join("cache")),
            copy = p(b.join("chroot/archport-slot1")),
        )
    );
    assert_eq!(
        argv(&[devtools.root_chroot_cmd().unwrap()])[0][..4],
        ["/usr/bin/sudo", "-n", "--", "mkarchroot"]
    );
}

#[test]
fn a_checkdepend_that_is_not_a_relation_never_reaches_pacman() {
    let base = tempfile::tempdir().unwrap();
    let devtools = Devtools::from_config(&config(base.path()), false);
    let mut spec = spec(base.path());
    spec.checkdepends = vec!["python".into(), "--overwrite=*".into()];
    let err = devtools.build_cmds(&spec).unwrap_err().to_string();
    assert!(
        err.starts_with("foo-app: checkdepends entry \"--overwrite=*\""),
        "{err}"
    );
}

#[test]
fn removing_a_copy_takes_its_directory_and_lock() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let root = Devtools::from_config(&config(b), false).as_root(true);
    assert_eq!(
        argv(&root.remove_copy_cmds("archport-slot2")),
        [[
            "rm",
            "--recursive",
            "--force",
            "--one-file-system",
            "--",
            &p(b.join("chroot/archport-slot2")),
            &p(b.join("chroot/archport-slot2.lock")),
        ]]
    );
    let user = Devtools::from_config(&config(b), false).as_root(false);
    assert_eq!(
        argv(&user.remove_copy_cmds("archport-slot2"))[0][..4],
        ["/usr/bin/sudo", "-n", "--", "rm"]
    );
}
