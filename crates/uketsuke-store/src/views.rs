//! Read models the store returns. They are also the DTOs the window receives
//! (exported to TypeScript with ts-rs): they carry ids and results, never paths,
//! keys or SQL, and protected residents' addresses never leave Rust.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uketsuke_core::eligibility::Eligibility;
use uketsuke_core::{CopayCategory, IdentityMethod, Role, ScreeningStatus, Sex};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaffView {
    pub staff_id: String,
    pub name: String,
    pub department: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProgrammeView {
    pub code: String,
    pub name_ja: String,
    pub name_en: String,
    pub copay_yen: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionView {
    pub session_id: String,
    pub venue_id: String,
    pub venue_name: String,
    /// ISO date
    pub date: String,
    /// 令和8年11月24日
    pub date_wareki: String,
    pub start_time: String,
    pub end_time: String,
    pub programmes: Vec<ProgrammeView>,
}

/// One line of a search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ResidentSummary {
    pub resident_id: String,
    /// Exactly as stored (variation selectors, 外字 kept).
    pub name_kanji: String,
    pub name_kana: String,
    pub sex: Sex,
    /// ISO date
    pub birth_date: String,
    pub birth_wareki: String,
    /// Age today.
    pub age: u32,
    /// `None` for residents under a support measure (DV etc.).
    pub address: Option<String>,
    pub dv_support: bool,
    pub provisional: bool,
    pub voucher_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProgrammeEligibility {
    pub programme: ProgrammeView,
    pub eligibility: Eligibility,
}

/// The card shown after a scan or a pick from the result list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ResidentCard {
    pub summary: ResidentSummary,
    /// Hidden (`None`) under a support measure.
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub copay_category: CopayCategory,
    pub session_id: String,
    /// For every programme offered at the session.
    pub eligibility: Vec<ProgrammeEligibility>,
    /// The active visit at this session, if already checked in.
    pub visit: Option<VisitView>,
    /// Active check-ins of this resident at this session on other terminals, as
    /// last synced: staff see they may be about to receive someone twice.
    pub elsewhere: Vec<RemoteVisitView>,
    /// For a walk-in: what the central service decided (matched or rejected).
    pub walk_in_outcome: Option<WalkInOutcomeView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RemoteVisitView {
    pub terminal_name: String,
    pub reception_no: i64,
    /// RFC 3339, the other terminal's clock.
    pub checked_in_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WalkInOutcomeView {
    /// `matched` or `rejected`.
    pub status: String,
    /// The roster resident (宛名番号) the walk-in was matched to.
    pub resident_id: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct VisitScreening {
    pub programme_code: String,
    pub status: ScreeningStatus,
    pub stop_reason: Option<String>,
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VisitState {
    Active,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct VisitView {
    pub visit_id: String,
    pub session_id: String,
    pub resident_id: String,
    pub name_kanji: String,
    pub name_kana: String,
    pub dv_support: bool,
    pub provisional: bool,
    /// 整理番号
    pub reception_no: i64,
    pub identity_method: IdentityMethod,
    pub copay_category: CopayCategory,
    pub copay_proof: String,
    pub copay_yen: u32,
    pub state: VisitState,
    pub cancel_reason: Option<String>,
    /// RFC 3339
    pub checked_in_at: String,
    pub updated_at: String,
    pub screenings: Vec<VisitScreening>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProgrammeCount {
    pub programme_code: String,
    pub received: i64,
    pub done: i64,
    pub stopped: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SessionCounts {
    pub session_id: String,
    /// Active (not cancelled) visits.
    pub visits: i64,
    pub cancelled: i64,
    pub per_programme: Vec<ProgrammeCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccessLogEntry {
    pub seq: i64,
    pub at: String,
    pub staff_id: String,
    pub department: String,
    pub terminal_id: String,
    pub reason: String,
    pub resident_id: Option<String>,
    pub operation: String,
    pub detail: String,
}
