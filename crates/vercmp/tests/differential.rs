//! Differential test against pacman's real `vercmp` binary, the oracle for version order.
//!
//! The pairs mix real-world versions (the same packages in the 2019 and 2024 Arch databases
//! of the real data, found by `archport_realdata`) with generated shapes: epochs, decimal pkgrel, `+r123+gabc`,
//! `~rc1`, `_`, letters, empty and repeated separators, leading zeros, non-ASCII bytes.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use archport_vercmp::vercmp;

/// Name -> version of every package in a sync database, read with real `bsdtar`.
fn db_versions(db: &Path) -> BTreeMap<String, String> {
    let out = Command::new("bsdtar")
        .args(["-xOf"])
        .arg(db)
        .arg("*/desc")
        .output()
        .expect("bsdtar (libarchive-tools) must be installed: scripts/test installs it");
    assert!(out.status.success(), "bsdtar failed on {}", db.display());
    let text = String::from_utf8_lossy(&out.stdout);
    let mut map = BTreeMap::new();
    let mut lines = text.lines();
    let mut name = None;
    while let Some(line) = lines.next() {
        match line {
            "%NAME%" => name = lines.next().map(str::to_owned),
            "%VERSION%" => {
                if let (Some(n), Some(v)) = (name.take(), lines.next()) {
                    map.insert(n, v.to_owned());
                }
            }
            _ => {}
        }
    }
    map
}

/// A small deterministic generator (xorshift) so the corpus is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn generated_version(rng: &mut Rng) -> String {
    const SEGMENTS: &[&str] = &[
        "0", "1", "2", "10", "01", "007", "9", "99", "100", "a", "b", "rc", "alpha", "beta", "pre",
        "r123", "gabc123", "2024", "20240101", "z", "A", "", "1a", "a1",
    ];
    const SEPARATORS: &[&str] = &[
        ".", ".", ".", "_", "+", "~", "..", "+r", "+g", "-", "é", ":",
    ];
    let mut v = String::new();
    if rng.below(5) == 0 {
        v.push_str(rng.pick(&["0", "1", "2", "", "10"]));
        v.push(':');
    }
    let parts = 1 + rng.below(4);
    for i in 0..parts {
        if i > 0 {
            v.push_str(rng.pick(SEPARATORS));
        }
        v.push_str(rng.pick(SEGMENTS));
    }
    if rng.below(4) != 0 {
        v.push('-');
        v.push_str(rng.pick(&["1", "2", "1.1", "1.2", "10", "0", "2.1", ""]));
    }
    v
}

/// Asks the real `vercmp` for the order of each pair, a few processes at a time.
fn oracle(pairs: &[(String, String)]) -> Vec<Ordering> {
    let threads = 4;
    let chunk = pairs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(a, b)| {
                            let out = Command::new("vercmp").arg(a).arg(b).output().expect(
                                "pacman's vercmp must be installed: scripts/test installs it",
                            );
                            match String::from_utf8_lossy(&out.stdout).trim() {
                                "-1" => Ordering::Less,
                                "0" => Ordering::Equal,
                                "1" => Ordering::Greater,
                                other => panic!("vercmp {a:?} {b:?} printed {other:?}"),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("oracle thread"))
            .collect()
    })
}

/// The real-world pairs: the same package five years apart, and neighbouring real versions.
/// Needs the real data (hence `realdata_` in the name, see `archport_realdata`).
#[test]
fn realdata_agrees_with_pacman_vercmp_on_real_versions() {
    let real = |relative: &str| db_versions(&archport_realdata::require(relative));
    let old = real("arch-2019/extra.db");
    let old_core = real("arch-2019/core.db");
    let new = real("full-2024/x86_64/extra.db.tar.gz");
    let new_core = real("full-2024/x86_64/core.db.tar.gz");
    assert!(
        new.len() > 10_000,
        "full-2024 extra.db read: {} packages",
        new.len()
    );

    let mut pairs = Vec::new();
    // The same package five years apart: real upgrades, epochs added, schemes changed.
    for (old, new) in [(&old, &new), (&old_core, &new_core)] {
        for (name, v_old) in old {
            if let Some(v_new) = new.get(name) {
                pairs.push((v_old.clone(), v_new.clone()));
            }
        }
    }
    let real_pairs = pairs.len();
    // Neighbouring real versions: unrelated shapes side by side.
    let all: Vec<&String> = new.values().chain(new_core.values()).collect();
    for w in all.windows(2).step_by(3) {
        pairs.push((w[0].clone(), w[1].clone()));
    }
    assert!(real_pairs > 2_000, "real-world pairs: {real_pairs}");
    eprintln!(
        "{} pairs, {real_pairs} of them real-world upgrades",
        pairs.len()
    );
    assert_agrees_with_oracle(&pairs);
}

/// Generated shapes, half of them near neighbours: needs no real data.
#[test]
fn agrees_with_pacman_vercmp_on_generated_versions() {
    let mut pairs = Vec::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..6_000 {
        let a = generated_version(&mut rng);
        // Half the time a near neighbour of `a`, where ordering bugs hide.
        let b = if rng.below(2) == 0 {
            let mut b = a.clone();
            match rng.below(4) {
                0 => b.push_str(rng.pick(&["a", ".1", "~rc1", "_1", "+r1", "-1", "0"])),
                1 => {
                    b.pop();
                }
                2 => b = b.replacen('.', rng.pick(&["_", "..", "~", "+"]), 1),
                _ => b.insert_str(0, rng.pick(&["1:", "0:", ":"])),
            }
            b
        } else {
            generated_version(&mut rng)
        };
        pairs.push((a, b));
    }
    assert_agrees_with_oracle(&pairs);
}

/// Fails listing the first pairs where `vercmp` and pacman's disagree.
fn assert_agrees_with_oracle(pairs: &[(String, String)]) {
    let want = oracle(pairs);
    let disagreements: Vec<String> = pairs
        .iter()
        .zip(&want)
        .filter(|((a, b), want)| vercmp(a, b) != **want)
        .map(|((a, b), want)| {
            format!(
                "vercmp {a:?} {b:?}: pacman {want:?}, ours {:?}",
                vercmp(a, b)
            )
        })
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} of {} pairs disagree:\n{}",
        disagreements.len(),
        pairs.len(),
        disagreements[..disagreements.len().min(30)].join("\n")
    );
}

/// Why this crate exists instead of `alpm_types::Version`: over the same real-world and
/// generated pairs, alpm-types (pinned version) rejects versions pacman accepts or orders
/// pairs differently from pacman. If this test starts failing, alpm-types has caught up and
/// the choice should be revisited.
#[test]
fn alpm_types_disagrees_with_pacman() {
    use std::str::FromStr;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let pairs: Vec<(String, String)> = (0..3_000)
        .map(|_| (generated_version(&mut rng), generated_version(&mut rng)))
        .collect();
    let want = oracle(&pairs);
    let mut rejected = Vec::new();
    let mut misordered = Vec::new();
    for ((a, b), want) in pairs.iter().zip(&want) {
        match (
            alpm_types::Version::from_str(a),
            alpm_types::Version::from_str(b),
        ) {
            (Ok(va), Ok(vb)) => {
                if va.cmp(&vb) != *want {
                    misordered.push(format!(
                        "{a} vs {b}: pacman {want:?}, alpm-types {:?}",
                        va.cmp(&vb)
                    ));
                }
            }
            _ => rejected.push(format!("{a} / {b}")),
        }
    }
    eprintln!(
        "alpm-types: {} of {} pairs rejected, {} misordered; e.g. {:?} {:?}",
        rejected.len(),
        pairs.len(),
        misordered.len(),
        rejected.first(),
        misordered.first()
    );
    assert!(
        !misordered.is_empty(),
        "alpm-types now orders every pair it parses like pacman"
    );
}
