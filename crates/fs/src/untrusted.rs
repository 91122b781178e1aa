//! Reading files out of a checkout someone else controls: the state repository, packaging
//! and AUR repositories, local PKGBUILD directories.
//!
//! Git happily checks out a symbolic link named `.SRCINFO` pointing at `/etc/shadow` or
//! `/dev/zero`, and a local directory may hold a FIFO. Following one would leak a secret
//! into an error message, read until memory runs out, or block forever. So every path
//! component is opened relative to the one before with `O_NOFOLLOW` (a symbolic link
//! anywhere below the root is refused, not followed), the file is opened `O_NONBLOCK` (a
//! FIFO cannot block the open) and must be a regular file, and at most a fixed number of
//! bytes is read.
//!
//! The root itself is trusted: it comes from the configuration, not from the checkout.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileTypeExt;
use std::path::{Component, Path};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat};
use nix::sys::stat::{Mode, SFlag, fstatat};

/// Why an untrusted file was not read. The messages never quote the file's content: the
/// caller names the file, and this says what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum UntrustedError {
    /// The file (or a directory on its path) does not exist.
    #[error("no such file")]
    NotFound,
    /// The file, or a directory on its path, is a symbolic link: it may point anywhere.
    #[error(
        "is a symbolic link (or lies under one); only regular files inside the checkout are read"
    )]
    Symlink,
    /// The path is absolute or climbs out with `..`.
    #[error("path leaves the checkout")]
    Outside,
    /// A FIFO, device, socket or directory where a regular file was expected.
    #[error("is {0}, not a regular file")]
    NotRegular(&'static str),
    /// The file holds more than the caller's cap.
    #[error("larger than {cap} bytes")]
    TooLarge {
        /// The cap that was exceeded, in bytes.
        cap: u64,
    },
    /// Any other failure of the file system (permissions, I/O).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl UntrustedError {
    fn from_errno(errno: Errno) -> UntrustedError {
        match errno {
            Errno::ENOENT => UntrustedError::NotFound,
            // O_NOFOLLOW on a symbolic link gives ELOOP.
            Errno::ELOOP => UntrustedError::Symlink,
            other => UntrustedError::Io(std::io::Error::from(other)),
        }
    }
}

/// A directory inside a trusted root, reached without following any symbolic link, from
/// which files are read by name. Opening the directory once and reading many files from it
/// costs one `openat` per file, which matters for the state repository's 14,000 files.
#[derive(Debug)]
pub struct UntrustedDir {
    fd: OwnedFd,
}

impl UntrustedDir {
    /// Opens `root/relative` (`relative` may be empty: the root itself). Each component of
    /// `relative` must be a real directory, not a symbolic link; `..` and absolute paths
    /// are refused.
    pub fn open(root: &Path, relative: &Path) -> Result<UntrustedDir, UntrustedError> {
        let dir_flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let mut fd = File::open(root)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => UntrustedError::NotFound,
                _ => UntrustedError::Io(e),
            })
            .map(OwnedFd::from)?;
        for component in relative.components() {
            let Component::Normal(name) = component else {
                if component == Component::CurDir {
                    continue;
                }
                return Err(UntrustedError::Outside);
            };
            fd = match openat(&fd, name, dir_flags | OFlag::O_NOFOLLOW, Mode::empty()) {
                Ok(next) => next,
                // Linux gives ENOTDIR for a symbolic link opened with O_DIRECTORY and
                // O_NOFOLLOW: tell a link from a file in the middle of the path.
                Err(Errno::ENOTDIR) => {
                    let is_link =
                        fstatat(&fd, name, AtFlags::AT_SYMLINK_NOFOLLOW).is_ok_and(|st| {
                            SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFLNK
                        });
                    return Err(if is_link {
                        UntrustedError::Symlink
                    } else {
                        UntrustedError::NotRegular("a file where a directory was expected")
                    });
                }
                Err(errno) => return Err(UntrustedError::from_errno(errno)),
            };
        }
        Ok(UntrustedDir { fd })
    }

    /// Reads the regular file `name` of this directory into `content` (cleared first), at
    /// most `cap` bytes. `name` must be one path component.
    pub fn read_into(
        &self,
        name: &OsStr,
        cap: u64,
        content: &mut Vec<u8>,
    ) -> Result<(), UntrustedError> {
        content.clear();
        if name.is_empty() || name == ".." || name == "." || name.as_encoded_bytes().contains(&b'/')
        {
            return Err(UntrustedError::Outside);
        }
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
        let fd =
            openat(&self.fd, name, flags, Mode::empty()).map_err(UntrustedError::from_errno)?;
        let file = File::from(fd);
        let metadata = file.metadata()?;
        let kind = metadata.file_type();
        if !kind.is_file() {
            return Err(UntrustedError::NotRegular(if kind.is_dir() {
                "a directory"
            } else if kind.is_fifo() {
                "a FIFO"
            } else if kind.is_char_device() || kind.is_block_device() {
                "a device"
            } else if kind.is_socket() {
                "a socket"
            } else {
                "a special file"
            }));
        }
        if metadata.len() > cap {
            return Err(UntrustedError::TooLarge { cap });
        }
        // The file may grow between the size check and the read: the cap holds anyway.
        file.take(cap.saturating_add(1)).read_to_end(content)?;
        if content.len() as u64 > cap {
            content.clear();
            return Err(UntrustedError::TooLarge { cap });
        }
        Ok(())
    }
}

/// Reads the regular file `root/relative`, at most `cap` bytes, following no symbolic link
/// below `root` and refusing FIFOs and devices without blocking.
pub fn read_untrusted(root: &Path, relative: &Path, cap: u64) -> Result<Vec<u8>, UntrustedError> {
    let name = relative.file_name().ok_or(UntrustedError::Outside)?;
    let parent = relative.parent().unwrap_or(Path::new(""));
    let mut content = Vec::new();
    UntrustedDir::open(root, parent)?.read_into(name, cap, &mut content)?;
    Ok(content)
}

/// Whether `root/relative` is a regular file reached without following a symbolic link, for
/// a file that another program (makepkg, gpg) reads. `Ok(false)` when it does not exist.
pub fn is_untrusted_regular_file(root: &Path, relative: &Path) -> Result<bool, UntrustedError> {
    let name = relative.file_name().ok_or(UntrustedError::Outside)?;
    let parent = relative.parent().unwrap_or(Path::new(""));
    let dir = match UntrustedDir::open(root, parent) {
        Ok(dir) => dir,
        Err(UntrustedError::NotFound) => return Ok(false),
        Err(error) => return Err(error),
    };
    let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC;
    let fd = match openat(&dir.fd, name, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::ENOENT) => return Ok(false),
        Err(errno) => return Err(UntrustedError::from_errno(errno)),
    };
    let kind = File::from(fd).metadata()?.file_type();
    if kind.is_file() {
        Ok(true)
    } else {
        Err(UntrustedError::NotRegular(if kind.is_dir() {
            "a directory"
        } else {
            "a special file"
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;
    use std::process::Command;

    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("core-x86_64")).unwrap();
        std::fs::write(dir.path().join("core-x86_64/zlib"), "zlib 1-1 1-1 x\n").unwrap();
        dir
    }

    #[test]
    fn reads_a_regular_file_below_the_root() {
        let root = tree();
        let content = read_untrusted(root.path(), Path::new("core-x86_64/zlib"), 100).unwrap();
        assert_eq!(content, b"zlib 1-1 1-1 x\n");
        assert!(is_untrusted_regular_file(root.path(), Path::new("core-x86_64/zlib")).unwrap());
        assert!(!is_untrusted_regular_file(root.path(), Path::new("core-x86_64/nope")).unwrap());
    }

    #[test]
    fn refuses_a_symlinked_file_and_a_symlinked_directory() {
        let root = tree();
        let secret = tempfile::tempdir().unwrap();
        std::fs::write(secret.path().join("shadow"), "db_password=hunter2\n").unwrap();
        symlink(
            secret.path().join("shadow"),
            root.path().join("core-x86_64/evil"),
        )
        .unwrap();
        symlink(secret.path(), root.path().join("extra-x86_64")).unwrap();
        for path in ["core-x86_64/evil", "extra-x86_64/shadow"] {
            let error = read_untrusted(root.path(), Path::new(path), 100).unwrap_err();
            assert!(
                matches!(error, UntrustedError::Symlink),
                "{path}: {error:?}"
            );
            assert!(!error.to_string().contains("hunter2"));
            assert!(is_untrusted_regular_file(root.path(), Path::new(path)).is_err());
        }
    }

    #[test]
    fn refuses_paths_that_climb_out() {
        let root = tree();
        for path in ["../x", "/etc/passwd", "core-x86_64/../../x"] {
            let error = read_untrusted(root.path(), Path::new(path), 100).unwrap_err();
            assert!(
                matches!(error, UntrustedError::Outside),
                "{path}: {error:?}"
            );
        }
    }

    #[test]
    fn refuses_a_fifo_without_blocking_and_a_directory() {
        let root = tree();
        let fifo = root.path().join("core-x86_64/fifo");
        let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let error = read_untrusted(root.path(), Path::new("core-x86_64/fifo"), 100).unwrap_err();
        assert!(
            matches!(error, UntrustedError::NotRegular("a FIFO")),
            "{error:?}"
        );
        let error = read_untrusted(root.path(), Path::new("core-x86_64"), 100).unwrap_err();
        assert!(
            matches!(error, UntrustedError::NotRegular("a directory")),
            "{error:?}"
        );
    }

    #[test]
    fn caps_the_size() {
        let root = tree();
        let error = read_untrusted(root.path(), Path::new("core-x86_64/zlib"), 4).unwrap_err();
        assert!(
            matches!(error, UntrustedError::TooLarge { cap: 4 }),
            "{error:?}"
        );
        let content = read_untrusted(root.path(), Path::new("core-x86_64/zlib"), 15).unwrap();
        assert_eq!(content.len(), 15);
    }

    #[test]
    fn a_missing_file_or_directory_is_not_found() {
        let root = tree();
        for path in ["core-x86_64/nope", "nope/zlib"] {
            let error = read_untrusted(root.path(), Path::new(path), 100).unwrap_err();
            assert!(
                matches!(error, UntrustedError::NotFound),
                "{path}: {error:?}"
            );
        }
    }
}
