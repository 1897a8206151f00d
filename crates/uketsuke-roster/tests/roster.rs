use chrono::NaiveDate;
use uketsuke_core::{CopayCategory, Sex};
use uketsuke_roster::{
    columns, parse, reject_file, Encoding, Parsed, RosterError, RosterStatus, RowError, MAX_FILE_BYTES,
};

const GOOD: &str = include_str!("fixtures/good.csv");
const BAD: &str = include_str!("fixtures/bad.csv");
const HEADER: &str =
    "宛名番号,氏名,氏名カナ,性別,生年月日,郵便番号,住所,電話番号,負担区分,支援措置,受診券番号,年度,個人番号,異動区分";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ok(bytes: &[u8]) -> Parsed {
    parse(bytes, Encoding::Auto, today()).unwrap()
}

fn summary(errors: &[RowError]) -> Vec<(usize, &'static str, &'static str)> {
    errors.iter().map(|e| (e.line, e.field, e.code)).collect()
}

/// A file of the header plus `rows`, LF line ends.
fn file(rows: &[&str]) -> Vec<u8> {
    let mut s = HEADER.to_owned();
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s.into_bytes()
}

const ROW: &str = "300001,美里 花子,ミサト ハナコ,2,1960-01-01,9870001,美里町北浦１,,0,0,20260001,2026,,";

/// UTF-8 → Shift_JIS (Windows-31J) as a Japanese Windows system writes it: private-use
/// characters U+E000–U+E757 go to the user-defined area (F040–F9FC), which
/// encoding_rs decodes but will not encode.
fn to_shift_jis(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<u8>| {
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(run);
        assert!(!unmappable, "not encodable in Shift_JIS: {run}");
        out.extend_from_slice(&bytes);
        run.clear();
    };
    for c in text.chars() {
        if ('\u{E000}'..='\u{E757}').contains(&c) {
            flush(&mut run, &mut out);
            let pointer = 8836 + (c as u32 - 0xE000);
            let (lead, trail) = (pointer / 188, pointer % 188);
            out.push((lead + if lead < 0x1F { 0x81 } else { 0xC1 }) as u8);
            out.push((trail + if trail < 0x3F { 0x40 } else { 0x41 }) as u8);
        } else {
            run.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[test]
fn good_file_parses() {
    let p = ok(GOOD.as_bytes());
    assert_eq!(p.encoding, Encoding::Utf8);
    assert_eq!(p.errors, []);
    assert_eq!(p.total_rows, 3);
    assert_eq!(p.bad_rows(), 0);
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3, 4]);

    let r = &p.rows[0];
    assert_eq!(r.resident.resident_id, "100001");
    // 葛󠄀 = U+845B U+E0100, byte-exact.
    assert_eq!(r.resident.name_kanji, "葛\u{E0100}飾\u{3000}花子");
    assert_eq!(r.resident.name_kanji.as_bytes(), "葛\u{E0100}飾\u{3000}花子".as_bytes());
    assert_eq!(r.resident.name_kana, "カツシカ\u{3000}ハナコ");
    assert_eq!(r.resident.sex, Sex::Female);
    assert_eq!(r.resident.birth_date, ymd(1955, 4, 1));
    assert_eq!(r.resident.postal_code, "9870001");
    assert_eq!(r.resident.address, "宮城県遠田郡美里町北浦字新苗代下１番地");
    assert_eq!(r.resident.phone, "0229-33-0001");
    assert_eq!(r.resident.copay_category, CopayCategory::Standard);
    assert!(!r.resident.dv_support);
    assert!(!r.resident.provisional);
    assert_eq!(r.voucher.voucher_no, "2026000001");
    assert_eq!(r.voucher.resident_id, "100001");
    assert_eq!(r.voucher.fiscal_year, 2026);
    assert_eq!(r.my_number.as_ref().map(|n| n.expose()), Some("123456789018"));
    assert_eq!(r.status, RosterStatus::Active);

    let r = &p.rows[1];
    assert_eq!(r.resident.name_kanji, "山田 太郎");
    assert_eq!(r.resident.name_kana, "ﾔﾏﾀﾞ ﾀﾛｳ");
    assert_eq!(r.resident.sex, Sex::Male);
    assert_eq!(r.resident.birth_date, ymd(1948, 6, 15));
    assert_eq!(r.resident.postal_code, "9870002");
    assert_eq!(r.resident.address, "宮城県遠田郡美里町駅東２丁目５－１, コーポ美里 101");
    assert_eq!(r.resident.phone, "");
    assert_eq!(r.resident.copay_category, CopayCategory::LateElderlyInsured);
    assert!(r.resident.dv_support);
    assert_eq!(r.voucher.voucher_no, "2026000002");
    assert_eq!(r.my_number, None);
    assert_eq!(r.status, RosterStatus::Active);

    let r = &p.rows[2];
    assert_eq!(r.resident.resident_id, "100003");
    // A private-use 外字, byte-exact.
    assert_eq!(r.resident.name_kanji, "\u{E000}橋 悠子");
    assert_eq!(
        r.resident.name_kanji.as_bytes(),
        [0xEE, 0x80, 0x80].iter().chain("橋 悠子".as_bytes()).copied().collect::<Vec<_>>()
    );
    assert_eq!(r.resident.name_kana, "たかはし ゆうこ");
    assert_eq!(r.resident.birth_date, ymd(1987, 1, 3));
    assert_eq!(r.resident.copay_category, CopayCategory::TaxExemptHousehold);
    assert_eq!(r.voucher.fiscal_year, 2026);
    assert_eq!(r.status, RosterStatus::Removed);
}

#[test]
fn the_documented_example_parses() {
    let doc = include_str!("../../../docs/roster-csv.md");
    let start = doc.find("```csv\n").unwrap() + "```csv\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let p = ok(example.as_bytes());
    assert_eq!(p.errors, []);
    assert_eq!(p.rows.len(), 3);
    assert_eq!(p.rows[0].resident.name_kanji, "葛\u{E0100}飾\u{3000}花子");
    assert_eq!(p.rows[2].resident.birth_date, ymd(1987, 1, 3));
}

#[test]
fn bom_and_crlf_give_the_same_rows() {
    let plain = ok(GOOD.as_bytes());
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(GOOD.as_bytes());
    assert_eq!(ok(&with_bom), plain);
    assert_eq!(parse(&with_bom, Encoding::Utf8, today()).unwrap(), plain);
    let crlf = GOOD.replace('\n', "\r\n");
    assert_eq!(ok(crlf.as_bytes()), plain);
    let cr = GOOD.replace('\n', "\r");
    assert_eq!(ok(cr.as_bytes()), plain);
}

#[test]
fn shift_jis_decodes_to_the_same_rows() {
    // Shift_JIS has no variation selectors; everything else, 外字 included, carries over.
    let text = GOOD.replace('\u{E0100}', "").replace('\n', "\r\n");
    let sjis = to_shift_jis(&text);
    assert!(std::str::from_utf8(&sjis).is_err());
    let want = ok(text.as_bytes());
    let auto = ok(&sjis);
    assert_eq!(auto.encoding, Encoding::ShiftJis);
    assert_eq!(auto.rows, want.rows);
    assert_eq!(auto.rows[2].resident.name_kanji, "\u{E000}橋 悠子");
    assert_eq!(auto.rows[1].resident.name_kana, "ﾔﾏﾀﾞ ﾀﾛｳ");
    let forced = parse(&sjis, Encoding::ShiftJis, today()).unwrap();
    assert_eq!(forced, auto);
    // Forcing UTF-8 on Shift_JIS bytes fails at the first non-ASCII byte, line 1.
    assert_eq!(parse(&sjis, Encoding::Utf8, today()), Err(RosterError::InvalidUtf8 { offset: 0, line: 1 }));
}

#[test]
fn malformed_shift_jis_is_a_file_error_with_line() {
    let text = GOOD.replace('\u{E0100}', "");
    let mut sjis = to_shift_jis(&text);
    // Break the second byte of the first double-byte character on line 3.
    let line3 = sjis.iter().enumerate().filter(|&(_, &b)| b == b'\n').nth(1).unwrap().0 + 1;
    let lead = (line3..sjis.len()).find(|&i| sjis[i] >= 0x81).unwrap();
    sjis[lead + 1] = 0x7F;
    let err = parse(&sjis, Encoding::Auto, today()).unwrap_err();
    assert_eq!(err, RosterError::InvalidShiftJis { offset: lead, line: 3 });
    assert_eq!(err.code(), "ROSTER_BAD_SHIFT_JIS");
    assert!(err.message_ja().contains("3行目"));
    assert!(err.message_en().contains("line 3"));
}

#[test]
fn each_bad_field_gives_its_line_field_and_code() {
    let p = ok(BAD.as_bytes());
    assert_eq!(p.total_rows, 24);
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 25]);
    assert_eq!(p.rows[1].my_number.as_ref().map(|n| n.expose()), Some("000000000060"));
    let want = vec![
        (3, "宛名番号", "ROSTER_BAD_RESIDENT_ID"),
        (4, "氏名", "ROSTER_REQUIRED"),
        (5, "氏名カナ", "ROSTER_BAD_KANA"),
        (6, "性別", "ROSTER_BAD_SEX"),
        (7, "生年月日", "ROSTER_DATE_OUTSIDE_ERA"),
        (8, "生年月日", "ROSTER_FUTURE_DATE"),
        (9, "生年月日", "ROSTER_BAD_DATE"),
        (10, "郵便番号", "ROSTER_BAD_POSTAL_CODE"),
        // A quoted address spanning lines 11–12: reported at its first line…
        (11, "住所", "ROSTER_BAD_CHAR"),
        // …and the rows after it keep their physical line numbers.
        (13, "電話番号", "ROSTER_BAD_PHONE"),
        (14, "負担区分", "ROSTER_BAD_COPAY"),
        (15, "支援措置", "ROSTER_BAD_DV_FLAG"),
        (16, "受診券番号", "ROSTER_BAD_VOUCHER"),
        (17, "年度", "ROSTER_BAD_FISCAL_YEAR"),
        (18, "個人番号", "ROSTER_MY_NUMBER_CHECK_DIGIT"),
        (19, "個人番号", "ROSTER_BAD_MY_NUMBER"),
        (20, "異動区分", "ROSTER_BAD_STATUS"),
        (21, "宛名番号", "ROSTER_DUPLICATE_RESIDENT"),
        (22, "受診券番号", "ROSTER_DUPLICATE_VOUCHER"),
        (23, "", "ROSTER_FIELD_COUNT"),
        (24, "性別", "ROSTER_BAD_SEX"),
        (24, "郵便番号", "ROSTER_BAD_POSTAL_CODE"),
        (24, "年度", "ROSTER_BAD_FISCAL_YEAR"),
        (26, "氏名", "ROSTER_TOO_LONG"),
    ];
    assert_eq!(summary(&p.errors), want);
    assert_eq!(p.bad_rows(), 22);
    for e in &p.errors {
        assert!(!e.message_ja.is_empty() && !e.message_en.is_empty(), "{e:?}");
    }
    let count = p.errors.iter().find(|e| e.code == "ROSTER_FIELD_COUNT").unwrap();
    assert_eq!(count.message_ja, "列数が13です（見出し行は14列）");
}

#[test]
fn duplicates_name_the_first_line() {
    let bytes = file(&[
        "1,甲,コウ,1,1960-01-01,9870001,町,,0,0,11111,2026,,",
        "2,乙,オツ,1,1960-01-01,9870001,町,,0,0,22222,2026,,",
        "１,丙,ヘイ,1,1960-01-01,9870001,町,,0,0,33333,2026,,",
        "4,丁,テイ,1,1960-01-01,9870001,町,,0,0,2222-2,2026,,",
        "1,戊,ボ,1,1960-01-01,9870001,町,,0,0,１１１１１,2026,,",
    ]);
    let p = ok(&bytes);
    assert_eq!(p.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
    let want = vec![
        (4, "宛名番号", "ROSTER_DUPLICATE_RESIDENT"),
        (5, "受診券番号", "ROSTER_DUPLICATE_VOUCHER"),
        (6, "宛名番号", "ROSTER_DUPLICATE_RESIDENT"),
        (6, "受診券番号", "ROSTER_DUPLICATE_VOUCHER"),
    ];
    assert_eq!(summary(&p.errors), want);
    assert_eq!(p.errors[0].message_ja, "宛名番号が2行目と重複しています");
    assert_eq!(p.errors[0].message_en, "the same resident number as on line 2");
    assert_eq!(p.errors[1].message_ja, "受診券番号が3行目と重複しています");
    assert_eq!(p.errors[2].message_ja, "宛名番号が2行目と重複しています");
    assert_eq!(p.errors[3].message_ja, "受診券番号が2行目と重複しています");
}

#[test]
fn duplicate_of_a_bad_row_still_counts() {
    // The first row is bad (sex), but its 宛名番号 is taken all the same.
    let bytes = file(&[
        "1,甲,コウ,X,1960-01-01,9870001,町,,0,0,11111,2026,,",
        "1,乙,オツ,1,1960-01-01,9870001,町,,0,0,22222,2026,,",
    ]);
    let p = ok(&bytes);
    assert_eq!(summary(&p.errors), [(2, "性別", "ROSTER_BAD_SEX"), (3, "宛名番号", "ROSTER_DUPLICATE_RESIDENT")]);
}

#[test]
fn multi_line_quoted_fields_keep_line_numbers_right() {
    // A quoted name with a CRLF inside (lines 2–3), a quoted field with two LFs
    // (lines 4–6), blank lines (7–8), then a good row on line 9 and a bad one on 10.
    let text = format!(
        "{HEADER}\r\n\
         1,\"美里\r\n花子\",ミサト,2,1960-01-01,9870001,町,,0,0,11111,2026,,\r\n\
         2,乙,オツ,1,1960-01-01,9870001,\"町\n\n北浦\",,0,0,22222,2026,,\r\n\
         \r\n\
         \r\n\
         3,丙,ヘイ,1,1960-01-01,9870001,\"町, 北浦 \"\"1\"\"\",,0,0,33333,2026,,\r\n\
         4,丁,テイ,1,1960-01-01,9870001,町,,0,0,44444,2026,,\"1\n2\"\r\n"
    );
    let p = ok(text.as_bytes());
    assert_eq!(
        summary(&p.errors),
        [(2, "氏名", "ROSTER_BAD_CHAR"), (4, "住所", "ROSTER_BAD_CHAR"), (10, "異動区分", "ROSTER_BAD_STATUS")]
    );
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].line, 9);
    assert_eq!(p.rows[0].resident.address, "町, 北浦 \"1\"");
    assert_eq!(p.total_rows, 4);
}

#[test]
fn header_order_is_free_and_optional_columns_may_be_left_out() {
    let text = " 年度 ,受診券番号,支援措置,負担区分,住所,郵便番号,生年月日,性別,氏名カナ,氏名,宛名番号\n\
                R8,1234-5678,1,3,美里町,987-0001,S30.4.1,女,ミサト,美里,00042\n";
    let p = ok(text.as_bytes());
    assert_eq!(p.errors, []);
    let r = &p.rows[0];
    assert_eq!(r.resident.resident_id, "00042");
    assert_eq!(r.resident.phone, "");
    assert_eq!(r.resident.copay_category, CopayCategory::PublicAssistance);
    assert!(r.resident.dv_support);
    assert_eq!(r.voucher.voucher_no, "12345678");
    assert_eq!(r.my_number, None);
    assert_eq!(r.status, RosterStatus::Active);
}

#[test]
fn missing_unknown_and_duplicate_columns() {
    let without = |col: &str| HEADER.split(',').filter(|c| *c != col).collect::<Vec<_>>().join(",");
    let e = parse(format!("{}\n{ROW}\n", without("生年月日")).as_bytes(), Encoding::Auto, today()).unwrap_err();
    assert_eq!(e, RosterError::MissingColumns { missing: vec!["生年月日"] });
    assert_eq!(e.code(), "ROSTER_MISSING_COLUMNS");
    assert!(e.message_ja().contains("「生年月日」"));
    assert!(e.message_en().contains("「生年月日」"));

    let header = without("氏名カナ").replace("性別", "性別,備考") + ",氏名ｶﾅ";
    let e = parse(format!("{header}\n").as_bytes(), Encoding::Auto, today()).unwrap_err();
    assert_eq!(
        e,
        RosterError::UnknownColumns {
            unknown: vec!["備考".into(), "氏名ｶﾅ".into()], missing: vec!["氏名カナ"]
        }
    );
    assert_eq!(e.code(), "ROSTER_UNKNOWN_COLUMNS");
    assert!(e.message_ja().contains("「備考」, 「氏名ｶﾅ」"), "{}", e.message_ja());
    assert!(e.message_ja().contains("「氏名カナ」"));

    let e = parse(format!("{HEADER},氏名\n").as_bytes(), Encoding::Auto, today()).unwrap_err();
    assert_eq!(e, RosterError::DuplicateColumns { columns: vec!["氏名".into()] });
    assert_eq!(e.code(), "ROSTER_DUPLICATE_COLUMNS");

    // A trailing comma is an unnamed column.
    let e = parse(format!("{HEADER},\n").as_bytes(), Encoding::Auto, today()).unwrap_err();
    assert_eq!(e, RosterError::UnknownColumns { unknown: vec![String::new()], missing: vec![] });

    // A file without a header row: its first row is not repeated in the error.
    let e = parse(format!("{}\n", GOOD.lines().nth(1).unwrap()).as_bytes(), Encoding::Auto, today()).unwrap_err();
    assert_eq!(e, RosterError::NoHeader { line: 1 });
    assert_eq!(e.code(), "ROSTER_NO_HEADER");
    assert!(!e.message_ja().contains("100001") && !e.message_en().contains("100001"));
    // Long unknown names are cut.
    let e = parse(format!("{HEADER},{}\n", "あ".repeat(40)).as_bytes(), Encoding::Auto, today()).unwrap_err();
    assert_eq!(e, RosterError::UnknownColumns { unknown: vec![format!("{}…", "あ".repeat(30))], missing: vec![] });

    // Only optional columns may be missing.
    for col in columns::ALL {
        let r = parse(format!("{}\n{ROW}\n", without(col)).as_bytes(), Encoding::Auto, today());
        if columns::OPTIONAL.contains(&col) {
            assert!(matches!(r, Ok(ref p) if p.rows.is_empty() && p.errors.len() == 1), "{col}: {r:?}");
        } else {
            assert_eq!(r.unwrap_err().code(), "ROSTER_MISSING_COLUMNS", "{col}");
        }
    }
}

#[test]
fn empty_and_header_only_files() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\n\r\n", b" , ,\n,,\n"] {
        let e = parse(bytes, Encoding::Auto, today()).unwrap_err();
        assert_eq!(e, RosterError::EmptyFile, "{bytes:?}");
        assert_eq!(e.code(), "ROSTER_EMPTY_FILE");
    }
    let e = parse(format!("{HEADER}\r\n\r\n,,,\r\n").as_bytes(), Encoding::Auto, today()).unwrap_err();
    assert_eq!(e, RosterError::NoRows);
    assert_eq!(e.code(), "ROSTER_NO_ROWS");
}

#[test]
fn too_large_file_is_refused_before_decoding() {
    let bytes = vec![b'a'; MAX_FILE_BYTES + 1];
    let e = parse(&bytes, Encoding::Auto, today()).unwrap_err();
    assert_eq!(e, RosterError::TooLarge { size: MAX_FILE_BYTES + 1, limit: MAX_FILE_BYTES });
    assert_eq!(e.code(), "ROSTER_TOO_LARGE");
}

#[test]
fn shift_jis_forced_on_a_utf8_bom_file() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(GOOD.as_bytes());
    let e = parse(&bytes, Encoding::ShiftJis, today()).unwrap_err();
    assert_eq!(e.code(), "ROSTER_ENCODING_MISMATCH");
}

#[test]
fn birth_date_today_is_accepted_and_tomorrow_is_not() {
    let row = |date: &str| ROW.replace("1960-01-01", date);
    let p = parse(
        &file(&[&row("2026-04-01"), &row("令和8年4月2日").replace("300001", "300002").replace("20260001", "20260002")]),
        Encoding::Auto,
        today(),
    )
    .unwrap();
    assert_eq!(p.rows.len(), 1);
    assert_eq!(summary(&p.errors), [(3, "生年月日", "ROSTER_FUTURE_DATE")]);
}

#[test]
fn my_number_never_appears_in_debug_or_errors() {
    let good = ROW.replace(",2026,,", ",2026,123456789018,");
    let bad = ROW.replace("300001", "300002").replace("20260001", "20260002").replace(",2026,,", ",2026,123456789017,");
    let short =
        ROW.replace("300001", "300003").replace("20260001", "20260003").replace(",2026,,", ",2026,98765432109,");
    let p = ok(&file(&[&good, &bad, &short]));
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].my_number.as_ref().unwrap().expose(), "123456789018");
    assert_eq!(
        summary(&p.errors),
        [(3, "個人番号", "ROSTER_MY_NUMBER_CHECK_DIGIT"), (4, "個人番号", "ROSTER_BAD_MY_NUMBER")]
    );
    let debug = format!("{p:?}");
    assert!(debug.contains("my_number: Some(***)"), "{debug}");
    for secret in ["123456789018", "123456789017", "98765432109", "1234567890", "8765432109"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
        for e in &p.errors {
            assert!(!e.message_ja.contains(secret) && !e.message_en.contains(secret));
        }
    }
}

#[test]
fn reject_file_holds_the_bad_rows_and_their_errors() {
    let p = ok(BAD.as_bytes());
    let out = reject_file(BAD.as_bytes(), Encoding::Auto, &p.errors).unwrap();
    assert!(out.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&out[3..]).unwrap();
    assert!(text.ends_with("\r\n"));

    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let records: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    let header = HEADER.split(',').map(str::to_owned).chain(["エラー行".to_owned(), "エラー内容".to_owned()]);
    assert_eq!(records[0], header.collect::<Vec<_>>());
    // One record per bad row, in file order.
    let lines: Vec<&str> = records[1..].iter().map(|r| r[r.len() - 2].as_str()).collect();
    assert_eq!(
        lines,
        [
            "3", "4", "5", "6", "7", "8", "9", "10", "11", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22",
            "23", "24", "26"
        ]
    );
    // Original fields, untouched (the multi-line address included).
    let by_line = |line: &str| records.iter().find(|r| r[r.len() - 2] == line).unwrap();
    assert_eq!(by_line("3")[0], "12a");
    assert_eq!(by_line("11")[6], "宮城県遠田郡美里町\n北浦１");
    assert_eq!(by_line("11")[15], "住所: 制御文字（改行・タブなど）または置換文字（U+FFFD）が含まれています");
    assert_eq!(by_line("21")[15], "宛名番号: 宛名番号が2行目と重複しています");
    // A short row keeps exactly its own fields.
    let short = by_line("23");
    assert_eq!(short.len(), 15);
    assert_eq!(short[12], "");
    assert_eq!(short[14], "列数が13です（見出し行は14列）");
    // Several errors in one row are joined.
    assert_eq!(
        by_line("24")[15],
        "性別: 性別は 1・男・M（男性）、2・女・F（女性）、9・不明 のいずれかで指定してください; \
         郵便番号: 郵便番号は7桁の数字で指定してください（例: 9870001、987-0001）; \
         年度: 年度は西暦4桁（例: 2026）または和暦（例: R8、令和8）で、2000〜2100年度の範囲で指定してください"
    );

    // No 個人番号 in clear: that column is empty in every row.
    let my_number = records[0].iter().position(|h| h == "個人番号").unwrap();
    assert!(records[1..].iter().all(|r| r.get(my_number).is_none_or(|v| v.is_empty())));
    for secret in ["123456789018", "123456789017", "98765432109", "1234567890", "8765432109"] {
        assert!(!text.contains(secret), "{secret} in the reject file");
    }

    // Fixing nothing and feeding the rejects back (without the two extra columns)
    // gives the same errors, except the duplicates, whose first rows were good,
    // and the 個人番号 ones (that column comes back empty).
    let mut again = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for r in &records {
        again.write_record(&r[..r.len() - 2]).unwrap();
    }
    let again = again.into_inner().unwrap();
    let p2 = ok(&again);
    let codes = |errors: &[RowError]| -> Vec<(&'static str, &'static str)> {
        errors
            .iter()
            .filter(|e| !e.code.starts_with("ROSTER_DUPLICATE") && e.field != "個人番号")
            .map(|e| (e.field, e.code))
            .collect()
    };
    assert_eq!(codes(&p2.errors), codes(&p.errors));
    // The two first rows of duplicates, and the two rows whose only fault was
    // their 個人番号.
    assert_eq!(p2.rows.len(), 4);
    let only_my_number = p.errors.iter().filter(|e| e.field == "個人番号").count();
    assert_eq!(only_my_number, 2);
}

#[test]
fn reject_file_from_shift_jis_is_utf8() {
    let text = BAD.replace("美里 次郎", "\u{E000}里 次郎");
    let sjis = to_shift_jis(&text);
    let p = ok(&sjis);
    assert_eq!(p.encoding, Encoding::ShiftJis);
    let out = reject_file(&sjis, Encoding::Auto, &p.errors).unwrap();
    let text = std::str::from_utf8(&out[3..]).unwrap();
    assert!(text.contains("12a,\u{E000}里 次郎,"));
}

#[test]
fn reject_file_refuses_errors_of_another_file() {
    let p = ok(BAD.as_bytes());
    let e = reject_file(GOOD.as_bytes(), Encoding::Auto, &p.errors).unwrap_err();
    assert_eq!(e, RosterError::RejectLineNotFound { line: 5 });
    assert_eq!(e.code(), "ROSTER_REJECT_LINE_NOT_FOUND");
    // A line inside a multi-line record is not a record's line.
    let mut errors = p.errors.clone();
    errors[0].line = 12;
    assert_eq!(reject_file(BAD.as_bytes(), Encoding::Auto, &errors), Err(RosterError::RejectLineNotFound { line: 12 }));
    // No errors: just the header.
    let out = reject_file(GOOD.as_bytes(), Encoding::Auto, &[]).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), format!("\u{FEFF}{HEADER},エラー行,エラー内容\r\n"));
}

#[test]
fn file_errors_have_codes_and_both_messages() {
    let errors = [
        RosterError::TooLarge { size: 2, limit: 1 },
        RosterError::EmptyFile,
        RosterError::NoRows,
        RosterError::InvalidUtf8 { offset: 1, line: 1 },
        RosterError::InvalidShiftJis { offset: 1, line: 1 },
        RosterError::EncodingMismatch,
        RosterError::NoHeader { line: 1 },
        RosterError::DuplicateColumns { columns: vec!["氏名".into()] },
        RosterError::UnknownColumns { unknown: vec!["x".into()], missing: vec![] },
        RosterError::MissingColumns { missing: vec!["氏名"] },
        RosterError::TooManyErrors { limit: 1 },
        RosterError::Csv { line: 1 },
        RosterError::RejectLineNotFound { line: 1 },
    ];
    let mut codes: Vec<_> = errors.iter().map(|e| e.code()).collect();
    for e in &errors {
        assert!(e.code().starts_with("ROSTER_"));
        assert!(!e.message_ja().is_empty() && !e.message_en().is_empty());
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
}

/// A tiny deterministic generator, so the fuzz test needs no dependency.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn no_input_panics() {
    let mut rng = Lcg(42);
    let seeds: Vec<Vec<u8>> =
        vec![GOOD.as_bytes().to_vec(), BAD.as_bytes().to_vec(), to_shift_jis(&GOOD.replace('\u{E0100}', ""))];
    let alphabet: &[&[u8]] = &[
        b",",
        b"\"",
        b"\n",
        b"\r",
        b" ",
        b"\xEF\xBB\xBF",
        b"\x81",
        b"\xF0\x40",
        "１".as_bytes(),
        b"0",
        b"9",
        "元".as_bytes(),
        b"-",
        "\u{E0100}".as_bytes(),
        b"\xFF",
        b"\x00",
    ];
    let mut parsed = 0;
    for i in 0..3000 {
        let mut bytes = seeds[i % seeds.len()].clone();
        for _ in 0..=rng.below(8) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 if at < bytes.len() => bytes[at] = rng.next() as u8,
                _ => {
                    let piece = alphabet[rng.below(alphabet.len())];
                    bytes.splice(at..at, piece.iter().copied());
                }
            }
        }
        if i % 7 == 0 {
            bytes.truncate(rng.below(bytes.len() + 1));
        }
        for enc in [Encoding::Auto, Encoding::Utf8, Encoding::ShiftJis] {
            if let Ok(p) = parse(&bytes, enc, today()) {
                parsed += 1;
                assert_eq!(p.rows.len() + p.bad_rows(), p.total_rows);
                reject_file(&bytes, enc, &p.errors).unwrap();
            }
        }
    }
    // Many mutated files still parse: the row checks ran on odd input too.
    assert!(parsed > 500, "{parsed}");
    // Pure noise.
    for _ in 0..500 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let _ = parse(&bytes, Encoding::Auto, today());
    }
}
