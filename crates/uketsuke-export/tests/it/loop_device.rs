//! The removable-media check against a real block device: a filesystem on a loop device,
//! mounted for the test. Needs root (losetup, mount); skipped with a printed reason otherwise,
//! unless UKETSUKE_REQUIRE_LOOP_TEST=1 makes the skip a failure.
#![cfg(target_os = "linux")]

use std::fs::{self, File};
use std::os::unix::fs::symlink;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use uketsuke_export::{write_verified, Classifier, MediaKind};

/// A mounted loop device; unmounted and detached on drop.
struct LoopMount {
    dir: tempfile::TempDir,
    device: Option<String>,
    mounted: bool,
}

impl LoopMount {
    fn mount_point(&self) -> PathBuf {
        self.dir.path().join("mnt")
    }
}

impl Drop for LoopMount {
    fn drop(&mut self) {
        if self.mounted {
            let ok = run("umount", &[self.mount_point().to_str().unwrap()]).is_ok();
            if !ok {
                let _ = run("umount", &["-l", self.mount_point().to_str().unwrap()]);
            }
        }
        if let Some(dev) = &self.device {
            let _ = run("losetup", &["-d", dev]);
        }
    }
}

fn run(cmd: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(cmd).args(args).output().map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!("{cmd} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Makes a small filesystem image (vfat like a stick if the kernel and mkfs.vfat have it,
/// else ext4), attaches
/// it to a free loop device and mounts it.
fn setup() -> Result<LoopMount, String> {
    let mut m = LoopMount { dir: tempfile::tempdir().map_err(|e| e.to_string())?, device: None, mounted: false };
    let img = m.dir.path().join("stick.img");
    File::create(&img).and_then(|f| f.set_len(16 << 20)).map_err(|e| e.to_string())?;
    let img_s = img.to_str().unwrap();
    let kernel_vfat =
        fs::read_to_string("/proc/filesystems").is_ok_and(|t| t.lines().any(|l| l.trim_end().ends_with("\tvfat")));
    let vfat = kernel_vfat && run("mkfs.vfat", &[img_s]).is_ok();
    if !vfat {
        run("mkfs.ext4", &["-q", "-F", img_s])?;
    }
    m.device = Some(run("losetup", &["-f", "--show", img_s])?);
    fs::create_dir(m.mount_point()).map_err(|e| e.to_string())?;
    run("mount", &[m.device.as_deref().unwrap(), m.mount_point().to_str().unwrap()])?;
    m.mounted = true;
    Ok(m)
}

fn setup_or_skip(test: &str) -> Option<LoopMount> {
    match setup() {
        Ok(m) => Some(m),
        Err(why) => {
            if std::env::var("UKETSUKE_REQUIRE_LOOP_TEST").as_deref() == Ok("1") {
                panic!("loop device test required but not possible: {why}");
            }
            println!("SKIPPED {test}: cannot create and mount a loop device here: {why}");
            None
        }
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "lost+found")
        .collect();
    v.sort();
    v
}

const DATA: &[u8] = b"age-encryption.org/v1\n-> X25519 ...";

#[test]
fn a_loop_device_is_refused_and_nothing_is_left_on_it() {
    let Some(m) = setup_or_skip("a_loop_device_is_refused_and_nothing_is_left_on_it") else { return };
    let mnt = m.mount_point();
    let dev_name = m.device.as_deref().unwrap().trim_start_matches("/dev/").to_string();

    let probe = mnt.join("probe");
    let info = Classifier::new().classify_file(&File::create(&probe).unwrap()).unwrap();
    fs::remove_file(&probe).unwrap();
    assert_eq!(info.kind, MediaKind::Virtual, "{info:?}");
    assert_eq!(info.device, dev_name);

    let err = write_verified(&mnt, "export.age", DATA, &Classifier::new()).unwrap_err();
    assert_eq!(err.code(), "EXPORT_MEDIA_VIRTUAL", "{err:?}");
    assert!(entries(&mnt).is_empty(), "left on the loop filesystem: {:?}", entries(&mnt));

    let listed = Classifier::new().list_removable_mounts().unwrap();
    assert!(listed.iter().all(|r| r.mount_point() != mnt), "loop mount offered as removable");
}

#[test]
fn the_same_device_passes_when_sysfs_says_usb_stick() {
    // Proves the write path on a real mounted block filesystem, and that the refusal above
    // came from the device classification: a sysfs fixture describing this loop's MAJ:MIN as
    // a USB stick lets the real classifier accept it.
    let Some(m) = setup_or_skip("the_same_device_passes_when_sysfs_says_usb_stick") else { return };
    let mnt = m.mount_point();
    let dev = fs::metadata(&mnt).unwrap().dev();
    let (major, minor) = (rustix::fs::major(dev), rustix::fs::minor(dev));

    let sys = tempfile::tempdir().unwrap();
    let disk = "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb";
    fs::create_dir_all(sys.path().join(disk)).unwrap();
    fs::write(sys.path().join(disk).join("removable"), "1\n").unwrap();
    fs::create_dir_all(sys.path().join("devices/pci0000:00/0000:00:14.0/usb1/1-1")).unwrap();
    fs::write(sys.path().join("devices/pci0000:00/0000:00:14.0/usb1/1-1/idVendor"), "0781\n").unwrap();
    fs::write(sys.path().join("devices/pci0000:00/0000:00:14.0/usb1/1-1/serial"), "FIXTURE1\n").unwrap();
    fs::create_dir_all(sys.path().join("dev/block")).unwrap();
    symlink(format!("../../{disk}"), sys.path().join(format!("dev/block/{major}:{minor}"))).unwrap();

    let w = write_verified(&mnt, "export.age", DATA, &Classifier::with_sysfs_root(sys.path())).unwrap();
    assert_eq!(w.media.kind, MediaKind::Removable);
    assert_eq!(w.media.serial.as_deref(), Some("FIXTURE1"));
    assert_eq!(entries(&mnt), ["export.age"]);
    assert_eq!(fs::read(mnt.join("export.age")).unwrap(), DATA);
}
