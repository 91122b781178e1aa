//! The user makepkg builds as: the configured build user when archport runs as root
//! (makechrootpkg `-U`, `runuser`, `sudo -u` for key imports), else the operator
//! (makechrootpkg runs makepkg as sudo's `SUDO_USER`).

use std::ffi::CString;
use std::path::Path;

use archport_config::{Config, FALLBACK_BUILD_USER};
use nix::unistd::{Uid, User, getgrouplist};

use crate::identity::{Access, Identity};
use crate::options::Options;
use crate::problem::{Problem, ProblemKind};

const CREATE_USER: &str = "create a build user with a home (useradd --create-home archport-build) and set [tools] build_user to it";

/// The fix when the missing user is the default one, which the contrib files create.
const CREATE_DEFAULT_USER: &str = "create it with contrib/archport.sysusers (systemd-sysusers archport.sysusers), or set [tools] build_user to a user with a home";

/// Checks that the build user exists and has a home directory, and that it can write the
/// PKGBUILD checkouts under `{workdir}/pkgbuilds` (makepkg's SRCDEST is the checkout).
/// Returns the problems and the user, when it exists.
pub(crate) fn check(config: &Config, options: &Options) -> (Vec<Problem>, Option<Identity>) {
    let name = &config.tools.build_user;
    let (place, user) = if options.root {
        (
            format!("[tools] build_user = {name:?}"),
            User::from_name(name),
        )
    } else {
        let uid = Uid::current();
        (format!("the current user (uid {uid})"), User::from_uid(uid))
    };
    let user = match user {
        Ok(Some(user)) => user,
        // The fallback default (no SUDO_USER, a work directory root owns) is the user the
        // contrib units run as: an operator who never set the key must learn where the
        // name came from and that the contrib files make that user.
        Ok(None) if options.root && name == FALLBACK_BUILD_USER => {
            let problem = Problem {
                kind: ProblemKind::UserMissing,
                place: format!("{place} (the default)"),
                what: format!(
                    "no such user: {name} is the default build user when [tools] build_user is unset (makechrootpkg -U builds as it)"
                ),
                fix: CREATE_DEFAULT_USER.into(),
            };
            return (vec![problem], None);
        }
        Ok(None) => {
            let problem = Problem {
                kind: ProblemKind::UserMissing,
                place,
                what: "no such user (makechrootpkg -U builds as it)".into(),
                fix: CREATE_USER.into(),
            };
            return (vec![problem], None);
        }
        Err(e) => {
            let problem = Problem {
                kind: ProblemKind::UserMissing,
                place,
                what: format!("cannot look the user up: {e}"),
                fix: CREATE_USER.into(),
            };
            return (vec![problem], None);
        }
    };
    let mut problems = Vec::new();
    if !user.dir.is_dir() {
        problems.push(Problem {
            kind: ProblemKind::UserHomeMissing,
            place: place.clone(),
            what: format!(
                "{}'s home {} does not exist (gpg keeps the key imports there and makepkg needs it)",
                user.name,
                user.dir.display()
            ),
            fix: if options.root {
                CREATE_USER.into()
            } else {
                format!("create {} owned by {}", user.dir.display(), user.name)
            },
        });
    }
    let gids = CString::new(user.name.clone())
        .ok()
        .and_then(|c| getgrouplist(&c, user.gid).ok())
        .unwrap_or_else(|| vec![user.gid]);
    let identity = Identity {
        name: user.name.clone(),
        uid: user.uid.as_raw(),
        gids: gids.iter().map(|g| g.as_raw()).collect(),
    };
    problems.extend(checkouts_writable(
        &config.paths.workdir.join("pkgbuilds"),
        &identity,
    ));
    (problems, Some(identity))
}

/// One problem naming the checkouts under `pkgbuilds` that `user` cannot write (a few by
/// name, and how many); nothing when there are none or no checkout exists yet.
fn checkouts_writable(pkgbuilds: &Path, user: &Identity) -> Vec<Problem> {
    let Ok(entries) = std::fs::read_dir(pkgbuilds) else {
        return Vec::new();
    };
    let mut denied: Vec<String> = entries
        .flatten()
        .filter(|e| {
            e.metadata()
                .is_ok_and(|m| m.is_dir() && !user.may(Access::Write, &m))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if denied.is_empty() {
        return Vec::new();
    }
    denied.sort();
    let count = denied.len();
    let shown = denied
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = if count > 3 { ", ..." } else { "" };
    vec![Problem {
        kind: ProblemKind::UserCannotWrite,
        place: pkgbuilds.display().to_string(),
        what: format!(
            "{count} checkout(s) not writable by {} ({shown}{more}): makepkg writes the sources there (SRCDEST)",
            user.name
        ),
        fix: format!("chown -R {} {}", user.name, pkgbuilds.display()),
    }]
}
