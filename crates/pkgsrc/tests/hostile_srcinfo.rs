//! `.SRCINFO` and PKGBUILDs from someone else's repository: links to secrets or devices,
//! FIFOs, invalid names and versions, and PKGBUILDs that never finish or never stop
//! printing. Each costs one error naming the file, never the file's content or the night.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use archport_pkgsrc::{Makepkg, MakepkgError, SrcInfoError, parse_srcinfo, read_srcinfo};

const GOOD: &str = "pkgbase = good\n\tpkgver = 1.0\n\tpkgrel = 1\n\tarch = any\n\npkgname = good\n";

/// Runs `read_srcinfo` on a thread: a regression that blocks (a FIFO, a PKGBUILD that
/// sleeps) fails after two minutes instead of hanging the test run.
fn read_bounded(dir: &Path, makepkg: Makepkg) -> Result<archport_pkgsrc::SrcInfo, SrcInfoError> {
    let dir = dir.to_owned();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(read_srcinfo(&dir, "aarch64", &makepkg));
    });
    receive
        .recv_timeout(Duration::from_secs(120))
        .expect("reading .SRCINFO blocked")
}

fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

/// makepkg as the tests run it: as `archport-test` when this process is root.
fn makepkg() -> Makepkg {
    Makepkg {
        run_as: is_root().then(|| "archport-test".to_owned()),
        ..Makepkg::default()
    }
}

/// A checkout directory another user can read (makepkg may run as `archport-test`).
fn checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

#[test]
fn a_srcinfo_linked_to_a_secret_is_not_read() {
    let secret = tempfile::tempdir().expect("tempdir");
    let secret_file = secret.path().join("shadow");
    std::fs::write(&secret_file, "root:$6$hunter2:19000:0:99999:7:::\n").expect("write");
    let dir = checkout();
    std::os::unix::fs::symlink(&secret_file, dir.path().join(".SRCINFO")).expect("symlink");
    let err = read_bounded(dir.path(), makepkg()).expect_err("a link is refused");
    let text = err.to_string();
    assert!(matches!(err, SrcInfoError::Read { .. }), "{err:?}");
    assert!(text.contains(".SRCINFO"), "{text}");
    assert!(text.contains("symbolic link"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn a_srcinfo_linked_to_dev_zero_is_not_read() {
    let dir = checkout();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".SRCINFO")).expect("symlink");
    let err = read_bounded(dir.path(), makepkg()).expect_err("a link is refused");
    assert!(matches!(err, SrcInfoError::Read { .. }), "{err:?}");
}

#[test]
fn a_fifo_srcinfo_is_refused_without_blocking() {
    let dir = checkout();
    let status = Command::new("mkfifo")
        .arg(dir.path().join(".SRCINFO"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let err = read_bounded(dir.path(), makepkg()).expect_err("a FIFO is refused");
    assert!(err.to_string().contains("is a FIFO"), "{err}");
}

#[test]
fn a_huge_srcinfo_is_refused() {
    let dir = checkout();
    let mut text = GOOD.to_owned();
    text.push_str(&"\tdepends = x\n".repeat(400_000));
    std::fs::write(dir.path().join(".SRCINFO"), text).expect("write");
    let err = read_bounded(dir.path(), makepkg()).expect_err("too large");
    assert!(err.to_string().contains("larger than"), "{err}");
}

/// The case: alpm-srcinfo rejects `pkgname = ../../../tmp/evil`, and the fallback
/// reader must too. The error names the line, not the value.
#[test]
fn invalid_names_and_versions_are_errors_naming_the_line() {
    let origin = Path::new("evil/.SRCINFO");
    let cases = [
        (
            GOOD.replace("pkgname = good", "pkgname = ../../../tmp/evil"),
            6,
        ),
        (GOOD.replace("pkgbase = good", "pkgbase = ../evil"), 1),
        (
            GOOD.replace("pkgname = good", "pkgname = good\n\npkgname = -evil"),
            8,
        ),
        (GOOD.replace("pkgver = 1.0", "pkgver = 1.0-evil"), 0),
        (GOOD.replace("pkgrel = 1", "pkgrel = 1evil"), 0),
        (GOOD.replace("pkgver = 1.0", "pkgver = 1.0\u{1b}[2Kevil"), 0),
        (
            GOOD.replace("pkgver = 1.0", "pkgver = 1.0\n\tepoch = evil"),
            0,
        ),
    ];
    for (text, line) in cases {
        let err = parse_srcinfo(&text, "aarch64", origin).expect_err(&text);
        let shown = err.to_string();
        assert!(
            matches!(&err, SrcInfoError::Invalid { line: l, .. } if *l == line),
            "{text:?}: {err:?}"
        );
        assert!(shown.starts_with("evil/.SRCINFO: line "), "{shown}");
        assert!(!shown.contains("evil\""), "{shown}");
        assert!(!shown.contains("/tmp/"), "{shown}");
    }
    assert!(parse_srcinfo(GOOD, "aarch64", origin).is_ok());
}

/// A malformed line is named by its number only: a file's first line may be a secret.
#[test]
fn a_malformed_line_is_not_quoted() {
    let err = parse_srcinfo(
        "root:$6$hunter2:19000:0:99999:7:::\n",
        "aarch64",
        Path::new("x/.SRCINFO"),
    )
    .expect_err("not a .SRCINFO");
    let shown = err.to_string();
    assert!(shown.starts_with("x/.SRCINFO: line 1:"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// Whether a process with exactly this command line is running.
fn running(cmdline: &[&str]) -> bool {
    let wanted = cmdline.join("\0") + "\0";
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .any(|entry| {
            std::fs::read(entry.path().join("cmdline")).is_ok_and(|line| line == wanted.as_bytes())
        })
}

#[test]
fn a_pkgbuild_that_sleeps_is_killed_with_its_process_group() {
    let dir = checkout();
    // The background sleep stays in makepkg's process group: it must die too.
    std::fs::write(
        dir.path().join("PKGBUILD"),
        "sleep 98761 &\nsleep 98762\npkgname=slow\npkgver=1\npkgrel=1\narch=(any)\n",
    )
    .expect("write");
    let makepkg = Makepkg {
        timeout: Duration::from_secs(3),
        ..makepkg()
    };
    let err = read_bounded(dir.path(), makepkg).expect_err("timed out");
    assert!(
        matches!(err, SrcInfoError::Makepkg(MakepkgError::TimedOut { .. })),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("did not finish within 3 s"),
        "{err}"
    );
    // SIGKILL is delivered before killpg returns, but the processes may take a moment to
    // leave /proc: look a few times.
    let gone = (0..100).any(|_| {
        let alive = running(&["sleep", "98761"]) || running(&["sleep", "98762"]);
        if alive {
            std::thread::sleep(Duration::from_millis(50));
        }
        !alive
    });
    assert!(gone, "the PKGBUILD's processes outlived the timeout");
}

#[test]
fn a_pkgbuild_that_prints_without_end_is_killed() {
    let dir = checkout();
    std::fs::write(
        dir.path().join("PKGBUILD"),
        "yes pkgname\npkgname=loud\npkgver=1\npkgrel=1\narch=(any)\n",
    )
    .expect("write");
    let err = read_bounded(dir.path(), makepkg()).expect_err("too much output");
    assert!(
        matches!(
            err,
            SrcInfoError::Makepkg(MakepkgError::TooMuchOutput { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_linked_pkgbuild_is_not_run() {
    let secret = tempfile::tempdir().expect("tempdir");
    std::fs::write(secret.path().join("PKGBUILD"), "db_password=hunter2\n").expect("write");
    let dir = checkout();
    std::os::unix::fs::symlink(secret.path().join("PKGBUILD"), dir.path().join("PKGBUILD"))
        .expect("symlink");
    let err = read_bounded(dir.path(), makepkg()).expect_err("a link is refused");
    assert!(
        matches!(
            err,
            SrcInfoError::Makepkg(MakepkgError::UnsafePkgbuild { .. })
        ),
        "{err:?}"
    );
}

/// A makepkg that is not installed is named as such, with the fix; as root, not as
/// runuser's "Permission denied" from a directory in PATH the build user cannot enter.
#[test]
fn a_missing_makepkg_is_named_with_the_fix() {
    let dir = checkout();
    std::fs::write(
        dir.path().join("PKGBUILD"),
        "pkgname=x\npkgver=1\npkgrel=1\narch=(any)\n",
    )
    .expect("write");
    let makepkg = Makepkg {
        program: "archport-no-such-makepkg".into(),
        ..makepkg()
    };
    let err = read_bounded(dir.path(), makepkg).expect_err("no makepkg");
    let text = err.to_string();
    if is_root() {
        assert!(
            matches!(err, SrcInfoError::Makepkg(MakepkgError::NotFound { .. })),
            "{err:?}"
        );
        assert!(
            text.contains("archport-no-such-makepkg not found in PATH")
                && text.contains("set [tools] makepkg"),
            "{text}"
        );
    } else {
        assert!(
            text.contains("cannot run archport-no-such-makepkg"),
            "{text}"
        );
    }
}
