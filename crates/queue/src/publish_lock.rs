//! The publishing lock of one target repository: one holder at a time updates a repository
//! database (repo-add, repo-upload). On PostgreSQL a session advisory lock held on a
//! dedicated connection, so it spans hosts; on SQLite (one host) an in-process lock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::{Connection, PgConnection};
use tokio::sync::OwnedMutexGuard;

/// The advisory-lock class of archport's publishing locks (`ARCH` in ASCII): the two-key
/// form keeps them apart from other users of advisory locks in the same database.
pub(crate) const ADVISORY_CLASS: i32 = 0x4152_4348;

/// A held publishing lock. [`release`](Self::release) gives it back at once; dropping it
/// does too (PostgreSQL: the dedicated connection closes, which ends the session and frees
/// the advisory lock).
#[derive(Debug)]
pub struct PublishLock {
    repo: String,
    held: Held,
}

#[derive(Debug)]
enum Held {
    Local(OwnedMutexGuard<()>),
    Postgres(PgConnection),
}

impl PublishLock {
    pub(crate) fn local(repo: &str, guard: OwnedMutexGuard<()>) -> Self {
        PublishLock {
            repo: repo.to_owned(),
            held: Held::Local(guard),
        }
    }

    pub(crate) fn postgres(repo: &str, connection: PgConnection) -> Self {
        PublishLock {
            repo: repo.to_owned(),
            held: Held::Postgres(connection),
        }
    }

    /// The repository it locks.
    pub fn repo(&self) -> &str {
        &self.repo
    }

    /// Releases the lock now. On PostgreSQL an unlock failure (the connection is gone) needs
    /// no handling: the server frees a session's advisory locks when the session ends.
    pub async fn release(self) {
        match self.held {
            Held::Local(guard) => drop(guard),
            Held::Postgres(mut connection) => {
                let _ = sqlx::query("SELECT pg_advisory_unlock($1, hashtext($2))")
                    .bind(ADVISORY_CLASS)
                    .bind(&self.repo)
                    .execute(&mut connection)
                    .await;
                let _ = connection.close().await;
            }
        }
    }
}

/// The in-process locks of a single-host store, one per repository.
#[derive(Debug, Default, Clone)]
pub(crate) struct LocalLocks {
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl LocalLocks {
    /// Waits for and takes the lock of `repo`.
    pub(crate) async fn lock(&self, repo: &str) -> PublishLock {
        let lock = {
            // Only map updates happen under this lock: a panic cannot leave it half-written.
            let mut locks = self
                .locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            locks.entry(repo.to_owned()).or_default().clone()
        };
        PublishLock::local(repo, lock.lock_owned().await)
    }
}
