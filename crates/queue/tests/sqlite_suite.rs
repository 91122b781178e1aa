//! The shared suite (tests/support/suite.rs) against the SQLite backend.

mod support;

use std::sync::Arc;

use archport_queue::{ManualClock, SqliteStore, default_path};

async fn sqlite() -> (tempfile::TempDir, SqliteStore, Arc<ManualClock>) {
    let dir = tempfile::tempdir().expect("set up");
    let clock = Arc::new(ManualClock::new(support::suite::start()));
    let store = SqliteStore::open_with_clock(&default_path(dir.path()), clock.clone())
        .await
        .expect("set up");
    (dir, store, clock)
}

macro_rules! sqlite_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_dir, store, clock) = sqlite().await;
                support::suite::$name(store, clock).await;
            }
        )*
    };
}

for_each_suite_test!(sqlite_tests);
