//! macOS: not implemented yet; same interface, answers "unsupported".
//!
//! Planned: `fstatfs(fd)` → `f_mntfromname` → DiskArbitration description
//! (`DeviceInternal`, `MediaRemovable`, `MediaEjectable`, `DeviceProtocol`), refusing network
//! and disk-image volumes (security.md §3.2).

pub use super::unsupported::*;
