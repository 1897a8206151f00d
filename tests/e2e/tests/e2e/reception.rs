//! A venue's morning, through the real window: the app binary, its SQLCipher store and
//! the real Secret Service, driven like staff drive it (keyboard, a scanner's digits + Enter).

use std::io::Write;
use std::process::Stdio;

use fantoccini::key::Key;
use uketsuke_core::wareki;
use uketsuke_e2e::{app_written_files, assert_no_file_holds, in_window, to_half_width_katakana, Venue};

fn enter() -> String {
    char::from(Key::Enter).to_string()
}

#[tokio::test]
async fn scanning_a_voucher_and_checking_in_raises_the_count() {
    let venue = Venue::new();
    let resident = venue.eligible_residents().into_iter().next().expect("an eligible demo resident");
    let r = resident.resident.clone();
    let secrets = [r.name_kanji.clone(), r.name_kana.clone(), r.address.clone(), resident.voucher.voucher_no.clone()];
    in_window("scan", &venue, |w| async move {
        w.login_demo("S0001").await;
        assert_eq!(w.wait_text("#count-total", |t| !t.is_empty()).await, "0");

        // A barcode scanner types the digits and Enter.
        w.type_in("#search-input", &format!("{}{}", resident.voucher.voucher_no, enter())).await;
        w.wait("#resident-card").await;
        w.wait_text("#resident-card", |t| t.contains(&resident.resident.name_kana)).await;
        w.screenshot("reception-card").await;

        w.click("#checkin-submit").await;
        w.wait_text("#last-reception-no", |t| t.contains('1')).await;
        assert_eq!(w.wait_text("#count-total", |t| t == "1").await, "1");
        w.wait(&format!(".visit-row[data-resident-id=\"{}\"]", resident.resident.resident_id)).await;
        // The search box has focus again, ready for the next scan.
        let active = w.client.active_element().await.unwrap();
        assert_eq!(active.attr("id").await.unwrap().as_deref(), Some("search-input"));
        w.screenshot("reception-after-checkin").await;
    })
    .await;

    // What the window showed and wrote is on disk only encrypted: the store, WebKit's
    // storage and caches hold no readable name, kana, address or voucher number.
    let files = app_written_files(&venue);
    assert!(files.iter().any(|f| f.ends_with("uketsuke.db")), "the store was not among the files checked");
    assert_no_file_holds(&files, &secrets.iter().map(String::as_str).collect::<Vec<_>>());
}

#[tokio::test]
async fn half_width_kana_and_a_wareki_birth_date_find_the_resident() {
    let venue = Venue::new();
    let resident = venue.eligible_residents().into_iter().nth(3).expect("an eligible demo resident");
    let family: String = resident.resident.name_kana.split('\u{3000}').next().unwrap().to_owned();
    let half = to_half_width_katakana(&family);
    assert_ne!(half, family, "the query must really be half-width");
    in_window("kana", &venue, |w| async move {
        w.login_demo("S0001").await;
        w.type_in("#birth-input", &wareki::to_jis_x0301(resident.resident.birth_date)).await;
        w.type_in("#search-input", &format!("{half}{}", enter())).await;
        let row = format!(".result-row[data-resident-id=\"{}\"]", resident.resident.resident_id);
        w.wait(&row).await;
        w.screenshot("kana-search").await;
    })
    .await;
}

#[tokio::test]
async fn cancelling_a_check_in_lowers_the_count_and_keeps_the_row_marked() {
    let venue = Venue::new();
    let resident = venue.eligible_residents().into_iter().nth(1).expect("an eligible demo resident");
    in_window("cancel", &venue, |w| async move {
        w.login_demo("S0001").await;
        w.type_in("#search-input", &format!("{}{}", resident.voucher.voucher_no, enter())).await;
        w.click("#checkin-submit").await;
        w.wait_text("#count-total", |t| t == "1").await;

        let row = format!(".visit-row[data-resident-id=\"{}\"]", resident.resident.resident_id);
        w.click(&format!("{row} .cancel-visit")).await;
        w.type_in("#cancel-reason", "二重受付のため").await;
        w.click("#cancel-confirm").await;
        assert_eq!(w.wait_text("#count-total", |t| t == "0").await, "0");
        w.wait_text(&row, |t| t.contains("二重受付のため")).await;
        w.screenshot("after-cancel").await;
    })
    .await;
}

#[tokio::test]
async fn a_walk_in_not_on_the_roster_is_registered_provisionally_and_checked_in() {
    let venue = Venue::new();
    let dir = venue.path().to_path_buf();
    in_window("walk-in", &venue, |w| async move {
        w.login_demo("S0001").await;
        w.click("#walkin-open").await;
        w.type_in("#walkin-name-kanji", "飛込　花子").await;
        w.type_in("#walkin-name-kana", "とびこみ　はなこ").await;
        w.wait("#walkin-sex").await.select_by_value("female").await.unwrap();
        w.type_in("#walkin-birth", "S40.5.6").await;
        w.type_in("#walkin-address", "みなと市新町1-1").await;
        w.click("#walkin-submit").await;
        w.wait("#card-provisional").await;
        w.wait_text("#card-name-kanji", |t| t == "飛込　花子").await;
        w.click("#checkin-submit").await;
        assert_eq!(w.wait_text("#count-total", |t| t == "1").await, "1");
        w.screenshot("walk-in").await;
    })
    .await;
    // The provisional person is in the encrypted store, findable by kana, as typed.
    // The CLI logs in like the window (password on stdin, their demo token), as another
    // reception staff member.
    let mut cli = std::process::Command::new(std::env::var("UKETSUKE_CLI").unwrap())
        .args(["search", "--staff", "S0002", "--kana", "ﾄﾋﾞｺﾐ", "--birth", "昭和40年5月6日", "--data-dir"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = cli.stdin.take().unwrap();
        writeln!(stdin, "{}", uketsuke_demo::city::DEMO_PASSWORD).unwrap();
    }
    let out = cli.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["provisional"], true);
    assert_eq!(hits[0]["name_kana"], "とびこみ　はなこ");
    assert!(hits[0]["resident_id"].as_str().unwrap().starts_with("P-"));
}
