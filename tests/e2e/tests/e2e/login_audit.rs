//! Logging in through the real window (password + the authenticator's code, checked
//! in Rust against the Argon2id verifier in the SQLCipher store), a wrong code refused,
//! and a supervisor seeing their own actions in the audit view.

use fantoccini::key::Key;
use uketsuke_e2e::{demo_code, in_window, Venue};

#[tokio::test]
async fn a_wrong_code_is_refused_and_the_supervisor_sees_their_own_actions() {
    let venue = Venue::new();
    in_window("login-audit", &venue, |w| async move {
        // The right password with a wrong code: refused, with the one generic message.
        let right = demo_code("S0005");
        let wrong = if right == "123456" { "654321" } else { "123456" };
        w.wait("#login-form").await;
        w.type_in("#login-staff-id", "S0005").await;
        w.type_in("#login-password", uketsuke_demo::city::DEMO_PASSWORD).await;
        w.type_in("#login-totp", wrong).await;
        w.click("#login-submit").await;
        let msg = w.wait_text("#login-error", |t| !t.is_empty()).await;
        assert!(msg.contains("正しくありません"), "{msg}");
        w.screenshot("login-refused").await;
        // Nothing got through: the secrets were cleared and no staff header shows.
        let pw = w.wait("#login-password").await;
        assert_eq!(pw.prop("value").await.unwrap().as_deref(), Some(""));
        assert!(w.client.find(fantoccini::Locator::Css("#logout-button")).await.is_err());

        // The right code logs in.
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
