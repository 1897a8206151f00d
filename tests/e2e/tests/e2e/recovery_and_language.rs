//! A lost database key in the real window, and the language switch.

use std::process::Command;

use uketsuke_e2e::{in_window, Venue};

/// Remove the store's key from the real Secret Service, as a new keyring or another OS
/// account would leave it.
fn delete_key_from_secret_service(venue: &Venue) {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(venue.path().join("store.json")).unwrap()).unwrap();
    let user = format!("local-db-key/{}", meta["store_id"].as_str().unwrap());
    let status = Command::new("secret-tool")
        .args(["clear", "service", "jp.uketsuke.terminal", "username", &user])
        .status()
        .expect("secret-tool (libsecret-tools)");
    assert!(status.success());
}

#[tokio::test]
async fn a_missing_key_is_explained_and_only_the_typed_reset_starts_a_new_store() {
    let venue = Venue::new();
    delete_key_from_secret_service(&venue);
    let db_before = std::fs::read(venue.path().join("uketsuke.db")).unwrap();
    in_window("recovery", &venue, |w| async move {
        w.wait("#store-failed").await;
        let code = w.wait_text("#store-error-code", |t| !t.is_empty()).await;
        assert!(code.ends_with("STORE_KEY_MISSING"), "{code}");
        let msg = w.wait_text("#store-error-message", |t| !t.is_empty()).await;
        assert!(msg.contains("鍵"), "the message is not the Japanese key message: {msg}");
        w.screenshot("store-key-missing").await;
        // A wrong confirmation word changes nothing.
        w.type_in("#reset-word", "はい").await;
        w.click("#reset-submit").await;
        w.wait_text("#store-failed", |t| t.contains("RESET")).await;
        // The typed word resets: a new store on demo data, the login appears.
        w.type_in("#reset-word", "RESET").await;
        w.click("#reset-submit").await;
        w.wait("#login-form").await;
    })
    .await;
    // The unreadable store was set aside, byte for byte, not deleted.
    let quarantine = std::fs::read_dir(venue.path().join("quarantine")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::read(quarantine.join("uketsuke.db")).unwrap(), db_before);
}

#[tokio::test]
async fn the_window_speaks_japanese_by_default_and_english_on_request() {
    let venue = Venue::new();
    in_window("language", &venue, |w| async move {
        let title = w.wait_text("#login-title", |t| !t.is_empty()).await;
        assert_eq!(title, "職員ログイン", "not Japanese by default");
        w.click("#lang-toggle").await;
        w.wait_text("#login-title", |t| t == "Staff login").await;
        w.login_demo("S0001").await;
        let counts = w.wait_text("#counts", |t| t.contains("Checked in")).await;
        assert!(!counts.contains("受付人数"), "counts panel still in Japanese: {counts}");
        w.screenshot("english").await;
        // And back: the choice is remembered per OS user, so leave it as Japanese.
        w.click("#lang-toggle").await;
        w.wait_text("#counts", |t| t.contains("受付人数")).await;
    })
    .await;
}
