//! Operating systems without a removable-media check yet: every operation answers
//! [`MediaError::Unsupported`], so nothing is ever written.

use std::fs::File;
use std::path::Path;

use super::{Classifier, MediaInfo, RemovableMount};
use crate::error::MediaError;

fn unsupported<T>() -> Result<T, MediaError> {
    Err(MediaError::Unsupported { os: std::env::consts::OS })
}

pub(crate) fn classify_file(_: &Classifier, _: &File) -> Result<MediaInfo, MediaError> {
    unsupported()
}

pub(crate) fn classify_device(_: &Classifier, _: u32, _: u32) -> Result<MediaInfo, MediaError> {
    unsupported()
}

pub(crate) fn list_removable_mounts(_: &Classifier) -> Result<Vec<RemovableMount>, MediaError> {
    unsupported()
}

/// An open target directory (not available on this operating system).
#[derive(Debug)]
pub struct TargetDir(());

impl TargetDir {
    /// Always [`MediaError::Unsupported`].
    pub fn open(_: &Path) -> Result<Self, MediaError> {
        unsupported()
    }
    /// Always [`MediaError::Unsupported`].
    pub fn create_new(&self, _: &str) -> Result<File, MediaError> {
        unsupported()
    }
    /// Always [`MediaError::Unsupported`].
    pub fn exists(&self, _: &str) -> Result<bool, MediaError> {
        unsupported()
    }
    /// Always [`MediaError::Unsupported`].
    pub fn rename_noreplace(&self, _: &str, _: &str) -> Result<(), MediaError> {
        unsupported()
    }
    /// Always [`MediaError::Unsupported`].
    pub fn remove(&self, _: &str) -> Result<(), MediaError> {
        unsupported()
    }
    /// Always [`MediaError::Unsupported`].
    pub fn sync(&self) -> Result<(), MediaError> {
        unsupported()
    }
}
