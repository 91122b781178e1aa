//! The demo world made real: databases readable by pacman, git repositories readable by
//! git, a configuration pointing at them, and upstream moving on.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::Path;

use archport_testworld::{
    Compression, PkgbaseSpec, Repo, Side, World, WorldError, WorldSpec, demo, render_pkgbuild,
    render_srcinfo,
};
use common::{bsdtar_descs, git, http_get, run};

/// `pacman -Sl` and `pacman -Si` over one database file: libalpm as the format oracle.
fn pacman(db: &Path, repo: Repo, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("db/sync")).unwrap();
    std::fs::copy(db, dir.path().join(format!("db/sync/{repo}.db"))).unwrap();
    let conf = dir.path().join("pacman.conf");
    std::fs::write(
        &conf,
        format!(
            "[options]\nDBPath = {}/db\nSigLevel = Never\nArchitecture = auto\n\n[{repo}]\nServer = file:///nonexistent\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let mut full: Vec<&std::ffi::OsStr> = vec!["--config".as_ref(), conf.as_os_str()];
    full.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
    run("pacman", &full)
}

#[test]
fn demo_databases_hold_the_spec_and_pacman_reads_them() {
    let world = World::build(demo()).unwrap();
    for side in [Side::X86, Side::Target] {
        for repo in Repo::ALL {
            let db = world.db_path(side, repo);
            let expected: std::collections::BTreeMap<String, String> = world
                .db_entries(side, repo)
                .iter()
                .map(|e| (e.dir_name(), e.render()))
                .collect();
            assert_eq!(bsdtar_descs(&db), expected, "{side} {repo}");
            let sibling = db.with_file_name(format!("{repo}.db.tar.gz"));
            assert_eq!(
                std::fs::read(&sibling).unwrap(),
                std::fs::read(&db).unwrap()
            );

            let mut listed: Vec<String> = pacman(&db, repo, &["-Sl", repo.as_str()])
                .lines()
                .map(|l| l.split(' ').skip(1).take(2).collect::<Vec<_>>().join(" "))
                .collect();
            listed.sort();
            let mut wanted: Vec<String> = world
                .db_entries(side, repo)
                .iter()
                .map(|e| format!("{} {}", e.name, e.version))
                .collect();
            wanted.sort();
            assert_eq!(listed, wanted, "{side} {repo}");
        }
    }
    let info = pacman(
        &world.db_path(Side::X86, Repo::Extra),
        Repo::Extra,
        &["-Si", "sound-tools"],
    );
    assert!(info.contains("libsound.so=2-64"), "{info}");
    assert!(info.contains("Sound command line tools"), "{info}");
    let target = world.db_path(Side::Target, Repo::Core);
    assert!(target.ends_with("mirror-target/core/os/aarch64/core.db"));
    let descs = bsdtar_descs(&target);
    assert!(descs.contains_key("uboot-tools-2024.10-1"));
    assert!(descs["zlib-1:1.3.1-1"].contains("%ARCH%\naarch64\n"));
    let extra = bsdtar_descs(&world.db_path(Side::Target, Repo::Extra));
    assert!(extra["archlinux-keyring-data-20240913-1"].contains("%ARCH%\nany\n"));
    assert!(
        !extra
            .keys()
            .any(|k| k.starts_with("ninja-") || k.starts_with("vulkan-tools-"))
    );
}

#[test]
fn state_repo_records_the_tagged_packaging_commits() {
    let world = World::build(demo()).unwrap();
    let clones = tempfile::tempdir().unwrap();
    let state = clones.path().join("state");
    git(&[
        "clone",
        "--quiet",
        "--depth",
        "1",
        &world.state_url(),
        state.to_str().unwrap(),
    ]);
    let entries = world.state_entries();
    assert_eq!(entries.len(), world.spec().x86.len());
    for entry in &entries {
        let text = std::fs::read_to_string(state.join(entry.file_path())).unwrap();
        assert_eq!(text, entry.line());
    }
    let files = git(&["-C", state.to_str().unwrap(), "ls-files"]);
    assert_eq!(files.lines().count(), entries.len());
    assert!(files.contains("extra-any/archlinux-keyring-data\n"));
    assert!(files.contains("core-x86_64/zlib\n"));

    for spec in &world.spec().x86 {
        let entry = entries.iter().find(|e| e.pkgbase == spec.name).unwrap();
        let checkout = clones.path().join(&spec.name);
        let checkout = checkout.to_str().unwrap();
        git(&[
            "clone",
            "--quiet",
            &world.packaging_url(&spec.name),
            checkout,
        ]);
        let peeled = git(&[
            "-C",
            checkout,
            "rev-parse",
            &format!("{}^{{commit}}", entry.tag),
        ]);
        assert_eq!(peeled.trim(), entry.commit, "{}", spec.name);
        assert_eq!(
            git(&["-C", checkout, "cat-file", "-t", &entry.tag]).trim(),
            "tag"
        );
        git(&["-C", checkout, "checkout", "--quiet", &entry.tag]);
        let pkgbuild = std::fs::read_to_string(Path::new(checkout).join("PKGBUILD")).unwrap();
        assert_eq!(pkgbuild, render_pkgbuild(spec).unwrap());
        let srcinfo = std::fs::read_to_string(Path::new(checkout).join(".SRCINFO")).unwrap();
        assert_eq!(srcinfo, render_srcinfo(spec).unwrap());
    }
    // cmake has an earlier tagged version, at the parent commit.
    let cmake = world.tagged_versions("cmake");
    assert_eq!(
        cmake.iter().map(|t| t.tag.as_str()).collect::<Vec<_>>(),
        ["3.30.4-1", "3.30.5-1"]
    );
    let checkout = clones.path().join("cmake");
    let parent = git(&[
        "-C",
        checkout.to_str().unwrap(),
        "rev-parse",
        "3.30.5-1^{commit}^",
    ]);
    assert_eq!(parent.trim(), cmake[0].commit);
    // Tags follow tag_for_version.
    assert_eq!(world.tagged_versions("zlib")[0].tag, "1-1.3.1-2");
    assert_eq!(world.tagged_versions("vulkan-tools")[0].tag, "1.4.0.rc2-1");
    // The AUR repository exists and holds the PKGBUILD.
    let aur = clones.path().join("yay-bin-aur");
    git(&[
        "clone",
        "--quiet",
        &world.aur_url("yay-bin"),
        aur.to_str().unwrap(),
    ]);
    assert!(
        std::fs::read_to_string(aur.join(".SRCINFO"))
            .unwrap()
            .starts_with("pkgbase = yay-bin\n")
    );
}

#[test]
fn bump_moves_upstream_on() {
    let mut world = World::build(demo()).unwrap();
    let db_url = format!("{}/core/os/x86_64/core.db", world.mirror_x86_url());
    let first = http_get(&db_url, &[]);
    assert_eq!(first.status, 200);
    let etag = first.headers["etag"].clone();
    let old = world.tagged_versions("zlib")[0].clone();

    let new = world.bump("zlib", "1:1.3.2-1").unwrap();
    assert_eq!(new.tag, "1-1.3.2-1");
    let entry = world
        .state_entries()
        .into_iter()
        .find(|e| e.pkgbase == "zlib")
        .unwrap();
    assert_eq!(
        (entry.version.as_str(), entry.commit.as_str()),
        ("1:1.3.2-1", new.commit.as_str())
    );

    let clones = tempfile::tempdir().unwrap();
    let state = clones.path().join("state");
    git(&[
        "clone",
        "--quiet",
        &world.state_url(),
        state.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(state.join("core-x86_64/zlib")).unwrap(),
        entry.line()
    );
    let log = git(&["-C", state.to_str().unwrap(), "log", "--format=%s"]);
    assert_eq!(log, "zlib: update to 1:1.3.2-1\ninitial state\n");
    let zlib = clones.path().join("zlib");
    git(&[
        "clone",
        "--quiet",
        &world.packaging_url("zlib"),
        zlib.to_str().unwrap(),
    ]);
    for tagged in [&old, &new] {
        let peeled = git(&[
            "-C",
            zlib.to_str().unwrap(),
            "rev-parse",
            &format!("{}^{{commit}}", tagged.tag),
        ]);
        assert_eq!(peeled.trim(), tagged.commit);
    }

    // The database changed, so the old ETag no longer matches.
    let second = http_get(&db_url, &[("If-None-Match", &etag)]);
    assert_eq!(second.status, 200);
    assert_ne!(second.headers["etag"], etag);
    assert!(String::from_utf8_lossy(&flate2_gunzip(&second.body)).contains("1:1.3.2-1"));

    // A version already tagged cannot be released again.
    assert!(matches!(
        world.bump("zlib", "1:1.3.1-2"),
        Err(WorldError::Spec { .. })
    ));
    assert!(matches!(
        world.bump("nope", "1-1"),
        Err(WorldError::UnknownPkgbase { .. })
    ));

    // A changed pkgbase (new makedepends) and a new one.
    let ninja_target = PkgbaseSpec::new("ninja", "1.12.1-1").depends(["glibc"]);
    world.set_target(ninja_target).unwrap();
    assert!(bsdtar_descs(&world.db_path(Side::Target, Repo::Extra)).contains_key("ninja-1.12.1-1"));
    world
        .update(
            PkgbaseSpec::new("meson", "1.6.0-1")
                .any()
                .depends(["python", "ninja"])
                .history(["1.5.0-1"]),
        )
        .unwrap();
    assert_eq!(world.tagged_versions("meson").len(), 2);
    assert!(
        world
            .state_entries()
            .iter()
            .any(|e| e.file_path() == "extra-any/meson" && e.version == "1.6.0-1")
    );
    world.remove("re2c").unwrap();
    assert!(!world.state_entries().iter().any(|e| e.pkgbase == "re2c"));
    assert!(!bsdtar_descs(&world.db_path(Side::X86, Repo::Extra)).contains_key("re2c-4.0-1"));
    world.remove_target("bash").unwrap();
    assert!(!bsdtar_descs(&world.db_path(Side::Target, Repo::Core)).contains_key("bash-5.2.037-2"));
}

fn flate2_gunzip(data: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn config_points_at_the_world() {
    let world = World::build(demo()).unwrap();
    let path = world.root().join("archport.toml");
    world.write_config(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let root = world.root().display().to_string();
    let port = world.server().port();
    let expected = format!(
        "arch = \"aarch64\"\nrepos = [\"core\", \"extra\"]\n\n[x86]\nmirror = \"http://127.0.0.1:{port}/mirror-x86\"\n\
         state_repo = \"file://{root}/git/state\"\n\n[target]\nmirror = \"http://127.0.0.1:{port}/mirror-target\"\n\n\
         [sources]\npackaging_url = \"file://{root}/git/packaging/{{path}}.git\"\n\
         aur_url = \"file://{root}/git/aur/{{pkgbase}}.git\"\n\n[paths]\nworkdir = \"{root}/work\"\n"
    );
    assert_eq!(text, expected);
    // Every URL in it answers.
    assert_eq!(
        http_get(
            &format!("{}/extra/os/aarch64/extra.db", world.mirror_target_url()),
            &[]
        )
        .status,
        200
    );
    let template = world.packaging_url_template().replace("{path}", "libfoo");
    git(&["ls-remote", "--tags", &template]);
    assert!(
        Path::new(
            &world
                .aur_url_template()
                .replace("{pkgbase}", "yay-bin")
                .replace("file://", "")
        )
        .is_dir()
    );
}

#[test]
fn compression_variants_are_served_and_readable() {
    let mut world = World::build(demo()).unwrap();
    let magic: [(Compression, &[u8]); 4] = [
        (Compression::Zstd, &[0x28, 0xb5, 0x2f, 0xfd]),
        (Compression::Xz, &[0xfd, b'7', b'z', b'X', b'Z']),
        (Compression::None, b"bash-5.2.037-2/"),
        (Compression::Gzip, &[0x1f, 0x8b]),
    ];
    let expected = bsdtar_descs(&world.db_path(Side::Target, Repo::Core));
    for (compression, magic) in magic {
        world
            .set_db_compression(Side::Target, Repo::Core, compression)
            .unwrap();
        let served = http_get(
            &format!("{}/core/os/aarch64/core.db", world.mirror_target_url()),
            &[],
        );
        assert!(served.body.starts_with(magic), "{compression:?}");
        assert_eq!(
            bsdtar_descs(&world.db_path(Side::Target, Repo::Core)),
            expected,
            "{compression:?}"
        );
        let dir = world.db_dir(Side::Target, Repo::Core);
        let archives: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("core.db.tar"))
            .collect();
        assert_eq!(archives, [format!("core.db{}", compression.tar_suffix())]);
        assert_eq!(
            world
                .db_bytes(Side::Target, Repo::Core, compression)
                .unwrap(),
            std::fs::read(world.db_path(Side::Target, Repo::Core)).unwrap()
        );
    }
}

#[test]
fn same_spec_same_commits() {
    let spec = WorldSpec::new()
        .pkgbase(PkgbaseSpec::new("a", "1-1").history(["0.9-1"]))
        .pkgbase(PkgbaseSpec::new("b", "2-1").any());
    let one = World::build(spec.clone()).unwrap();
    let two = World::build(spec).unwrap();
    assert_ne!(one.root(), two.root());
    assert_eq!(one.state_entries(), two.state_entries());
    assert_eq!(one.tagged_versions("a"), two.tagged_versions("a"));
}

#[test]
fn persistent_world_is_rebuilt_but_foreign_directories_are_refused() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("demo");
    let root = {
        let world = World::at(&dir, demo()).unwrap();
        world.root().to_path_buf()
    };
    assert!(
        root.join("git/state").is_dir(),
        "the world outlives the value"
    );
    let spec = WorldSpec::new().pkgbase(PkgbaseSpec::new("only", "1-1"));
    let world = World::at(&dir, spec).unwrap();
    assert_eq!(world.state_entries().len(), 1);
    assert!(!world.packaging_repo_path("zlib").exists());
    drop(world);

    let foreign = parent.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("precious.txt"), "keep me").unwrap();
    assert!(matches!(
        World::at(&foreign, demo()),
        Err(WorldError::Root { .. })
    ));
    assert!(foreign.join("precious.txt").exists());
}

#[test]
fn invalid_specs_build_nothing() {
    let clash = WorldSpec::new()
        .pkgbase(PkgbaseSpec::new("foo+bar", "1-1"))
        .pkgbase(PkgbaseSpec::new("foo-bar", "1-1"));
    assert!(matches!(World::build(clash), Err(WorldError::Spec { .. })));
    let missing = WorldSpec::new().target_missing("ghost");
    let err = World::build(missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        "world spec: ghost: target_missing: not on the target side"
    );
}
