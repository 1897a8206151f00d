//! The webview cannot reach resident data without a chosen staff member: every command
//! is called directly over the real IPC (as injected script could), before anyone is
//! chosen, and Rust refuses each one with NOT_LOGGED_IN.

use uketsuke_e2e::{in_window, Venue};

#[tokio::test]
async fn every_data_command_is_refused_before_a_staff_member_is_chosen() {
    let venue = Venue::new();
    in_window("ipc-guard", &venue, |w| async move {
        w.wait(".staff-option").await;
        let calls = serde_json::json!([
            ["list_sessions", {}],
            ["lookup_voucher", {"voucher": "12345678901"}],
            ["search_residents", {"kana": "ア", "birthDate": null}],
            ["resident_card", {"residentId": "0001000000", "sessionId": "x"}],
            ["check_in", {"request": {"session_id": "x", "resident_id": "y", "identity_method": "verbal",
                "copay": {"category": "standard", "proof": "", "amount_yen": 0}, "screenings": []}}],
            ["correct_visit", {"request": {"visit_id": "v", "identity_method": "verbal",
                "copay": {"category": "standard", "proof": "", "amount_yen": 0}, "screenings": [], "reason": "r"}}],
            ["cancel_visit", {"visitId": "v", "reason": "r"}],
            ["register_walk_in", {"request": {"name_kanji": "a", "name_kana": "ア", "sex": "male",
                "birth_date": "1970-01-01", "postal_code": "", "address": "a", "phone": ""}}],
            ["list_visits", {"sessionId": "x"}],
            ["session_counts", {"sessionId": "x"}],
        ]);
        let script = r#"
            const [calls, done] = arguments;
            (async () => {
                const out = [];
                for (const [cmd, args] of calls) {
                    try {
                        await window.__TAURI_INTERNALS__.invoke(cmd, args);
                        out.push([cmd, "ALLOWED"]);
                    } catch (e) {
                        out.push([cmd, (e && e.code) || String(e)]);
                    }
                }
                done(out);
            })();
        "#;
        let out = w.client.execute_async(script, vec![calls]).await.unwrap();
        let results = out.as_array().unwrap();
        assert_eq!(results.len(), 10);
        for r in results {
            assert_eq!(r[1], "NOT_LOGGED_IN", "{} was not refused: {}", r[0], r[1]);
        }
    })
    .await;
}
