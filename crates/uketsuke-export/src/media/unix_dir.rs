//! The target directory on Linux and macOS: files are created, renamed and
//! removed relative to the opened directory handle (`openat` and friends), so a
//! path swapped after opening does not redirect the write.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{AtFlags, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

use crate::error::MediaError;

/// An open target directory (`O_DIRECTORY|O_NOFOLLOW`); files are created, renamed and removed
/// relative to this handle, so a path swapped after opening does not redirect the write.
#[derive(Debug)]
pub struct TargetDir {
    fd: OwnedFd,
}

fn io_err(op: &'static str, e: Errno) -> MediaError {
    MediaError::io(op, std::io::Error::from(e))
}

impl TargetDir {
    /// Opens `dir`; refuses a missing path, a non-directory and a symlink as the last component.
    pub fn open(dir: &Path) -> Result<Self, MediaError> {
        let flags = OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC;
        match rustix::fs::open(dir, flags, Mode::empty()) {
            Ok(fd) => Ok(Self { fd }),
            Err(e) if e == Errno::NOTDIR || e == Errno::LOOP || e == Errno::NOENT => {
                Err(MediaError::DirInvalid(std::io::Error::from(e).to_string()))
            }
            Err(e) => Err(io_err("open directory", e)),
        }
    }

    /// Creates `name` exclusively, write-only, mode 0600, not following symlinks.
    pub fn create_new(&self, name: &str) -> Result<File, MediaError> {
        let flags = OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC;
        match rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => Ok(File::from(fd)),
            Err(Errno::EXIST) => Err(MediaError::TargetExists),
            Err(e) => Err(io_err("create file", e)),
        }
    }

    /// Whether `name` exists (as anything, symlinks included).
    pub fn exists(&self, name: &str) -> Result<bool, MediaError> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(_) => Ok(true),
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(io_err("stat", e)),
        }
    }

    /// Renames `from` to `to` in this directory without replacing an existing `to`
    /// (`RENAME_EXCL`). Falls back to check-then-rename where the filesystem lacks it.
    pub fn rename_noreplace(&self, from: &str, to: &str) -> Result<(), MediaError> {
        match rustix::fs::renameat_with(&self.fd, from, &self.fd, to, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            Err(Errno::EXIST) => Err(MediaError::TargetExists),
            Err(Errno::NOTSUP | Errno::INVAL | Errno::NOSYS) => {
                if self.exists(to)? {
                    return Err(MediaError::TargetExists);
                }
                rustix::fs::renameat(&self.fd, from, &self.fd, to).map_err(|e| io_err("rename", e))
            }
            Err(e) => Err(io_err("rename", e)),
        }
    }

    /// Removes the file `name`.
    pub fn remove(&self, name: &str) -> Result<(), MediaError> {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()).map_err(|e| io_err("remove", e))
    }

    /// Flushes the directory entry changes to the medium (macOS: `F_FULLFSYNC`, or
    /// `fsync` where unsupported).
    pub fn sync(&self) -> Result<(), MediaError> {
        #[cfg(target_os = "macos")]
        match rustix::fs::fcntl_fullfsync(&self.fd) {
            Ok(()) => return Ok(()),
            Err(Errno::NOTSUP | Errno::INVAL | Errno::NOTTY) => {}
            Err(e) => return Err(io_err("fsync directory", e)),
        }
        rustix::fs::fsync(&self.fd).map_err(|e| io_err("fsync directory", e))
    }
}
