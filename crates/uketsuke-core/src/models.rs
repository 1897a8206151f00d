//! Plain domain types shared by the store, the API layer and the demo generator.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// 性別 as recorded in the resident register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

impl Sex {
    pub fn as_code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unknown => "unknown",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Sex::Male),
            "female" => Some(Sex::Female),
            "unknown" => Some(Sex::Unknown),
            _ => None,
        }
    }
}

/// 自己負担区分: who pays the copay, as prefilled from the city's systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CopayCategory {
    /// 一般 (pays the standard copay)
    Standard,
    /// 70歳以上
    Age70Plus,
    /// 後期高齢者医療被保険者
    LateElderlyInsured,
    /// 生活保護受給世帯
    PublicAssistance,
    /// 中国残留邦人等支援給付
    ChineseResidualSupport,
    /// 市民税非課税世帯
    TaxExemptHousehold,
}

impl CopayCategory {
    pub const ALL: [CopayCategory; 6] = [
        CopayCategory::Standard,
        CopayCategory::Age70Plus,
        CopayCategory::LateElderlyInsured,
        CopayCategory::PublicAssistance,
        CopayCategory::ChineseResidualSupport,
        CopayCategory::TaxExemptHousehold,
    ];
    pub fn as_code(self) -> &'static str {
        match self {
            CopayCategory::Standard => "standard",
            CopayCategory::Age70Plus => "age70_plus",
            CopayCategory::LateElderlyInsured => "late_elderly_insured",
            CopayCategory::PublicAssistance => "public_assistance",
            CopayCategory::ChineseResidualSupport => "chinese_residual_support",
            CopayCategory::TaxExemptHousehold => "tax_exempt_household",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_code() == s)
    }
    /// Every category but `Standard` waives the copay once its proof is seen.
    pub fn is_exempt(self) -> bool {
        !matches!(self, CopayCategory::Standard)
    }
}

/// A resident as the terminal holds them. `name_kanji` and `name_kana` are stored
/// exactly as received (variation selectors, 外字 in the private-use area); only the
/// derived search keys in the store are normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resident {
    /// 宛名番号 (or, for a provisional walk-in, a client-made id prefixed `P-`).
    pub resident_id: String,
    pub name_kanji: String,
    pub name_kana: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
    pub copay_category: CopayCategory,
    /// 支援措置対象 (DV, stalking, abuse): hide the address, never export.
    pub dv_support: bool,
    /// A walk-in registered at the venue, to be matched to the register later.
    pub provisional: bool,
}

/// How a programme's target age is reckoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum AgeBase {
    /// Age on the day of the screening.
    ScreeningDate,
    /// Age on 4/1 of the fiscal year (年度当初).
    FiscalYearStart,
    /// Age on 3/31 at the end of the fiscal year (年度末).
    FiscalYearEnd,
    /// Age on a fixed month/day inside the fiscal year (e.g. 令和8年4月1日 → 4/1).
    /// Months 4–12 fall in the fiscal year's first calendar year, 1–3 in the next.
    Fixed { month: u32, day: u32 },
}

/// Who is in a programme's target by age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum AgeRule {
    /// `min` ≤ age, and age ≤ `max` when given.
    Range { min: u32, max: Option<u32> },
    /// Only the listed ages (骨粗鬆症 40, 45, …, 70; 歯周疾患 20, 30, …).
    Listed { ages: Vec<u32> },
}

/// How often a resident may take a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Interval {
    /// Once every `years` fiscal years (1 = yearly, 2 = 2年に1回).
    FiscalYears { years: u32 },
    /// Once per lifetime (肝炎ウイルス検診).
    Once,
}

/// A screening programme (検診) for one fiscal year's rules. National municipal
/// screening codes are 51–58 (報告区分); local programmes use other codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub age_rule: AgeRule,
    /// `None` = any sex.
    pub sex: Option<Sex>,
    pub interval: Interval,
    pub age_base: AgeBase,
    /// Standard copay in yen for people in `CopayCategory::Standard`.
    pub copay_yen: u32,
    /// A national programme (codes 51–58) or a local one.
    pub national: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Venue {
    pub venue_id: String,
    pub name: String,
    pub address: String,
}

/// One screening session (開催回) at a venue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub session_id: String,
    pub venue_id: String,
    pub date: NaiveDate,
    /// "09:00"
    pub start_time: String,
    /// "11:30"
    pub end_time: String,
    /// Programme codes offered at this session.
    pub programmes: Vec<String>,
}

/// A voucher (受診券) mailed to a resident for one fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// Half-width digits, as printed in the barcode.
    pub voucher_no: String,
    pub resident_id: String,
    pub fiscal_year: i32,
}

/// A past screening the register knows of (for the interval check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    pub resident_id: String,
    pub programme_code: String,
    pub fiscal_year: i32,
}

/// Staff roles. The login issue adds authentication; the roles are fixed now so
/// every command can already check them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    Reception,
    Clerk,
    Supervisor,
    Administrator,
}

impl Role {
    pub fn as_code(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "reception" => Some(Role::Reception),
            "clerk" => Some(Role::Clerk),
            "supervisor" => Some(Role::Supervisor),
            "administrator" => Some(Role::Administrator),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub staff_id: String,
    pub name: String,
    pub department: String,
    pub role: Role,
    pub active: bool,
}

/// Per-screening status at a visit (受付済 / 実施 / 中止).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ScreeningStatus {
    /// 受付済
    Received,
    /// 実施
    Done,
    /// 中止 (needs a reason)
    Stopped,
}

impl ScreeningStatus {
    pub fn as_code(self) -> &'static str {
        match self {
            ScreeningStatus::Received => "received",
            ScreeningStatus::Done => "done",
            ScreeningStatus::Stopped => "stopped",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "received" => Some(ScreeningStatus::Received),
            "done" => Some(ScreeningStatus::Done),
            "stopped" => Some(ScreeningStatus::Stopped),
            _ => None,
        }
    }
}

/// How staff confirmed who stands at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum IdentityMethod {
    /// 受診券のみ
    VoucherOnly,
    /// マイナンバーカード (the card is looked at; its number is never recorded)
    MyNumberCard,
    /// 運転免許証
    DriversLicense,
    /// 健康保険証・資格確認書
    InsuranceCard,
    /// その他の書類
    OtherDocument,
    /// 口頭確認 (name and birth date asked)
    Verbal,
}

impl IdentityMethod {
    pub const ALL: [IdentityMethod; 6] = [
        IdentityMethod::VoucherOnly,
        IdentityMethod::MyNumberCard,
        IdentityMethod::DriversLicense,
        IdentityMethod::InsuranceCard,
        IdentityMethod::OtherDocument,
        IdentityMethod::Verbal,
    ];
    pub fn as_code(self) -> &'static str {
        match self {
            IdentityMethod::VoucherOnly => "voucher_only",
            IdentityMethod::MyNumberCard => "my_number_card",
            IdentityMethod::DriversLicense => "drivers_license",
            IdentityMethod::InsuranceCard => "insurance_card",
            IdentityMethod::OtherDocument => "other_document",
            IdentityMethod::Verbal => "verbal",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_code() == s)
    }
}
