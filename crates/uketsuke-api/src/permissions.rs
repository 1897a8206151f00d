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
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::SearchResidents,
        Action::ViewResident,
        Action::CheckIn,
        Action::CorrectVisit,
        Action::CancelVisit,
        Action::RegisterWalkIn,
        Action::ViewAttendance,
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
        }
    }
}

/// Least privilege: reception work is for reception staff and their supervisors;
/// clerks see attendance (they prepare exports); administrators manage the system
/// and see no resident data through the reception screens.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Reception | Role::Supervisor => true,
        Role::Clerk => matches!(action, ViewAttendance),
        Role::Administrator => false,
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
        assert!(Action::ALL.iter().all(|a| allows(Role::Reception, *a)));
        assert_eq!(allowed_actions(Role::Clerk), vec![Action::ViewAttendance]);
        assert!(allowed_actions(Role::Administrator).is_empty());
        assert!(!allows(Role::Clerk, Action::CheckIn));
    }
}
