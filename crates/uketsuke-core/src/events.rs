//! Events a terminal records at the venue, as they travel to the central service.
//! The store appends them to its outbox; the central service parses the same types,
//! so the two ends cannot drift. A change of shape gets a new event type name.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::models::{CopayCategory, IdentityMethod, Resident, ScreeningStatus};

/// Event type names, versioned.
pub mod types {
    pub const CHECKED_IN: &str = "reception.checked_in.v1";
    pub const CORRECTED: &str = "reception.corrected.v1";
    pub const CANCELLED: &str = "reception.cancelled.v1";
    pub const WALK_IN_REGISTERED: &str = "resident.walk_in_registered.v1";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScreeningInput {
    pub programme_code: String,
    pub status: ScreeningStatus,
    /// Required when `status` is `stopped` (中止理由).
    pub stop_reason: Option<String>,
    /// Required when eligibility warns (e.g. screened last year): why staff accept anyway.
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CopayInput {
    pub category: CopayCategory,
    /// What proof was seen for an exemption (e.g. 「受給者証」). Empty for standard.
    pub proof: String,
    pub amount_yen: u32,
}

/// Event payloads (what the outbox carries to the central service).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VisitContent {
    pub identity_method: IdentityMethod,
    pub copay: CopayInput,
    pub screenings: Vec<ScreeningInput>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CheckedIn {
    pub visit_id: String,
    pub session_id: String,
    pub resident_id: String,
    pub reception_no: i64,
    #[serde(flatten)]
    pub state: VisitContent,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Corrected {
    pub visit_id: String,
    pub reason: String,
    #[serde(flatten)]
    pub state: VisitContent,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cancelled {
    pub visit_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WalkInRegistered {
    pub resident: Resident,
}
