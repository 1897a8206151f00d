//! IPC commands: each one converts arguments and calls `uketsuke_api::App`.
//! `async` so the store work runs off the main (UI) thread.

use tauri::State;
use uketsuke_api::{ApiError, App, AppStatus};
use uketsuke_store::reception::{CheckInRequest, CorrectionRequest, WalkInRequest};
use uketsuke_store::views::{ResidentCard, ResidentSummary, SessionCounts, SessionView, StaffView, VisitView};

type R<T> = Result<T, ApiError>;

#[tauri::command(async)]
pub fn app_status(app: State<'_, App>) -> AppStatus {
    app.status()
}

#[tauri::command(async)]
pub fn reset_local_cache(app: State<'_, App>, confirmation: String) -> R<AppStatus> {
    app.reset_local_cache(&confirmation)
}

#[tauri::command(async)]
pub fn list_staff(app: State<'_, App>) -> R<Vec<StaffView>> {
    app.list_staff()
}

#[tauri::command(async)]
pub fn select_staff(app: State<'_, App>, staff_id: String) -> R<AppStatus> {
    app.select_staff(&staff_id)
}

#[tauri::command(async)]
pub fn sign_out(app: State<'_, App>) -> AppStatus {
    app.sign_out()
}

#[tauri::command(async)]
pub fn list_sessions(app: State<'_, App>) -> R<Vec<SessionView>> {
    app.sessions()
}

#[tauri::command(async)]
pub fn lookup_voucher(app: State<'_, App>, voucher: String) -> R<ResidentSummary> {
    app.lookup_voucher(&voucher)
}

#[tauri::command(async)]
pub fn search_residents(app: State<'_, App>, kana: String, birth_date: Option<String>) -> R<Vec<ResidentSummary>> {
    app.search_residents(&kana, birth_date.as_deref())
}

#[tauri::command(async)]
pub fn resident_card(app: State<'_, App>, resident_id: String, session_id: String) -> R<ResidentCard> {
    app.resident_card(&resident_id, &session_id)
}

#[tauri::command(async)]
pub fn check_in(app: State<'_, App>, request: CheckInRequest) -> R<VisitView> {
    app.check_in(&request)
}

#[tauri::command(async)]
pub fn correct_visit(app: State<'_, App>, request: CorrectionRequest) -> R<VisitView> {
    app.correct_visit(&request)
}

#[tauri::command(async)]
pub fn cancel_visit(app: State<'_, App>, visit_id: String, reason: String) -> R<VisitView> {
    app.cancel_visit(&visit_id, &reason)
}

#[tauri::command(async)]
pub fn register_walk_in(app: State<'_, App>, request: WalkInRequest) -> R<ResidentSummary> {
    app.register_walk_in(&request)
}

#[tauri::command(async)]
pub fn list_visits(app: State<'_, App>, session_id: String) -> R<Vec<VisitView>> {
    app.list_visits(&session_id)
}

#[tauri::command(async)]
pub fn session_counts(app: State<'_, App>, session_id: String) -> R<SessionCounts> {
    app.session_counts(&session_id)
}
