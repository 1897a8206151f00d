fn main() {
    // tauri.conf.json lives at the workspace root (the design card's layout):
    // run tauri-build from there and point it at this crate's capabilities.
    std::env::set_current_dir("..").expect("workspace root");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=capabilities");
    // Declaring the app's commands makes each one need an explicit permission,
    // so capabilities/main.json is the complete list of what the webview may call.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(uketsuke_commands())),
    )
    .expect("tauri build step");
}

fn uketsuke_commands() -> &'static [&'static str] {
    &[
        "app_status",
        "reset_local_cache",
        "login",
        "logout",
        "demo_login_hints",
        "unlock_account",
        "register_authenticator",
        "audit_log",
        "view_my_number",
        "change_password",
        "export_overview",
        "request_export",
        "decide_export",
        "export_media",
        "write_export",
        "list_sessions",
        "lookup_voucher",
        "search_residents",
        "resident_card",
        "check_in",
        "correct_visit",
        "cancel_visit",
        "register_walk_in",
        "list_visits",
        "session_counts",
        "sync_status",
        "sync_now",
        "requeue_event",
        "enroll_terminal",
    ]
}
