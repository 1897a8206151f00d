//! Parsing `/proc/self/mountinfo` (proc(5)).

use std::path::PathBuf;

use crate::error::MediaError;

/// One mounted filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MountEntry {
    pub major: u32,
    pub minor: u32,
    pub mount_point: PathBuf,
    pub fs_type: String,
}

/// Undoes the kernel's octal escapes (`\040` space, `\011` tab, `\012` newline, `\134` backslash).
fn unescape(field: &str) -> Vec<u8> {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|d| (b'0'..=b'7').contains(d)) {
            let v = b[i + 1..i + 4].iter().fold(0u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            if let Ok(byte) = u8::try_from(v) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn parse_line(line: &str) -> Option<MountEntry> {
    let (left, right) = line.split_once(" - ")?;
    let fields: Vec<&str> = left.split(' ').collect();
    if fields.len() < 6 {
        return None;
    }
    let (major, minor) = fields[2].split_once(':')?;
    let fs_type = right.split(' ').next()?.to_string();
    use std::os::unix::ffi::OsStringExt as _;
    let mount_point = PathBuf::from(std::ffi::OsString::from_vec(unescape(fields[4])));
    Some(MountEntry { major: major.parse().ok()?, minor: minor.parse().ok()?, mount_point, fs_type })
}

/// All entries of a mountinfo text; a malformed line is an error (the format is the kernel's).
pub(crate) fn parse(text: &str) -> Result<Vec<MountEntry>, MediaError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| parse_line(l).ok_or_else(|| MediaError::Mountinfo(format!("malformed line: {l}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684092k
90 27 8:17 / /media/staff/USB\\040STICK rw,nosuid,nodev shared:45 master:1 - vfat /dev/sdb1 rw,fmask=0022
91 27 0:50 / /mnt/share rw - cifs //server/share rw
";

    #[test]
    fn parses_fields_and_unescapes_spaces() {
        let m = parse(SAMPLE).unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!((m[0].major, m[0].minor, m[0].fs_type.as_str()), (254, 0, "ext4"));
        assert_eq!(m[2].mount_point, PathBuf::from("/media/staff/USB STICK"));
        assert_eq!((m[2].major, m[2].minor, m[2].fs_type.as_str()), (8, 17, "vfat"));
        assert_eq!(m[3].fs_type, "cifs");
    }

    #[test]
    fn unescapes_tab_newline_backslash_and_leaves_other_text() {
        assert_eq!(unescape(r"a\011b\012c\134d"), b"a\tb\nc\\d");
        assert_eq!(unescape(r"x\04"), b"x\\04");
        assert_eq!(unescape(r"\999"), b"\\999");
        assert_eq!(unescape("受付"), "受付".as_bytes());
    }

    #[test]
    fn malformed_line_is_an_error() {
        assert_eq!(parse("garbage\n").unwrap_err().code(), "EXPORT_MEDIA_MOUNTINFO");
        assert_eq!(parse("1 2 x:y / / rw - ext4 /dev/x rw").unwrap_err().code(), "EXPORT_MEDIA_MOUNTINFO");
    }
}
