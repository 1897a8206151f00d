//! The store's upkeep while the window runs: a moment after any write, fold the
//! WAL into the database file and truncate it ([`uketsuke_store::Store::fold_wal`]),
//! so the `-wal` file does not keep earlier page images (the access log's earlier
//! MAC keys among them) while staff go on working. Logout folds at once; closing the
//! store removes the WAL.

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;

/// How long a write's page images may stay in the WAL while the app runs.
pub const WAL_FOLD_INTERVAL: Duration = Duration::from_millis(250);

/// Runs for the life of the window (the shell spawns it next to the sync loop).
pub async fn run_wal_upkeep(app: Arc<App>) {
    loop {
        tokio::time::sleep(WAL_FOLD_INTERVAL).await;
        let app = app.clone();
        // A fold is an fsync or two: off the async workers.
        if let Err(e) = tokio::task::spawn_blocking(move || app.fold_wal()).await {
            tracing::error!(error = %e, "WAL upkeep round failed");
        }
    }
}
