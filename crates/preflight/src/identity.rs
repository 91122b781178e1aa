//! Whether another user may read or write a file, judged from its owner, group and mode
//! bits: the preflight runs as root or as the operator, not as the build user, so
//! `access(2)` cannot answer for the build user.

use std::fs::Metadata;
use std::os::unix::fs::MetadataExt as _;

/// A user as the kernel's permission check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The user name, for messages.
    pub name: String,
    /// The uid.
    pub uid: u32,
    /// The primary group and every supplementary group.
    pub gids: Vec<u32>,
}

/// Which permission to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read a file (or list a directory).
    Read,
    /// Write a file (or create entries in a directory).
    Write,
}

impl Identity {
    /// Whether this user may `access` the file `meta` describes, by the classic owner /
    /// group / other bits (root may do anything). ACLs are not consulted: a file they open
    /// up is reported as a problem that is not one, never the other way round.
    pub fn may(&self, access: Access, meta: &Metadata) -> bool {
        if self.uid == 0 {
            return true;
        }
        let bit = match access {
            Access::Read => 0o4,
            Access::Write => 0o2,
        };
        let mode = meta.mode();
        let shift = if meta.uid() == self.uid {
            6
        } else if self.gids.contains(&meta.gid()) {
            3
        } else {
            0
        };
        mode >> shift & bit != 0
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn owner_group_and_other_bits_decide() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        let meta = |mode| {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
            file.metadata().unwrap()
        };
        let owner = file.metadata().unwrap().uid();
        let group = file.metadata().unwrap().gid();
        let me = Identity {
            name: "me".into(),
            uid: owner + 1,
            gids: vec![group],
        };
        let stranger = Identity {
            name: "s".into(),
            uid: owner + 2,
            gids: vec![group + 1],
        };
        let the_owner = Identity {
            name: "o".into(),
            uid: owner,
            gids: vec![],
        };
        let m = meta(0o640);
        assert!(me.may(Access::Read, &m));
        assert!(!me.may(Access::Write, &m));
        assert!(!stranger.may(Access::Read, &m));
        let m = meta(0o604);
        // the group bits apply to a member, even when "other" would allow more
        assert!(!me.may(Access::Read, &m));
        assert!(stranger.may(Access::Read, &m));
        let m = meta(0o200);
        if owner != 0 {
            assert!(the_owner.may(Access::Write, &m));
            assert!(!the_owner.may(Access::Read, &m));
        }
        let root = Identity {
            name: "root".into(),
            uid: 0,
            gids: vec![0],
        };
        assert!(root.may(Access::Read, &meta(0)));
    }
}
