//! Classifying a block device from sysfs: `<root>/dev/block/MAJ:MIN` → canonical device path →
//! whole disk (a partition's parent) → bus, `removable`, vendor/model/serial.

use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use crate::error::MediaError;
use crate::media::{MediaInfo, MediaKind};

/// Name prefixes of block devices backed by the network.
const NETWORK_DISKS: &[&str] = &["nbd", "rbd", "drbd"];
/// Name prefixes of block devices without a physical device of their own.
const VIRTUAL_DISKS: &[&str] = &["loop", "dm-", "md", "zram", "ram"];

fn read_attr(path: &Path) -> Option<String> {
    let s = fs::read_to_string(path).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn components(rel: &Path) -> Vec<String> {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

fn is_usb_bus_component(c: &str) -> bool {
    c.strip_prefix("usb").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The bus the device path goes through; USB and MMC win over the SCSI host below them.
fn bus_of(parts: &[String]) -> Option<&'static str> {
    let any = |f: &dyn Fn(&str) -> bool| parts.iter().any(|c| f(c));
    if any(&is_usb_bus_component) {
        Some("usb")
    } else if any(&|c| c.starts_with("mmc")) {
        Some("mmc")
    } else if any(&|c| c.starts_with("nvme")) {
        Some("nvme")
    } else if any(&|c| c.strip_prefix("ata").is_some_and(|n| n.starts_with(|ch: char| ch.is_ascii_digit()))) {
        Some("ata")
    } else if any(&|c| c.starts_with("virtio")) {
        Some("virtio")
    } else if any(&|c| c.starts_with("host") || c.starts_with("target")) {
        Some("scsi")
    } else {
        None
    }
}

/// The nearest ancestor of `from` (up to `stop`) that is a USB device (has `idVendor`).
fn usb_device(from: &Path, stop: &Path) -> Option<PathBuf> {
    from.ancestors()
        .take_while(|p| p.starts_with(stop) && *p != stop)
        .find(|p| p.join("idVendor").is_file())
        .map(Path::to_path_buf)
}

/// Classifies block device `major:minor` from the sysfs tree at `root`.
pub(crate) fn classify_block(root: &Path, major: u32, minor: u32) -> Result<MediaInfo, MediaError> {
    let link = root.join("dev/block").join(format!("{major}:{minor}"));
    match fs::symlink_metadata(&link) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(MediaError::UnknownDevice { major, minor }),
        Err(e) => return Err(MediaError::Sysfs(format!("{major}:{minor}: {e}"))),
    }
    let root = fs::canonicalize(root).map_err(|e| MediaError::Sysfs(format!("sysfs root: {e}")))?;
    let node =
        fs::canonicalize(&link).map_err(|e| MediaError::Sysfs(format!("{major}:{minor} does not resolve: {e}")))?;
    let rel = node
        .strip_prefix(&root)
        .map_err(|_| MediaError::Sysfs(format!("{major}:{minor} points outside sysfs")))?
        .to_path_buf();
    let disk = if node.join("partition").is_file() {
        node.parent()
            .filter(|p| p.starts_with(&root))
            .map(Path::to_path_buf)
            .ok_or_else(|| MediaError::Sysfs(format!("{major}:{minor} is a partition without a disk")))?
    } else {
        node.clone()
    };
    let device = disk
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| MediaError::Sysfs(format!("{major}:{minor} has no device name")))?;
    let parts = components(&rel);
    let size_bytes = read_attr(&node.join("size")).and_then(|s| s.parse::<u64>().ok()).map(|sectors| sectors * 512);
    let bare = |kind| MediaInfo {
        kind,
        device: device.clone(),
        serial: None,
        vendor: None,
        model: None,
        bus: None,
        size_bytes,
    };

    let iscsi = parts.iter().any(|c| c.starts_with("session"));
    if iscsi || NETWORK_DISKS.iter().any(|p| device.starts_with(p)) {
        return Ok(bare(MediaKind::Network));
    }
    let stacked = fs::read_dir(disk.join("slaves")).map(|mut d| d.next().is_some()).unwrap_or(false);
    let under_virtual = parts.len() >= 2 && parts[0] == "devices" && parts[1] == "virtual";
    if under_virtual || stacked || VIRTUAL_DISKS.iter().any(|p| device.starts_with(p)) {
        return Ok(bare(MediaKind::Virtual));
    }

    let removable_flag = match read_attr(&disk.join("removable")).as_deref() {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(MediaError::Sysfs(format!("{device}: no readable removable attribute"))),
    };
    let bus = bus_of(&parts);
    // A USB or MMC disk is removable even if it reports removable=0 (USB hard disks do).
    let kind =
        if removable_flag || matches!(bus, Some("usb" | "mmc")) { MediaKind::Removable } else { MediaKind::Fixed };

    let usb = usb_device(&disk, &root.join("devices"));
    let dev_dir = disk.join("device");
    let serial = usb
        .as_ref()
        .and_then(|u| read_attr(&u.join("serial")))
        .or_else(|| read_attr(&dev_dir.join("serial")))
        .or_else(|| read_attr(&disk.join("serial")));
    let vendor =
        read_attr(&dev_dir.join("vendor")).or_else(|| usb.as_ref().and_then(|u| read_attr(&u.join("manufacturer"))));
    let model = read_attr(&dev_dir.join("model"))
        .or_else(|| read_attr(&dev_dir.join("name")))
        .or_else(|| usb.as_ref().and_then(|u| read_attr(&u.join("product"))));
    Ok(MediaInfo { kind, device, serial, vendor, model, bus: bus.map(str::to_string), size_bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str) -> Vec<String> {
        components(Path::new(p))
    }

    #[test]
    fn bus_detection() {
        assert_eq!(bus_of(&parts("devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0")), Some("usb"));
        assert_eq!(bus_of(&parts("devices/platform/soc/mmc_host/mmc0/mmc0:0001/block/mmcblk0")), Some("mmc"));
        assert_eq!(bus_of(&parts("devices/pci0000:00/0000:00:1d.0/nvme/nvme0/nvme0n1")), Some("nvme"));
        assert_eq!(
            bus_of(&parts("devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda")),
            Some("ata")
        );
        assert_eq!(bus_of(&parts("devices/pci0000:00/0000:00:02.0/virtio1/block/vda")), Some("virtio"));
        // "usbmisc" or a device named "usb-storage" is not a USB bus node.
        assert_eq!(bus_of(&parts("devices/platform/usbmisc/block/sdz")), None);
    }
}
