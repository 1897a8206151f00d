//! Is an opened file on removable media? Decided from the open file handle, never from a
//! path string (security.md §3.2–3.3), and a write that refuses anything else.
//!
//! Linux: `fstatfs` refuses network and in-memory filesystems; `fstat().st_dev` leads to
//! `/sys/dev/block/MAJ:MIN`, walked up to the whole disk. A disk on a USB or MMC bus is
//! removable even when its `removable` flag is 0 (common on USB hard disks); otherwise the
//! kernel's `removable` flag decides. Loop, device-mapper, md, zram and other virtual block
//! devices, and filesystems without a block device (major 0: tmpfs, overlay, btrfs subvolumes)
//! are never removable.
//!
//! Windows: the handle's volume (`GetFinalPathNameByHandleW`, volume GUID path) → `GetDriveTypeW`
//! (remote, RAM disk and optical refused) → `IOCTL_STORAGE_QUERY_PROPERTY` on the volume:
//! USB, SD and MMC buses are removable even when reported `DRIVE_FIXED` (USB hard disks);
//! iSCSI is network; virtual, VHD(X) and Storage Spaces disks are virtual; on other known buses
//! the `RemovableMedia` bit decides; unknown buses never pass. Network redirectors (SMB, WebDAV,
//! Remote Desktop drives) are recognised from the NT path. The decisions are plain functions
//! unit-tested on every OS; the system calls are compile-checked for `x86_64-pc-windows-gnu`
//! but have not been run on Windows by this crate's tests.
//!
//! macOS: `fstatfs` refuses non-local, network/FUSE and pseudo filesystems and names the disk
//! (`f_mntfromname`); `diskutil info -plist` decides by the same rule (USB and SD buses
//! removable, disk images and virtual disks virtual, APFS by its physical stores, otherwise
//! `RemovableMedia`). Likewise unit-tested in its decisions and compile-checked for
//! `x86_64-apple-darwin`, not run on macOS. Other systems answer "unsupported".

mod write;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(any(target_os = "linux", target_os = "macos"))]
mod unix_dir;
#[cfg(target_os = "linux")]
use linux as imp;

#[cfg(target_os = "macos")]
mod macos;
// Pure macOS decisions: compiled on macOS, and in tests everywhere.
#[cfg(any(target_os = "macos", test))]
mod macos_rules;
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod unsupported;
#[cfg(target_os = "macos")]
use macos as imp;
#[cfg(target_os = "windows")]
mod windows;
// Pure Windows decisions: compiled on Windows, and in tests everywhere.
#[cfg(any(target_os = "windows", test))]
mod windows_rules;
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
use unsupported as imp;
#[cfg(target_os = "windows")]
use windows as imp;

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::MediaError;

pub use imp::TargetDir;
pub use write::{write_verified, WrittenFile};

/// What kind of storage a file lives on. Only [`MediaKind::Removable`] may receive an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// A USB or MMC/SD device, or a disk the kernel flags removable.
    Removable,
    /// An internal disk (SATA, NVMe, virtio, …).
    Fixed,
    /// A network or user-space filesystem (NFS, SMB, 9p, FUSE, …) or a network block device.
    Network,
    /// No physical device: in-memory or stacked (tmpfs, overlay, loop, device-mapper, …).
    Virtual,
}

impl MediaKind {
    /// Lower-case name for messages and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Removable => "removable",
            MediaKind::Fixed => "fixed",
            MediaKind::Network => "network",
            MediaKind::Virtual => "virtual",
        }
    }
}

/// The classification of the device behind a file handle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MediaInfo {
    /// The verdict.
    pub kind: MediaKind,
    /// Whole-disk name (`sdb`, `mmcblk0`, `loop3`) or the filesystem type (`nfs`, `tmpfs`).
    pub device: String,
    /// Device serial number, when the device reports one.
    pub serial: Option<String>,
    /// Vendor, when known.
    pub vendor: Option<String>,
    /// Model, when known.
    pub model: Option<String>,
    /// Bus the disk hangs off (`usb`, `mmc`, `nvme`, `ata`, `virtio`, `scsi`), when known.
    pub bus: Option<String>,
    /// Size of the partition (or disk) holding the file, in bytes, when known.
    pub size_bytes: Option<u64>,
}

impl MediaInfo {
    /// A verdict with nothing known about the device but its name (a filesystem type,
    /// a redirector, a virtual device).
    pub fn without_device(kind: MediaKind, device: &str) -> MediaInfo {
        MediaInfo {
            kind,
            device: device.to_owned(),
            serial: None,
            vendor: None,
            model: None,
            bus: None,
            size_bytes: None,
        }
    }

    /// A stable identity for the export ledger: `bus:vendor:model:serial`, or with
    /// `dev=<device>` instead of the serial when there is none. Unknown parts are `-`.
    pub fn identity(&self) -> String {
        fn part(s: &Option<String>) -> String {
            match s.as_deref().map(str::trim) {
                Some(v) if !v.is_empty() => v.split_whitespace().collect::<Vec<_>>().join(" ").replace(':', "_"),
                _ => "-".into(),
            }
        }
        let last = match &self.serial {
            Some(s) if !s.trim().is_empty() => part(&self.serial),
            _ => format!("dev={}", self.device),
        };
        format!("{}:{}:{}:{}", part(&self.bus), part(&self.vendor), part(&self.model), last)
    }

    /// A short human label: vendor, model and size (e.g. `SanDisk Cruzer Blade (15.6 GB)`).
    pub fn label(&self) -> String {
        let mut words: Vec<&str> = [&self.vendor, &self.model].into_iter().flatten().map(|s| s.trim()).collect();
        words.retain(|w| !w.is_empty());
        let mut label = if words.is_empty() { self.device.clone() } else { words.join(" ") };
        if let Some(size) = self.size_bytes {
            label.push_str(&format!(" ({:.1} GB)", size as f64 / 1e9));
        }
        label
    }
}

/// A mounted filesystem on removable media. The window only ever sees `id`, `label` and
/// `media`; the mount point stays in Rust (see [`Classifier::mount_for_id`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemovableMount {
    /// Opaque id: truncated SHA-256 of mount point, device number and media identity
    /// (Windows: volume GUID, its mount paths and media identity; macOS: mount point, the
    /// device it is mounted from and media identity).
    pub id: String,
    /// Display label.
    pub label: String,
    /// The medium.
    pub media: MediaInfo,
    #[serde(skip)]
    pub(crate) mount_point: PathBuf,
}

impl RemovableMount {
    /// The mount point, for Rust code only. On Windows the volume root by GUID
    /// (`\\?\Volume{…}\`): not a reparse point, and independent of drive letters.
    pub fn mount_point(&self) -> &Path {
        &self.mount_point
    }
}

/// Something that classifies an open file handle. [`Classifier`] is the real one; tests
/// substitute their own to exercise [`write_verified`].
pub trait ClassifyHandle {
    /// Classifies the device behind `file`.
    fn classify(&self, file: &File) -> Result<MediaInfo, MediaError>;
}

/// Classifies files and lists removable mounts. The sysfs root and the mount table are
/// injectable for tests (Linux only; Windows and macOS ask the system directly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classifier {
    pub(crate) sysfs_root: PathBuf,
    pub(crate) mountinfo: PathBuf,
}

impl Default for Classifier {
    fn default() -> Self {
        Self { sysfs_root: PathBuf::from("/sys"), mountinfo: PathBuf::from("/proc/self/mountinfo") }
    }
}

impl Classifier {
    /// The real system: `/sys` and `/proc/self/mountinfo`.
    pub fn new() -> Self {
        Self::default()
    }

    /// A classifier reading sysfs below `root` instead of `/sys`.
    pub fn with_sysfs_root(root: impl Into<PathBuf>) -> Self {
        Self { sysfs_root: root.into(), ..Self::default() }
    }

    /// Reads the mount table from `path` instead of `/proc/self/mountinfo`.
    pub fn with_mountinfo(mut self, path: impl Into<PathBuf>) -> Self {
        self.mountinfo = path.into();
        self
    }

    /// Classifies the device behind an open file.
    pub fn classify_file(&self, file: &File) -> Result<MediaInfo, MediaError> {
        imp::classify_file(self, file)
    }

    /// Classifies a block device by number (Linux: from sysfs alone; no filesystem check).
    /// Other systems answer [`MediaError::Unsupported`].
    pub fn classify_device(&self, major: u32, minor: u32) -> Result<MediaInfo, MediaError> {
        imp::classify_device(self, major, minor)
    }

    /// Mounted filesystems on removable media, in mount-table order (Windows: one entry per
    /// volume with a drive letter or mount folder, in volume-enumeration order; macOS: mount
    /// points directly below `/Volumes`, in name order).
    pub fn list_removable_mounts(&self) -> Result<Vec<RemovableMount>, MediaError> {
        imp::list_removable_mounts(self)
    }

    /// Classifies the filesystem holding the directory `dir`, through a handle to the directory
    /// itself (on Windows `File::open` cannot open directories; this opens it with
    /// `FILE_FLAG_BACKUP_SEMANTICS`). A directory that cannot be opened is
    /// [`MediaError::DirInvalid`].
    pub fn classify_dir(&self, dir: &Path) -> Result<MediaInfo, MediaError> {
        #[cfg(target_os = "windows")]
        let probe = imp::open_dir_probe(dir);
        #[cfg(not(target_os = "windows"))]
        let probe = File::open(dir);
        let probe = probe.map_err(|e| MediaError::DirInvalid(e.to_string()))?;
        self.classify_file(&probe)
    }

    /// The mount point of a removable mount listed by [`Self::list_removable_mounts`], if it is
    /// still mounted with the same medium.
    pub fn mount_for_id(&self, id: &str) -> Result<PathBuf, MediaError> {
        self.list_removable_mounts()?
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| m.mount_point)
            .ok_or(MediaError::MountUnknown)
    }
}

impl ClassifyHandle for Classifier {
    fn classify(&self, file: &File) -> Result<MediaInfo, MediaError> {
        self.classify_file(file)
    }
}

/// [`Classifier::classify_file`] on the real system.
pub fn classify_file(file: &File) -> Result<MediaInfo, MediaError> {
    Classifier::new().classify_file(file)
}

/// Longest accepted target file name, in bytes (leaves room for the temporary name).
pub const MAX_NAME_LEN: usize = 200;

/// Refuses names that are empty, too long, contain `/`, `\`, NUL or control characters,
/// are `.`/`..` or start with a dot (temporary files start with a dot). On Windows also
/// `< > : " | ? *` (no `:stream`), a trailing dot and device names (`CON`, `NUL.txt`, `COM1`, …).
pub fn validate_file_name(name: &str) -> Result<(), MediaError> {
    let bad = |why: &str| Err(MediaError::NameInvalid(why.into()));
    if name.is_empty() {
        return bad("empty");
    }
    if name.len() > MAX_NAME_LEN {
        return bad("too long");
    }
    if name.contains("..") {
        return bad("contains ..");
    }
    if name.starts_with('.') {
        return bad("starts with a dot");
    }
    if name.chars().any(|c| c == '/' || c == '\\' || c.is_control()) {
        return bad("contains a path separator or control character");
    }
    if name.trim() != name {
        return bad("leading or trailing whitespace");
    }
    #[cfg(target_os = "windows")]
    windows_rules::validate_component(name)?;
    Ok(())
}

/// Opens `dir` (a directory, not a symlink) and creates `file_name` in it exclusively
/// (Linux `O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600; Windows `CREATE_NEW`, not shared). The caller must classify the returned handle
/// before writing, and remove the file through the returned [`TargetDir`] if refused.
pub fn open_target(dir: &Path, file_name: &str) -> Result<(File, TargetDir), MediaError> {
    validate_file_name(file_name)?;
    let target = TargetDir::open(dir)?;
    let file = target.create_new(file_name)?;
    Ok((file, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> MediaInfo {
        MediaInfo {
            kind: MediaKind::Removable,
            device: "sdb".into(),
            serial: Some("4C5300012307".into()),
            vendor: Some("SanDisk ".into()),
            model: Some("Cruzer  Blade".into()),
            bus: Some("usb".into()),
            size_bytes: Some(15_631_122_432),
        }
    }

    #[test]
    fn identity_prefers_serial_and_normalises_spaces() {
        assert_eq!(info().identity(), "usb:SanDisk:Cruzer Blade:4C5300012307");
        let no_serial = MediaInfo { serial: None, vendor: None, ..info() };
        assert_eq!(no_serial.identity(), "usb:-:Cruzer Blade:dev=sdb");
    }

    #[test]
    fn label_has_vendor_model_and_size() {
        assert_eq!(info().label(), "SanDisk Cruzer  Blade (15.6 GB)");
        let bare = MediaInfo { vendor: None, model: None, size_bytes: None, ..info() };
        assert_eq!(bare.label(), "sdb");
    }

    #[test]
    fn file_names_are_validated() {
        for ok in ["export.age", "受診者_2026-04.csv.age", "a b.age"] {
            assert!(validate_file_name(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(MAX_NAME_LEN + 1);
        for bad in ["", "a/b", "../x", "..", ".", ".hidden", "a\\b", "a\0b", "a\nb", " a", long.as_str()] {
            assert_eq!(validate_file_name(bad).unwrap_err().code(), "EXPORT_TARGET_NAME_INVALID", "{bad:?}");
        }
    }

    #[test]
    fn serialised_mount_has_no_path() {
        let m = RemovableMount {
            id: "abc".into(),
            label: "x".into(),
            media: info(),
            mount_point: PathBuf::from("/media/secret-path"),
        };
        let json = serde_json::to_string(&m).unwrap();
        assert!(!json.contains("secret-path"), "{json}");
        assert!(json.contains("\"id\":\"abc\""));
    }
}
