//! macOS: every decision that needs no system call, kept apart from `macos.rs` so that it
//! compiles and is unit-tested on every OS. `macos.rs` only gathers the facts (`fstatfs`,
//! the output of `diskutil info -plist`) and hands them here.

use plist::{Dictionary, Value};
use sha2::{Digest, Sha256};

use super::{MediaInfo, MediaKind};
use crate::error::MediaError;

/// `MNT_LOCAL` in `statfs.f_flags` (sys/mount.h): the filesystem is stored locally.
pub(crate) const MNT_LOCAL: u32 = 0x0000_1000;

/// Filesystem types served over the network or by a user-space process.
const NETWORK_FS: &[&str] = &["nfs", "smbfs", "afpfs", "webdav", "ftp", "cifs", "macfuse", "osxfuse", "fusefs", "fuse"];
/// Filesystem types without a disk of their own.
const VIRTUAL_FS: &[&str] = &["devfs", "autofs", "tmpfs", "nullfs", "mtmfs", "lifs"];

/// What `fstatfs` alone says about a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FsVerdict {
    /// Refused without asking `diskutil`: the kind and a name for [`MediaInfo::device`].
    Refuse(MediaKind, String),
    /// On a disk: its BSD name (`disk4s1`), for `diskutil info`.
    Disk(String),
}

/// `f_fstypename`, `f_flags` and `f_mntfromname` → refuse now, or ask `diskutil` about the
/// disk. Not `MNT_LOCAL`, or a network/FUSE type → network; pseudo filesystems and anything
/// not mounted from `/dev/diskN…` → virtual.
pub(crate) fn fs_verdict(fs_type: &str, flags: u32, mounted_from: &str) -> FsVerdict {
    let name = || if fs_type.is_empty() { "unknown".to_string() } else { fs_type.to_string() };
    if flags & MNT_LOCAL == 0 || NETWORK_FS.contains(&fs_type) {
        return FsVerdict::Refuse(MediaKind::Network, name());
    }
    if VIRTUAL_FS.contains(&fs_type) {
        return FsVerdict::Refuse(MediaKind::Virtual, name());
    }
    match mounted_from.strip_prefix("/dev/") {
        Some(id) if is_disk_id(id) => FsVerdict::Disk(id.to_string()),
        _ => FsVerdict::Refuse(MediaKind::Virtual, name()),
    }
}

/// `disk` + number, optionally followed by `s` + number slices (`disk4`, `disk4s1`,
/// `disk3s1s1`). Nothing else is ever passed to `diskutil`.
pub(crate) fn is_disk_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("disk") else { return false };
    let mut parts = rest.split('s');
    let digits = |p: &str| !p.is_empty() && p.len() <= 10 && p.bytes().all(|b| b.is_ascii_digit());
    parts.next().is_some_and(digits) && parts.all(digits)
}

/// The whole disk of a BSD name (`disk4s1` → `disk4`).
pub(crate) fn whole_disk(id: &str) -> &str {
    match id.strip_prefix("disk") {
        Some(rest) => &id[..4 + rest.bytes().take_while(u8::is_ascii_digit).count()],
        None => id,
    }
}

/// The keys of `diskutil info -plist <disk>` this crate reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DiskFacts {
    pub device_identifier: Option<String>,
    pub parent_whole_disk: Option<String>,
    pub bus_protocol: Option<String>,
    pub internal: Option<bool>,
    pub removable_media: bool,
    pub ejectable: bool,
    pub virtual_or_physical: Option<String>,
    pub media_name: Option<String>,
    pub size_bytes: Option<u64>,
    /// The physical stores of an APFS container or volume (`disk4s2`).
    pub physical_stores: Vec<String>,
}

fn string(d: &Dictionary, key: &str) -> Option<String> {
    d.get(key).and_then(Value::as_string).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn boolean(d: &Dictionary, key: &str) -> Option<bool> {
    d.get(key).and_then(Value::as_boolean)
}

/// Parses `diskutil info -plist` output. `diskutil`'s own error document (`Error` true) and
/// anything that is not a plist dictionary are errors.
pub(crate) fn parse_disk_info(xml: &[u8]) -> Result<DiskFacts, MediaError> {
    let value = Value::from_reader_xml(xml).map_err(|e| MediaError::Sysfs(format!("diskutil output: {e}")))?;
    let d = value.as_dictionary().ok_or_else(|| MediaError::Sysfs("diskutil output is not a dictionary".into()))?;
    if boolean(d, "Error") == Some(true) {
        let message = string(d, "ErrorMessage").unwrap_or_else(|| "unknown error".into());
        return Err(MediaError::Sysfs(format!("diskutil: {message}")));
    }
    let physical_stores = d
        .get("APFSPhysicalStores")
        .and_then(Value::as_array)
        .map(|stores| {
            stores
                .iter()
                .filter_map(Value::as_dictionary)
                .filter_map(|s| string(s, "APFSPhysicalStore").or_else(|| string(s, "DeviceIdentifier")))
                .collect()
        })
        .unwrap_or_default();
    Ok(DiskFacts {
        device_identifier: string(d, "DeviceIdentifier"),
        parent_whole_disk: string(d, "ParentWholeDisk"),
        bus_protocol: string(d, "BusProtocol"),
        internal: boolean(d, "Internal"),
        removable_media: boolean(d, "RemovableMedia").or_else(|| boolean(d, "Removable")).unwrap_or(false),
        ejectable: boolean(d, "Ejectable").unwrap_or(false),
        virtual_or_physical: string(d, "VirtualOrPhysical"),
        media_name: string(d, "MediaName"),
        size_bytes: d
            .get("TotalSize")
            .or_else(|| d.get("Size"))
            .and_then(Value::as_unsigned_integer)
            .filter(|&n| n > 0),
        physical_stores,
    })
}

/// What one `diskutil info` answer says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DiskVerdict {
    /// The verdict for this disk.
    Kind(MediaKind),
    /// An APFS container or volume: the physical stores below it decide.
    Follow(Vec<String>),
}

/// One disk's facts → kind (the Linux rule): disk images and other virtual disks are
/// virtual; APFS goes to its physical stores; USB and SD buses are removable even when the
/// media is not flagged removable (USB hard disks); on another known bus the
/// `RemovableMedia` flag decides. `Ejectable` and `Internal` are not used: external
/// Thunderbolt/PCIe disks are ejectable and not internal, and are fixed disks on Linux too.
pub(crate) fn disk_verdict(f: &DiskFacts) -> DiskVerdict {
    let bus = f.bus_protocol.as_deref().unwrap_or("");
    if bus.eq_ignore_ascii_case("Disk Image") {
        return DiskVerdict::Kind(MediaKind::Virtual);
    }
    if !f.physical_stores.is_empty() {
        return DiskVerdict::Follow(f.physical_stores.clone());
    }
    if f.virtual_or_physical.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("Virtual")) {
        return DiskVerdict::Kind(MediaKind::Virtual);
    }
    if bus.eq_ignore_ascii_case("USB") || bus.eq_ignore_ascii_case("Secure Digital") {
        return DiskVerdict::Kind(MediaKind::Removable);
    }
    let known_bus = !bus.is_empty() && !bus.eq_ignore_ascii_case("Unknown");
    if known_bus && f.removable_media {
        DiskVerdict::Kind(MediaKind::Removable)
    } else {
        DiskVerdict::Kind(MediaKind::Fixed)
    }
}

/// Lower-case bus name for [`MediaInfo::bus`] (`usb`, `secure-digital`, `pci-express`, …).
pub(crate) fn bus_name(bus_protocol: &str) -> String {
    bus_protocol.trim().to_ascii_lowercase().split_whitespace().collect::<Vec<_>>().join("-")
}

/// The [`MediaInfo`] of a disk whose verdict is `kind` (`id` is the BSD name asked about).
pub(crate) fn media_info(kind: MediaKind, id: &str, f: &DiskFacts) -> MediaInfo {
    let device = f.parent_whole_disk.clone().unwrap_or_else(|| whole_disk(id).to_string());
    MediaInfo {
        kind,
        device,
        serial: None,
        vendor: None,
        model: f.media_name.clone(),
        bus: f.bus_protocol.as_deref().map(bus_name),
        size_bytes: f.size_bytes,
    }
}

/// Opaque mount id: truncated SHA-256 of the mount point, the device it is mounted from and
/// the media identity.
pub(crate) fn mount_id(mount_point: &[u8], mounted_from: &str, identity: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"uketsuke.export.mount.macos.v1\n");
    h.update(mount_point);
    h.update(format!("\n{mounted_from}\n{identity}").as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// A fixed-size C string field (`f_fstypename`, `f_mntfromname`) up to its NUL.
pub(crate) fn c_field(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plist(body: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>{body}</dict></plist>"#
        )
        .into_bytes()
    }

    const USB_STICK_PARTITION: &str = "
        <key>BusProtocol</key><string>USB</string>
        <key>DeviceIdentifier</key><string>disk4s1</string>
        <key>Ejectable</key><true/>
        <key>Internal</key><false/>
        <key>MediaName</key><string>SanDisk 3.2Gen1</string>
        <key>ParentWholeDisk</key><string>disk4</string>
        <key>Removable</key><true/>
        <key>RemovableMedia</key><true/>
        <key>TotalSize</key><integer>30784094208</integer>
        <key>VirtualOrPhysical</key><string>Physical</string>";

    #[test]
    fn fstatfs_refuses_network_and_pseudo_filesystems() {
        let local = MNT_LOCAL;
        assert_eq!(fs_verdict("msdos", local, "/dev/disk4s1"), FsVerdict::Disk("disk4s1".into()));
        assert_eq!(fs_verdict("apfs", local | 0x1, "/dev/disk3s1s1"), FsVerdict::Disk("disk3s1s1".into()));
        assert_eq!(fs_verdict("smbfs", 0, "//user@nas/share"), FsVerdict::Refuse(MediaKind::Network, "smbfs".into()));
        assert_eq!(fs_verdict("nfs", local, "nas:/export"), FsVerdict::Refuse(MediaKind::Network, "nfs".into()));
        assert_eq!(fs_verdict("macfuse", local, "sshfs@x"), FsVerdict::Refuse(MediaKind::Network, "macfuse".into()));
        assert_eq!(fs_verdict("exfat", 0, "/dev/disk4s1"), FsVerdict::Refuse(MediaKind::Network, "exfat".into()));
        assert_eq!(fs_verdict("devfs", local, "devfs"), FsVerdict::Refuse(MediaKind::Virtual, "devfs".into()));
        assert_eq!(
            fs_verdict("autofs", local, "map auto_home"),
            FsVerdict::Refuse(MediaKind::Virtual, "autofs".into())
        );
        for from in ["/dev/rdisk4s1", "/dev/disk4s1; rm", "/dev/diskX", "disk4s1", "", "/dev/disk4s"] {
            assert_eq!(fs_verdict("hfs", local, from), FsVerdict::Refuse(MediaKind::Virtual, "hfs".into()), "{from}");
        }
        assert_eq!(fs_verdict("", local, ""), FsVerdict::Refuse(MediaKind::Virtual, "unknown".into()));
    }

    #[test]
    fn disk_ids() {
        for ok in ["disk0", "disk4s1", "disk3s1s1", "disk12s10"] {
            assert!(is_disk_id(ok), "{ok}");
        }
        for bad in ["", "disk", "disks1", "disk4s", "disk4s1s", "disk-1", "rdisk4", "disk4 s1", "-disk4", "disk4\n"] {
            assert!(!is_disk_id(bad), "{bad:?}");
        }
        assert_eq!(whole_disk("disk4s1"), "disk4");
        assert_eq!(whole_disk("disk12"), "disk12");
        assert_eq!(whole_disk("dis"), "dis");
        assert_eq!(whole_disk("abcé"), "abcé");
    }

    #[test]
    fn a_usb_stick_is_removable() {
        let f = parse_disk_info(&plist(USB_STICK_PARTITION)).unwrap();
        assert_eq!(disk_verdict(&f), DiskVerdict::Kind(MediaKind::Removable));
        let info = media_info(MediaKind::Removable, "disk4s1", &f);
        assert_eq!(info.identity(), "usb:-:SanDisk 3.2Gen1:dev=disk4");
        assert_eq!(info.label(), "SanDisk 3.2Gen1 (30.8 GB)");
    }

    #[test]
    fn a_usb_hard_disk_without_the_removable_flag_is_removable() {
        let f = parse_disk_info(&plist(
            "<key>BusProtocol</key><string>USB</string><key>RemovableMedia</key><false/>
             <key>Ejectable</key><true/><key>Internal</key><false/>",
        ))
        .unwrap();
        assert_eq!(disk_verdict(&f), DiskVerdict::Kind(MediaKind::Removable));
    }

    #[test]
    fn internal_and_external_pcie_disks_are_fixed_and_sd_cards_removable() {
        let internal = parse_disk_info(&plist(
            "<key>BusProtocol</key><string>Apple Fabric</string><key>Internal</key><true/>
             <key>RemovableMedia</key><false/><key>VirtualOrPhysical</key><string>Physical</string>",
        ))
        .unwrap();
        assert_eq!(disk_verdict(&internal), DiskVerdict::Kind(MediaKind::Fixed));
        let thunderbolt = parse_disk_info(&plist(
            "<key>BusProtocol</key><string>PCI-Express</string><key>Internal</key><false/>
             <key>Ejectable</key><true/><key>RemovableMedia</key><false/>",
        ))
        .unwrap();
        assert_eq!(disk_verdict(&thunderbolt), DiskVerdict::Kind(MediaKind::Fixed));
        let sd = parse_disk_info(&plist("<key>BusProtocol</key><string>Secure Digital</string>")).unwrap();
        assert_eq!(disk_verdict(&sd), DiskVerdict::Kind(MediaKind::Removable));
        assert_eq!(bus_name("Secure Digital"), "secure-digital");
        let flagged =
            parse_disk_info(&plist("<key>BusProtocol</key><string>SATA</string><key>RemovableMedia</key><true/>"))
                .unwrap();
        assert_eq!(disk_verdict(&flagged), DiskVerdict::Kind(MediaKind::Removable));
    }

    #[test]
    fn disk_images_and_virtual_disks_are_virtual_and_unknown_buses_never_removable() {
        let dmg = parse_disk_info(&plist(
            "<key>BusProtocol</key><string>Disk Image</string><key>RemovableMedia</key><true/>
             <key>APFSPhysicalStores</key><array><dict><key>APFSPhysicalStore</key><string>disk9s1</string></dict></array>",
        ))
        .unwrap();
        assert_eq!(disk_verdict(&dmg), DiskVerdict::Kind(MediaKind::Virtual));
        let raid = parse_disk_info(&plist(
            "<key>BusProtocol</key><string>USB</string><key>VirtualOrPhysical</key><string>Virtual</string>",
        ))
        .unwrap();
        assert_eq!(disk_verdict(&raid), DiskVerdict::Kind(MediaKind::Virtual));
        for bus in ["", "<key>BusProtocol</key><string>Unknown</string>"] {
            let f = parse_disk_info(&plist(&format!("{bus}<key>RemovableMedia</key><true/>"))).unwrap();
            assert_eq!(disk_verdict(&f), DiskVerdict::Kind(MediaKind::Fixed), "{bus}");
        }
    }

    #[test]
    fn apfs_volumes_follow_their_physical_stores() {
        let f = parse_disk_info(&plist(
            "<key>BusProtocol</key><string>USB</string><key>VirtualOrPhysical</key><string>Virtual</string>
             <key>APFSPhysicalStores</key><array>
               <dict><key>APFSPhysicalStore</key><string>disk4s2</string></dict>
               <dict><key>DeviceIdentifier</key><string>disk5s2</string></dict>
             </array>",
        ))
        .unwrap();
        assert_eq!(disk_verdict(&f), DiskVerdict::Follow(vec!["disk4s2".into(), "disk5s2".into()]));
    }

    #[test]
    fn diskutil_errors_and_garbage_are_errors() {
        let err = parse_disk_info(&plist(
            "<key>Error</key><true/><key>ErrorMessage</key><string>Could not find disk: disk99</string>",
        ))
        .unwrap_err();
        assert_eq!(err.code(), "EXPORT_MEDIA_SYSFS");
        assert!(err.to_string().contains("Could not find disk"), "{err}");
        assert_eq!(parse_disk_info(b"not a plist").unwrap_err().code(), "EXPORT_MEDIA_SYSFS");
        let array = br#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><array/></plist>"#;
        assert_eq!(parse_disk_info(array).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");
    }

    #[test]
    fn c_fields_and_mount_ids() {
        assert_eq!(c_field(b"msdos\0\0\0"), b"msdos");
        assert_eq!(c_field(b"full"), b"full");
        let id = mount_id(b"/Volumes/USB", "/dev/disk4s1", "usb:-:SanDisk:dev=disk4");
        assert_eq!(id.len(), 32);
        assert_ne!(id, mount_id(b"/Volumes/USB 1", "/dev/disk4s1", "usb:-:SanDisk:dev=disk4"));
        assert_ne!(id, mount_id(b"/Volumes/USB", "/dev/disk5s1", "usb:-:SanDisk:dev=disk4"));
    }
}
