use std::path::Path;

use super::*;

#[test]
fn defaults_point_at_real_services() {
    let dir = tempfile::tempdir().unwrap();
    let c = Config::load(None, dir.path()).unwrap();
    assert_eq!(c.arch, "aarch64");
    assert_eq!(c.repos, ["core", "extra"]);
    assert_eq!(
        c.x86_db_url("core"),
        "https://geo.mirror.pkgbuild.com/core/os/x86_64/core.db"
    );
    assert_eq!(
        c.target_db_urls()[1],
        (
            "extra".to_string(),
            "https://arch-linux-repo.drzee.net/arch/extra/os/aarch64/extra.db".to_string()
        )
    );
    assert_eq!(c.paths.workdir, dir.path().join("."));
    assert_eq!(c.paths.cache, Path::new("/var/tmp/builder/pacman-cache"));
    assert_eq!(c.upload.backend, UploadBackend::RepoUpload);
    assert_eq!(c.file, None);
}

#[test]
fn arch_defaults_to_makepkg_conf_carch() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("chroot-config")).unwrap();
    std::fs::write(
        dir.path().join("chroot-config/makepkg.conf"),
        "#CARCH=\"x\"\nCARCH=\"riscv64\" # target\nCHOST=\"riscv64-unknown-linux-gnu\"\n",
    )
    .unwrap();
    assert_eq!(Config::load(None, dir.path()).unwrap().arch, "riscv64");
}

#[test]
fn file_in_cwd_is_read_and_relative_paths_follow_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/my.toml"),
        "arch = \"aarch64\"\n[paths]\nworkdir = \"work\"\n[tools]\nmakechrootpkg = \"bin/fake-makechrootpkg\"\nsudo = \"doas\"\n[upload]\nbackend = \"local\"\n[target]\ndb_urls = [\"http://h/a/core.db\"]\n",
    )
    .unwrap();
    let c = Config::load(Some(Path::new("sub/my.toml")), dir.path()).unwrap();
    assert_eq!(c.paths.workdir, dir.path().join("sub/work"));
    assert_eq!(
        c.tools.makechrootpkg,
        dir.path()
            .join("sub/bin/fake-makechrootpkg")
            .to_string_lossy()
    );
    assert_eq!(c.tools.sudo, "doas");
    assert_eq!(c.upload.local_dir, dir.path().join("sub/work/repo"));
    assert_eq!(c.upload.backend, UploadBackend::Local);
    assert_eq!(
        c.target_db_urls(),
        vec![("core".to_string(), "http://h/a/core.db".to_string())]
    );

    std::fs::write(dir.path().join(DEFAULT_FILE), "repos = [\"core\"]\n").unwrap();
    assert_eq!(Config::load(None, dir.path()).unwrap().repos, ["core"]);
}

#[test]
fn the_system_file_comes_after_the_local_one_and_before_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    let system = dir.path().join("etc/archport.toml");
    assert_eq!(
        Config::load_searching(None, &cwd, &system).unwrap().file,
        None
    );

    std::fs::create_dir(dir.path().join("etc")).unwrap();
    std::fs::write(
        &system,
        "repos = [\"extra\"]\n[upload]\nlocal_dir = \"repo\"\n",
    )
    .unwrap();
    let c = Config::load_searching(None, &cwd, &system).unwrap();
    assert_eq!(c.file.as_deref(), Some(system.as_path()));
    assert_eq!(c.repos, ["extra"]);
    // Relative to the file's directory, like every other path.
    assert_eq!(c.upload.local_dir, dir.path().join("etc/repo"));

    std::fs::write(cwd.join(DEFAULT_FILE), "repos = [\"core\"]\n").unwrap();
    assert_eq!(
        Config::load_searching(None, &cwd, &system).unwrap().repos,
        ["core"]
    );
}

#[test]
fn unknown_key_names_key_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archport.toml");
    std::fs::write(
        &path,
        "arch = \"aarch64\"\n[x86]\nmirror = \"http://x\"\nmirorr = \"http://y\"\n",
    )
    .unwrap();
    let err = Config::load(None, dir.path()).unwrap_err().to_string();
    assert!(err.contains("mirorr"), "{err}");
    assert!(err.starts_with(&format!("{}:4: ", path.display())), "{err}");
    assert!(!err.contains('\n'), "{err}");

    std::fs::write(&path, "colour = true\n").unwrap();
    let err = Config::load(None, dir.path()).unwrap_err().to_string();
    assert!(err.contains("colour") && err.contains(":1:"), "{err}");
}

#[test]
fn bad_values_are_errors() {
    let p = Path::new("c.toml");
    let b = Path::new("/");
    for (text, key) in [
        ("arch = \"../x\"", "arch"),
        ("repos = []", "repos"),
        (
            "[sources]\npackaging_url = \"https://x/y.git\"",
            "packaging_url",
        ),
        ("[upload]\nbackend = \"s3\"", "backend"),
        ("repos = \"core\"", "repos"),
    ] {
        let err = Config::from_toml(text, p, b).unwrap_err().to_string();
        assert!(
            err.contains(key) && err.starts_with("c.toml"),
            "{text}: {err}"
        );
    }
    let err = Config::load(Some(Path::new("/nonexistent/a.toml")), b)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("/nonexistent/a.toml: "), "{err}");
}

#[test]
fn repo_of_url() {
    assert_eq!(
        repo_of_db_url("http://h/extra/os/aarch64/extra.db"),
        "extra"
    );
    assert_eq!(repo_of_db_url("http://h/x/core.db.tar.gz"), "core");
}

#[test]
fn bootstrap_stages_default_to_the_issue_and_are_configurable() {
    let p = Path::new("c.toml");
    let b = Path::new("/");
    let c = Config::from_toml("", p, b).unwrap();
    assert_eq!(
        c.bootstrap.stage1,
        [
            "linux-api-headers",
            "glibc",
            "binutils",
            "gcc",
            "gmp",
            "mpfr",
            "libmpc",
            "libisl"
        ]
    );
    assert_eq!(
        c.bootstrap.stage2,
        ["glibc", "binutils", "gcc", "libtool", "valgrind"]
    );

    let c = Config::from_toml(
        "[bootstrap]\nstage1 = [\"glibc\", \"gcc\"]\nstage2 = [\"gcc\"]\n",
        p,
        b,
    )
    .unwrap();
    assert_eq!(c.bootstrap.stage1, ["glibc", "gcc"]);
    assert_eq!(c.bootstrap.stage2, ["gcc"]);
    assert_eq!(
        c.bootstrap.only,
        ["linux-api-headers", "glibc", "binutils", "gcc"]
    );

    for (text, problem) in [
        (
            "[bootstrap]\nstage1 = []",
            "bootstrap.stage1: a stage needs at least one pkgbase",
        ),
        (
            "[bootstrap]\nstage2 = [\"../gcc\"]",
            "bootstrap.stage2: \"../gcc\" is not a pkgbase name",
        ),
        (
            "[bootstrap]\nstage1 = [\"gcc\", \"gcc\"]",
            "bootstrap.stage1: gcc is listed twice",
        ),
        ("[bootstrap]\nstage3 = [\"gcc\"]", "stage3"),
    ] {
        let err = Config::from_toml(text, p, b).unwrap_err().to_string();
        assert!(
            err.contains(problem) && err.starts_with("c.toml"),
            "{text}: {err}"
        );
    }
}

#[test]
fn overrides_replace_paths_and_resolve_against_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::load(None, dir.path()).unwrap();
    let configured_cache = c.paths.cache.clone();
    assert!(!c.paths.blacklist_required);
    c.apply_overrides(
        &Overrides {
            chroot: Some("rel/chroot".into()),
            cache: None,
            blacklist: Some("bl.txt".into()),
        },
        Path::new("/here"),
    );
    assert_eq!(c.paths.chroot, Path::new("/here/rel/chroot"));
    assert_eq!(c.paths.cache, configured_cache);
    assert_eq!(c.paths.blacklist, Path::new("bl.txt"));
    assert!(c.paths.blacklist_required);
    assert_eq!(c.workdir().root(), c.paths.workdir);
}

#[test]
fn limits_have_defaults_and_are_known_keys() {
    let base = Path::new("/w");
    let file = Path::new("/w/archport.toml");
    let c = Config::from_toml("", file, base).unwrap();
    assert_eq!(c.limits, crate::Limits::default());
    let text = "[limits]\nmax_download_mib = 16\nmax_db_mib = 64\nmax_entry_kib = 512\n\
                max_entries_per_package = 10\ndownload_timeout_secs = 2\n\
                printsrcinfo_secs = 3\n";
    let c = Config::from_toml(text, file, base).unwrap();
    assert_eq!(
        c.limits,
        crate::Limits {
            max_download_mib: 16,
            max_db_mib: 64,
            max_entry_kib: 512,
            max_entries_per_package: 10,
            download_timeout_secs: 2,
            printsrcinfo_secs: 3,
        }
    );
    let err = Config::from_toml("[limits]\nmax_db_mib = 0\n", file, base).unwrap_err();
    assert!(err.to_string().contains("limits.max_db_mib"), "{err}");
    let err = Config::from_toml("[limits]\nmax_db_gib = 1\n", file, base).unwrap_err();
    assert!(err.to_string().contains("max_db_gib"), "{err}");
}

#[test]
fn the_status_page_lives_in_the_workdir_unless_configured() {
    let base = Path::new("/w");
    let file = Path::new("/w/archport.toml");
    let c = Config::from_toml("[paths]\nworkdir = \"work\"\n", file, base).unwrap();
    assert_eq!(c.status.dir, Path::new("/w/work/status"));
    assert_eq!(c.status.dir, c.workdir().status());
    let c = Config::from_toml("[status]\ndir = \"public/./port\"\n", file, base).unwrap();
    assert_eq!(c.status.dir, Path::new("/w/public/port"));
    let c = Config::from_toml("[status]\ndir = \"/srv/www\"\n", file, base).unwrap();
    assert_eq!(c.status.dir, Path::new("/srv/www"));
    let err = Config::from_toml("[status]\npath = \"x\"\n", file, base).unwrap_err();
    assert!(err.to_string().contains("path"), "{err}");
}

#[test]
fn build_keys_have_defaults_and_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let file = Path::new("a.toml");
    let c = Config::from_toml("", file, dir.path()).unwrap();
    assert_eq!(c.build.keep_failed_copies, DEFAULT_KEEP_FAILED_COPIES);
    assert_eq!(c.build.timeout, None);
    let c = Config::from_toml(
        "[build]\nkeep_failed_copies = 1\ntimeout = \"6h\"\n",
        file,
        dir.path(),
    )
    .unwrap();
    assert_eq!(c.build.keep_failed_copies, 1);
    assert_eq!(
        c.build.timeout,
        Some(std::time::Duration::from_secs(6 * 3600))
    );
    for (value, secs) in [
        ("90", 90),
        ("\"90s\"", 90),
        ("\"45m\"", 2700),
        ("\"1d\"", 86_400),
    ] {
        let c =
            Config::from_toml(&format!("[build]\ntimeout = {value}\n"), file, dir.path()).unwrap();
        assert_eq!(c.build.timeout, Some(std::time::Duration::from_secs(secs)));
    }
    for (toml, problem) in [
        (
            "[build]\nkeep_failed_copies = 0\n",
            "build.keep_failed_copies: must be at least 1 (--cleanup-on-failure keeps none)",
        ),
        (
            "[build]\ntimeout = 0\n",
            "build.timeout: must be above zero (leave it out for no limit)",
        ),
        (
            "[build]\ntimeout = \"6 hours\"\n",
            "build.timeout: \"6 hours\" is not a duration (seconds, or a number with s, m, h or d)",
        ),
    ] {
        let err = Config::from_toml(toml, file, dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains(problem), "{err}");
    }
}

#[test]
fn the_default_build_user_is_the_sudo_user_then_the_work_directory_s_owner() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(default_build_user(Some("alice"), dir.path()), "alice");
    // Root never builds: makechrootpkg refuses it.
    let owner = std::fs::metadata(dir.path()).map(|m| std::os::unix::fs::MetadataExt::uid(&m));
    if owner.unwrap() == 0 {
        assert_eq!(
            default_build_user(Some("root"), dir.path()),
            FALLBACK_BUILD_USER
        );
        assert_eq!(default_build_user(None, dir.path()), FALLBACK_BUILD_USER);
        // A work directory owned by a real user: that user builds.
        let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
        std::os::unix::fs::chown(dir.path(), Some(nobody.uid.as_raw()), None).unwrap();
        assert_eq!(default_build_user(None, dir.path()), "nobody");
        assert_eq!(default_build_user(Some(""), dir.path()), "nobody");
    }
    assert_eq!(
        default_build_user(None, &dir.path().join("absent")),
        FALLBACK_BUILD_USER
    );
}

#[test]
fn queue_defaults_to_sqlite_and_reads_its_keys() {
    let base = Path::new("/w");
    let file = Path::new("/w/archport.toml");
    let c = Config::from_toml("", file, base).unwrap();
    assert_eq!(
        c.queue,
        crate::Queue {
            url: None,
            lease_seconds: crate::DEFAULT_LEASE_SECONDS,
            host: None,
        }
    );
    let text = "[queue]\nurl = \"postgres://builder@db/archport\"\nlease_seconds = 30\n\
                host = \"aarch64-box-2\"\n";
    let c = Config::from_toml(text, file, base).unwrap();
    assert_eq!(
        c.queue,
        crate::Queue {
            url: Some("postgres://builder@db/archport".into()),
            lease_seconds: 30,
            host: Some("aarch64-box-2".into()),
        }
    );
    let err = Config::from_toml("[queue]\nlease_seconds = 0\n", file, base).unwrap_err();
    assert!(err.to_string().contains("queue.lease_seconds"), "{err}");
    let err = Config::from_toml("[queue]\nlease = 5\n", file, base).unwrap_err();
    assert!(err.to_string().contains("lease"), "{err}");
}
