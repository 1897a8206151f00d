//! Files the service writes for people (sealed audit archives, export files):
//! owner-only, never over an existing file, on disk before they are named.

use std::io::Write;
use std::path::Path;

use crate::error::Result;

/// Write `bytes` to a new file at `path`: created owner-only (0600) beside it
/// under a temporary name, synced, renamed into place, and the directory synced.
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    {
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}
