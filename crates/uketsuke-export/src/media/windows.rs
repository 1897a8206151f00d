//! Windows: not implemented yet; same interface, answers "unsupported".
//!
//! Planned: `CreateFileW(CREATE_NEW)` in the target directory, then classify the handle with
//! `GetVolumeInformationByHandleW` / `GetFinalPathNameByHandleW` → volume →
//! `IOCTL_STORAGE_QUERY_PROPERTY` (`BusType` USB/SD/MMC, `RemovableMedia`) and refuse
//! `DRIVE_REMOTE`, `DRIVE_RAMDISK` and `BusTypeFileBackedVirtual` (security.md §3.2).

pub use super::unsupported::*;
