//! What the real devtools 1.5.0 do that the old stand-ins hid (issue 9, §2), end to end:
//! `build-packages` against the stricter stand-ins (testworld's fake-devtools), which now
//! exit 255 on a failed build, refuse a root path whose parent is missing (mkarchroot),
//! refuse to run makepkg as root without `-U`, need SRCDEST writable by the build user, and
//! run `arch-nspawn` by name through PATH (makechrootpkg's `-u`, mkarchroot's
//! `locale-gen`). Also: the tool's last words in the error, a missing tool named with the
//! hint to `--check`, `[build] timeout` and `[build] keep_failed_copies`.
//!
//! The tests run as root, as the other build tests do: the stand-ins then build as the
//! unprivileged `archport-test`.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Env, Run};

/// A demo world whose build list holds `packages`, built with the stand-in devtools.
struct Session {
    env: Env,
}

impl Session {
    fn new(packages: &[&str]) -> Session {
        let env = Env::demo();
        env.use_fake_devtools("");
        let s = Session { env };
        let mut args = vec!["--packages"];
        args.extend_from_slice(packages);
        s.run("generate-build-list", &[], &args).exits(0);
        s
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.env.path().join(relative)
    }

    /// Appends `text` to the configuration (a table of its own).
    fn configure(&self, text: &str) {
        let config = std::fs::read_to_string(self.env.config()).unwrap();
        std::fs::write(self.env.config(), format!("{config}\n{text}")).unwrap();
    }

    /// Replaces `from` by `to` in the configuration, which must hold it.
    fn reconfigure(&self, from: &str, to: &str) {
        let config = std::fs::read_to_string(self.env.config()).unwrap();
        assert!(config.contains(from), "{config}");
        std::fs::write(self.env.config(), config.replace(from, to)).unwrap();
    }

    /// One of our binaries, with the stand-ins' call log in the work directory and
    /// stand-in controls `vars`.
    fn run(&self, bin: &str, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let program = match bin {
            "build-packages" => env!("CARGO_BIN_EXE_build-packages"),
            "generate-build-list" => env!("CARGO_BIN_EXE_generate-build-list"),
            _ => panic!("unknown binary {bin}"),
        };
        let output = Command::new(program)
            .current_dir(self.env.path())
            .env_remove("ARCHPORT_CONFIG")
            .env_remove("SUDO_USER")
            .env("NO_COLOR", "1")
            .env("FAKE_DEVTOOLS_LOG", self.path("devtools.log"))
            .envs(vars.iter().copied())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run::from_output(bin, args, output)
    }

    fn bp(&self, vars: &[(&str, &str)]) -> Run {
        self.run("build-packages", vars, &["--parallel-jobs", "1"])
    }

    /// The calls the stand-ins made themselves (`caller: program args...`).
    fn nested_calls(&self) -> String {
        std::fs::read_to_string(self.path("devtools.log.nested")).unwrap_or_default()
    }

    /// The kept copies of failed builds in the chroot directory, sorted.
    fn failed_copies(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path("chroot"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("archport-failed-"))
            .collect();
        names.sort();
        names
    }

    /// Every build log's text, by file name.
    fn logs(&self) -> Vec<(String, String)> {
        let mut logs: Vec<(String, String)> = std::fs::read_dir(self.path("logs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with("-build.log"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p.file_name().unwrap().to_string_lossy().into_owned(), text)
            })
            .collect();
        logs.sort();
        logs
    }
}

fn uid_of(user: &str) -> u32 {
    let out = Command::new("id").args(["-u", user]).output().unwrap();
    assert!(out.status.success(), "no user {user}");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn owner(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().uid()
}

/// Whether the tests run as root (the stand-ins' user checks apply to root only).
fn is_root() -> bool {
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

#[test]
fn a_failed_build_exits_255_and_its_error_quotes_makechrootpkg() {
    let s = Session::new(&["zlib"]);
    let run = s.bp(&[("FAKE_FAIL_BUILD", "zlib")]).exits(1);
    let reason = format!(
        "build: makechrootpkg exited with status 255: ==> ERROR: Build failed, check {}/archport-slot1/build",
        s.path("chroot").display()
    );
    assert!(run.stderr.contains(&reason), "{}", run.stderr);
    let failed = std::fs::read_to_string(s.path("failed_packages.json")).unwrap();
    assert!(
        failed.contains("makechrootpkg exited with status 255: ==> ERROR: Build failed"),
        "{failed}"
    );
}

#[test]
fn the_chroot_directory_is_created_before_mkarchroot() {
    let s = Session::new(&["zlib"]);
    assert!(!s.path("chroot").exists());
    s.bp(&[]).exits(0);
    assert!(s.path("chroot/root/.arch-chroot").is_file());
    let calls = std::fs::read_to_string(s.path("devtools.log")).unwrap();
    assert!(
        calls.starts_with(&format!(
            "mkarchroot -C {0}/chroot-config/pacman.conf -M {0}/chroot-config/makepkg.conf -c {0}/cache-pacman {0}/chroot/root base-devel\n",
            s.env.path().display()
        )),
        "{calls}"
    );
}

#[test]
fn the_devtools_run_arch_nspawn_by_name_from_the_configured_directory() {
    let s = Session::new(&["zlib"]);
    // A PATH without the stand-ins: only the configured devtools' directory can supply them.
    s.run(
        "build-packages",
        &[("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")],
        &["--parallel-jobs", "1"],
    )
    .exits(0);
    let root = s.path("chroot");
    assert_eq!(
        s.nested_calls(),
        format!(
            "mkarchroot: arch-nspawn -C {0}/chroot-config/pacman.conf -M {0}/chroot-config/makepkg.conf -c {0}/cache-pacman {1}/root locale-gen\n\
             makechrootpkg: arch-nspawn {1}/archport-slot1 pacman -Syuu --noconfirm\n",
            s.env.path().display(),
            root.display()
        )
    );
}

#[test]
fn a_root_archport_gives_the_build_user_a_srcdest_and_keeps_its_checkouts() {
    if !is_root() {
        return;
    }
    let s = Session::new(&["zlib"]);
    let checkout = s.path("pkgbuilds/zlib");
    assert_eq!(owner(&checkout), 0);
    s.bp(&[]).exits(0);
    let srcdest = s.path("sources/zlib");
    assert_eq!(owner(&srcdest), uid_of(archport_testworld::BUILD_USER));
    // The checkout stays root's: git refuses a repository another user owns.
    assert_eq!(owner(&checkout), 0);
}

#[test]
fn without_build_user_the_owner_of_the_work_directory_builds() {
    if !is_root() {
        return;
    }
    let s = Session::new(&["zlib"]);
    s.reconfigure(
        &format!("build_user = \"{}\"\n", archport_testworld::BUILD_USER),
        "",
    );
    let test_uid = uid_of(archport_testworld::BUILD_USER);
    std::os::unix::fs::chown(s.env.path(), Some(test_uid), None).unwrap();
    s.bp(&[]).exits(0);
    let calls = std::fs::read_to_string(s.path("devtools.log")).unwrap();
    assert!(
        calls.contains(&format!("-U {} --", archport_testworld::BUILD_USER)),
        "{calls}"
    );
    assert_eq!(owner(&s.path("sources/zlib")), test_uid);
}

#[test]
fn a_missing_devtool_is_named_with_its_path_and_the_hint_to_check() {
    let s = Session::new(&["zlib"]);
    let fake = archport_testworld::fake_devtools_dir();
    s.reconfigure(
        &format!("mkarchroot = \"{}/mkarchroot\"", fake.display()),
        "mkarchroot = \"/nonexistent/devtools/mkarchroot\"",
    );
    let run = s.bp(&[]).exits(1);
    assert!(
        run.stderr.contains(
            "cannot start mkarchroot (/nonexistent/devtools/mkarchroot): No such file or directory \
             (os error 2); `--check` lists what is missing"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_hung_build_is_stopped_by_the_build_timeout() {
    let s = Session::new(&["zlib"]);
    s.configure("[build]\ntimeout = 1\n");
    let run = s.bp(&[("FAKE_BUILD_SLEEP", "600")]).exits(1);
    assert!(
        run.stderr
            .contains("build: makechrootpkg timed out after 1s ([build] timeout)"),
        "{}",
        run.stderr
    );
    let logs = s.logs();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(
        logs[0].1.contains(
            "==> result: FAILED in build: makechrootpkg timed out after 1s ([build] timeout)\n"
        ),
        "{}",
        logs[0].1
    );
}

#[test]
fn only_the_newest_failed_copies_are_kept() {
    let s = Session::new(&["zlib", "re2c"]);
    s.configure("[build]\nkeep_failed_copies = 1\n");
    s.bp(&[("FAKE_FAIL_BUILD", "zlib,re2c")]).exits(1);
    let kept = s.failed_copies();
    assert_eq!(kept.len(), 1, "{kept:?}");
    // The one kept is the later failure's; the earlier one's removal is in that build's log.
    let logs = s.logs();
    let later = logs
        .iter()
        .find(|(_, text)| text.contains("==> removed the older failed working copy"))
        .unwrap_or_else(|| panic!("{logs:?}"));
    let kept_pkgbase = kept[0].strip_prefix("archport-failed-").unwrap();
    assert!(
        later.0.starts_with(&format!("{kept_pkgbase}-")),
        "{later:?}"
    );
    let other = if kept_pkgbase == "zlib" {
        "re2c"
    } else {
        "zlib"
    };
    assert!(
        later.1.contains(&format!(
            "==> removed the older failed working copy {} (keeping the newest: [build] keep_failed_copies)\n",
            s.path("chroot").join(format!("archport-failed-{other}")).display()
        )),
        "{}",
        later.1
    );
}

// --- the stand-ins themselves -----------------------------------------------------------------

/// A stand-in, run directly with its call log in `dir`.
fn stand_in(dir: &Path, name: &str) -> Command {
    let mut cmd = Command::new(archport_testworld::fake_devtools_dir().join(name));
    cmd.env("FAKE_DEVTOOLS_LOG", dir.join("devtools.log"))
        .env_remove("SUDO_USER")
        .stdin(Stdio::null());
    cmd
}

#[test]
fn the_stand_in_mkarchroot_refuses_a_missing_parent_like_the_real_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = stand_in(dir.path(), "mkarchroot")
        .arg(dir.path().join("chroot/root"))
        .arg("base-devel")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "==> ERROR: Please specify a working directory.\n"
    );
    assert!(!dir.path().join("chroot").exists());
}

#[test]
fn the_stand_in_makechrootpkg_needs_a_build_user_who_can_write_srcdest() {
    if !is_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chroot = dir.path().join("chroot");
    std::fs::create_dir_all(chroot.join("root")).unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("PKGBUILD"), "pkgname=x\npkgver=1\npkgrel=1\n").unwrap();
    let makechrootpkg = |args: &[&str]| {
        let out = stand_in(dir.path(), "makechrootpkg")
            .arg("-r")
            .arg(&chroot)
            .args(args)
            .current_dir(&pkg)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // As root without -U (or SUDO_USER), makepkg would run as root.
    let (code, stderr) = makechrootpkg(&["-l", "copy", "--"]);
    assert_eq!(code, Some(255));
    assert!(
        stderr.ends_with(
            "==> ERROR: Running makepkg as root is not allowed as it can cause permanent, \
             catastrophic damage to your system.\n==> ERROR: Could not download sources.\n"
        ),
        "{stderr}"
    );
    // The build user cannot write the checkout, root's.
    let (code, stderr) = makechrootpkg(&["-l", "copy", "-U", archport_testworld::BUILD_USER, "--"]);
    assert_eq!(code, Some(255));
    assert!(
        stderr.contains(&format!(
            "==> ERROR: You do not have write permission for the directory $SRCDEST ({}).\n",
            pkg.display()
        )),
        "{stderr}"
    );
}
