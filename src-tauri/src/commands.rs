//! IPC commands: each one converts arguments and calls `uketsuke_api::App`.
//! `async` so the store work runs off the main (UI) thread.

use std::sync::Arc;

use tauri::State;
use uketsuke_api::app::{
    AuditQuery, AuthenticatorRegistration, ExportDecisionInput, ExportOverview, ExportRequestInput, ExportWritten,
    MediaChoice, MyNumberView, PasswordChange, RegisteredAuthenticator,
};
use uketsuke_api::demo::LoginHint;
use uketsuke_api::{ApiError, App, AppStatus, LoginRequest, SyncView};
use uketsuke_store::reception::{CheckInRequest, CorrectionRequest, WalkInRequest};
use uketsuke_store::views::{AccessLogEntry, ResidentCard, ResidentSummary, SessionCounts, SessionView, VisitView};

type R<T> = Result<T, ApiError>;

#[tauri::command(async)]
pub fn app_status(app: State<'_, Arc<App>>) -> AppStatus {
    app.status()
}

#[tauri::command(async)]
pub fn reset_local_cache(app: State<'_, Arc<App>>, confirmation: String) -> R<AppStatus> {
    app.reset_local_cache(&confirmation)
}

/// The password goes to Rust and is checked there, with the person's
/// authenticator; nothing about the account comes back except the status.
#[tauri::command]
pub async fn login(app: State<'_, Arc<App>>, request: LoginRequest) -> R<AppStatus> {
    app.login(&request).await
}

#[tauri::command(async)]
pub fn logout(app: State<'_, Arc<App>>) -> AppStatus {
    app.logout()
}

/// Demo mode only (refused once enrolled).
#[tauri::command(async)]
pub fn demo_login_hints(app: State<'_, Arc<App>>) -> R<Vec<LoginHint>> {
    app.demo_login_hints()
}

#[tauri::command]
pub async fn unlock_account(app: State<'_, Arc<App>>, staff_id: String) -> R<()> {
    app.unlock_account(&staff_id).await
}

/// Before any login, on an enrolled terminal: the service checks the person's
/// invitation and password and judges the authenticator.
#[tauri::command]
pub async fn register_authenticator(
    app: State<'_, Arc<App>>,
    request: AuthenticatorRegistration,
) -> R<RegisteredAuthenticator> {
    app.register_authenticator(&request).await
}

#[tauri::command(async)]
pub fn audit_log(app: State<'_, Arc<App>>, query: AuditQuery) -> R<Vec<AccessLogEntry>> {
    app.audit_log(&query)
}

#[tauri::command]
pub async fn view_my_number(app: State<'_, Arc<App>>, resident_id: String, reason: String) -> R<MyNumberView> {
    app.view_my_number(&resident_id, &reason).await
}

#[tauri::command]
pub async fn change_password(app: State<'_, Arc<App>>, change: PasswordChange) -> R<()> {
    app.change_password(&change).await
}

#[tauri::command]
pub async fn export_overview(app: State<'_, Arc<App>>) -> R<ExportOverview> {
    app.export_overview().await
}

#[tauri::command]
pub async fn request_export(app: State<'_, Arc<App>>, request: ExportRequestInput) -> R<ExportOverview> {
    app.request_export(&request).await
}

#[tauri::command]
pub async fn decide_export(app: State<'_, Arc<App>>, decision: ExportDecisionInput) -> R<ExportOverview> {
    app.decide_export(&decision).await
}

#[tauri::command(async)]
pub fn export_media(app: State<'_, Arc<App>>) -> R<Vec<MediaChoice>> {
    app.export_media()
}

#[tauri::command(async)]
pub fn write_export(app: State<'_, Arc<App>>, request_id: String, media_id: String) -> R<ExportWritten> {
    app.write_export(&request_id, &media_id)
}

#[tauri::command(async)]
pub fn list_sessions(app: State<'_, Arc<App>>) -> R<Vec<SessionView>> {
    app.sessions()
}

#[tauri::command(async)]
pub fn lookup_voucher(app: State<'_, Arc<App>>, voucher: String) -> R<ResidentSummary> {
    app.lookup_voucher(&voucher)
}

#[tauri::command(async)]
pub fn search_residents(app: State<'_, Arc<App>>, kana: String, birth_date: Option<String>) -> R<Vec<ResidentSummary>> {
    app.search_residents(&kana, birth_date.as_deref())
}

#[tauri::command(async)]
pub fn resident_card(app: State<'_, Arc<App>>, resident_id: String, session_id: String) -> R<ResidentCard> {
    app.resident_card(&resident_id, &session_id)
}

#[tauri::command(async)]
pub fn check_in(app: State<'_, Arc<App>>, request: CheckInRequest) -> R<VisitView> {
    app.check_in(&request)
}

#[tauri::command(async)]
pub fn correct_visit(app: State<'_, Arc<App>>, request: CorrectionRequest) -> R<VisitView> {
    app.correct_visit(&request)
}

#[tauri::command(async)]
pub fn cancel_visit(app: State<'_, Arc<App>>, visit_id: String, reason: String) -> R<VisitView> {
    app.cancel_visit(&visit_id, &reason)
}

#[tauri::command(async)]
pub fn register_walk_in(app: State<'_, Arc<App>>, request: WalkInRequest) -> R<ResidentSummary> {
    app.register_walk_in(&request)
}

#[tauri::command(async)]
pub fn list_visits(app: State<'_, Arc<App>>, session_id: String) -> R<Vec<VisitView>> {
    app.list_visits(&session_id)
}

#[tauri::command(async)]
pub fn session_counts(app: State<'_, Arc<App>>, session_id: String) -> R<SessionCounts> {
    app.session_counts(&session_id)
}

#[tauri::command(async)]
pub fn sync_status(app: State<'_, Arc<App>>) -> SyncView {
    app.sync_view()
}

/// Wake the background sync (同期 button); the bar shows its progress.
#[tauri::command(async)]
pub fn sync_now(app: State<'_, Arc<App>>) -> SyncView {
    app.request_sync();
    app.sync_view()
}

#[tauri::command(async)]
pub fn requeue_event(app: State<'_, Arc<App>>, event_id: String) -> R<SyncView> {
    app.requeue_event(&event_id)
}

#[tauri::command]
pub async fn enroll_terminal(app: State<'_, Arc<App>>, service_url: String, code: String) -> R<AppStatus> {
    app.enroll_as_administrator(&service_url, &code).await
}
