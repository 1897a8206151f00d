//! macOS: classification through `fstatfs` and `diskutil info -plist`; directory-relative
//! file operations through `rustix` (`openat`, `renameatx_np(RENAME_EXCL)`, `unlinkat`).
//! Only the system calls live here; every decision is in `macos_rules.rs` (unit-tested on
//! every OS). This file is compile-checked (`x86_64-apple-darwin`) but has not been run on
//! macOS by this crate's tests.
//!
//! Classifying a handle: `fstatfs` refuses non-local, network/FUSE and pseudo filesystems and
//! gives the device it is mounted from (`/dev/disk4s1`); `diskutil info -plist disk4s1` gives
//! `BusProtocol`, `RemovableMedia` and `VirtualOrPhysical`; APFS volumes are judged by their
//! physical stores. Any failure is an error: nothing is written.

use std::fs::File;
use std::os::unix::ffi::OsStrExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::macos_rules::{self as rules, DiskVerdict, FsVerdict};
use super::{Classifier, MediaInfo, MediaKind, RemovableMount};
use crate::error::MediaError;

const DISKUTIL: &str = "/usr/sbin/diskutil";
/// Where macOS mounts removable volumes.
const VOLUMES: &str = "/Volumes";

/// The `fstatfs` facts about the filesystem holding a file.
struct Mount {
    fs_type: String,
    flags: u32,
    from: String,
    on: Vec<u8>,
}

fn c_bytes(field: &[std::ffi::c_char]) -> Vec<u8> {
    let raw: Vec<u8> = field.iter().map(|&c| c as u8).collect();
    rules::c_field(&raw).to_vec()
}

fn mount_of(file: &File) -> Result<Mount, MediaError> {
    let fs = rustix::fs::fstatfs(file).map_err(|e| MediaError::io("fstatfs", e))?;
    Ok(Mount {
        fs_type: String::from_utf8_lossy(&c_bytes(&fs.f_fstypename)).into_owned(),
        flags: fs.f_flags,
        from: String::from_utf8_lossy(&c_bytes(&fs.f_mntfromname)).into_owned(),
        on: c_bytes(&fs.f_mntonname),
    })
}

/// `diskutil info -plist <id>`, for a validated BSD disk name only.
fn diskutil_info(id: &str) -> Result<rules::DiskFacts, MediaError> {
    if !rules::is_disk_id(id) {
        return Err(MediaError::Sysfs(format!("not a disk identifier: {id:?}")));
    }
    let out = Command::new(DISKUTIL)
        .args(["info", "-plist", id])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| MediaError::Sysfs(format!("{DISKUTIL}: {e}")))?;
    // diskutil prints an error document on failure; report its message if there is one.
    let facts = rules::parse_disk_info(&out.stdout)?;
    if !out.status.success() {
        return Err(MediaError::Sysfs(format!("{DISKUTIL} info {id}: {}", out.status)));
    }
    Ok(facts)
}

/// Classifies a disk; an APFS container or volume through its physical stores, all of which
/// must be removable.
fn classify_disk(id: &str, depth: u8) -> Result<MediaInfo, MediaError> {
    let facts = diskutil_info(id)?;
    match rules::disk_verdict(&facts) {
        DiskVerdict::Kind(kind) => Ok(rules::media_info(kind, id, &facts)),
        DiskVerdict::Follow(stores) => {
            if depth >= 2 {
                return Err(MediaError::Sysfs(format!("APFS physical stores of {id} nest too deeply")));
            }
            let mut first = None;
            for store in &stores {
                let info = classify_disk(store, depth + 1)?;
                if info.kind != MediaKind::Removable {
                    return Ok(info);
                }
                first.get_or_insert(info);
            }
            first.ok_or_else(|| MediaError::Sysfs(format!("no physical store for {id}")))
        }
    }
}

fn classify_mount(m: &Mount) -> Result<MediaInfo, MediaError> {
    match rules::fs_verdict(&m.fs_type, m.flags, &m.from) {
        FsVerdict::Refuse(kind, device) => Ok(MediaInfo::without_device(kind, &device)),
        FsVerdict::Disk(id) => classify_disk(&id, 0),
    }
}

pub(super) fn classify_file(_: &Classifier, file: &File) -> Result<MediaInfo, MediaError> {
    classify_mount(&mount_of(file)?)
}

/// Classification needs device numbers only on Linux.
pub(super) fn classify_device(_: &Classifier, _: u32, _: u32) -> Result<MediaInfo, MediaError> {
    Err(MediaError::Unsupported { os: std::env::consts::OS })
}

/// Removable volumes mounted directly below `/Volumes` (where macOS mounts them), in name
/// order. Entries that are not mount points (such as the `Macintosh HD` link to `/`) and
/// volumes that cannot be classified are not offered.
pub(super) fn list_removable_mounts(_: &Classifier) -> Result<Vec<RemovableMount>, MediaError> {
    let entries = std::fs::read_dir(VOLUMES).map_err(|e| MediaError::Mountinfo(format!("{VOLUMES}: {e}")))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let Ok(dir) = File::open(&path) else { continue };
        let Ok(m) = mount_of(&dir) else { continue };
        if m.on != path.as_os_str().as_bytes() {
            continue;
        }
        let Ok(media) = classify_mount(&m) else { continue };
        if media.kind != MediaKind::Removable {
            continue;
        }
        out.push(RemovableMount {
            id: rules::mount_id(&m.on, &m.from, &media.identity()),
            label: media.label(),
            media,
            mount_point: path,
        });
    }
    Ok(out)
}

pub use super::unix_dir::TargetDir;
