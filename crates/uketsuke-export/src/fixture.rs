//! Test fixture (feature `fixture`, for tests only): a sysfs tree and a mount
//! table that describe the filesystem holding a given directory as a USB stick
//! mounted at that directory. The classifier still opens and checks real file
//! handles; only the device facts it reads are made up.

use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};

use crate::Classifier;

/// The serial the fixture stick reports (it appears in the ledger's media identity).
pub const SERIAL: &str = "EXPORT-TEST-1";

/// Write `root/sys` and `root/mountinfo` so that `stick` (an existing directory)
/// is a mounted USB stick; returns `root`'s classifier paths as
/// `(sysfs root, mountinfo)`.
pub fn usb_stick(root: &Path, stick: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
    let dev = std::fs::metadata(stick)?.dev();
    let (major, minor) = (rustix::fs::major(dev), rustix::fs::minor(dev));
    let sys = root.join("sys");
    let usb = "devices/pci0000:00/0000:00:14.0/usb1/1-1";
    let disk = format!("{usb}/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdx");
    std::fs::create_dir_all(sys.join(&disk).join("device"))?;
    std::fs::write(sys.join(&disk).join("removable"), "1\n")?;
    std::fs::write(sys.join(&disk).join("device/vendor"), "TestCo\n")?;
    std::fs::write(sys.join(&disk).join("device/model"), "Stick\n")?;
    std::fs::write(sys.join(usb).join("idVendor"), "0781\n")?;
    std::fs::write(sys.join(usb).join("serial"), format!("{SERIAL}\n"))?;
    std::fs::create_dir_all(sys.join("dev/block"))?;
    symlink(format!("../../{disk}"), sys.join(format!("dev/block/{major}:{minor}")))?;
    let mountinfo = root.join("mountinfo");
    std::fs::write(&mountinfo, format!("36 1 {major}:{minor} / {} rw,noatime - ext4 /dev/sdx1 rw\n", stick.display()))?;
    Ok((sys, mountinfo))
}

/// [`usb_stick`] as a classifier.
pub fn usb_stick_classifier(root: &Path, stick: &Path) -> std::io::Result<Classifier> {
    let (sys, mountinfo) = usb_stick(root, stick)?;
    Ok(Classifier::with_sysfs_root(sys).with_mountinfo(mountinfo))
}
