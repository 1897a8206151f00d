//! Windows: classification of a file handle through its volume, and target-directory
//! operations. Only the system calls live here; every decision is in `windows_rules.rs`
//! (unit-tested on every OS). This file is compile-checked (`x86_64-pc-windows-gnu`) but
//! has not been run on Windows by this crate's tests.
//!
//! Classifying a handle: `GetFinalPathNameByHandleW(VOLUME_NAME_NT)` refuses network
//! redirectors (SMB/WebDAV via MUP, Remote Desktop drives); `VOLUME_NAME_GUID` gives the
//! volume (`\\?\Volume{…}`); `GetDriveTypeW` on its root refuses remote, RAM-disk and optical
//! volumes; for local disks the volume is opened with no access rights and
//! `IOCTL_STORAGE_QUERY_PROPERTY(StorageDeviceProperty)` gives `BusType`, `RemovableMedia`,
//! vendor, product and serial. Any failure is an error: nothing is written.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::windows::ffi::{OsStrExt as _, OsStringExt as _};
use std::os::windows::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::os::windows::io::AsRawHandle as _;
use std::path::{Path, PathBuf};

use windows_sys::Win32::Foundation::{
    ERROR_ALREADY_EXISTS, ERROR_FILE_EXISTS, ERROR_INVALID_FUNCTION, ERROR_MORE_DATA, ERROR_NOT_SUPPORTED,
    ERROR_NO_MORE_FILES, HANDLE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Storage::FileSystem::{
    FindFirstVolumeW, FindNextVolumeW, FindVolumeClose, GetDiskFreeSpaceExW, GetDriveTypeW, GetFinalPathNameByHandleW,
    GetVolumePathNamesForVolumeNameW, MoveFileExW, FILE_ADD_FILE, FILE_ATTRIBUTE_DIRECTORY,
    FILE_ATTRIBUTE_REPARSE_POINT, FILE_FLAG_BACKUP_SEMANTICS, FILE_FLAG_OPEN_REPARSE_POINT, FILE_LIST_DIRECTORY,
    FILE_NAME_NORMALIZED, FILE_READ_ATTRIBUTES, FILE_SHARE_READ, FILE_SHARE_WRITE, MOVEFILE_WRITE_THROUGH, SYNCHRONIZE,
    VOLUME_NAME_GUID, VOLUME_NAME_NT,
};
use windows_sys::Win32::System::Ioctl::{
    PropertyStandardQuery, StorageDeviceProperty, IOCTL_STORAGE_GET_DEVICE_NUMBER, IOCTL_STORAGE_QUERY_PROPERTY,
    STORAGE_DEVICE_DESCRIPTOR, STORAGE_DEVICE_NUMBER, STORAGE_PROPERTY_QUERY,
};
use windows_sys::Win32::System::IO::DeviceIoControl;

use super::windows_rules as rules;
use super::{Classifier, MediaInfo, MediaKind, RemovableMount};
use crate::error::MediaError;

// The pure rules use their own copies of these values; make sure they match the headers.
const _: () = {
    use std::mem::offset_of;
    use windows_sys::Win32::Storage::FileSystem as fs;
    assert!(rules::BUS_UNKNOWN == fs::BusTypeUnknown);
    assert!(rules::BUS_SCSI == fs::BusTypeScsi);
    assert!(rules::BUS_ATAPI == fs::BusTypeAtapi);
    assert!(rules::BUS_ATA == fs::BusTypeAta);
    assert!(rules::BUS_1394 == fs::BusType1394);
    assert!(rules::BUS_SSA == fs::BusTypeSsa);
    assert!(rules::BUS_FIBRE == fs::BusTypeFibre);
    assert!(rules::BUS_USB == fs::BusTypeUsb);
    assert!(rules::BUS_RAID == fs::BusTypeRAID);
    assert!(rules::BUS_ISCSI == fs::BusTypeiScsi);
    assert!(rules::BUS_SAS == fs::BusTypeSas);
    assert!(rules::BUS_SATA == fs::BusTypeSata);
    assert!(rules::BUS_SD == fs::BusTypeSd);
    assert!(rules::BUS_MMC == fs::BusTypeMmc);
    assert!(rules::BUS_VIRTUAL == fs::BusTypeVirtual);
    assert!(rules::BUS_FILE_BACKED_VIRTUAL == fs::BusTypeFileBackedVirtual);
    assert!(rules::BUS_SPACES == fs::BusTypeSpaces);
    assert!(rules::BUS_NVME == fs::BusTypeNvme);
    assert!(rules::BUS_SCM == fs::BusTypeSCM);
    assert!(rules::BUS_UFS == fs::BusTypeUfs);
    assert!(offset_of!(STORAGE_DEVICE_DESCRIPTOR, Size) == rules::DESC_SIZE);
    assert!(offset_of!(STORAGE_DEVICE_DESCRIPTOR, RemovableMedia) == rules::DESC_REMOVABLE_MEDIA);
    assert!(offset_of!(STORAGE_DEVICE_DESCRIPTOR, VendorIdOffset) == rules::DESC_VENDOR_ID_OFFSET);
    assert!(offset_of!(STORAGE_DEVICE_DESCRIPTOR, ProductIdOffset) == rules::DESC_PRODUCT_ID_OFFSET);
    assert!(offset_of!(STORAGE_DEVICE_DESCRIPTOR, SerialNumberOffset) == rules::DESC_SERIAL_NUMBER_OFFSET);
    assert!(offset_of!(STORAGE_DEVICE_DESCRIPTOR, BusType) == rules::DESC_BUS_TYPE);
    assert!(offset_of!(STORAGE_DEVICE_DESCRIPTOR, RawDeviceProperties) == rules::DESC_FIXED_LEN);
};

/// A NUL-terminated UTF-16 copy of `s`.
fn wide(s: &std::ffi::OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

fn last_error() -> std::io::Error {
    std::io::Error::last_os_error()
}

/// `GetFinalPathNameByHandleW` with `flags`, growing the buffer as asked.
fn final_path(handle: HANDLE, flags: u32) -> std::io::Result<OsString> {
    let mut buf = vec![0u16; 512];
    for _ in 0..4 {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: `buf` is valid for `len` UTF-16 units; `handle` is an open handle owned by the caller.
        let n = unsafe { GetFinalPathNameByHandleW(handle, buf.as_mut_ptr(), len, flags) } as usize;
        if n == 0 {
            return Err(last_error());
        }
        if n < buf.len() {
            return Ok(OsString::from_wide(&buf[..n]));
        }
        // Too small: `n` is the size needed, terminating NUL included.
        buf.resize(n + 1, 0);
    }
    Err(std::io::Error::other("final path keeps growing"))
}

pub(super) fn classify_file(_: &Classifier, file: &File) -> Result<MediaInfo, MediaError> {
    let handle = file.as_raw_handle() as HANDLE;
    // Network redirectors have no volume GUID; name them instead of failing obscurely.
    if let Ok(nt) = final_path(handle, VOLUME_NAME_NT) {
        if let Some(redirector) = rules::network_redirector(&nt.to_string_lossy()) {
            return Ok(MediaInfo::without_device(MediaKind::Network, redirector));
        }
    }
    let path = final_path(handle, VOLUME_NAME_GUID | FILE_NAME_NORMALIZED)
        .map_err(|e| MediaError::Sysfs(format!("volume of the file: {e}")))?;
    let path = path.to_string_lossy();
    let volume = rules::volume_of_guid_path(&path)
        .ok_or_else(|| MediaError::Sysfs(format!("not on a volume with a GUID path: {path}")))?;
    classify_volume(volume)
}

/// A handle to a directory with attribute access only, for classification.
pub(super) fn open_dir_probe(dir: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .access_mode(FILE_READ_ATTRIBUTES | SYNCHRONIZE)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(dir)
}

/// Classification needs device numbers only on Linux.
pub(super) fn classify_device(_: &Classifier, _: u32, _: u32) -> Result<MediaInfo, MediaError> {
    Err(MediaError::Unsupported { os: std::env::consts::OS })
}

/// `DeviceIoControl` with a plain input struct (none if `()`), output into `out`; returns
/// the bytes written.
fn ioctl<I>(device: &File, code: u32, input: &I, out: &mut [u8]) -> std::io::Result<usize> {
    let mut returned = 0u32;
    let size = std::mem::size_of::<I>() as u32;
    // SAFETY: the pointers and sizes describe live buffers; no OVERLAPPED (synchronous handle).
    let ok = unsafe {
        DeviceIoControl(
            device.as_raw_handle() as HANDLE,
            code,
            if size == 0 { std::ptr::null() } else { (input as *const I).cast() },
            size,
            out.as_mut_ptr().cast(),
            u32::try_from(out.len()).unwrap_or(u32::MAX),
            &mut returned,
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(last_error());
    }
    Ok((returned as usize).min(out.len()))
}

/// The raw `STORAGE_DEVICE_DESCRIPTOR` of the disk under a volume handle.
fn storage_descriptor(volume: &File) -> Result<Vec<u8>, MediaError> {
    const MAX: usize = 64 * 1024;
    let query = STORAGE_PROPERTY_QUERY {
        PropertyId: StorageDeviceProperty,
        QueryType: PropertyStandardQuery,
        AdditionalParameters: [0],
    };
    let err = |e: std::io::Error| MediaError::Sysfs(format!("IOCTL_STORAGE_QUERY_PROPERTY: {e}"));
    // First the header (Version, Size), then the whole descriptor.
    let mut header = [0u8; 8];
    ioctl(volume, IOCTL_STORAGE_QUERY_PROPERTY, &query, &mut header).map_err(err)?;
    let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let mut buf = vec![0u8; size.clamp(rules::DESC_FIXED_LEN, MAX)];
    let n = ioctl(volume, IOCTL_STORAGE_QUERY_PROPERTY, &query, &mut buf).map_err(err)?;
    buf.truncate(n);
    Ok(buf)
}

/// `PhysicalDriveN` of the disk under a volume handle, if the volume lies on one disk.
fn physical_drive(volume: &File) -> Option<String> {
    let mut out = [0u8; std::mem::size_of::<STORAGE_DEVICE_NUMBER>()];
    let n = ioctl(volume, IOCTL_STORAGE_GET_DEVICE_NUMBER, &(), &mut out).ok()?;
    // STORAGE_DEVICE_NUMBER { DeviceType, DeviceNumber, PartitionNumber }, all u32.
    (n >= 8).then(|| format!("PhysicalDrive{}", u32::from_le_bytes([out[4], out[5], out[6], out[7]])))
}

fn total_bytes(root: &[u16]) -> Option<u64> {
    let mut total = 0u64;
    // SAFETY: `root` is NUL-terminated; null pointers are allowed for the unused outputs.
    let ok = unsafe { GetDiskFreeSpaceExW(root.as_ptr(), std::ptr::null_mut(), &mut total, std::ptr::null_mut()) };
    (ok != 0).then_some(total)
}

/// Classifies a volume given as `\\?\Volume{GUID}` (no trailing backslash).
fn classify_volume(volume: &str) -> Result<MediaInfo, MediaError> {
    let root = wide(format!("{volume}\\").as_ref());
    // SAFETY: `root` is a NUL-terminated UTF-16 string.
    let drive_type = unsafe { GetDriveTypeW(root.as_ptr()) };
    let mut facts = rules::VolumeFacts { drive_type, descriptor: None, device: String::new(), size_bytes: None };
    if rules::drive_verdict(drive_type)? == rules::DriveVerdict::AskDevice {
        // No access rights: enough for the storage IOCTLs, no administrator needed.
        let device = OpenOptions::new()
            .access_mode(0)
            .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE)
            .open(volume)
            .map_err(|e| MediaError::Sysfs(format!("open volume: {e}")))?;
        facts.descriptor = Some(rules::parse_device_descriptor(&storage_descriptor(&device)?)?);
        facts.device = physical_drive(&device).unwrap_or_else(|| volume.trim_start_matches(r"\\?\").to_string());
        facts.size_bytes = total_bytes(&root);
    }
    rules::media_info(facts)
}

/// Closes a `FindFirstVolumeW` search.
struct VolumeSearch(HANDLE);

impl Drop for VolumeSearch {
    fn drop(&mut self) {
        // SAFETY: the handle came from FindFirstVolumeW and is closed once.
        unsafe { FindVolumeClose(self.0) };
    }
}

/// Every volume name (`\\?\Volume{GUID}\`, with the trailing backslash).
fn volumes() -> Result<Vec<String>, MediaError> {
    let mut buf = [0u16; 261];
    let len = buf.len() as u32;
    // SAFETY: `buf` is valid for `len` units.
    let first = unsafe { FindFirstVolumeW(buf.as_mut_ptr(), len) };
    if first == INVALID_HANDLE_VALUE {
        return Err(MediaError::Mountinfo(format!("FindFirstVolumeW: {}", last_error())));
    }
    let search = VolumeSearch(first);
    let mut out = Vec::new();
    loop {
        out.extend(rules::split_multi_sz(&buf).into_iter().next());
        buf.fill(0);
        // SAFETY: as above; `search.0` is an open search handle.
        if unsafe { FindNextVolumeW(search.0, buf.as_mut_ptr(), len) } == 0 {
            let e = last_error();
            if e.raw_os_error() == Some(ERROR_NO_MORE_FILES as i32) {
                return Ok(out);
            }
            return Err(MediaError::Mountinfo(format!("FindNextVolumeW: {e}")));
        }
    }
}

/// Drive letters and folders where `volume` (with trailing backslash) is mounted.
fn mount_paths(volume: &str) -> std::io::Result<Vec<String>> {
    let name = wide(volume.as_ref());
    let mut buf = vec![0u16; 512];
    for _ in 0..4 {
        let mut needed = 0u32;
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: `name` is NUL-terminated, `buf` valid for `len` units.
        let ok = unsafe { GetVolumePathNamesForVolumeNameW(name.as_ptr(), buf.as_mut_ptr(), len, &mut needed) };
        if ok != 0 {
            return Ok(rules::split_multi_sz(&buf));
        }
        let e = last_error();
        if e.raw_os_error() != Some(ERROR_MORE_DATA as i32) {
            return Err(e);
        }
        buf = vec![0u16; (needed as usize).max(buf.len() * 2)];
    }
    Err(std::io::Error::other("mount path list keeps growing"))
}

pub(super) fn list_removable_mounts(_: &Classifier) -> Result<Vec<RemovableMount>, MediaError> {
    let mut out = Vec::new();
    for name in volumes()? {
        let volume = name.trim_end_matches('\\');
        if rules::volume_of_guid_path(volume) != Some(volume) {
            continue;
        }
        // Volumes without a drive letter or folder are not mounted for the user; volumes
        // whose paths or device cannot be read are simply not offered.
        let Ok(paths) = mount_paths(&name) else { continue };
        if paths.is_empty() {
            continue;
        }
        let Ok(media) = classify_volume(volume) else { continue };
        if media.kind != MediaKind::Removable {
            continue;
        }
        out.push(RemovableMount {
            id: rules::mount_id(volume, &paths, &media.identity()),
            label: media.label(),
            media,
            // The volume root by GUID: not a reparse point (a folder mount point is), and not
            // redirectable by drive-letter tricks (`subst`, `DefineDosDevice`).
            mount_point: PathBuf::from(name),
        });
    }
    Ok(out)
}

/// An open target directory (`FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT`,
/// not shared for deletion, so it cannot be renamed or removed while open). Files are named
/// below the directory's own volume-GUID path, taken from the handle when it was opened, so
/// drive letters, junctions and mount folders in the path given are resolved once; the file
/// handle is classified in any case.
#[derive(Debug)]
pub struct TargetDir {
    dir: File,
    base: PathBuf,
}

fn io_err(op: &'static str, e: std::io::Error) -> MediaError {
    MediaError::io(op, e)
}

fn is_exists(e: &std::io::Error) -> bool {
    e.kind() == ErrorKind::AlreadyExists
        || matches!(e.raw_os_error(), Some(c) if c == ERROR_ALREADY_EXISTS as i32 || c == ERROR_FILE_EXISTS as i32)
}

impl TargetDir {
    /// Opens `dir`; refuses a missing path, a non-directory and a reparse point (symlink,
    /// junction, mount folder) as the last component.
    pub fn open(dir: &Path) -> Result<Self, MediaError> {
        let file = OpenOptions::new()
            // FILE_ADD_FILE (= FILE_WRITE_DATA) also lets `sync` flush the directory.
            .access_mode(FILE_LIST_DIRECTORY | FILE_ADD_FILE | FILE_READ_ATTRIBUTES | SYNCHRONIZE)
            .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE)
            .custom_flags(FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT)
            .open(dir)
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound | ErrorKind::NotADirectory => MediaError::DirInvalid(e.to_string()),
                _ => io_err("open directory", e),
            })?;
        let attributes = file.metadata().map_err(|e| io_err("directory attributes", e))?.file_attributes();
        if attributes & FILE_ATTRIBUTE_REPARSE_POINT != 0 {
            return Err(MediaError::DirInvalid("a reparse point (symlink, junction or mount folder)".into()));
        }
        if attributes & FILE_ATTRIBUTE_DIRECTORY == 0 {
            return Err(MediaError::DirInvalid("not a directory".into()));
        }
        let base = final_path(file.as_raw_handle() as HANDLE, VOLUME_NAME_GUID | FILE_NAME_NORMALIZED)
            .map_err(|e| MediaError::DirInvalid(format!("no volume path: {e}")))?;
        if rules::volume_of_guid_path(&base.to_string_lossy()).is_none() {
            return Err(MediaError::DirInvalid("not on a volume with a GUID path".into()));
        }
        Ok(Self { dir: file, base: PathBuf::from(base) })
    }

    fn path(&self, name: &str) -> Result<PathBuf, MediaError> {
        rules::validate_component(name)?;
        Ok(self.base.join(name))
    }

    /// Creates `name` exclusively (`CREATE_NEW`, not shared while open).
    pub fn create_new(&self, name: &str) -> Result<File, MediaError> {
        let path = self.path(name)?;
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .share_mode(0)
            .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
            .open(path)
            .map_err(|e| if is_exists(&e) { MediaError::TargetExists } else { io_err("create file", e) })
    }

    /// Whether `name` exists (as anything, reparse points included).
    pub fn exists(&self, name: &str) -> Result<bool, MediaError> {
        match std::fs::symlink_metadata(self.path(name)?) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_err("stat", e)),
        }
    }

    /// Renames `from` to `to` in this directory without replacing an existing `to`
    /// (`MoveFileExW` without `MOVEFILE_REPLACE_EXISTING`, written through).
    pub fn rename_noreplace(&self, from: &str, to: &str) -> Result<(), MediaError> {
        let (from, to) = (wide(self.path(from)?.as_os_str()), wide(self.path(to)?.as_os_str()));
        // SAFETY: both are NUL-terminated UTF-16 strings.
        if unsafe { MoveFileExW(from.as_ptr(), to.as_ptr(), MOVEFILE_WRITE_THROUGH) } != 0 {
            return Ok(());
        }
        let e = last_error();
        Err(if is_exists(&e) { MediaError::TargetExists } else { io_err("rename", e) })
    }

    /// Removes the file `name`.
    pub fn remove(&self, name: &str) -> Result<(), MediaError> {
        std::fs::remove_file(self.path(name)?).map_err(|e| io_err("remove", e))
    }

    /// Flushes the directory (`FlushFileBuffers` on its handle). A file system that cannot
    /// flush directory handles is accepted: the rename was already written through.
    pub fn sync(&self) -> Result<(), MediaError> {
        match self.dir.sync_all() {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(e.raw_os_error(),
                    Some(c) if c == ERROR_INVALID_FUNCTION as i32 || c == ERROR_NOT_SUPPORTED as i32) =>
            {
                Ok(())
            }
            Err(e) => Err(io_err("flush directory", e)),
        }
    }
}
