//! Linux: classification through `fstatfs`, `fstat` and sysfs; directory-relative file
//! operations through `rustix` (`openat`, `renameat2`, `unlinkat`).

mod fstype;
mod mountinfo;
mod sysfs;

use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{AtFlags, Mode, OFlags, RenameFlags};
use rustix::io::Errno;
use sha2::{Digest, Sha256};

use super::{Classifier, MediaInfo, MediaKind, RemovableMount};
use crate::error::MediaError;

pub(super) fn classify_file(c: &Classifier, file: &File) -> Result<MediaInfo, MediaError> {
    let fs = rustix::fs::fstatfs(file).map_err(|e| MediaError::io("fstatfs", e))?;
    // f_type is a 32-bit magic stored in a signed word of platform width.
    #[allow(clippy::unnecessary_cast)]
    let magic = fs.f_type as u32;
    if let Some((kind, name)) = fstype::classify_magic(magic) {
        return Ok(without_device(kind, name));
    }
    let st = rustix::fs::fstat(file).map_err(|e| MediaError::io("fstat", e))?;
    let (major, minor) = (rustix::fs::major(st.st_dev), rustix::fs::minor(st.st_dev));
    if major == 0 {
        // No block device: an anonymous device (tmpfs-like, overlay, btrfs/zfs subvolume).
        return Ok(without_device(MediaKind::Virtual, "anonymous"));
    }
    sysfs::classify_block(&c.sysfs_root, major, minor)
}

fn without_device(kind: MediaKind, name: &str) -> MediaInfo {
    MediaInfo { kind, device: name.to_string(), serial: None, vendor: None, model: None, bus: None, size_bytes: None }
}

/// A read-only handle to a directory, for classification.
pub(super) fn open_dir_probe(dir: &Path) -> std::io::Result<File> {
    File::open(dir)
}

pub(super) fn classify_device(c: &Classifier, major: u32, minor: u32) -> Result<MediaInfo, MediaError> {
    sysfs::classify_block(&c.sysfs_root, major, minor)
}

fn mount_id(mount_point: &Path, major: u32, minor: u32, identity: &str) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    let mut h = Sha256::new();
    h.update(b"uketsuke.export.mount.v1\n");
    h.update(mount_point.as_os_str().as_bytes());
    h.update(format!("\n{major}:{minor}\n{identity}").as_bytes());
    hex::encode(&h.finalize()[..16])
}

pub(super) fn list_removable_mounts(c: &Classifier) -> Result<Vec<RemovableMount>, MediaError> {
    let text = std::fs::read_to_string(&c.mountinfo).map_err(|e| MediaError::Mountinfo(e.to_string()))?;
    let mut out = Vec::new();
    for m in mountinfo::parse(&text)? {
        if m.major == 0 || fstype::is_network_type_name(&m.fs_type) {
            continue;
        }
        // Devices without a sysfs entry or with unreadable attributes are simply not offered.
        let Ok(media) = sysfs::classify_block(&c.sysfs_root, m.major, m.minor) else { continue };
        if media.kind != MediaKind::Removable {
            continue;
        }
        out.push(RemovableMount {
            id: mount_id(&m.mount_point, m.major, m.minor, &media.identity()),
            label: media.label(),
            media,
            mount_point: m.mount_point,
        });
    }
    Ok(out)
}

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

    /// Renames `from` to `to` in this directory without replacing an existing `to`.
    /// Falls back to check-then-rename where the filesystem lacks `RENAME_NOREPLACE`.
    pub fn rename_noreplace(&self, from: &str, to: &str) -> Result<(), MediaError> {
        match rustix::fs::renameat_with(&self.fd, from, &self.fd, to, RenameFlags::NOREPLACE) {
            Ok(()) => Ok(()),
            Err(Errno::EXIST) => Err(MediaError::TargetExists),
            Err(Errno::INVAL | Errno::NOSYS) => {
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

    /// Flushes the directory entry changes to the medium.
    pub fn sync(&self) -> Result<(), MediaError> {
        rustix::fs::fsync(&self.fd).map_err(|e| io_err("fsync directory", e))
    }
}
