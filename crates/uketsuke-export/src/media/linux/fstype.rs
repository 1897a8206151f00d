//! Filesystem types (`statfs.f_type`, from linux/magic.h) that can never be removable media.

use crate::media::MediaKind;

/// Network, cluster and user-space filesystems. FUSE is included: from the kernel's view an
/// sshfs mount and an exFAT stick through FUSE look the same.
const NETWORK: &[(u32, &str)] = &[
    (0x6969, "nfs"),
    (0x517b, "smb"),
    (0xff53_4d42, "cifs"),
    (0xfe53_4d42, "smb2"),
    (0x7375_7245, "coda"),
    (0x5346_414f, "afs"),
    (0x6b41_4653, "afs"),
    (0x0102_1997, "9p"),
    (0x00c3_6400, "ceph"),
    (0x6573_5546, "fuse"),
    (0x564c, "ncp"),
    (0x7461_636f, "ocfs2"),
    (0x0116_1970, "gfs2"),
    (0x2003_0528, "orangefs"),
    (0x0bd0_0bd0, "lustre"),
];

/// In-memory, pseudo and stacked filesystems.
const VIRTUAL: &[(u32, &str)] = &[
    (0x0102_1994, "tmpfs"),
    (0x8584_58f6, "ramfs"),
    (0x9584_58f6, "hugetlbfs"),
    (0x794c_7630, "overlay"),
    (0x6175_6673, "aufs"),
    (0x7371_7368, "squashfs"),
    (0x9fa0, "proc"),
    (0x6265_6572, "sysfs"),
    (0x1cd1, "devpts"),
    (0x0027_e0eb, "cgroup"),
    (0x6367_7270, "cgroup2"),
    (0x6462_6720, "debugfs"),
    (0x7472_6163, "tracefs"),
    (0x7363_6673, "securityfs"),
    (0xcafe_4a11, "bpf"),
    (0xde5e_81e4, "efivarfs"),
    (0x6165_676c, "pstore"),
    (0x5a3c_69f0, "zonefs"),
];

/// Mount-table type names that are network or user-space filesystems.
pub(crate) fn is_network_type_name(fs_type: &str) -> bool {
    const NAMES: &[&str] = &[
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "afs", "coda", "ncpfs", "lustre", "gfs2", "ocfs2",
        "virtiofs", "davfs", "orangefs",
    ];
    NAMES.contains(&fs_type) || fs_type == "fuse" || fs_type == "fuseblk" || fs_type.starts_with("fuse.")
}

/// `Some((kind, name))` if `f_type` alone rules the file out.
pub(crate) fn classify_magic(f_type: u32) -> Option<(MediaKind, &'static str)> {
    if let Some((_, name)) = NETWORK.iter().find(|(m, _)| *m == f_type) {
        return Some((MediaKind::Network, name));
    }
    VIRTUAL.iter().find(|(m, _)| *m == f_type).map(|(_, name)| (MediaKind::Virtual, *name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_magics() {
        assert_eq!(classify_magic(0x6969), Some((MediaKind::Network, "nfs")));
        assert_eq!(classify_magic(0xff53_4d42), Some((MediaKind::Network, "cifs")));
        assert_eq!(classify_magic(0x6573_5546), Some((MediaKind::Network, "fuse")));
        assert_eq!(classify_magic(0x0102_1994), Some((MediaKind::Virtual, "tmpfs")));
        assert_eq!(classify_magic(0x794c_7630), Some((MediaKind::Virtual, "overlay")));
        // ext4, vfat, exfat are left to the block-device check.
        for local in [0xef53, 0x4d44, 0x2011_bab0] {
            assert_eq!(classify_magic(local), None);
        }
    }

    #[test]
    fn network_type_names() {
        for n in ["nfs4", "cifs", "fuse.sshfs", "fuseblk", "9p", "virtiofs"] {
            assert!(is_network_type_name(n), "{n}");
        }
        for n in ["vfat", "exfat", "ext4", "ntfs3"] {
            assert!(!is_network_type_name(n), "{n}");
        }
    }
}
