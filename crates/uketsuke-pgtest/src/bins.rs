//! Locating PostgreSQL programs.
//!
//! Debian and Ubuntu install the server programs (`initdb`, `pg_ctl`, `postgres`) only under
//! `/usr/lib/postgresql/<version>/bin`, and put version-picking wrappers for the client programs
//! on `PATH`; other systems (Homebrew, Fedora, source builds) put everything on `PATH`. So `PATH`
//! is searched first and the Debian directories after it, newest version first, because newer
//! client tools can talk to older servers but not the other way round.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// Programs a throwaway cluster needs, which must come from the same installation.
const SERVER_PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// Find a PostgreSQL program such as `pg_dump`, `pg_restore` or `psql`: the first executable of
/// that name on `PATH`, else in `/usr/lib/postgresql/*/bin`, highest version first.
///
/// `pg_dump` must be of the server's major version or newer, and `pg_restore` at least as new as
/// the `pg_dump` that wrote a custom-format archive; see the crate documentation.
pub fn pg_bin(name: &str) -> Option<PathBuf> {
    search_dirs(Path::new(DEBIAN_ROOT)).into_iter().map(|dir| dir.join(name)).find(|path| is_executable(path))
}

/// The first directory, in [`pg_bin`] order, holding all of `initdb`, `pg_ctl` and `postgres`.
/// Looking the three up one by one could mix versions (an `initdb` from 16 with a `postgres`
/// from 15 produces a cluster that will not start).
pub(crate) fn server_bin_dir() -> Option<PathBuf> {
    search_dirs(Path::new(DEBIAN_ROOT))
        .into_iter()
        .find(|dir| SERVER_PROGRAMS.iter().all(|program| is_executable(&dir.join(program))))
}

fn search_dirs(debian_root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|path| std::env::split_paths(&path).collect()).unwrap_or_default();
    dirs.extend(versioned_dirs(debian_root));
    dirs
}

/// `<root>/<version>/bin` for every entry named like a version (`15`, `9.6`), highest first.
/// Compared numerically: as strings, `9.6` would sort above `15`.
fn versioned_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let key = name.split('.').map(|part| part.parse::<u32>().ok()).collect::<Option<Vec<_>>>()?;
            Some((key, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

pub(crate) fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_numerically_and_junk_is_skipped() -> std::io::Result<()> {
        let root = tempfile::tempdir()?;
        for name in ["9.6", "15", "10", "common", "16beta"] {
            std::fs::create_dir(root.path().join(name))?;
        }
        let found = versioned_dirs(root.path());
        let expected: Vec<PathBuf> = ["15", "10", "9.6"].iter().map(|v| root.path().join(v).join("bin")).collect();
        assert_eq!(found, expected);
        Ok(())
    }

    #[test]
    fn missing_root_gives_nothing() {
        assert!(versioned_dirs(Path::new("/nonexistent/uketsuke-pgtest")).is_empty());
    }
}
