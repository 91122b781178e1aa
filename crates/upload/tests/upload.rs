//! Publishing: the repo-upload backend (against the stand-in script), the local backend
//! (against real repo-add), and a package really built by the stand-in makechrootpkg.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::io::Read as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use archport_config::Config;
use archport_testworld::fake_devtools_dir;
use archport_upload::{Uploader, built_files, prune_older, remove_from_cache, target_repo};

fn config(base: &Path, extra: &str) -> Config {
    let text = format!(
        r#"
arch = "aarch64"
[paths]
workdir = "work"
chroot = "chroot"
cache = "cache"
{extra}
"#
    );
    Config::from_toml(&text, Path::new("test.toml"), base).unwrap()
}

fn local_config(base: &Path) -> Config {
    config(
        base,
        // Relative to the config file, like every path.
        "[upload]\nbackend = \"local\"\nlocal_dir = \"repo\"\n",
    )
}

/// A minimal but real package: a gzip'd tar holding `.PKGINFO`, which is all repo-add reads.
fn package(dir: &Path, pkgname: &str, version: &str) -> PathBuf {
    let path = dir.join(format!("{pkgname}-{version}-aarch64.pkg.tar.gz"));
    let info = format!(
        "pkgname = {pkgname}\npkgbase = {pkgname}\npkgver = {version}\npkgdesc = test package\n\
         url = https://example.invalid/\nbuilddate = 1700000000\npackager = test\nsize = 0\n\
         arch = aarch64\n"
    );
    let file = std::fs::File::create(&path).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::default(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_size(info.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(1_700_000_000);
    tar.append_data(&mut header, ".PKGINFO", info.as_bytes())
        .unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    path
}

/// The `name-version` entries of a repo-add database.
fn db_entries(db: &Path) -> Vec<String> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(db).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut entries: Vec<String> = archive
        .entries()
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path().unwrap().to_string_lossy().into_owned();
            path.strip_suffix("/desc").map(str::to_owned)
        })
        .collect();
    entries.sort();
    entries
}

/// A script that runs the fake repo-upload with the environment it needs (tests cannot set
/// their own process environment safely).
fn repo_upload_wrapper(dir: &Path, env: &[(&str, &Path)], fail: Option<&str>) -> PathBuf {
    let mut script = String::from("#!/bin/sh\n");
    for (key, value) in env {
        script.push_str(&format!("export {key}='{}'\n", value.display()));
    }
    if let Some(text) = fail {
        script.push_str(&format!("export FAKE_FAIL_UPLOAD='{text}'\n"));
    }
    script.push_str(&format!(
        "exec '{}' \"$@\"\n",
        fake_devtools_dir().join("repo-upload").display()
    ));
    let path = dir.join("repo-upload");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[test]
fn repositories_map_to_their_testing_repositories() {
    let map = BTreeMap::from([
        ("core".to_owned(), "core-testing".to_owned()),
        ("extra".to_owned(), "extra-testing".to_owned()),
    ]);
    assert_eq!(target_repo("core", &map).unwrap(), "core-testing");
    assert_eq!(target_repo("extra", &map).unwrap(), "extra-testing");
    let err = target_repo("multilib", &map).unwrap_err().to_string();
    assert_eq!(
        err,
        "repository \"multilib\" has no upload target in upload.repo_map (mapped: core, extra)"
    );
}

#[tokio::test]
async fn repo_upload_sends_each_file_with_arch_repo_and_bucket() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let calls = b.join("calls.log");
    let uploaded = b.join("uploaded");
    let wrapper = repo_upload_wrapper(
        b,
        &[
            ("FAKE_DEVTOOLS_LOG", &calls),
            ("FAKE_UPLOAD_DIR", &uploaded),
        ],
        None,
    );
    let config = config(
        b,
        &format!(
            "[upload]\nbackend = \"repo-upload\"\ncommand = \"{}\"\nbucket = \"test-bucket\"\n",
            wrapper.display()
        ),
    );
    let uploader = Uploader::from_config(&config);
    assert_eq!(uploader.local_repo_dir("core-testing"), None);
    let files = vec![
        package(b, "libsound", "1.2.0-1"),
        package(b, "sound-tools", "1.2.0-1"),
    ];
    let cmds = uploader.upload_cmds(&files, "extra").unwrap();
    assert_eq!(
        cmds.iter().map(ToString::to_string).collect::<Vec<_>>(),
        files
            .iter()
            .map(|f| format!(
                "{} {} --arch aarch64 --repo extra-testing --bucket test-bucket",
                wrapper.display(),
                f.display()
            ))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        uploader.upload(&files, "extra").await.unwrap(),
        "extra-testing"
    );
    let recorded = std::fs::read_to_string(&calls).unwrap();
    let expected: String = files
        .iter()
        .map(|f| {
            format!(
                "repo-upload {} --arch aarch64 --repo extra-testing --bucket test-bucket\n",
                f.display()
            )
        })
        .collect();
    assert_eq!(recorded, expected);
    for file in &files {
        assert!(uploaded.join(file.file_name().unwrap()).is_file());
    }
}

#[tokio::test]
async fn a_failed_upload_names_the_file_and_the_command() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let calls = b.join("calls.log");
    let wrapper = repo_upload_wrapper(b, &[("FAKE_DEVTOOLS_LOG", &calls)], Some("sound-tools"));
    let config = config(
        b,
        &format!(
            "[upload]\ncommand = \"{}\"\nbucket = \"bkt\"\n",
            wrapper.display()
        ),
    );
    let files = vec![
        package(b, "libsound", "1.2.0-1"),
        package(b, "sound-tools", "1.2.0-1"),
        package(b, "sound-docs", "1.2.0-1"),
    ];
    let err = Uploader::from_config(&config)
        .upload(&files, "extra")
        .await
        .unwrap_err()
        .to_string();
    let bad = files[1].display().to_string();
    assert!(
        err.starts_with(&format!("{bad}: `{} {bad} --arch", wrapper.display())),
        "{err}"
    );
    assert!(err.contains("exit status: 1"), "{err}");
    assert!(err.ends_with("failed (FAKE_FAIL_UPLOAD)"), "{err}");
    // Stopped at the failure: the third file was not attempted.
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 2);
}

#[tokio::test]
async fn local_upload_copies_and_adds_to_the_database() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let uploader = Uploader::from_config(&local_config(b));
    let dir = uploader.local_repo_dir("core-testing").unwrap();
    assert_eq!(dir, b.join("repo/core-testing/os/aarch64"));
    let files = vec![package(b, "zlib", "1:1.3.1-2")];
    let cmds = uploader.upload_cmds(&files, "core").unwrap();
    assert_eq!(
        cmds.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [format!(
            "cd {d} && repo-add {d}/core-testing.db.tar.gz {d}/zlib-1:1.3.1-2-aarch64.pkg.tar.gz",
            d = dir.display()
        )]
    );
    assert_eq!(
        uploader.upload(&files, "core").await.unwrap(),
        "core-testing"
    );
    assert!(dir.join("zlib-1:1.3.1-2-aarch64.pkg.tar.gz").is_file());
    assert_eq!(
        db_entries(&dir.join("core-testing.db.tar.gz")),
        ["zlib-1:1.3.1-2"]
    );
    // A newer build replaces the entry.
    uploader
        .upload(&[package(b, "zlib", "1:1.3.1-3")], "core")
        .await
        .unwrap();
    assert_eq!(
        db_entries(&dir.join("core-testing.db.tar.gz")),
        ["zlib-1:1.3.1-3"]
    );
}

#[tokio::test]
async fn concurrent_local_uploads_take_turns_and_both_land() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let uploader = Uploader::from_config(&local_config(b));
    let names = ["alpha", "beta", "gamma", "delta"];
    let files: Vec<PathBuf> = names.iter().map(|n| package(b, n, "1.0-1")).collect();
    let uploads = files.iter().map(|f| {
        let uploader = uploader.clone();
        let file = f.clone();
        tokio::spawn(async move { uploader.upload(&[file], "extra").await })
    });
    for upload in uploads.collect::<Vec<_>>() {
        upload.await.unwrap().unwrap();
    }
    let dir = uploader.local_repo_dir("extra-testing").unwrap();
    assert_eq!(
        db_entries(&dir.join("extra-testing.db.tar.gz")),
        ["alpha-1.0-1", "beta-1.0-1", "delta-1.0-1", "gamma-1.0-1"]
    );
}

#[tokio::test]
async fn a_package_repo_add_rejects_is_an_error_naming_it() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let broken = b.join("broken-1.0-1-aarch64.pkg.tar.gz");
    std::fs::write(&broken, "not a package").unwrap();
    let err = Uploader::from_config(&local_config(b))
        .upload(std::slice::from_ref(&broken), "core")
        .await
        .unwrap_err()
        .to_string();
    let dir = b.join("repo/core-testing/os/aarch64");
    assert!(
        err.starts_with(&format!(
            "{}: `cd {d} && repo-add {d}/core-testing.db.tar.gz {d}/broken-1.0-1-aarch64.pkg.tar.gz`: exit status",
            broken.display(),
            d = dir.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_real_build_by_the_fake_makechrootpkg_is_published_by_real_repo_add() {
    use archport_chroot::{BuildSpec, Cancel, Devtools, commit_time, copy_name, run};
    use archport_testworld::{World, demo, prepare_build_dir};

    let world = World::build(demo()).unwrap();
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let scratch = tempfile::tempdir().unwrap();
    prepare_build_dir(scratch.path()).unwrap(); // the fake builds as archport-test under root
    let dir = b.join("work/pkgbuilds/zlib");
    let url = format!("file://{}", world.packaging_repo_path("zlib").display());
    git2::Repository::clone(&url, &dir).unwrap();
    let fake = fake_devtools_dir();
    let config = config(
        b,
        &format!(
            "[tools]\nmakechrootpkg = \"{f}/makechrootpkg\"\narch_nspawn = \"{f}/arch-nspawn\"\n\
             mkarchroot = \"{f}/mkarchroot\"\nsudo = \"{f}/sudo\"\nbuild_user = \"archport-test\"\n\
             [upload]\nbackend = \"local\"\n",
            f = fake.display()
        ),
    );
    let devtools = Devtools::from_config(&config, false);
    let calls = b.join("devtools.log").to_string_lossy().into_owned();
    let log = b.join("build.log");
    let spec = BuildSpec {
        pkgbase: "zlib".into(),
        dir: dir.clone(),
        copy: copy_name(1),
        ignorearch: true,
        checkdepends: Vec::new(),
        keys: Vec::new(),
        source_date_epoch: commit_time(&dir),
    };
    // An older build of the same package is already there.
    package(&dir, "zlib", "1:1.3.1-1");
    let cmds = devtools
        .chroot_dir_cmd()
        .into_iter()
        .chain(devtools.root_chroot_cmd())
        .chain(devtools.build_cmds(&spec).unwrap());
    for cmd in cmds {
        let status = run(&cmd.env("FAKE_DEVTOOLS_LOG", &calls), &log, &Cancel::new())
            .await
            .unwrap();
        assert!(
            status.success(),
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
    }
    let pruned = prune_older(&dir, &["zlib"]).unwrap();
    assert_eq!(pruned, [dir.join("zlib-1:1.3.1-1-aarch64.pkg.tar.gz")]);
    let built = built_files(&dir, &["zlib"], "1:1.3.1-2").unwrap();
    assert_eq!(built.len(), 1);

    let cache = b.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::copy(&built[0], cache.join(built[0].file_name().unwrap())).unwrap();

    let uploader = Uploader::from_config(&config);
    assert_eq!(
        uploader.upload(&built, "core").await.unwrap(),
        "core-testing"
    );
    let repo = uploader.local_repo_dir("core-testing").unwrap();
    assert_eq!(
        db_entries(&repo.join("core-testing.db.tar.gz")),
        ["zlib-1:1.3.1-2"]
    );
    assert_eq!(
        remove_from_cache(&cache, &built).unwrap(),
        [cache.join(built[0].file_name().unwrap())]
    );
}

/// AUR and local entries go to `[upload] port_repo` as it is (x86_64 has no testing
/// repository for them); official entries still go to their testing repository.
#[tokio::test]
async fn port_packages_are_published_to_the_port_repository() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let config = config(
        b,
        "[target]\nport_repos = [\"forge\"]\n\
         [upload]\nbackend = \"local\"\nlocal_dir = \"repo\"\nport_repo = \"forge\"\n",
    );
    let uploader = Uploader::from_config(&config);
    assert_eq!(uploader.publish_repo("extra", true), "forge");
    assert_eq!(uploader.publish_repo("extra", false), "extra");
    let board = vec![package(b, "uboot-board", "2024.10-1")];
    let repo = uploader.publish_repo("extra", true);
    assert_eq!(uploader.upload(&board, repo).await.unwrap(), "forge");
    let zlib = vec![package(b, "zlib", "1:1.3.1-2")];
    let repo = uploader.publish_repo("core", false);
    assert_eq!(uploader.upload(&zlib, repo).await.unwrap(), "core-testing");
    let forge = uploader.local_repo_dir("forge").unwrap();
    assert_eq!(
        db_entries(&forge.join("forge.db.tar.gz")),
        ["uboot-board-2024.10-1"]
    );
    let testing = uploader.local_repo_dir("core-testing").unwrap();
    assert_eq!(
        db_entries(&testing.join("core-testing.db.tar.gz")),
        ["zlib-1:1.3.1-2"]
    );
}

#[test]
fn the_port_repository_must_be_one_the_target_reads() {
    let base = tempfile::tempdir().unwrap();
    let err = Config::from_toml(
        "[upload]\nport_repo = \"forge\"\n",
        Path::new("test.toml"),
        base.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("upload.port_repo") && err.contains("forge is not one of [target] port_repos"),
        "{err}"
    );
}
