//! The fictional city: 架空県みなと市. Its 町名, postal codes, buildings, venues and staff.

use uketsuke_core::models::{Role, Staff, Venue};

/// The city as written at the start of every address.
pub const CITY: &str = "みなと市";
/// The prefecture, for display where a full address is wanted.
pub const PREFECTURE: &str = "架空県";

/// A 町 or 大字 of the city.
pub struct Town {
    pub name: &'static str,
    /// Short form used in building names (コーポ中央).
    pub stem: &'static str,
    /// Number of 丁目; 0 for a 大字 addressed by 番地.
    pub chome: u32,
    /// 7 digits, no hyphen.
    pub postal: &'static str,
    /// Relative population.
    pub weight: u32,
}

const fn t(name: &'static str, stem: &'static str, chome: u32, postal: &'static str) -> Town {
    Town { name, stem, chome, postal, weight: if chome == 0 { 6 } else { 10 + 2 * chome } }
}

pub const TOWNS: &[Town] = &[
    t("中央町", "中央", 3, "9870001"),
    t("本町", "本町", 4, "9870002"),
    t("港町", "港", 3, "9870003"),
    t("浜町", "浜", 2, "9870004"),
    t("栄町", "栄", 3, "9870005"),
    t("旭町", "旭", 3, "9870011"),
    t("緑町", "緑", 4, "9870012"),
    t("若葉町", "若葉", 2, "9870013"),
    t("桜町", "桜", 3, "9870014"),
    t("寿町", "寿", 2, "9870015"),
    t("幸町", "幸", 3, "9870021"),
    t("錦町", "錦", 2, "9870022"),
    t("東町", "東", 5, "9870023"),
    t("西町", "西", 4, "9870024"),
    t("南町", "南", 4, "9870025"),
    t("北町", "北", 3, "9870031"),
    t("新町", "新町", 2, "9870032"),
    t("元町", "元町", 2, "9870033"),
    t("松原町", "松原", 3, "9870034"),
    t("日の出町", "日の出", 2, "9870035"),
    t("汐見町", "汐見", 3, "9870041"),
    t("船見町", "船見", 2, "9870042"),
    t("青葉台", "青葉台", 5, "9870043"),
    t("梅ケ丘", "梅ケ丘", 3, "9870044"),
    t("希望ケ丘", "希望ケ丘", 4, "9870045"),
    t("竹ノ内", "竹ノ内", 0, "9870101"),
    t("大字北浦", "北浦", 0, "9870102"),
    t("大字上野田", "上野田", 0, "9870103"),
    t("大字下野田", "下野田", 0, "9870104"),
    t("大字山口", "山口", 0, "9870105"),
];

pub const CHOME_KANJI: [&str; 5] = ["一", "二", "三", "四", "五"];

/// Building name patterns; `{}` is replaced by the town's stem.
pub const BUILDINGS: &[(&str, &str)] = &[
    ("コーポ", ""),
    ("", "ハイツ"),
    ("メゾン", ""),
    ("", "マンション"),
    ("グランパレス", ""),
    ("サンライズ", ""),
    ("パークヒルズ", ""),
    ("ルミエール", ""),
    ("アーバン", "レジデンス"),
    ("市営", "団地"),
];

/// Area code of the fictional city's landlines.
pub const AREA_CODE: &str = "0556";

pub fn venues() -> Vec<Venue> {
    [
        ("V01", "みなと市保健センター", "みなと市中央町二丁目1-1"),
        ("V02", "北部地区公民館", "みなと市大字北浦455-1"),
        ("V03", "検診車（南支所駐車場）", "みなと市南町一丁目8-3 みなと市役所南支所"),
        ("V04", "青葉台コミュニティセンター", "みなと市青葉台三丁目2-5"),
    ]
    .into_iter()
    .map(|(id, name, address)| Venue { venue_id: id.to_owned(), name: name.to_owned(), address: address.to_owned() })
    .collect()
}

pub fn staff() -> Vec<Staff> {
    [
        ("S0001", "佐藤\u{3000}美咲", "保健センター", Role::Reception, true),
        ("S0002", "鈴木\u{3000}健太", "保健センター", Role::Reception, true),
        ("S0003", "中村\u{3000}由美子", "健康政策課", Role::Reception, true),
        ("S0004", "田中\u{3000}誠", "健康政策課", Role::Clerk, true),
        ("S0005", "伊藤\u{3000}恵子", "健康政策課", Role::Supervisor, true),
        ("S0006", "渡辺\u{3000}浩", "情報政策課", Role::Administrator, true),
        ("S0007", "山本\u{3000}直美", "保健センター", Role::Reception, false),
    ]
    .into_iter()
    .map(|(id, name, dept, role, active)| Staff {
        staff_id: id.to_owned(),
        name: name.to_owned(),
        department: dept.to_owned(),
        role,
        active,
    })
    .collect()
}

/// The demo city's staff all log in with this password (demo data only: an
/// enrolled terminal never holds demo accounts, and the central service sets
/// real passwords through `uketsuke-central staff password`).
pub const DEMO_PASSWORD: &str = "minato-kenshin-demo";

/// Where a terminal's data directory keeps the demo staff's software
/// authenticators (`<staff id>.softtoken`), which the app uses by itself.
pub const AUTHENTICATORS_DIR: &str = "demo-authenticators";
