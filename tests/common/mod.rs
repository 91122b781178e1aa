//! Shared set-up of the CLI tests: a test world served on 127.0.0.1 and a config file
//! pointing every upstream at it.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use archport_testworld::{World, WorldSpec};

/// A test world plus a work directory holding `archport.toml`.
pub struct Env {
    pub world: World,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new(spec: WorldSpec) -> Env {
        let world = World::build(spec).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("archport.toml"),
            world.urls().config_toml(dir.path()),
        )
        .unwrap();
        Env { world, dir }
    }

    pub fn demo() -> Env {
        Env::new(archport_testworld::demo())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("archport.toml")
    }

    /// A command for one of our binaries, run in the work directory with its config.
    pub fn cmd(&self, bin: &str) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin(bin).unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("ARCHPORT_CONFIG")
            .env("NO_COLOR", "1");
        cmd
    }
}

/// Replaces what varies between runs (temp paths, ports, timestamps) for snapshots.
pub fn scrub(text: &str, env: &Env) -> String {
    let mut out = text.replace(&env.path().display().to_string(), "[WORKDIR]");
    out = out.replace(&env.world.root().display().to_string(), "[WORLD]");
    out = out.replace(&format!(":{}", env.world.server().port()), ":[PORT]");
    out
}
