//! Kana search keys. Stored names are never normalised; this module only derives
//! keys so that what staff type matches what the register holds, however either
//! side wrote it (half-width ｶﾅ, hiragana, spaces, small kana, long-vowel marks).

use unicode_normalization::UnicodeNormalization;
use wana_kana::{ConvertJapanese, Options};

use crate::error::DomainError;

/// The search key for a kana string.
///
/// 1. NFKC (half-width ｶﾞ → ガ, full-width letters → ASCII); a free-standing
///    voiced/semi-voiced mark ゛ ゜ is first turned into its combining form so that
///    `カ゛` also becomes ガ.
/// 2. Hiragana → katakana (ゝ ゞ → ヽ ヾ too); anything else, romaji included, passes
///    through untouched.
/// 3. Whitespace (including U+3000), the long-vowel mark ー, the middle dot ・ and
///    hyphen-like marks are removed.
/// 4. Small kana fold to their normal forms: ァィゥェォッャュョヮヵヶ → アイウエオツヤ
///    ユヨワカケ (and the small katakana extensions ㇰ… used for Ainu).
///
/// `search_key` never fails; [`query_key`] validates what staff typed.
pub fn search_key(kana: &str) -> String {
    if kana.chars().all(is_plain_katakana) {
        // How the register writes names: steps 1 and 2 would change nothing.
        return strip_and_fold(kana);
    }
    full_key(kana)
}

/// Steps 1–4 for any text.
fn full_key(kana: &str) -> String {
    let pre: String = kana
        .chars()
        .map(|c| match c {
            '\u{309B}' => '\u{3099}', // ゛ → combining voiced mark
            '\u{309C}' => '\u{309A}', // ゜ → combining semi-voiced mark
            c => c,
        })
        .collect();
    let nfkc: String = pre.nfkc().collect();
    let katakana = nfkc.as_str().to_katakana_with_opt(Options { pass_romaji: true, ..Options::default() });
    strip_and_fold(&katakana)
}

/// Full-width katakana ァ…ヶ, ー and spaces: text that NFKC and the hiragana →
/// katakana step leave exactly as it is. A roster of 300,000 names is almost all
/// such text; the two steps cost ~9,000 instructions a name (callgrind), a fifth of
/// the resident's whole insert (tested against the full path for every one of these characters).
fn is_plain_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30F6}' | 'ー' | ' ' | '\u{3000}')
}

/// Steps 3 and 4.
fn strip_and_fold(katakana: &str) -> String {
    katakana
        .chars()
        .filter(|&c| !c.is_whitespace() && !is_ignorable_mark(c))
        .map(|c| match c {
            'ゝ' => 'ヽ',
            'ゞ' => 'ヾ',
            c => fold_small(c),
        })
        .collect()
}

/// The key for a kana search typed by staff.
///
/// Errors: [`DomainError::EmptyKanaQuery`] if nothing is left after
/// [`search_key`] (empty, spaces, only ー); [`DomainError::InvalidKanaQuery`] if
/// anything but katakana remains (kanji, Latin letters, digits, symbols).
pub fn query_key(input: &str) -> Result<String, DomainError> {
    let key = search_key(input);
    if key.is_empty() {
        return Err(DomainError::EmptyKanaQuery);
    }
    if key.chars().all(is_key_katakana) {
        Ok(key)
    } else {
        Err(DomainError::InvalidKanaQuery(input.to_owned()))
    }
}

/// Whether `input` is a usable kana search (see [`query_key`]).
pub fn is_kana_query(input: &str) -> bool {
    query_key(input).is_ok()
}

/// Characters a search key may consist of: katakana ア…ヺ and the iteration marks
/// ヽ ヾ. Small kana and ー never reach here.
fn is_key_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FD}' | '\u{30FE}')
}

/// Long-vowel marks, middle dots and hyphen/dash-like marks, as they look after
/// NFKC (which has already turned ｰ into ー, ･ into ・, － and ﹣ into -, ﹘ into —).
const IGNORABLE_MARKS: &[char] = &[
    'ー',       // U+30FC prolonged sound mark
    '・',       // U+30FB katakana middle dot
    '\u{00B7}', // · middle dot
    '\u{2027}', // ‧ hyphenation point
    '\u{30A0}', // ゠ katakana-hiragana double hyphen
    '-',        // hyphen-minus
    '\u{2010}', // ‐ hyphen
    '\u{2011}', // ‑ non-breaking hyphen
    '\u{2012}', // ‒ figure dash
    '\u{2013}', // – en dash
    '\u{2014}', // — em dash
    '\u{2015}', // ― horizontal bar
    '\u{2212}', // − minus sign
    '\u{2E3A}', // ⸺ two-em dash
    '\u{2E3B}', // ⸻ three-em dash
];

fn is_ignorable_mark(c: char) -> bool {
    IGNORABLE_MARKS.contains(&c)
}

/// Small katakana → normal katakana; other characters unchanged.
fn fold_small(c: char) -> char {
    match c {
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        // Katakana phonetic extensions (U+31F0–U+31FF).
        'ㇰ' => 'ク',
        'ㇱ' => 'シ',
        'ㇲ' => 'ス',
        'ㇳ' => 'ト',
        'ㇴ' => 'ヌ',
        'ㇵ' => 'ハ',
        'ㇶ' => 'ヒ',
        'ㇷ' => 'フ',
        'ㇸ' => 'ヘ',
        'ㇹ' => 'ホ',
        'ㇺ' => 'ム',
        'ㇻ' => 'ラ',
        'ㇼ' => 'リ',
        'ㇽ' => 'ル',
        'ㇾ' => 'レ',
        'ㇿ' => 'ロ',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shortcut_for_plain_katakana_gives_the_full_paths_key() {
        let plain: Vec<char> =
            ('\u{30A0}'..='\u{30FF}').chain([' ', '\u{3000}']).filter(|&c| is_plain_katakana(c)).collect();
        assert_eq!(plain.len(), 86 + 3, "ァ…ヶ, ー and two spaces");
        for &c in &plain {
            let s = c.to_string();
            assert_eq!(search_key(&s), full_key(&s), "U+{:04X}", c as u32);
        }
        // Pairs cover anything that acts on a neighbour (none should).
        for &a in &plain {
            for &b in &plain {
                let s: String = [a, b].into_iter().collect();
                assert_eq!(search_key(&s), full_key(&s), "{s}");
            }
        }
        assert_eq!(search_key("サトウ　ヒマリ"), "サトウヒマリ");
        assert_eq!(search_key("ヴァイオリン ショー"), "ヴアイオリンシヨ");
    }

    #[test]
    fn katakana_is_kept() {
        assert_eq!(search_key("ヤマダタロウ"), "ヤマダタロウ");
    }

    #[test]
    fn hiragana_becomes_katakana() {
        assert_eq!(search_key("やまだたろう"), "ヤマダタロウ");
        assert_eq!(search_key("やまだ タロウ"), "ヤマダタロウ");
        assert_eq!(search_key("ぱぴぷぺぽ"), "パピプペポ");
        assert_eq!(search_key("ゔ"), "ヴ");
        assert_eq!(search_key("いすゞ"), "イスヾ");
        assert_eq!(search_key("ゐゑを"), "ヰヱヲ");
    }

    #[test]
    fn half_width_becomes_full_width_with_dakuten() {
        assert_eq!(search_key("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダタロウ");
        assert_eq!(search_key("ｶﾞｷﾞｸﾞｹﾞｺﾞ"), "ガギグゲゴ");
        assert_eq!(search_key("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"), "パピプペポ");
        assert_eq!(search_key("ｳﾞｨｰﾅｽ"), "ヴイナス");
        assert_eq!(search_key("ﾔﾏﾀﾞ"), search_key("やまだ"));
    }

    #[test]
    fn spacing_voiced_marks_combine() {
        assert_eq!(search_key("カ゛"), "ガ");
        assert_eq!(search_key("ハ゜"), "パ");
        assert_eq!(search_key("か゛"), "ガ");
        // Decomposed input (NFD) is recomposed.
        assert_eq!(search_key("カ\u{3099}"), "ガ");
    }

    #[test]
    fn whitespace_is_removed() {
        assert_eq!(search_key("ヤマダ タロウ"), "ヤマダタロウ");
        assert_eq!(search_key("ヤマダ\u{3000}タロウ"), "ヤマダタロウ");
        assert_eq!(search_key(" \tヤマダ  タロウ\r\n"), "ヤマダタロウ");
    }

    #[test]
    fn small_kana_fold() {
        assert_eq!(search_key("キョウ"), search_key("キヨウ"));
        assert_eq!(search_key("きょう"), "キヨウ");
        assert_eq!(search_key("ハットリ"), "ハツトリ");
        assert_eq!(search_key("ァィゥェォッャュョヮヵヶ"), "アイウエオツヤユヨワカケ");
        assert_eq!(search_key("ぁぃぅぇぉっゃゅょゎゕゖ"), "アイウエオツヤユヨワカケ");
        assert_eq!(search_key("ｧｨｩｪｫｯｬｭｮ"), "アイウエオツヤユヨ");
        assert_eq!(search_key("ㇰㇱㇿ"), "クシロ");
    }

    #[test]
    fn long_vowel_dots_and_hyphens_are_removed() {
        assert_eq!(search_key("ユーコ"), "ユコ");
        assert_eq!(search_key("ﾕｰｺ"), "ユコ");
        assert_eq!(search_key("ジョン・スミス"), "ジヨンスミス");
        assert_eq!(search_key("ｼﾞｮﾝ･ｽﾐｽ"), "ジヨンスミス");
        assert_eq!(search_key("スミス-ジョーンズ"), "スミスジヨンズ");
        assert_eq!(search_key("スミス－ジョーンズ"), "スミスジヨンズ");
        assert_eq!(search_key("スミス‐ジョ―ンズ"), "スミスジヨンズ");
        assert_eq!(search_key("スミス−ジョ—ンズ"), "スミスジヨンズ");
        assert_eq!(search_key("スミス゠ジョンズ"), "スミスジヨンズ");
    }

    #[test]
    fn romaji_and_other_text_pass_through_untouched() {
        // wana_kana's default would turn romaji into kana; the key must not.
        assert_eq!(search_key("yamada"), "yamada");
        assert_eq!(search_key("ｙａｍａｄａ"), "yamada");
        assert_eq!(search_key("山田 たろう"), "山田タロウ");
        assert_eq!(search_key("ABC123"), "ABC123");
        assert_eq!(search_key(""), "");
    }

    #[test]
    fn stored_style_and_typed_style_meet() {
        let stored = search_key("ｷｮｳﾀﾞ ﾕｰｺ");
        assert_eq!(stored, "キヨウダユコ");
        for typed in ["キョウダ　ユーコ", "きょうだ ゆーこ", "ｷﾖｳﾀﾞﾕｺ", "キヨウダユコ"]
        {
            assert_eq!(search_key(typed), stored, "{typed}");
        }
        // ー is dropped, not expanded to a vowel: ゆうこ does not meet ユーコ.
        assert_ne!(search_key("きょうだ ゆうこ"), stored);
    }

    #[test]
    fn query_key_accepts_kana() {
        assert_eq!(query_key("やまだ"), Ok("ヤマダ".to_owned()));
        assert_eq!(query_key(" ﾔﾏﾀﾞ "), Ok("ヤマダ".to_owned()));
        assert_eq!(query_key("きょう"), Ok("キヨウ".to_owned()));
        assert_eq!(query_key("ヴィ"), Ok("ヴイ".to_owned()));
        assert_eq!(query_key("いすゞ"), Ok("イスヾ".to_owned()));
    }

    #[test]
    fn query_key_rejects_empty() {
        assert_eq!(query_key(""), Err(DomainError::EmptyKanaQuery));
        assert_eq!(query_key("   "), Err(DomainError::EmptyKanaQuery));
        assert_eq!(query_key("\u{3000}"), Err(DomainError::EmptyKanaQuery));
        assert_eq!(query_key("ー・-"), Err(DomainError::EmptyKanaQuery));
    }

    #[test]
    fn query_key_rejects_non_kana() {
        for s in [
            "山田",
            "山田たろう",
            "yamada",
            "やまだ1",
            "ヤマダ?",
            "やまだ taro",
            "ア\u{3099}", // voiced mark that cannot combine
            "〆",
        ] {
            assert_eq!(query_key(s), Err(DomainError::InvalidKanaQuery(s.to_owned())), "{s}");
        }
    }

    #[test]
    fn is_kana_query_matches_query_key() {
        assert!(is_kana_query("やまだ"));
        assert!(is_kana_query("ﾔﾏﾀﾞ"));
        assert!(is_kana_query("ヤマダ　タロウ"));
        assert!(!is_kana_query(""));
        assert!(!is_kana_query("山田"));
        assert!(!is_kana_query("0123456789"));
        assert!(!is_kana_query("yamada"));
    }
}
