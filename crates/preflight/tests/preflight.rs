//! One test per problem the preflight reports, each against a world where everything else
//! is in order, plus the world itself passing.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use archport_config::Config;
use archport_preflight::{Options, ProblemKind, Report, RunKind, check};

/// The unprivileged user that exists on the test machines (see archport-testworld).
const BUILD_USER: &str = "archport-test";

/// Every program any run needs, as stand-ins.
const PROGRAMS: [&str; 13] = [
    "makechrootpkg",
    "mkarchroot",
    "arch-nspawn",
    "gpg",
    "sudo",
    "repo-upload",
    "repo-add",
    "makepkg",
    "runuser",
    "flock",
    "cp",
    "mv",
    "rm",
];

/// A build box in a temporary directory: stand-in programs in `bin/` (the only `PATH`),
/// the chroot configuration, a work directory with one readable key, and a config file
/// naming them all.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let world = World {
            dir: tempfile::tempdir().unwrap(),
        };
        let bin = world.bin();
        std::fs::create_dir(&bin).unwrap();
        for program in PROGRAMS {
            world.script(program, "exit 0");
        }
        let root = world.root();
        std::fs::create_dir(root.join("chroot-config")).unwrap();
        std::fs::write(root.join("chroot-config/pacman.conf"), "[options]\n").unwrap();
        std::fs::write(root.join("chroot-config/makepkg.conf"), "CARCH=aarch64\n").unwrap();
        std::fs::create_dir_all(root.join("work/keys/pgp")).unwrap();
        let key = root.join("work/keys/pgp/port.asc");
        std::fs::write(&key, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        world.write_config("");
        world
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn bin(&self) -> PathBuf {
        self.root().join("bin")
    }

    /// Writes the stand-in `bin/{name}` running `body` under `/bin/sh`.
    fn script(&self, name: &str, body: &str) {
        let path = self.bin().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The config file: the world's paths and programs, then `extra` lines inside
    /// `[tools]` (a key given there replaces the world's).
    fn write_config(&self, extra: &str) {
        let bin = self.bin();
        let bin = bin.display();
        let mut tools = vec![
            format!("makechrootpkg = \"{bin}/makechrootpkg\""),
            format!("mkarchroot = \"{bin}/mkarchroot\""),
            format!("arch_nspawn = \"{bin}/arch-nspawn\""),
            format!("gpg = \"{bin}/gpg\""),
            format!("sudo = \"{bin}/sudo\""),
            format!("makepkg = \"{bin}/makepkg\""),
            format!("repo_add = \"{bin}/repo-add\""),
            format!("build_user = \"{BUILD_USER}\""),
        ];
        for line in extra.lines() {
            let key = line.split('=').next().unwrap().trim();
            tools.retain(|t| t.split('=').next().unwrap().trim() != key);
            tools.push(line.to_owned());
        }
        let text = format!(
            "arch = \"aarch64\"\n[paths]\nworkdir = \"work\"\nchroot = \"chroot\"\nchroot_config = \"chroot-config\"\n\
             [upload]\ncommand = \"{bin}/repo-upload\"\n[tools]\n{}\n",
            tools.join("\n")
        );
        std::fs::write(self.root().join("archport.toml"), text).unwrap();
    }

    fn config(&self) -> Config {
        Config::from_file(&self.root().join("archport.toml")).unwrap()
    }

    /// Options for `run` as root (the build user builds), nothing asked of free space,
    /// programs looked up in `bin/` only.
    fn options(&self, run: RunKind) -> Options {
        Options::new(run, &self.config())
            .as_root(true)
            .min_free_bytes(0)
            .search_path(self.bin())
    }

    fn check(&self, options: &Options) -> Report {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(check(&self.config(), options))
    }

    fn check_build(&self) -> Report {
        self.check(&self.options(RunKind::BuildPackages))
    }
}

/// The problems' kinds, for an assertion that shows the lines when it fails.
fn kinds(report: &Report) -> Vec<ProblemKind> {
    report.problems.iter().map(|p| p.kind).collect()
}

#[test]
fn a_complete_build_box_passes() {
    let world = World::new();
    for run in [RunKind::BuildPackages, RunKind::BootstrapToolchain] {
        let report = world.check(&world.options(run));
        assert!(report.is_ok(), "{run:?}:\n{report}");
        assert_eq!(report.to_string(), "");
    }
    // Not root: sudo is asked, and allows everything.
    let report = world.check(&world.options(RunKind::BuildPackages).as_root(false));
    assert!(report.is_ok(), "{report}");
}

#[test]
fn missing_programs_are_each_reported_with_their_key() {
    let world = World::new();
    world.write_config(
        "makechrootpkg = \"/nonexistent/makechrootpkg\"\narch_nspawn = \"arch-nspawn-absent\"",
    );
    std::fs::remove_file(world.bin().join("flock")).unwrap();
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::ToolMissing; 3], "{report}");
    let lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines[0],
        "[tools] makechrootpkg = \"/nonexistent/makechrootpkg\": /nonexistent/makechrootpkg does not exist \
         (needed to build each package in a working copy); fix: install devtools (Arch: pacman -S devtools), \
         or set [tools] makechrootpkg to its path"
    );
    assert!(
        lines[1].starts_with(
            "[tools] arch_nspawn = \"arch-nspawn-absent\": arch-nspawn-absent not found in PATH"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("flock: flock not found in PATH"),
        "{}",
        lines[2]
    );
    assert!(
        lines[2].ends_with("fix: install util-linux so that flock is in PATH"),
        "{}",
        lines[2]
    );
}

#[test]
fn the_upload_backend_decides_which_program_is_needed() {
    let world = World::new();
    std::fs::remove_file(world.bin().join("repo-add")).unwrap();
    assert!(world.check_build().is_ok());
    std::fs::remove_file(world.bin().join("repo-upload")).unwrap();
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::ToolMissing]);
    assert!(
        report.problems[0].place.starts_with("[upload] command"),
        "{report}"
    );
}

#[test]
fn bootstrap_needs_makepkg_and_runuser_as_root() {
    let world = World::new();
    std::fs::remove_file(world.bin().join("makepkg")).unwrap();
    std::fs::remove_file(world.bin().join("runuser")).unwrap();
    assert!(world.check_build().is_ok());
    let report = world.check(&world.options(RunKind::BootstrapToolchain));
    assert_eq!(kinds(&report), [ProblemKind::ToolMissing; 2], "{report}");
    assert!(report.problems[0].place.starts_with("[tools] makepkg"));
    assert_eq!(report.problems[1].place, "runuser");
    // Not root, makepkg runs as the operator: runuser is not needed.
    let report = world.check(&world.options(RunKind::BootstrapToolchain).as_root(false));
    assert_eq!(kinds(&report), [ProblemKind::ToolMissing], "{report}");
}

#[test]
fn a_program_without_execute_permission_is_reported() {
    let world = World::new();
    let mkarchroot = world.bin().join("mkarchroot");
    std::fs::set_permissions(&mkarchroot, std::fs::Permissions::from_mode(0o644)).unwrap();
    // A directory where a program should be.
    std::fs::remove_file(world.bin().join("gpg")).unwrap();
    std::fs::create_dir(world.bin().join("gpg")).unwrap();
    let report = world.check_build();
    assert_eq!(
        kinds(&report),
        [ProblemKind::ToolNotExecutable; 2],
        "{report}"
    );
    assert!(report.problems[0].fix.starts_with(&format!(
        "make it executable (chmod +x {})",
        mkarchroot.display()
    )));
    assert!(
        report.problems[1]
            .what
            .contains("/bin/gpg is not an executable file")
    );
}

#[test]
fn missing_chroot_configuration_files_are_reported() {
    let world = World::new();
    std::fs::remove_file(world.root().join("chroot-config/makepkg.conf")).unwrap();
    std::fs::remove_file(world.root().join("chroot-config/pacman.conf")).unwrap();
    std::fs::create_dir(world.root().join("chroot-config/pacman.conf")).unwrap();
    let report = world.check_build();
    assert_eq!(
        kinds(&report),
        [ProblemKind::ChrootConfigMissing; 2],
        "{report}"
    );
    assert_eq!(
        report.problems[0].place,
        world
            .root()
            .join("chroot-config/pacman.conf")
            .display()
            .to_string()
    );
    assert!(report.problems[0].what.starts_with("not a file"));
    assert!(report.problems[1].what.starts_with("missing"));
}

#[test]
fn a_build_user_that_does_not_exist_is_reported() {
    let world = World::new();
    world.write_config("build_user = \"archport-no-such-user\"");
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::UserMissing], "{report}");
    assert_eq!(
        report.to_string(),
        "[tools] build_user = \"archport-no-such-user\": no such user (makechrootpkg -U builds as it); \
         fix: create a build user with a home (useradd --create-home archport-build) and set [tools] build_user to it\n"
    );
}

/// Unset, `[tools] build_user` falls back to `archport` for a root run in a work directory
/// root owns (no `SUDO_USER`): when that user is missing, the line says it is the default and
/// names the fix, the contrib sysusers file or the key.
#[test]
fn a_missing_default_build_user_is_named_as_the_default_with_its_fix() {
    let world = World::new();
    world.write_config("");
    let path = world.root().join("archport.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("build_user"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, text).unwrap();
    let config = world.config();
    assert!(
        nix::unistd::User::from_name(archport_config::FALLBACK_BUILD_USER)
            .unwrap()
            .is_none(),
        "this test needs the user {} to be missing",
        archport_config::FALLBACK_BUILD_USER
    );
    assert_eq!(
        config.tools.build_user,
        archport_config::FALLBACK_BUILD_USER,
        "this test needs the fallback default (no SUDO_USER, a work directory root owns)"
    );
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::UserMissing], "{report}");
    assert_eq!(
        report.to_string(),
        "[tools] build_user = \"archport\" (the default): no such user: archport is the default \
         build user when [tools] build_user is unset (makechrootpkg -U builds as it); fix: create \
         it with contrib/archport.sysusers (systemd-sysusers archport.sysusers), or set [tools] \
         build_user to a user with a home\n"
    );
}

#[test]
fn nobody_cannot_build_it_has_no_home() {
    let world = World::new();
    world.write_config("build_user = \"nobody\"");
    let home = nix::unistd::User::from_name("nobody").unwrap().unwrap().dir;
    assert!(
        !home.is_dir(),
        "this test needs nobody's home {} to be missing",
        home.display()
    );
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::UserHomeMissing], "{report}");
    assert!(
        report.problems[0]
            .what
            .starts_with(&format!("nobody's home {} does not exist", home.display()))
    );
}

#[test]
fn checkouts_the_build_user_cannot_write_are_reported() {
    let world = World::new();
    let checkout = world.root().join("work/pkgbuilds/zlib");
    std::fs::create_dir_all(&checkout).unwrap();
    std::fs::set_permissions(&checkout, std::fs::Permissions::from_mode(0o755)).unwrap();
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::UserCannotWrite], "{report}");
    assert!(report.problems[0].what.starts_with(&format!(
        "1 checkout(s) not writable by {BUILD_USER} (zlib)"
    )));
    std::fs::set_permissions(&checkout, std::fs::Permissions::from_mode(0o777)).unwrap();
    assert!(world.check_build().is_ok());
}

#[test]
fn sudo_refusing_a_command_is_reported_when_not_root() {
    let world = World::new();
    // Strict about its arguments; refuses mkarchroot and rm like a sudoers without them.
    world.script(
        "sudo",
        r#"[ "$#" = 3 ] && [ "$1" = -n ] && [ "$2" = -l ] || { echo "sudo stand-in: bad arguments: $*" >&2; exit 2; }
case "$3" in
  */mkarchroot|rm) echo "sudo: a password is required" >&2; exit 1 ;;
  arch-nspawn) echo "sudo: arch-nspawn: command not found" >&2; exit 1 ;;
esac
exit 0"#,
    );
    let root = world.check_build();
    assert!(root.is_ok(), "root does not need sudo -n:\n{root}");
    let report = world.check(&world.options(RunKind::BuildPackages).as_root(false));
    assert_eq!(kinds(&report), [ProblemKind::SudoDenied], "{report}");
    let what = &report.problems[0].what;
    assert!(
        what.starts_with(&format!(
            "sudo -n does not allow {}/mkarchroot, arch-nspawn, rm (sudo: a password is required)",
            world.bin().display()
        )),
        "{what}"
    );
}

#[test]
fn a_work_directory_that_cannot_be_created_is_reported() {
    let world = World::new();
    // Under a regular file: not even root can create it.
    let file = world.root().join("file");
    std::fs::write(&file, "").unwrap();
    let text = std::fs::read_to_string(world.root().join("archport.toml"))
        .unwrap()
        .replace("workdir = \"work\"", "workdir = \"file/work\"")
        .replace("chroot = \"chroot\"", "chroot = \"file\"");
    std::fs::write(world.root().join("archport.toml"), text).unwrap();
    let report = world.check_build();
    // workdir, then (as root) the chroot directory and its cache under it
    assert_eq!(kinds(&report), [ProblemKind::NotWritable; 3], "{report}");
    assert_eq!(
        report.problems[0].what,
        format!(
            "{}/work cannot be created: {} is not a directory",
            file.display(),
            file.display()
        )
    );
    assert_eq!(
        report.problems[1].what,
        format!("{} is not a directory", file.display())
    );
    // Not root, the chroot directory is sudo's business.
    let report = world.check(&world.options(RunKind::BuildPackages).as_root(false));
    assert_eq!(kinds(&report), [ProblemKind::NotWritable], "{report}");
}

#[test]
fn a_read_only_directory_is_not_writable_for_an_unprivileged_user() {
    // Root writes anywhere, so this asks access(2) for the unprivileged test user.
    if !nix::unistd::geteuid().is_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let world = World::new();
        let text = std::fs::read_to_string(world.root().join("archport.toml"))
            .unwrap()
            .replace(
                "workdir = \"work\"",
                &format!("workdir = \"{}/work\"", dir.path().display()),
            );
        std::fs::write(world.root().join("archport.toml"), text).unwrap();
        let report = world.check_build();
        assert_eq!(kinds(&report), [ProblemKind::NotWritable], "{report}");
        return;
    }
    // As root: run this test's binary again as the unprivileged user, on this test alone.
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new("runuser")
        .args(["-u", BUILD_USER, "--"])
        .arg(&exe)
        .args([
            "--exact",
            "a_read_only_directory_is_not_writable_for_an_unprivileged_user",
            "--test-threads=1",
        ])
        .env("TMPDIR", "/tmp")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the test as {BUILD_USER} failed: {status}"
    );
}

#[test]
fn too_little_free_space_is_reported() {
    let world = World::new();
    let report = world.check(
        &world
            .options(RunKind::BuildPackages)
            .min_free_bytes(u64::MAX),
    );
    assert_eq!(kinds(&report), [ProblemKind::LowFreeSpace], "{report}");
    // The chroot directory does not exist yet: its nearest existing ancestor is measured.
    assert!(
        report.problems[0].what.contains(&format!(
            " GiB free on {}, below the minimum of ",
            world.root().display()
        )),
        "{report}"
    );
}

#[test]
fn key_files_that_cannot_be_imported_are_reported() {
    let world = World::new();
    let keys = world.root().join("work/keys/pgp");
    std::fs::create_dir(keys.join("dir.asc")).unwrap();
    std::os::unix::fs::symlink(keys.join("gone"), keys.join("dangling.asc")).unwrap();
    let private = keys.join("private.asc");
    std::fs::write(&private, "").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(keys.join("notes.txt"), "").unwrap();
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::KeyUnreadable; 3], "{report}");
    let places: Vec<&str> = report.problems.iter().map(|p| p.place.as_str()).collect();
    let name = |n: &str| keys.join(n).display().to_string();
    assert_eq!(
        places,
        [name("dangling.asc"), name("dir.asc"), name("private.asc")]
    );
    assert!(report.problems[0].what.starts_with("a dangling symlink"));
    assert_eq!(
        report.problems[2].what,
        format!("not readable by the build user {BUILD_USER} (gpg --import runs as it)")
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let world = World::new();
    world.write_config(
        "mkarchroot = \"/nonexistent/mkarchroot\"\nbuild_user = \"archport-no-such-user\"",
    );
    std::fs::remove_file(world.root().join("chroot-config/pacman.conf")).unwrap();
    let report = world.check(
        &world
            .options(RunKind::BuildPackages)
            .min_free_bytes(u64::MAX),
    );
    assert_eq!(
        kinds(&report),
        [
            ProblemKind::ToolMissing,
            ProblemKind::ChrootConfigMissing,
            ProblemKind::UserMissing,
            ProblemKind::LowFreeSpace
        ],
        "{report}"
    );
    assert_eq!(report.to_string().lines().count(), 4);
}

#[test]
fn without_sudo_nothing_is_asked_of_it() {
    let world = World::new();
    std::fs::remove_file(world.bin().join("sudo")).unwrap();
    let report = world.check(&world.options(RunKind::BuildPackages).as_root(false));
    assert_eq!(kinds(&report), [ProblemKind::ToolMissing], "{report}");
    assert!(
        report.problems[0]
            .what
            .contains("needed to run devtools as root with sudo -n"),
        "{report}"
    );
}

#[test]
fn a_key_directory_that_is_not_a_directory_is_reported() {
    let world = World::new();
    let keys = world.root().join("work/keys/pgp");
    std::fs::remove_dir_all(&keys).unwrap();
    std::fs::write(&keys, "").unwrap();
    let report = world.check_build();
    assert_eq!(kinds(&report), [ProblemKind::KeyUnreadable], "{report}");
    assert_eq!(report.problems[0].place, keys.display().to_string());
    // No key directory at all: nothing to import, nothing wrong.
    std::fs::remove_file(&keys).unwrap();
    assert!(world.check_build().is_ok());
}
