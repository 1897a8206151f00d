//! Linux: classification through `fstatfs`, `fstat` and sysfs; directory-relative file
//! operations through `rustix` (`openat`, `renameat2`, `unlinkat`).

mod fstype;
mod mountinfo;
mod sysfs;

use std::fs::File;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Classifier, MediaInfo, MediaKind, RemovableMount};
use crate::error::MediaError;

pub(super) fn classify_file(c: &Classifier, file: &File) -> Result<MediaInfo, MediaError> {
    let fs = rustix::fs::fstatfs(file).map_err(|e| MediaError::io("fstatfs", e))?;
    // f_type is a 32-bit magic stored in a signed word of platform width.
    #[allow(clippy::unnecessary_cast)]
    let magic = fs.f_type as u32;
    if let Some((kind, name)) = fstype::classify_magic(magic) {
        return Ok(MediaInfo::without_device(kind, name));
    }
    let st = rustix::fs::fstat(file).map_err(|e| MediaError::io("fstat", e))?;
    let (major, minor) = (rustix::fs::major(st.st_dev), rustix::fs::minor(st.st_dev));
    if major == 0 {
        // No block device: an anonymous device (tmpfs-like, overlay, btrfs/zfs subvolume).
        return Ok(MediaInfo::without_device(MediaKind::Virtual, "anonymous"));
    }
    sysfs::classify_block(&c.sysfs_root, major, minor)
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

pub use super::unix_dir::TargetDir;
