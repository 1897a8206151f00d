//! Windows: every decision that needs no system call, kept apart from the FFI in
//! `windows.rs` so that it compiles and is unit-tested on every OS. `windows.rs` only gathers
//! the facts (drive type, storage descriptor bytes, final paths) and hands them here.

use sha2::{Digest, Sha256};

use super::{MediaInfo, MediaKind};
use crate::error::MediaError;

// `GetDriveTypeW` results (winbase.h).
pub(crate) const DRIVE_UNKNOWN: u32 = 0;
pub(crate) const DRIVE_NO_ROOT_DIR: u32 = 1;
pub(crate) const DRIVE_REMOVABLE: u32 = 2;
pub(crate) const DRIVE_FIXED: u32 = 3;
pub(crate) const DRIVE_REMOTE: u32 = 4;
pub(crate) const DRIVE_CDROM: u32 = 5;
pub(crate) const DRIVE_RAMDISK: u32 = 6;

// `STORAGE_BUS_TYPE` values (winioctl.h); `windows.rs` asserts at compile time that they
// equal the `windows-sys` constants.
pub(crate) const BUS_UNKNOWN: i32 = 0;
pub(crate) const BUS_SCSI: i32 = 1;
pub(crate) const BUS_ATAPI: i32 = 2;
pub(crate) const BUS_ATA: i32 = 3;
pub(crate) const BUS_1394: i32 = 4;
pub(crate) const BUS_SSA: i32 = 5;
pub(crate) const BUS_FIBRE: i32 = 6;
pub(crate) const BUS_USB: i32 = 7;
pub(crate) const BUS_RAID: i32 = 8;
pub(crate) const BUS_ISCSI: i32 = 9;
pub(crate) const BUS_SAS: i32 = 10;
pub(crate) const BUS_SATA: i32 = 11;
pub(crate) const BUS_SD: i32 = 12;
pub(crate) const BUS_MMC: i32 = 13;
pub(crate) const BUS_VIRTUAL: i32 = 14;
pub(crate) const BUS_FILE_BACKED_VIRTUAL: i32 = 15;
pub(crate) const BUS_SPACES: i32 = 16;
pub(crate) const BUS_NVME: i32 = 17;
pub(crate) const BUS_SCM: i32 = 18;
pub(crate) const BUS_UFS: i32 = 19;

// Byte offsets in `STORAGE_DEVICE_DESCRIPTOR` (asserted against `windows-sys` in `windows.rs`).
pub(crate) const DESC_SIZE: usize = 4;
pub(crate) const DESC_REMOVABLE_MEDIA: usize = 10;
pub(crate) const DESC_VENDOR_ID_OFFSET: usize = 12;
pub(crate) const DESC_PRODUCT_ID_OFFSET: usize = 16;
pub(crate) const DESC_SERIAL_NUMBER_OFFSET: usize = 24;
pub(crate) const DESC_BUS_TYPE: usize = 28;
/// The fixed part of the descriptor ends here (after `RawPropertiesLength`); strings follow.
pub(crate) const DESC_FIXED_LEN: usize = 36;

/// What the drive type alone says about a volume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DriveVerdict {
    /// Refused without asking the device: the kind and a name for [`MediaInfo::device`].
    Refuse(MediaKind, &'static str),
    /// A local disk (`DRIVE_FIXED` or `DRIVE_REMOVABLE`): the storage descriptor decides.
    AskDevice,
}

/// `GetDriveTypeW` of the volume root → refuse now, or ask the device. Unknown answers
/// (`DRIVE_UNKNOWN`, `DRIVE_NO_ROOT_DIR`, anything else) are errors: fail closed.
/// Optical drives are refused (reported as fixed; there is no optical kind), although a
/// USB DVD writer would pass the bus rule below.
pub(crate) fn drive_verdict(drive_type: u32) -> Result<DriveVerdict, MediaError> {
    match drive_type {
        DRIVE_REMOTE => Ok(DriveVerdict::Refuse(MediaKind::Network, "remote")),
        DRIVE_RAMDISK => Ok(DriveVerdict::Refuse(MediaKind::Virtual, "ramdisk")),
        DRIVE_CDROM => Ok(DriveVerdict::Refuse(MediaKind::Fixed, "cdrom")),
        DRIVE_FIXED | DRIVE_REMOVABLE => Ok(DriveVerdict::AskDevice),
        DRIVE_UNKNOWN | DRIVE_NO_ROOT_DIR => Err(MediaError::Sysfs(format!("drive type unknown ({drive_type})"))),
        other => Err(MediaError::Sysfs(format!("drive type unexpected ({other})"))),
    }
}

/// The storage descriptor's bus type and removable-media bit → kind (the Linux rule):
/// iSCSI is network; virtual, file-backed (VHD/VHDX) and Storage Spaces disks are virtual;
/// USB, SD and MMC are removable even when the media bit is clear (USB hard disks report
/// `DRIVE_FIXED`); on another known physical bus the removable-media bit decides; an unknown
/// or unrecognised bus is never removable.
pub(crate) fn kind_from_device(bus_type: i32, removable_media: bool) -> MediaKind {
    match bus_type {
        BUS_ISCSI => MediaKind::Network,
        BUS_VIRTUAL | BUS_FILE_BACKED_VIRTUAL | BUS_SPACES => MediaKind::Virtual,
        BUS_USB | BUS_SD | BUS_MMC => MediaKind::Removable,
        BUS_SCSI | BUS_ATAPI | BUS_ATA | BUS_1394 | BUS_SSA | BUS_FIBRE | BUS_RAID | BUS_SAS | BUS_SATA | BUS_NVME
        | BUS_SCM | BUS_UFS
            if removable_media =>
        {
            MediaKind::Removable
        }
        _ => MediaKind::Fixed,
    }
}

/// Lower-case bus name for [`MediaInfo::bus`] (`usb`, `sd`, `mmc`, `sata`, `nvme`, …).
pub(crate) fn bus_name(bus_type: i32) -> &'static str {
    match bus_type {
        BUS_SCSI => "scsi",
        BUS_ATAPI => "atapi",
        BUS_ATA => "ata",
        BUS_1394 => "1394",
        BUS_SSA => "ssa",
        BUS_FIBRE => "fibre",
        BUS_USB => "usb",
        BUS_RAID => "raid",
        BUS_ISCSI => "iscsi",
        BUS_SAS => "sas",
        BUS_SATA => "sata",
        BUS_SD => "sd",
        BUS_MMC => "mmc",
        BUS_VIRTUAL => "virtual",
        BUS_FILE_BACKED_VIRTUAL => "file-backed-virtual",
        BUS_SPACES => "spaces",
        BUS_NVME => "nvme",
        BUS_SCM => "scm",
        BUS_UFS => "ufs",
        _ => "unknown",
    }
}

/// The fields of a `STORAGE_DEVICE_DESCRIPTOR` this crate uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeviceDescriptor {
    pub bus_type: i32,
    pub removable_media: bool,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub serial: Option<String>,
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// A NUL-terminated ASCII string at `offset` within `buf`; 0 and out-of-range offsets (some
/// drivers use `0xFFFFFFFF`) mean none. Control characters are dropped, blanks trimmed.
fn string_at(buf: &[u8], offset: u32) -> Option<String> {
    let start = usize::try_from(offset).ok()?;
    if start < DESC_FIXED_LEN || start >= buf.len() {
        return None;
    }
    let bytes = &buf[start..];
    let bytes = &bytes[..bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())];
    let s: String = String::from_utf8_lossy(bytes).chars().filter(|c| !c.is_control()).collect();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// Parses the bytes `IOCTL_STORAGE_QUERY_PROPERTY(StorageDeviceProperty)` returned, bounded by
/// both the returned length and the descriptor's own `Size`.
pub(crate) fn parse_device_descriptor(buf: &[u8]) -> Result<DeviceDescriptor, MediaError> {
    if buf.len() < DESC_FIXED_LEN {
        return Err(MediaError::Sysfs(format!("storage descriptor too short ({} bytes)", buf.len())));
    }
    let size = usize::try_from(u32_at(buf, DESC_SIZE)).unwrap_or(usize::MAX);
    if size < DESC_FIXED_LEN {
        return Err(MediaError::Sysfs(format!("storage descriptor size {size} too small")));
    }
    let buf = &buf[..size.min(buf.len())];
    let bus_type = i32::from_le_bytes(buf[DESC_BUS_TYPE..DESC_BUS_TYPE + 4].try_into().expect("4 bytes"));
    Ok(DeviceDescriptor {
        bus_type,
        removable_media: buf[DESC_REMOVABLE_MEDIA] != 0,
        vendor: string_at(buf, u32_at(buf, DESC_VENDOR_ID_OFFSET)),
        product: string_at(buf, u32_at(buf, DESC_PRODUCT_ID_OFFSET)),
        serial: string_at(buf, u32_at(buf, DESC_SERIAL_NUMBER_OFFSET)),
    })
}

/// The facts gathered about one volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VolumeFacts {
    /// `GetDriveTypeW` of the volume root.
    pub drive_type: u32,
    /// The storage descriptor, if the drive type asked for it.
    pub descriptor: Option<DeviceDescriptor>,
    /// `PhysicalDriveN`, or the `Volume{…}` name when the disk number is not available.
    pub device: String,
    /// Total size of the volume, when known.
    pub size_bytes: Option<u64>,
}

/// The verdict for a volume. A local disk without a storage descriptor is an error.
pub(crate) fn media_info(facts: VolumeFacts) -> Result<MediaInfo, MediaError> {
    match drive_verdict(facts.drive_type)? {
        DriveVerdict::Refuse(kind, name) => Ok(MediaInfo::without_device(kind, name)),
        DriveVerdict::AskDevice => {
            let d = facts
                .descriptor
                .ok_or_else(|| MediaError::Sysfs("storage descriptor missing for a local disk".into()))?;
            Ok(MediaInfo {
                kind: kind_from_device(d.bus_type, d.removable_media),
                device: facts.device,
                serial: d.serial,
                vendor: d.vendor,
                model: d.product,
                bus: Some(bus_name(d.bus_type).to_string()),
                size_bytes: facts.size_bytes,
            })
        }
    }
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `\\?\Volume{GUID}` (no trailing backslash) at the start of a `VOLUME_NAME_GUID` path such
/// as `\\?\Volume{GUID}\dir\file`; `None` for anything else.
pub(crate) fn volume_of_guid_path(path: &str) -> Option<&str> {
    const PREFIX: &str = r"\\?\Volume{";
    let rest = path.get(..PREFIX.len()).filter(|p| p.eq_ignore_ascii_case(PREFIX)).map(|_| &path[PREFIX.len()..])?;
    let close = rest.find('}')?;
    if !is_guid(&rest[..close]) {
        return None;
    }
    let end = PREFIX.len() + close + 1;
    match path[end..].chars().next() {
        None | Some('\\') => Some(&path[..end]),
        Some(_) => None,
    }
}

/// NT device prefixes of network redirectors (SMB and WebDAV through MUP, Remote Desktop
/// drive redirection, VirtualBox shared folders).
const NETWORK_NT_PREFIXES: &[&str] = &[
    r"\Device\Mup",
    r"\Device\LanmanRedirector",
    r"\Device\WebDavRedirector",
    r"\Device\RdpDr",
    r"\Device\VBoxMiniRdr",
];

/// A `VOLUME_NAME_NT` path on a network redirector → network, with the redirector's name.
pub(crate) fn network_redirector(nt_path: &str) -> Option<&'static str> {
    NETWORK_NT_PREFIXES.iter().find_map(|p| {
        let head = nt_path.get(..p.len())?;
        let boundary = matches!(nt_path[p.len()..].chars().next(), None | Some('\\'));
        (head.eq_ignore_ascii_case(p) && boundary).then(|| &p[r"\Device\".len()..])
    })
}

/// Splits a `REG_MULTI_SZ`-style UTF-16 buffer (`GetVolumePathNamesForVolumeNameW`) into
/// its non-empty strings.
pub(crate) fn split_multi_sz(buf: &[u16]) -> Vec<String> {
    buf.split(|&c| c == 0).filter(|s| !s.is_empty()).map(String::from_utf16_lossy).collect()
}

/// Opaque mount id: truncated SHA-256 of the volume, its mount paths and the media identity.
pub(crate) fn mount_id(volume: &str, mount_paths: &[String], identity: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"uketsuke.export.mount.windows.v1\n");
    h.update(volume.to_ascii_lowercase().as_bytes());
    for p in mount_paths {
        h.update(b"\n");
        h.update(p.as_bytes());
    }
    h.update(b"\n\n");
    h.update(identity.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Longest name component NTFS, FAT and exFAT accept, in UTF-16 units.
const MAX_COMPONENT_UNITS: usize = 255;

fn is_reserved_device_name(name: &str) -> bool {
    // Windows ignores the extension and trailing spaces: `NUL.txt` and `con .age` are devices.
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ').to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$")
        || ["COM", "LPT"].iter().any(|dev| {
            stem.strip_prefix(dev).is_some_and(|n| {
                let mut chars = n.chars();
                matches!((chars.next(), chars.next()), (Some('0'..='9' | '¹' | '²' | '³'), None))
            })
        })
}

/// One file-name component as Windows needs it: not empty, `.` or `..`; at most 255 UTF-16
/// units; none of `< > : " / \ | ? *` (so no path separators and no `:stream`) or control
/// characters; no trailing dot or space (Win32 strips them); not a device name (`CON`, `NUL`,
/// `COM1`, `LPT¹`, … also with an extension). Leading dots are allowed (temporary names).
pub(crate) fn validate_component(name: &str) -> Result<(), MediaError> {
    let bad = |why: &str| Err(MediaError::NameInvalid(why.into()));
    if name.is_empty() || name == "." || name == ".." {
        return bad("empty, . or ..");
    }
    if name.encode_utf16().count() > MAX_COMPONENT_UNITS {
        return bad("too long");
    }
    if name.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*')) {
        return bad("contains a character Windows does not allow in file names");
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return bad("ends with a dot or space");
    }
    if is_reserved_device_name(name) {
        return bad("a reserved device name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_type_alone_refuses_remote_ramdisk_and_optical_and_fails_closed_on_unknown() {
        assert_eq!(drive_verdict(DRIVE_REMOTE).unwrap(), DriveVerdict::Refuse(MediaKind::Network, "remote"));
        assert_eq!(drive_verdict(DRIVE_RAMDISK).unwrap(), DriveVerdict::Refuse(MediaKind::Virtual, "ramdisk"));
        assert_eq!(drive_verdict(DRIVE_CDROM).unwrap(), DriveVerdict::Refuse(MediaKind::Fixed, "cdrom"));
        assert_eq!(drive_verdict(DRIVE_FIXED).unwrap(), DriveVerdict::AskDevice);
        assert_eq!(drive_verdict(DRIVE_REMOVABLE).unwrap(), DriveVerdict::AskDevice);
        for dt in [DRIVE_UNKNOWN, DRIVE_NO_ROOT_DIR, 7, u32::MAX] {
            assert_eq!(drive_verdict(dt).unwrap_err().code(), "EXPORT_MEDIA_SYSFS", "{dt}");
        }
    }

    #[test]
    fn usb_sd_and_mmc_are_removable_whatever_the_media_bit() {
        for bus in [BUS_USB, BUS_SD, BUS_MMC] {
            assert_eq!(kind_from_device(bus, false), MediaKind::Removable, "{bus}");
            assert_eq!(kind_from_device(bus, true), MediaKind::Removable, "{bus}");
        }
    }

    #[test]
    fn internal_buses_follow_the_media_bit() {
        for bus in [BUS_SATA, BUS_NVME, BUS_SCSI, BUS_ATA, BUS_ATAPI, BUS_SAS, BUS_1394, BUS_RAID, BUS_UFS] {
            assert_eq!(kind_from_device(bus, false), MediaKind::Fixed, "{bus}");
            assert_eq!(kind_from_device(bus, true), MediaKind::Removable, "{bus}");
        }
    }

    #[test]
    fn virtual_network_and_unknown_buses_are_never_removable() {
        for removable in [false, true] {
            assert_eq!(kind_from_device(BUS_ISCSI, removable), MediaKind::Network);
            for bus in [BUS_VIRTUAL, BUS_FILE_BACKED_VIRTUAL, BUS_SPACES] {
                assert_eq!(kind_from_device(bus, removable), MediaKind::Virtual, "{bus}");
            }
            for bus in [BUS_UNKNOWN, 20, 127, -1] {
                assert_eq!(kind_from_device(bus, removable), MediaKind::Fixed, "{bus}");
            }
        }
    }

    #[test]
    fn bus_names() {
        assert_eq!(bus_name(BUS_USB), "usb");
        assert_eq!(bus_name(BUS_NVME), "nvme");
        assert_eq!(bus_name(BUS_FILE_BACKED_VIRTUAL), "file-backed-virtual");
        assert_eq!(bus_name(99), "unknown");
    }

    /// A descriptor as a USB stick driver returns it: fixed part, then the strings.
    fn descriptor(bus: i32, removable: bool, strings: [Option<&str>; 3]) -> Vec<u8> {
        let mut buf = vec![0u8; 40];
        buf[0..4].copy_from_slice(&40u32.to_le_bytes()); // Version
        buf[DESC_REMOVABLE_MEDIA] = u8::from(removable);
        buf[DESC_BUS_TYPE..DESC_BUS_TYPE + 4].copy_from_slice(&bus.to_le_bytes());
        let offsets = [DESC_VENDOR_ID_OFFSET, DESC_PRODUCT_ID_OFFSET, DESC_SERIAL_NUMBER_OFFSET];
        for (s, at) in strings.into_iter().zip(offsets) {
            if let Some(s) = s {
                let off = buf.len() as u32;
                buf.extend_from_slice(s.as_bytes());
                buf.push(0);
                buf[at..at + 4].copy_from_slice(&off.to_le_bytes());
            }
        }
        let size = buf.len() as u32;
        buf[DESC_SIZE..DESC_SIZE + 4].copy_from_slice(&size.to_le_bytes());
        buf
    }

    #[test]
    fn parses_a_usb_stick_descriptor() {
        let buf = descriptor(BUS_USB, true, [Some("SanDisk "), Some("Cruzer Blade    "), Some("4C5300012307")]);
        let d = parse_device_descriptor(&buf).unwrap();
        assert_eq!(
            d,
            DeviceDescriptor {
                bus_type: BUS_USB,
                removable_media: true,
                vendor: Some("SanDisk".into()),
                product: Some("Cruzer Blade".into()),
                serial: Some("4C5300012307".into()),
            }
        );
    }

    #[test]
    fn absent_and_out_of_range_strings_are_none() {
        let mut buf = descriptor(BUS_SATA, false, [None, Some("  "), None]);
        buf[DESC_SERIAL_NUMBER_OFFSET..DESC_SERIAL_NUMBER_OFFSET + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        buf[DESC_VENDOR_ID_OFFSET..DESC_VENDOR_ID_OFFSET + 4].copy_from_slice(&8u32.to_le_bytes()); // inside header
        let d = parse_device_descriptor(&buf).unwrap();
        assert_eq!((d.vendor, d.product, d.serial), (None, None, None));
        assert!(!d.removable_media);
    }

    #[test]
    fn strings_are_bounded_by_the_declared_size_and_any_nonzero_byte_is_true() {
        let mut buf = descriptor(BUS_USB, false, [None, None, Some("SERIAL")]);
        buf[DESC_REMOVABLE_MEDIA] = 0x80;
        let declared = (buf.len() - 4) as u32; // cuts "SERIAL\0" to "SER"
        buf[DESC_SIZE..DESC_SIZE + 4].copy_from_slice(&declared.to_le_bytes());
        let d = parse_device_descriptor(&buf).unwrap();
        assert_eq!(d.serial.as_deref(), Some("SER"));
        assert!(d.removable_media);
    }

    #[test]
    fn short_or_inconsistent_descriptors_are_errors() {
        assert_eq!(parse_device_descriptor(&[0u8; 35]).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");
        let mut buf = descriptor(BUS_USB, true, [None, None, None]);
        buf[DESC_SIZE..DESC_SIZE + 4].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(parse_device_descriptor(&buf).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..300 {
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // Small offsets so that the string paths are exercised.
                    (seed % 64) as u8
                })
                .collect();
            let _ = parse_device_descriptor(&buf);
        }
    }

    fn facts(drive_type: u32, descriptor: Option<DeviceDescriptor>) -> VolumeFacts {
        VolumeFacts { drive_type, descriptor, device: "PhysicalDrive2".into(), size_bytes: Some(16_000_000_000) }
    }

    #[test]
    fn a_usb_hard_disk_reported_fixed_is_removable() {
        let d =
            parse_device_descriptor(&descriptor(BUS_USB, false, [Some("WD"), Some("Elements"), Some("S1")])).unwrap();
        let info = media_info(facts(DRIVE_FIXED, Some(d))).unwrap();
        assert_eq!(info.kind, MediaKind::Removable);
        assert_eq!(info.identity(), "usb:WD:Elements:S1");
        assert_eq!(info.label(), "WD Elements (16.0 GB)");
    }

    #[test]
    fn volume_verdicts() {
        let sata = parse_device_descriptor(&descriptor(BUS_SATA, false, [None, Some("Samsung SSD"), None])).unwrap();
        let info = media_info(facts(DRIVE_FIXED, Some(sata))).unwrap();
        assert_eq!((info.kind, info.identity().as_str()), (MediaKind::Fixed, "sata:-:Samsung SSD:dev=PhysicalDrive2"));
        let vhd = parse_device_descriptor(&descriptor(BUS_FILE_BACKED_VIRTUAL, true, [None; 3])).unwrap();
        assert_eq!(media_info(facts(DRIVE_REMOVABLE, Some(vhd))).unwrap().kind, MediaKind::Virtual);
        let remote = media_info(facts(DRIVE_REMOTE, None)).unwrap();
        assert_eq!((remote.kind, remote.device.as_str(), remote.size_bytes), (MediaKind::Network, "remote", None));
        assert_eq!(media_info(facts(DRIVE_FIXED, None)).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");
        assert_eq!(media_info(facts(DRIVE_NO_ROOT_DIR, None)).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");
    }

    const GUID: &str = "5c8d7e0a-1b2c-11ef-9a3b-806e6f6e6963";

    #[test]
    fn volume_guid_paths() {
        let vol = format!(r"\\?\Volume{{{GUID}}}");
        assert_eq!(volume_of_guid_path(&format!(r"{vol}\exports\a.age")), Some(vol.as_str()));
        assert_eq!(volume_of_guid_path(&format!(r"{vol}\")), Some(vol.as_str()));
        assert_eq!(volume_of_guid_path(&vol), Some(vol.as_str()));
        let upper = format!(r"\\?\VOLUME{{{}}}\x", GUID.to_uppercase());
        assert_eq!(volume_of_guid_path(&upper), Some(&upper[..upper.len() - 2]));
        for bad in [
            String::new(),
            r"C:\exports\a.age".to_string(),
            r"\\?\C:\exports".to_string(),
            r"\\?\UNC\server\share\a".to_string(),
            format!(r"\\.\Volume{{{GUID}}}\a"),
            format!(r"\\?\Volume{{{}}}\a", &GUID[1..]),
            format!(r"\\?\Volume{{{}x}}\a", &GUID[1..]),
            format!(r"\\?\Volume{{{GUID}}}x\a"),
            format!(r"\\?\Volume{{{GUID}"),
            r"\\?\Volume{}".to_string(),
            "\\\\?\\Volume{é".to_string(),
        ] {
            assert_eq!(volume_of_guid_path(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn network_redirectors_are_recognised_by_nt_path() {
        assert_eq!(network_redirector(r"\Device\Mup\server\share\a.age"), Some("Mup"));
        assert_eq!(network_redirector(r"\device\mup\server\share"), Some("Mup"));
        assert_eq!(network_redirector(r"\Device\RdpDr\;E:1\tsclient\E\a"), Some("RdpDr"));
        assert_eq!(network_redirector(r"\Device\WebDavRedirector\host\DavWWWRoot"), Some("WebDavRedirector"));
        assert_eq!(network_redirector(r"\Device\Mup"), Some("Mup"));
        for local in [r"\Device\HarddiskVolume3\exports\a.age", r"\Device\Mupx\a", r"\Device\CdRom0\a", "", r"\Dev"] {
            assert_eq!(network_redirector(local), None, "{local}");
        }
    }

    #[test]
    fn multi_sz_split() {
        let buf: Vec<u16> = "E:\\\0C:\\mnt\\usb\\\0\0".encode_utf16().collect();
        assert_eq!(split_multi_sz(&buf), ["E:\\", "C:\\mnt\\usb\\"]);
        assert!(split_multi_sz(&[0, 0]).is_empty());
        assert!(split_multi_sz(&[]).is_empty());
    }

    #[test]
    fn mount_ids_are_opaque_and_depend_on_every_part() {
        let vol = format!(r"\\?\Volume{{{GUID}}}");
        let e = vec!["E:\\".to_string()];
        let id = mount_id(&vol, &e, "usb:SanDisk:Cruzer:S1");
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!id.contains("E:"));
        assert_eq!(id, mount_id(&vol.to_uppercase(), &e, "usb:SanDisk:Cruzer:S1"), "volume case does not matter");
        assert_ne!(id, mount_id(&vol, &["F:\\".to_string()], "usb:SanDisk:Cruzer:S1"));
        assert_ne!(id, mount_id(&vol, &e, "usb:SanDisk:Cruzer:S2"));
        assert_ne!(id, mount_id(&vol.replace('5', "6"), &e, "usb:SanDisk:Cruzer:S1"));
    }

    #[test]
    fn windows_file_names() {
        for ok in
            ["export.age", "受診者_2026-04.csv.age", ".export.age.0123456789abcdef.part", "a b.age", "CONSOLE.age"]
        {
            assert!(validate_component(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(256);
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            r"a\b",
            "a:stream",
            "C:",
            "a*",
            "a?",
            "a|b",
            "a\"b",
            "<a>",
            "a\0b",
            "a\tb",
            "a.",
            "a ",
            "CON",
            "con",
            "nul.txt",
            "NUL .age",
            "Aux.csv.age",
            "prn",
            "COM1",
            "com9.age",
            "LPT0",
            "lpt¹.age",
            "COM³",
            "CONIN$",
            "conout$.x",
            long.as_str(),
        ] {
            assert_eq!(validate_component(bad).unwrap_err().code(), "EXPORT_TARGET_NAME_INVALID", "{bad:?}");
        }
        // 255 UTF-16 units is the limit, not 255 bytes.
        assert!(validate_component(&"あ".repeat(255)).is_ok());
        assert!(validate_component(&"あ".repeat(256)).is_err());
    }
}
