//! What each role may do. Checked in Rust on every operation; the window only hides
//! what the role may not do (see `allowed_actions`).

use serde::Serialize;
use ts_rs::TS;
use uketsuke_core::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Action {
    /// Voucher lookup and kana search.
    SearchResidents,
    /// Open a resident's card (with eligibility).
    ViewResident,
    CheckIn,
    CorrectVisit,
    CancelVisit,
    RegisterWalkIn,
    /// Today's attendee list and counts.
    ViewAttendance,
    /// Clear another account's failed logins and lock.
    UnlockAccount,
    /// The audit view (every access on this terminal).
    ViewAuditLog,
    /// One resident's 個人番号, online, with a reason; also needs the person's own
    /// My Number permission.
    ViewMyNumber,
    /// Enroll this terminal with the central service.
    EnrollTerminal,
    /// Set a healthy local store aside and start anew.
    ResetLocalCache,
    /// Change one's own password (every role; online).
    ChangeOwnPassword,
    /// Ask for an export to external media (on a designated terminal).
    RequestExport,
    /// Approve or refuse someone else's export request.
    DecideExport,
    /// Write an approved export to removable media.
    WriteExport,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::SearchResidents,
        Action::ViewResident,
        Action::CheckIn,
        Action::CorrectVisit,
        Action::CancelVisit,
        Action::RegisterWalkIn,
        Action::ViewAttendance,
        Action::UnlockAccount,
        Action::ViewAuditLog,
        Action::ViewMyNumber,
        Action::EnrollTerminal,
        Action::ResetLocalCache,
        Action::ChangeOwnPassword,
        Action::RequestExport,
        Action::DecideExport,
        Action::WriteExport,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::SearchResidents => "search_residents",
            Action::ViewResident => "view_resident",
            Action::CheckIn => "check_in",
            Action::CorrectVisit => "correct_visit",
            Action::CancelVisit => "cancel_visit",
            Action::RegisterWalkIn => "register_walk_in",
            Action::ViewAttendance => "view_attendance",
            Action::UnlockAccount => "unlock_account",
            Action::ViewAuditLog => "view_audit_log",
            Action::ViewMyNumber => "view_my_number",
            Action::EnrollTerminal => "enroll_terminal",
            Action::ResetLocalCache => "reset_local_cache",
            Action::ChangeOwnPassword => "change_own_password",
            Action::RequestExport => "request_export",
            Action::DecideExport => "decide_export",
            Action::WriteExport => "write_export",
        }
    }
}

/// Least privilege: reception work is for reception staff and their supervisors;
/// supervisors also unlock accounts, read the audit log and decide on export
/// requests; clerks see attendance, request exports and write approved ones;
/// administrators manage the system (enrollment) and see no resident data
/// through the reception screens. 個人番号 additionally needs
/// the person's own permission, checked where it is used.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    let reception = matches!(
        action,
        SearchResidents
            | ViewResident
            | CheckIn
            | CorrectVisit
            | CancelVisit
            | RegisterWalkIn
            | ViewAttendance
            | ViewMyNumber
    );
    if action == ChangeOwnPassword {
        return true;
    }
    match role {
        Role::Reception => reception,
        Role::Supervisor => reception || matches!(action, UnlockAccount | ViewAuditLog | DecideExport),
        Role::Clerk => matches!(action, ViewAttendance | RequestExport | WriteExport),
        Role::Administrator => matches!(action, EnrollTerminal | ResetLocalCache),
    }
}

pub fn allowed_actions(role: Role) -> Vec<Action> {
    Action::ALL.into_iter().filter(|a| allows(role, *a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reception_may_do_reception_work_and_others_are_limited() {
        assert!(allows(Role::Reception, Action::CheckIn) && allows(Role::Reception, Action::SearchResidents));
        assert!(!allows(Role::Reception, Action::UnlockAccount) && !allows(Role::Reception, Action::ViewAuditLog));
        assert!(allows(Role::Supervisor, Action::UnlockAccount) && allows(Role::Supervisor, Action::ViewAuditLog));
        assert_eq!(
            allowed_actions(Role::Clerk),
            vec![Action::ViewAttendance, Action::ChangeOwnPassword, Action::RequestExport, Action::WriteExport]
        );
        assert!(allows(Role::Supervisor, Action::DecideExport) && !allows(Role::Supervisor, Action::WriteExport));
        assert!(!allows(Role::Clerk, Action::DecideExport) && !allows(Role::Reception, Action::RequestExport));
        assert_eq!(
            allowed_actions(Role::Administrator),
            vec![Action::EnrollTerminal, Action::ResetLocalCache, Action::ChangeOwnPassword]
        );
        assert!(!allows(Role::Clerk, Action::CheckIn));
    }
}
