//! The Tauri shell. It opens the window and hands every command to `uketsuke_api::App`;
//! decisions (who is logged in, what their role allows, what data leaves Rust) are
//! made there, not here.

mod commands;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{Manager, Runtime};
use uketsuke_api::app::DemoOptions;
use uketsuke_api::{App, SystemClock};
use uketsuke_store::{DataDir, Keystore};

/// Register the commands on a builder (tests pass a mock builder).
pub fn app_builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_status,
        commands::reset_local_cache,
        commands::login,
        commands::logout,
        commands::demo_login_hints,
        commands::unlock_account,
        commands::register_authenticator,
        commands::audit_log,
        commands::view_my_number,
        commands::change_password,
        commands::export_overview,
        commands::request_export,
        commands::decide_export,
        commands::export_media,
        commands::write_export,
        commands::list_sessions,
        commands::lookup_voucher,
        commands::search_residents,
        commands::resident_card,
        commands::check_in,
        commands::correct_visit,
        commands::cancel_visit,
        commands::register_walk_in,
        commands::list_visits,
        commands::session_counts,
        commands::sync_status,
        commands::sync_now,
        commands::requeue_event,
        commands::enroll_terminal,
    ])
}

fn demo_options() -> DemoOptions {
    let mut o = DemoOptions::default();
    if let Some(n) = std::env::var("UKETSUKE_DEMO_RESIDENTS").ok().and_then(|v| v.parse().ok()) {
        o.residents = n;
    }
    o
}

/// `--data-dir DIR` (support staff, tests), else `$UKETSUKE_DATA_DIR`, else the
/// platform's app data directory. Other arguments are ignored.
fn data_dir<R: Runtime>(app: &tauri::App<R>) -> PathBuf {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args
        .iter()
        .position(|a| a == "--data-dir")
        .and_then(|i| args.get(i + 1))
        .or_else(|| args.iter().find_map(|a| a.strip_prefix("--data-dir=").map(|_| a)))
        .map(|a| PathBuf::from(a.strip_prefix("--data-dir=").unwrap_or(a)));
    from_args
        .or_else(|| std::env::var_os("UKETSUKE_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| app.path().app_data_dir().expect("an app data directory"))
}

/// Debug builds only (the end-to-end tests): `--test-media-fixture DIR` makes the
/// removable-media check read `DIR/sys` and `DIR/mountinfo` instead of `/sys` and
/// `/proc/self/mountinfo`, so a directory on the test machine's disk can stand in
/// for a USB stick. The file handle is still opened and checked; a release build
/// has no such option.
#[cfg(debug_assertions)]
fn with_test_media(app: App) -> App {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--test-media-fixture").and_then(|i| args.get(i + 1)) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            tracing::warn!(fixture = %dir.display(), "debug build: removable media from a test fixture");
            app.with_media_classifier(
                uketsuke_export::Classifier::with_sysfs_root(dir.join("sys")).with_mountinfo(dir.join("mountinfo")),
            )
        }
        None => app,
    }
}

#[cfg(not(debug_assertions))]
fn with_test_media(app: App) -> App {
    app
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("UKETSUKE_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    // Before any key is read from the OS credential store: no core dumps, no
    // same-user debugger or /proc/PID/mem reads of the keys the core holds.
    if let Err(e) = uketsuke_api::harden::harden_process() {
        tracing::warn!(error = %e, "process hardening failed");
    }
    app_builder(tauri::Builder::default())
        .setup(|app| {
            let dir = DataDir::new(data_dir(app));
            let clock = Arc::new(SystemClock);
            let state = match uketsuke_api::keystore::os_keystore() {
                Ok(ks) => App::start(dir, ks, clock, demo_options()),
                Err(e) => App::unavailable(dir, Keystore::default(), clock, e.into()),
            };
            let state = Arc::new(with_test_media(state));
            // Background sync: on every write, on 同期, and on a timer (a no-op until enrolled).
            tauri::async_runtime::spawn(uketsuke_api::run_sync_loop(state.clone()));
            // The WAL folded in a moment after every write (no earlier MAC key left in it).
            tauri::async_runtime::spawn(uketsuke_api::run_wal_upkeep(state.clone()));
            state.request_sync();
            app.manage(state);
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running Uketsuke");
}
