//! Replays the committed fuzz corpus and crash inputs through the fuzz target bodies, so a
//! regression is caught by `cargo test` without libFuzzer.

use std::path::{Path, PathBuf};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let Ok(read) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = read
        .map(|e| e.expect("readable corpus directory").path())
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_and_regressions_replay_without_failures() {
    let mut total = 0;
    for (target, body) in archport_fuzzing::TARGETS {
        let corpus = inputs("corpus", target);
        assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ is empty");
        for path in corpus.iter().chain(&inputs("regressions", target)) {
            let data = std::fs::read(path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            total += 1;
        }
    }
    assert!(total > 0);
}
