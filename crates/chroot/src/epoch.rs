//! `SOURCE_DATE_EPOCH` for reproducible builds: the packaging commit's time.

use std::path::Path;

/// The commit time (seconds since the epoch) of the checkout's `HEAD`, or `None` when `dir`
/// is not a git checkout or has no commit. Builds then run without `SOURCE_DATE_EPOCH`.
pub fn commit_time(dir: &Path) -> Option<i64> {
    let repo = git2::Repository::open(dir).ok()?;
    let commit = repo.head().ok()?.peel_to_commit().ok()?;
    Some(commit.time().seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_head_commit_time() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(commit_time(dir.path()), None);
        let repo = git2::Repository::init(dir.path()).unwrap();
        assert_eq!(commit_time(dir.path()), None, "no commit yet");
        let sig =
            git2::Signature::new("t", "t@example.invalid", &git2::Time::new(1_234_567, 0)).unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        repo.commit(Some("HEAD"), &sig, &sig, "first", &tree, &[])
            .unwrap();
        assert_eq!(commit_time(dir.path()), Some(1_234_567));
    }
}
