//! Removable-media classification against a sysfs fixture (Linux layout).
#![cfg(target_os = "linux")]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use uketsuke_export::{Classifier, MediaKind};

struct Sysfs {
    dir: tempfile::TempDir,
}

impl Sysfs {
    fn new() -> Self {
        let s = Self { dir: tempfile::tempdir().unwrap() };
        fs::create_dir_all(s.root().join("dev/block")).unwrap();
        s
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes attribute files under `devices/<rel>`.
    fn attrs(&self, rel: &str, attrs: &[(&str, &str)]) -> PathBuf {
        let dir = self.root().join("devices").join(rel);
        fs::create_dir_all(&dir).unwrap();
        for (name, value) in attrs {
            fs::write(dir.join(name), format!("{value}\n")).unwrap();
        }
        dir
    }

    /// `dev/block/MAJ:MIN -> ../../devices/<rel>`, as the kernel links it.
    fn link(&self, dev: &str, rel: &str) {
        symlink(format!("../../devices/{rel}"), self.root().join("dev/block").join(dev)).unwrap();
    }

    /// `<disk>/device -> <target>` (relative symlink).
    fn device_link(&self, disk_rel: &str, target: &str) {
        symlink(target, self.root().join("devices").join(disk_rel).join("device")).unwrap();
    }

    fn classifier(&self) -> Classifier {
        Classifier::with_sysfs_root(self.root())
    }

    /// A USB mass-storage stick (or disk) on `usb1/1-1` as sdb with partition sdb1 (8:17).
    fn usb_disk(&self, removable: &str) {
        let usb = "pci0000:00/0000:00:14.0/usb1";
        self.attrs(usb, &[("idVendor", "1d6b"), ("serial", "0000:00:14.0"), ("product", "xHCI Host Controller")]);
        self.attrs(
            &format!("{usb}/1-1"),
            &[
                ("idVendor", "0781"),
                ("serial", "4C530001230704116293"),
                ("manufacturer", "SanDisk"),
                ("product", "Cruzer Blade"),
            ],
        );
        let scsi = format!("{usb}/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0");
        self.attrs(&scsi, &[("vendor", "SanDisk "), ("model", "Cruzer Blade    ")]);
        let disk = format!("{scsi}/block/sdb");
        self.attrs(&disk, &[("removable", removable), ("size", "30529536")]);
        self.device_link(&disk, "../../../6:0:0:0");
        self.attrs(&format!("{disk}/sdb1"), &[("partition", "1"), ("size", "30527488")]);
        self.link("8:16", &disk);
        self.link("8:17", &format!("{disk}/sdb1"));
    }

    fn mmc_card(&self) {
        let card = "platform/fe320000.mmc/mmc_host/mmc1/mmc1:0001";
        self.attrs(card, &[("name", "SD32G"), ("serial", "0x1234abcd"), ("type", "SD")]);
        let disk = format!("{card}/block/mmcblk1");
        self.attrs(&disk, &[("removable", "0"), ("size", "62333952")]);
        self.device_link(&disk, "../../../mmc1:0001");
        self.attrs(&format!("{disk}/mmcblk1p1"), &[("partition", "1"), ("size", "62325760")]);
        self.link("179:25", &format!("{disk}/mmcblk1p1"));
    }

    fn sata_disk(&self) {
        let scsi = "pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0";
        self.attrs(scsi, &[("vendor", "ATA     "), ("model", "Samsung SSD 870")]);
        let disk = format!("{scsi}/block/sda");
        self.attrs(&disk, &[("removable", "0"), ("size", "976773168")]);
        self.device_link(&disk, "../../../0:0:0:0");
        self.attrs(&format!("{disk}/sda2"), &[("partition", "2"), ("size", "975000000")]);
        self.link("8:2", &format!("{disk}/sda2"));
    }

    fn nvme_disk(&self) {
        let ctrl = "pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0";
        self.attrs(ctrl, &[("model", "WDC PC SN730"), ("serial", "NVME-SERIAL-1")]);
        let disk = format!("{ctrl}/nvme0n1");
        self.attrs(&disk, &[("removable", "0"), ("size", "1000215216")]);
        self.device_link(&disk, "../../nvme0");
        self.attrs(&format!("{disk}/nvme0n1p3"), &[("partition", "3"), ("size", "900000000")]);
        self.link("259:3", &format!("{disk}/nvme0n1p3"));
    }

    fn loop_device(&self) {
        self.attrs("virtual/block/loop0", &[("removable", "0"), ("size", "16384")]);
        fs::create_dir_all(self.root().join("devices/virtual/block/loop0/loop")).unwrap();
        self.link("7:0", "virtual/block/loop0");
    }
}

#[test]
fn usb_stick_partition_is_removable() {
    let sys = Sysfs::new();
    sys.usb_disk("1");
    let info = sys.classifier().classify_device(8, 17).unwrap();
    assert_eq!(info.kind, MediaKind::Removable);
    assert_eq!(info.device, "sdb");
    assert_eq!(info.bus.as_deref(), Some("usb"));
    // The USB device's serial, not the root hub's.
    assert_eq!(info.serial.as_deref(), Some("4C530001230704116293"));
    assert_eq!(info.vendor.as_deref(), Some("SanDisk"));
    assert_eq!(info.model.as_deref(), Some("Cruzer Blade"));
    assert_eq!(info.size_bytes, Some(30_527_488 * 512));
    assert_eq!(info.identity(), "usb:SanDisk:Cruzer Blade:4C530001230704116293");
    // The whole disk classifies the same (same identity).
    assert_eq!(sys.classifier().classify_device(8, 16).unwrap().identity(), info.identity());
}

#[test]
fn usb_hard_disk_with_removable_zero_is_removable() {
    let sys = Sysfs::new();
    sys.usb_disk("0");
    let info = sys.classifier().classify_device(8, 17).unwrap();
    assert_eq!(info.kind, MediaKind::Removable, "USB bus decides even when removable=0");
    assert_eq!(info.bus.as_deref(), Some("usb"));
}

#[test]
fn mmc_card_is_removable() {
    let sys = Sysfs::new();
    sys.mmc_card();
    let info = sys.classifier().classify_device(179, 25).unwrap();
    assert_eq!(info.kind, MediaKind::Removable);
    assert_eq!(info.device, "mmcblk1");
    assert_eq!(info.bus.as_deref(), Some("mmc"));
    assert_eq!(info.model.as_deref(), Some("SD32G"));
    assert_eq!(info.serial.as_deref(), Some("0x1234abcd"));
}

#[test]
fn internal_sata_and_nvme_disks_are_fixed() {
    let sys = Sysfs::new();
    sys.sata_disk();
    sys.nvme_disk();
    let sata = sys.classifier().classify_device(8, 2).unwrap();
    assert_eq!((sata.kind, sata.device.as_str(), sata.bus.as_deref()), (MediaKind::Fixed, "sda", Some("ata")));
    assert_eq!(sata.model.as_deref(), Some("Samsung SSD 870"));
    let nvme = sys.classifier().classify_device(259, 3).unwrap();
    assert_eq!((nvme.kind, nvme.device.as_str(), nvme.bus.as_deref()), (MediaKind::Fixed, "nvme0n1", Some("nvme")));
    assert_eq!(nvme.serial.as_deref(), Some("NVME-SERIAL-1"));
}

#[test]
fn an_internal_disk_flagged_removable_by_the_kernel_is_removable() {
    let sys = Sysfs::new();
    sys.sata_disk();
    fs::write(
        sys.root().join("devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/removable"),
        "1\n",
    )
    .unwrap();
    assert_eq!(sys.classifier().classify_device(8, 2).unwrap().kind, MediaKind::Removable);
}

#[test]
fn loop_and_device_mapper_are_virtual() {
    let sys = Sysfs::new();
    sys.loop_device();
    let info = sys.classifier().classify_device(7, 0).unwrap();
    assert_eq!((info.kind, info.device.as_str()), (MediaKind::Virtual, "loop0"));

    // A loop device with removable=1 and a dm device stacked on a USB stick are still virtual.
    fs::write(sys.root().join("devices/virtual/block/loop0/removable"), "1\n").unwrap();
    assert_eq!(sys.classifier().classify_device(7, 0).unwrap().kind, MediaKind::Virtual);
    sys.usb_disk("1");
    sys.attrs("virtual/block/dm-0", &[("removable", "0"), ("size", "100")]);
    fs::create_dir_all(sys.root().join("devices/virtual/block/dm-0/slaves")).unwrap();
    fs::write(sys.root().join("devices/virtual/block/dm-0/slaves/sdb1"), "").unwrap();
    sys.link("252:0", "virtual/block/dm-0");
    assert_eq!(sys.classifier().classify_device(252, 0).unwrap().kind, MediaKind::Virtual);
}

#[test]
fn network_block_devices_are_network() {
    let sys = Sysfs::new();
    sys.attrs("virtual/block/nbd0", &[("removable", "0")]);
    sys.link("43:0", "virtual/block/nbd0");
    assert_eq!(sys.classifier().classify_device(43, 0).unwrap().kind, MediaKind::Network);
    let iscsi = "platform/host3/session1/target3:0:0/3:0:0:0/block/sdc";
    sys.attrs(iscsi, &[("removable", "0")]);
    sys.link("8:32", iscsi);
    assert_eq!(sys.classifier().classify_device(8, 32).unwrap().kind, MediaKind::Network);
}

#[test]
fn missing_or_broken_sysfs_entries_are_errors() {
    let sys = Sysfs::new();
    let err = sys.classifier().classify_device(8, 99).unwrap_err();
    assert_eq!(err.code(), "EXPORT_MEDIA_UNKNOWN_DEVICE");
    assert!(err.to_string().contains("8:99"), "{err}");

    // Dangling link.
    sys.link("8:48", "pci0000:00/gone/block/sdd");
    assert_eq!(sys.classifier().classify_device(8, 48).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");

    // A real-looking disk without a removable attribute: fail closed.
    sys.attrs("pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sde", &[("size", "10")]);
    sys.link("8:64", "pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sde");
    assert_eq!(sys.classifier().classify_device(8, 64).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");

    // A link leading out of the sysfs root.
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("removable"), "1\n").unwrap();
    symlink(outside.path(), sys.root().join("dev/block/8:80")).unwrap();
    assert_eq!(sys.classifier().classify_device(8, 80).unwrap_err().code(), "EXPORT_MEDIA_SYSFS");
}

fn mountinfo(sys: &Sysfs, text: &str) -> Classifier {
    let path = sys.root().join("mountinfo");
    fs::write(&path, text).unwrap();
    sys.classifier().with_mountinfo(path)
}

const MOUNTS: &str = "\
27 1 8:2 / / rw,relatime - ext4 /dev/sda2 rw
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw
90 27 8:17 / /media/staff/USB\\040STICK rw,nosuid,nodev shared:45 - vfat /dev/sdb1 rw
91 27 0:50 / /mnt/share rw - cifs //server/share rw
92 27 7:0 / /mnt/image rw - ext4 /dev/loop0 rw
93 27 179:25 / /media/staff/SD rw - exfat /dev/mmcblk1p1 rw
94 27 259:3 / /home rw - ext4 /dev/nvme0n1p3 rw
95 27 8:17 / /mnt/fuse rw - fuseblk /dev/sdb1 rw
96 27 8:200 / /mnt/unknown rw - ext4 /dev/sdm rw
";

fn full_fixture() -> Sysfs {
    let sys = Sysfs::new();
    sys.usb_disk("1");
    sys.mmc_card();
    sys.sata_disk();
    sys.nvme_disk();
    sys.loop_device();
    sys
}

#[test]
fn lists_only_removable_mounts_with_opaque_ids() {
    let sys = full_fixture();
    let c = mountinfo(&sys, MOUNTS);
    let mounts = c.list_removable_mounts().unwrap();
    let points: Vec<_> = mounts.iter().map(|m| m.mount_point().to_path_buf()).collect();
    assert_eq!(points, [PathBuf::from("/media/staff/USB STICK"), PathBuf::from("/media/staff/SD")]);
    for m in &mounts {
        assert_eq!(m.id.len(), 32);
        assert!(m.id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!m.id.contains("media"));
    }
    assert_ne!(mounts[0].id, mounts[1].id);
    assert_eq!(mounts[0].label, "SanDisk Cruzer Blade (15.6 GB)");
    assert_eq!(mounts[1].media.bus.as_deref(), Some("mmc"));
    // Stable between calls, resolvable back to the mount point by Rust code.
    assert_eq!(c.list_removable_mounts().unwrap(), mounts);
    assert_eq!(c.mount_for_id(&mounts[0].id).unwrap(), PathBuf::from("/media/staff/USB STICK"));
    assert_eq!(c.mount_for_id("0123456789abcdef0123456789abcdef").unwrap_err().code(), "EXPORT_MEDIA_MOUNT_UNKNOWN");
}

#[test]
fn an_id_stops_resolving_when_the_stick_is_mounted_elsewhere() {
    let sys = full_fixture();
    let before = mountinfo(&sys, MOUNTS).list_removable_mounts().unwrap();
    let moved = MOUNTS.replace("USB\\040STICK", "OTHER");
    let c = mountinfo(&sys, &moved);
    assert_eq!(c.mount_for_id(&before[0].id).unwrap_err().code(), "EXPORT_MEDIA_MOUNT_UNKNOWN");
    assert_eq!(c.mount_for_id(&before[1].id).unwrap(), PathBuf::from("/media/staff/SD"));
}

#[test]
fn unreadable_mount_table_is_an_error() {
    let sys = full_fixture();
    let c = sys.classifier().with_mountinfo(sys.root().join("no-such-file"));
    assert_eq!(c.list_removable_mounts().unwrap_err().code(), "EXPORT_MEDIA_MOUNTINFO");
}
