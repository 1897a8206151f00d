//! Logging in through the real window (the person's authenticator, here the demo
//! software token the app made in its data directory, checked in Rust against the
//! public credential in the SQLCipher store, then the password against the
//! Argon2id verifier), a wrong password refused, and a supervisor seeing their own
//! actions in the audit view.

use fantoccini::key::Key;
use uketsuke_e2e::{in_window, Venue};

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_supervisor_sees_their_own_actions() {
    let venue = Venue::new();
    in_window("login-audit", &venue, |w| async move {
        // Her authenticator with a wrong password: refused, with the one generic message.
        w.wait("#login-form").await;
        assert!(w.client.find(fantoccini::Locator::Css("#login-totp")).await.is_err(), "no code to type");
        w.type_in("#login-staff-id", "S0005").await;
        w.type_in("#login-password", "not-the-demo-password").await;
        w.click("#login-submit").await;
        let msg = w.wait_text("#login-error", |t| !t.is_empty()).await;
        assert!(msg.contains("正しくありません"), "{msg}");
        w.screenshot("login-refused").await;
        // Nothing got through: the secrets were cleared and no staff header shows.
        let pw = w.wait("#login-password").await;
        assert_eq!(pw.prop("value").await.unwrap().as_deref(), Some(""));
        assert!(w.client.find(fantoccini::Locator::Css("#logout-button")).await.is_err());

        // The right password logs in.
        w.login_demo("S0005").await;
        // Some reception work: a kana search.
        w.type_in("#search-input", &format!("ア{}", char::from(Key::Enter))).await;
        w.wait(".result-row").await;

        // The audit view, filtered to this supervisor, shows the refused login, the
        // login and the search, as the log recorded them.
        w.click("#audit-open").await;
        w.wait("#audit-view").await;
        w.type_in("#audit-staff", "S0005").await;
        w.click("#audit-search").await;
        let rows = w.wait_text("#audit-results", |t| t.contains("カナ検索")).await;
        for label in ["ログイン失敗", "ログイン成功", "カナ検索"] {
            assert!(rows.contains(label), "{label} missing from the audit view: {rows}");
        }
        let login_ok =
            w.client.find_all(fantoccini::Locator::Css(".audit-row[data-operation=\"login_ok\"]")).await.unwrap();
        assert!(!login_ok.is_empty());
        w.screenshot("audit-view").await;
        w.click("#audit-close").await;
        w.click("#logout-button").await;
        w.wait("#login-form").await;
    })
    .await;
}
