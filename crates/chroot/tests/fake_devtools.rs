//! The command sequences run against the stand-in devtools (testworld's fake-devtools),
//! which build for real with makepkg.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use archport_chroot::{BuildSpec, Cancel, Cmd, Devtools, commit_time, copy_name, run};
use archport_config::Config;
use archport_testworld::{World, demo, fake_devtools_dir, prepare_build_dir};

struct Setup {
    _world: World,
    base: tempfile::TempDir,
    config: Config,
    dir: PathBuf,
}

impl Setup {
    fn path(&self, rel: &str) -> PathBuf {
        self.base.path().join(rel)
    }

    /// `cmd` with the fake scripts' call log; the fake sudo says the build user ran it
    /// (`SUDO_USER`), as an operator's non-root archport would.
    fn logged(&self, cmd: Cmd) -> Cmd {
        cmd.env(
            "FAKE_DEVTOOLS_LOG",
            self.path("devtools.log").to_string_lossy(),
        )
        .env("FAKE_SUDO_USER", archport_testworld::BUILD_USER)
    }

    /// A SRCDEST the build user may write, as a root archport makes it.
    fn srcdest(&self) -> PathBuf {
        let dir = self.path("sources");
        std::fs::create_dir_all(&dir).unwrap();
        prepare_build_dir(&dir).unwrap();
        dir
    }

    /// Creates the chroot directory, then the root chroot, as a run does.
    async fn make_root(&self, devtools: &Devtools) {
        if let Some(cmd) = devtools.chroot_dir_cmd() {
            self.run_ok(cmd).await;
        }
        self.run_ok(devtools.root_chroot_cmd().unwrap()).await;
    }

    async fn run_ok(&self, cmd: Cmd) {
        let log = self.path("build.log");
        let status = run(&self.logged(cmd), &log, &Cancel::new()).await.unwrap();
        assert!(
            status.success(),
            "{status}; log:\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
    }
}

/// A demo world, `pkgbase`'s packaging repository cloned into `work/pkgbuilds/`, and a
/// configuration whose devtools are the fakes.
fn setup(pkgbase: &str) -> Setup {
    let world = World::build(demo()).unwrap();
    let base = tempfile::tempdir().unwrap();
    // The fake makechrootpkg builds as archport-test when run as root: make sure it exists.
    let scratch = tempfile::tempdir().unwrap();
    prepare_build_dir(scratch.path()).unwrap();
    let dir = base.path().join("work/pkgbuilds").join(pkgbase);
    let url = format!("file://{}", world.packaging_repo_path(pkgbase).display());
    git2::Repository::clone(&url, &dir).unwrap();
    let fake = fake_devtools_dir();
    let text = format!(
        r#"
arch = "aarch64"
[paths]
workdir = "work"
chroot = "chroot"
cache = "cache"
chroot_config = "chroot-config"
[tools]
makechrootpkg = "{fake}/makechrootpkg"
arch_nspawn = "{fake}/arch-nspawn"
mkarchroot = "{fake}/mkarchroot"
sudo = "{fake}/sudo"
build_user = "archport-test"
"#,
        fake = fake.display()
    );
    let config = Config::from_toml(&text, Path::new("test.toml"), base.path()).unwrap();
    Setup {
        _world: world,
        base,
        config,
        dir,
    }
}

fn spec(setup: &Setup, pkgbase: &str, checkdepends: &[&str]) -> BuildSpec {
    BuildSpec {
        pkgbase: pkgbase.to_owned(),
        dir: setup.dir.clone(),
        copy: copy_name(1),
        ignorearch: true,
        checkdepends: checkdepends.iter().map(|s| s.to_string()).collect(),
        keys: Vec::new(),
        source_date_epoch: commit_time(&setup.dir),
    }
}

fn packages_in(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".pkg.tar"))
        .collect();
    found.sort();
    found
}

fn pkginfo(package: &Path) -> String {
    let out = std::process::Command::new("bsdtar")
        .arg("-xOf")
        .arg(package)
        .arg(".PKGINFO")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn checkdepends_installed_into_the_copy_are_there_for_the_build() {
    let s = setup("foo-app");
    // Through the fake sudo, as a non-root archport would run devtools.
    let devtools = Devtools::from_config(&s.config, false).as_root(false);
    s.make_root(&devtools).await;
    assert!(s.path("chroot/root/.arch-chroot").is_file());
    assert_eq!(devtools.root_chroot_cmd(), None);

    // An earlier build in the same slot left a package in the copy.
    let installed = s.path("chroot/archport-slot1/var/lib/fake-pacman/installed");
    std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
    std::fs::write(&installed, "leftover\n").unwrap();

    let spec = spec(&s, "foo-app", &["python>=3"]);
    // A non-root operator's checkout is their own: makepkg (as SUDO_USER) writes SRCDEST
    // there. (After `spec`: git refuses to read a repository another user owns.)
    prepare_build_dir(&s.dir).unwrap();
    for cmd in devtools.build_cmds(&spec).unwrap() {
        s.run_ok(cmd).await;
    }

    // The copy the build used holds exactly this build's checkdepends.
    assert_eq!(std::fs::read_to_string(&installed).unwrap(), "python>=3\n");
    let log = std::fs::read_to_string(s.path("build.log")).unwrap();
    assert!(
        log.contains("fake makechrootpkg: installed in the copy: python>=3 \n"),
        "{log}"
    );
    assert!(!s.path("chroot/archport-slot1.lock").exists());

    let packages = packages_in(&s.dir);
    assert_eq!(packages.len(), 1, "{packages:?}");
    assert!(packages[0].starts_with("foo-app-2.0-1-"), "{packages:?}");
    let info = pkginfo(&s.dir.join(&packages[0]));
    let epoch = spec.source_date_epoch.unwrap();
    assert!(info.contains(&format!("\nbuilddate = {epoch}\n")), "{info}");

    let calls = std::fs::read_to_string(s.path("devtools.log")).unwrap();
    let programs: Vec<&str> = calls
        .lines()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        programs,
        [
            "sudo", // mkdir
            "sudo",
            "mkarchroot",
            "sudo", // rm
            "sudo", // flock cp
            "sudo",
            "arch-nspawn",
            "sudo",
            "arch-nspawn",
            "sudo",
            "makechrootpkg",
        ]
    );
    let build_call = calls.lines().last().unwrap();
    assert_eq!(
        build_call,
        format!(
            "makechrootpkg -r {} -l archport-slot1 -u -d {} -- --ignorearch",
            s.path("chroot").display(),
            s.path("cache").display()
        )
    );
    // What the stand-ins ran themselves, by name through PATH, like the real ones.
    let nested = std::fs::read_to_string(s.path("devtools.log.nested")).unwrap();
    assert_eq!(
        nested,
        format!(
            "mkarchroot: arch-nspawn -C {conf}/pacman.conf -M {conf}/makepkg.conf -c {cache} {root} locale-gen\n\
             makechrootpkg: arch-nspawn {copy} pacman -Syuu --noconfirm\n",
            conf = s.path("chroot-config").display(),
            cache = s.path("cache").display(),
            root = s.path("chroot/root").display(),
            copy = s.path("chroot/archport-slot1").display(),
        )
    );
}

#[tokio::test]
async fn the_fake_makechrootpkg_wipes_the_copy_with_c_like_the_real_one() {
    let s = setup("zlib");
    let devtools = Devtools::from_config(&s.config, false).as_root(true);
    s.make_root(&devtools).await;
    let copy = s.path("chroot/archport-slot1");
    let nspawn = |args: &[&str]| {
        Cmd::new(&s.config.tools.arch_nspawn)
            .path_arg(&copy)
            .args(args.iter().copied())
    };
    std::fs::create_dir_all(&copy).unwrap();
    s.run_ok(nspawn(&[
        "pacman",
        "-S",
        "--needed",
        "--noconfirm",
        "python",
    ]))
    .await;
    let installed = copy.join("var/lib/fake-pacman/installed");
    assert!(installed.exists());
    // A failing build stops after the copy is prepared, before makepkg.
    let build = Cmd::new(&s.config.tools.makechrootpkg)
        .arg("-r")
        .path_arg(s.path("chroot"))
        .args([
            "-l",
            "archport-slot1",
            "-c",
            "-U",
            "archport-test",
            "--",
            "--ignorearch",
        ])
        .cwd(&s.dir)
        .env("SRCDEST", s.srcdest().to_string_lossy())
        .env("FAKE_FAIL_BUILD", "other,zlib");
    let status = run(&s.logged(build), &s.path("build.log"), &Cancel::new())
        .await
        .unwrap();
    assert!(!status.success());
    assert!(
        !installed.exists(),
        "-c must re-create the copy from the root"
    );
    assert!(copy.join(".arch-chroot").exists());
    assert!(packages_in(&s.dir).is_empty());
    let log = std::fs::read_to_string(s.path("build.log")).unwrap();
    assert!(log.contains("A failure occurred in build()"), "{log}");

    // FAKE_FAIL_NSPAWN fails the install naming the package.
    let status = run(
        &s.logged(nspawn(&["pacman", "-S", "--noconfirm", "python>=3"]))
            .env("FAKE_FAIL_NSPAWN", "python"),
        &s.path("build.log"),
        &Cancel::new(),
    )
    .await
    .unwrap();
    assert!(!status.success());
    let log = std::fs::read_to_string(s.path("build.log")).unwrap();
    assert!(
        log.ends_with("error: target not found: python>=3\n"),
        "{log}"
    );
}

#[tokio::test]
async fn cancelling_a_build_stops_makechrootpkg_and_its_sleep() {
    let s = setup("zlib");
    let devtools = Devtools::from_config(&s.config, false).as_root(true);
    s.make_root(&devtools).await;
    let cmds = devtools.build_cmds(&spec(&s, "zlib", &[])).unwrap();
    for cmd in &cmds[..cmds.len() - 1] {
        s.run_ok(cmd.clone()).await;
    }
    let build = s
        .logged(cmds.last().unwrap().clone())
        .env("FAKE_BUILD_SLEEP", "300");
    let cancel = Cancel::with_grace(std::time::Duration::from_secs(30));
    let (log, c) = (s.path("build.log"), cancel.clone());
    let task = tokio::spawn(async move { run(&build, &log, &c).await });
    let log = s.path("build.log");
    tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while !std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("fake makechrootpkg: building zlib")
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    cancel.cancel();
    let result = tokio::time::timeout(std::time::Duration::from_secs(30), task)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(result, Err(archport_chroot::RunError::Cancelled { .. })),
        "{result:?}"
    );
    assert!(packages_in(&s.dir).is_empty());
}
