//! The webview cannot reach resident data without a logged-in staff member: every
//! command is called directly over the real IPC (as injected script could), before
//! anyone has logged in, and Rust refuses each one with NOT_LOGGED_IN.

use uketsuke_e2e::{in_window, Venue};

#[tokio::test]
async fn every_data_command_is_refused_before_login() {
    let venue = Venue::new();
    in_window("ipc-guard", &venue, |w| async move {
        w.wait("#login-form").await;
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
            ["view_my_number", {"residentId": "0001000000", "reason": "r"}],
            ["change_password", {"change": {"current_password": "x", "new_password": "correct horse battery"}}],
            ["export_overview", {}],
            ["request_export", {"request": {"layout": "health_system", "session_ids": ["x"], "purpose": "p",
                "recipient_id": "r"}}],
            ["decide_export", {"decision": {"request_id": "x", "approve": true, "comment": ""}}],
            ["export_media", {}],
            ["write_export", {"requestId": "x", "mediaId": "m"}],
            ["audit_log", {"query": {"staff_id": null, "resident_id": null, "operation": null,
                "from": null, "to": null, "limit": null}}],
            ["unlock_account", {"staffId": "S0001"}],
            ["requeue_event", {"eventId": "e"}],
            ["enroll_terminal", {"serviceUrl": "https://127.0.0.1:9", "code": "AAAA-AAAA"}],
            ["reset_local_cache", {"confirmation": "RESET"}],
        ]);
        let expected = calls.as_array().unwrap().len();
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
        assert_eq!(results.len(), expected);
        for r in results {
            assert_eq!(r[1], "NOT_LOGGED_IN", "{} was not refused: {}", r[0], r[1]);
        }
    })
    .await;
}
