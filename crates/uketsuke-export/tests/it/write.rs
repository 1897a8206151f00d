//! `write_verified` and `open_target` on real directories, with the real classifier and with
//! scripted ones (there is no USB stick on a test machine).
#![cfg(target_os = "linux")]

use std::cell::RefCell;
use std::fs::{self, File};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use sha2::{Digest, Sha256};
use uketsuke_export::{open_target, write_verified, Classifier, ClassifyHandle, MediaError, MediaInfo, MediaKind};

fn stick(serial: &str) -> MediaInfo {
    MediaInfo {
        kind: MediaKind::Removable,
        device: "sdb".into(),
        serial: Some(serial.into()),
        vendor: Some("SanDisk".into()),
        model: Some("Cruzer Blade".into()),
        bus: Some("usb".into()),
        size_bytes: Some(16_000_000_000),
    }
}

/// Answers with the scripted results in order and records how many bytes the file had at
/// each call (to prove classification happens before the first byte).
struct Scripted {
    answers: RefCell<Vec<Result<MediaInfo, MediaError>>>,
    sizes_seen: RefCell<Vec<u64>>,
}

impl Scripted {
    fn new(answers: Vec<Result<MediaInfo, MediaError>>) -> Self {
        Self { answers: RefCell::new(answers), sizes_seen: RefCell::new(Vec::new()) }
    }
}

impl ClassifyHandle for Scripted {
    fn classify(&self, file: &File) -> Result<MediaInfo, MediaError> {
        self.sizes_seen.borrow_mut().push(file.metadata().unwrap().len());
        self.answers.borrow_mut().remove(0)
    }
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

const DATA: &[u8] = b"age-encryption.org/v1\n...ciphertext...";

#[test]
fn writes_to_removable_media_classifying_before_the_first_byte_and_before_the_rename() {
    let dir = tempfile::tempdir().unwrap();
    let c = Scripted::new(vec![Ok(stick("S1")), Ok(stick("S1"))]);
    let w = write_verified(dir.path(), "export.age", DATA, &c).unwrap();
    assert_eq!(*c.sizes_seen.borrow(), [0, DATA.len() as u64]);
    assert_eq!(entries(dir.path()), ["export.age"], "no temporary file left");
    assert_eq!(fs::read(dir.path().join("export.age")).unwrap(), DATA);
    assert_eq!(fs::metadata(dir.path().join("export.age")).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(w.sha256, hex::encode(Sha256::digest(DATA)));
    assert_eq!(w.bytes_len, DATA.len() as u64);
    assert_eq!(w.file_name, "export.age");
    assert_eq!(w.media, stick("S1"));
}

#[test]
fn refuses_before_writing_when_not_removable_and_leaves_nothing() {
    for kind in [MediaKind::Fixed, MediaKind::Network, MediaKind::Virtual] {
        let dir = tempfile::tempdir().unwrap();
        let c = Scripted::new(vec![Ok(MediaInfo { kind, ..stick("S1") })]);
        let err = write_verified(dir.path(), "export.age", DATA, &c).unwrap_err();
        assert!(matches!(&err, MediaError::Refused { info } if info.kind == kind), "{err:?}");
        assert_eq!(*c.sizes_seen.borrow(), [0]);
        assert!(entries(dir.path()).is_empty(), "{kind:?}: {:?}", entries(dir.path()));
    }
}

#[test]
fn refuses_when_the_medium_changes_or_stops_being_removable_during_the_write() {
    let cases = vec![
        (vec![Ok(stick("S1")), Ok(stick("S2"))], "EXPORT_MEDIA_CHANGED"),
        (vec![Ok(stick("S1")), Ok(MediaInfo { kind: MediaKind::Fixed, ..stick("S1") })], "EXPORT_MEDIA_FIXED"),
        (vec![Ok(stick("S1")), Err(MediaError::UnknownDevice { major: 8, minor: 17 })], "EXPORT_MEDIA_UNKNOWN_DEVICE"),
        (vec![Err(MediaError::Sysfs("unreadable".into()))], "EXPORT_MEDIA_SYSFS"),
    ];
    for (answers, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        let err = write_verified(dir.path(), "export.age", DATA, &Scripted::new(answers)).unwrap_err();
        assert_eq!(err.code(), code);
        assert!(entries(dir.path()).is_empty(), "{code}: {:?}", entries(dir.path()));
    }
}

#[test]
fn never_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("export.age"), b"earlier").unwrap();
    let c = Scripted::new(vec![Ok(stick("S1")), Ok(stick("S1"))]);
    assert_eq!(write_verified(dir.path(), "export.age", DATA, &c).unwrap_err().code(), "EXPORT_TARGET_EXISTS");
    assert_eq!(fs::read(dir.path().join("export.age")).unwrap(), b"earlier");
    assert_eq!(entries(dir.path()), ["export.age"]);
    // A dangling symlink with the target name counts as existing too.
    symlink("/nonexistent", dir.path().join("b.age")).unwrap();
    let c = Scripted::new(vec![Ok(stick("S1")), Ok(stick("S1"))]);
    assert_eq!(write_verified(dir.path(), "b.age", DATA, &c).unwrap_err().code(), "EXPORT_TARGET_EXISTS");
}

#[test]
fn refuses_bad_names_and_directories_without_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    let never = Scripted::new(vec![]);
    for bad in ["../escape.age", "a/b.age", ".hidden", ""] {
        assert_eq!(write_verified(dir.path(), bad, DATA, &never).unwrap_err().code(), "EXPORT_TARGET_NAME_INVALID");
    }
    let real = dir.path().join("real");
    fs::create_dir(&real).unwrap();
    symlink(&real, dir.path().join("link")).unwrap();
    fs::write(dir.path().join("file"), b"").unwrap();
    for target in ["link", "file", "missing"] {
        let err = write_verified(&dir.path().join(target), "x.age", DATA, &never).unwrap_err();
        assert_eq!(err.code(), "EXPORT_TARGET_DIR_INVALID", "{target}");
    }
    assert!(entries(&real).is_empty());
    assert!(never.sizes_seen.borrow().is_empty());
}

#[test]
fn open_target_creates_exclusively_with_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let (file, target) = open_target(dir.path(), "a.age").unwrap();
    assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(open_target(dir.path(), "a.age").unwrap_err().code(), "EXPORT_TARGET_EXISTS");
    assert!(target.exists("a.age").unwrap());
    target.remove("a.age").unwrap();
    assert!(entries(dir.path()).is_empty());
    symlink("/etc/passwd", dir.path().join("p.age")).unwrap();
    assert_eq!(open_target(dir.path(), "p.age").unwrap_err().code(), "EXPORT_TARGET_EXISTS");
    assert_eq!(open_target(dir.path(), "../x").unwrap_err().code(), "EXPORT_TARGET_NAME_INVALID");
}

#[test]
fn the_real_classifier_refuses_the_temp_dir() {
    // The test machine's temp dir is an internal disk or a tmpfs: never removable.
    let dir = tempfile::tempdir().unwrap();
    let err = write_verified(dir.path(), "export.age", DATA, &Classifier::new()).unwrap_err();
    match &err {
        MediaError::Refused { info } => assert_ne!(info.kind, MediaKind::Removable),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[test]
fn a_tmpfs_is_refused_as_virtual() {
    let shm = Path::new("/dev/shm");
    let is_tmpfs = shm.is_dir()
        && fs::read_to_string("/proc/self/mountinfo")
            .unwrap()
            .lines()
            .any(|l| l.contains(" /dev/shm ") && l.contains(" - tmpfs "));
    if !is_tmpfs {
        println!("SKIPPED a_tmpfs_is_refused_as_virtual: /dev/shm is not a tmpfs here");
        return;
    }
    let dir = tempfile::tempdir_in(shm).unwrap();
    let file = File::create(dir.path().join("probe")).unwrap();
    let info = Classifier::new().classify_file(&file).unwrap();
    assert_eq!((info.kind, info.device.as_str()), (MediaKind::Virtual, "tmpfs"));
    fs::remove_file(dir.path().join("probe")).unwrap();
    let err = write_verified(dir.path(), "export.age", DATA, &Classifier::new()).unwrap_err();
    assert_eq!(err.code(), "EXPORT_MEDIA_VIRTUAL");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn classify_dir_classifies_the_directory_handle_like_a_file_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = File::create(dir.path().join("probe")).unwrap();
    let c = Classifier::new();
    // Whatever this machine's temporary directory is (or whether it can be classified at all),
    // the directory and a file in it get the same answer.
    assert_eq!(c.classify_dir(dir.path()), c.classify_file(&file));
    let err = c.classify_dir(&dir.path().join("missing")).unwrap_err();
    assert_eq!(err.code(), "EXPORT_TARGET_DIR_INVALID");
}
