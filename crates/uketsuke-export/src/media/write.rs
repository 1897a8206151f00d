//! Writing an export file only if its handle is on removable media, leaving nothing behind
//! on any refusal or failure.

use std::io::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{validate_file_name, ClassifyHandle, MediaInfo, MediaKind, TargetDir};
use crate::error::MediaError;

/// What [`write_verified`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenFile {
    /// The final file name.
    pub file_name: String,
    /// Lower-case hex SHA-256 of the bytes written.
    pub sha256: String,
    /// Number of bytes written.
    pub bytes_len: u64,
    /// The medium, as classified right before the rename.
    pub media: MediaInfo,
}

fn require_removable(info: MediaInfo) -> Result<MediaInfo, MediaError> {
    if info.kind == MediaKind::Removable {
        Ok(info)
    } else {
        Err(MediaError::Refused { info: Box::new(info) })
    }
}

fn temp_name(name: &str) -> Result<String, MediaError> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| MediaError::io("random temp name", e))?;
    Ok(format!(".{name}.{}.part", hex::encode(nonce)))
}

/// Writes `bytes` as `dir/name`, only onto removable media:
///
/// 1. opens `dir` (no symlink) and refuses if `name` exists;
/// 2. creates a temporary file exclusively (mode 0600) and classifies **its handle**;
///    anything but [`MediaKind::Removable`] is refused before a byte is written;
/// 3. writes and fsyncs, classifies the handle again (refused if no longer removable or if
///    the medium changed);
/// 4. renames to `name` without replacing anything, and fsyncs the directory.
///
/// On any refusal or failure the temporary (or final) file is removed; if that removal
/// fails, [`MediaError::CleanupFailed`] names the leftover.
pub fn write_verified(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    classifier: &impl ClassifyHandle,
) -> Result<WrittenFile, MediaError> {
    validate_file_name(name)?;
    let target = TargetDir::open(dir)?;
    if target.exists(name)? {
        return Err(MediaError::TargetExists);
    }
    let temp = temp_name(name)?;
    let file = target.create_new(&temp)?;

    let written = (|| {
        let before = require_removable(classifier.classify(&file)?)?;
        let mut f = &file;
        f.write_all(bytes).map_err(|e| MediaError::io("write", e))?;
        file.sync_all().map_err(|e| MediaError::io("fsync", e))?;
        let after = require_removable(classifier.classify(&file)?)?;
        if after != before {
            return Err(MediaError::MediaChanged);
        }
        Ok(after)
    })();
    drop(file);
    let media = match written {
        Ok(media) => media,
        Err(e) => return Err(cleanup(&target, &temp, e)),
    };

    if let Err(e) = target.rename_noreplace(&temp, name) {
        return Err(cleanup(&target, &temp, e));
    }
    if let Err(e) = target.sync() {
        return Err(cleanup(&target, name, e));
    }
    Ok(WrittenFile {
        file_name: name.to_string(),
        sha256: hex::encode(Sha256::digest(bytes)),
        bytes_len: bytes.len() as u64,
        media,
    })
}

/// Removes `name` after `error`; returns `error`, or a cleanup failure naming the leftover.
fn cleanup(target: &TargetDir, name: &str, error: MediaError) -> MediaError {
    match target.remove(name) {
        Ok(()) => {
            // Best effort: the name is gone either way.
            let _ = target.sync();
            error
        }
        Err(e) => {
            MediaError::CleanupFailed { name: name.to_string(), message: format!("{} (after {})", e, error.code()) }
        }
    }
}
