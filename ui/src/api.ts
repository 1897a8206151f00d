// Typed wrappers around the Rust commands: the only module that calls `invoke`.
// Every rejection is turned into an ApiError (see errors.ts) before it reaches a view.

import { invoke as tauriInvoke } from "@tauri-apps/api/core";
import type { AccessLogEntry } from "./generated/AccessLogEntry";
import type { AppStatus } from "./generated/AppStatus";
import type { AuditQuery } from "./generated/AuditQuery";
import type { AuthenticatorRegistration } from "./generated/AuthenticatorRegistration";
import type { CheckInRequest } from "./generated/CheckInRequest";
import type { CorrectionRequest } from "./generated/CorrectionRequest";
import type { ExportDecisionInput } from "./generated/ExportDecisionInput";
import type { ExportOverview } from "./generated/ExportOverview";
import type { ExportRequestInput } from "./generated/ExportRequestInput";
import type { ExportWritten } from "./generated/ExportWritten";
import type { LoginHint } from "./generated/LoginHint";
import type { LoginRequest } from "./generated/LoginRequest";
import type { MediaChoice } from "./generated/MediaChoice";
import type { MyNumberView } from "./generated/MyNumberView";
import type { PasswordChange } from "./generated/PasswordChange";
import type { RegisteredAuthenticator } from "./generated/RegisteredAuthenticator";
import type { ResidentCard } from "./generated/ResidentCard";
import type { ResidentSummary } from "./generated/ResidentSummary";
import type { SessionCounts } from "./generated/SessionCounts";
import type { SessionView } from "./generated/SessionView";
import type { SyncView } from "./generated/SyncView";
import type { VisitView } from "./generated/VisitView";
import type { WalkInRequest } from "./generated/WalkInRequest";
import { toApiError } from "./errors";

export type InvokeFn = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;

export interface Api {
  appStatus(): Promise<AppStatus>;
  /** The confirmed reset: a failed store, or (administrators) a healthy one without unsent events. */
  resetLocalCache(confirmation: string): Promise<AppStatus>;
  /** Log in (Rust asks the person's authenticator and checks the password). */
  login(request: LoginRequest): Promise<AppStatus>;
  logout(): Promise<AppStatus>;
  /** Demo mode only (NOT_DEMO otherwise): the demo accounts and their password. */
  demoLoginHints(): Promise<LoginHint[]>;
  /** Supervisor: unlock an account locked by failed logins. */
  unlockAccount(staffId: string): Promise<null>;
  /** Supervisor: this terminal's access log, newest first. */
  auditLog(query: AuditQuery): Promise<AccessLogEntry[]>;
  /** One resident's 個人番号, for one view (logged; online only). Keep it no longer than shown. */
  viewMyNumber(residentId: string, reason: string): Promise<MyNumberView>;
  /** The logged-in staff member's own password (online only; Rust and the service check the policy). */
  changePassword(change: PasswordChange): Promise<null>;
  /** Before any login, on an enrolled terminal: the person's invitation, password and touch. */
  registerAuthenticator(request: AuthenticatorRegistration): Promise<RegisteredAuthenticator>;
  listSessions(): Promise<SessionView[]>;
  lookupVoucher(voucher: string): Promise<ResidentSummary>;
  searchResidents(kana: string, birthDate: string | null): Promise<ResidentSummary[]>;
  residentCard(residentId: string, sessionId: string): Promise<ResidentCard>;
  checkIn(request: CheckInRequest): Promise<VisitView>;
  correctVisit(request: CorrectionRequest): Promise<VisitView>;
  cancelVisit(visitId: string, reason: string): Promise<VisitView>;
  registerWalkIn(request: WalkInRequest): Promise<ResidentSummary>;
  listVisits(sessionId: string): Promise<VisitView[]>;
  sessionCounts(sessionId: string): Promise<SessionCounts>;
  syncStatus(): Promise<SyncView>;
  /** Wake the background sync; returns at once (the bar shows its progress). */
  syncNow(): Promise<SyncView>;
  /** Put an event the service refused back in the queue. */
  requeueEvent(eventId: string): Promise<SyncView>;
  /** Enroll this terminal with the central service (address and one-time code). */
  enrollTerminal(serviceUrl: string, code: string): Promise<AppStatus>;
  /** Export to external media: designation, recipients, this terminal's requests, others' pending ones. */
  exportOverview(): Promise<ExportOverview>;
  /** Clerk: ask a supervisor to approve an export (online). */
  requestExport(request: ExportRequestInput): Promise<ExportOverview>;
  /** Supervisor: approve or refuse someone else's request, proven by her authenticator (online). */
  decideExport(decision: ExportDecisionInput): Promise<ExportOverview>;
  /** Clerk: removable media mounted now (opaque ids and labels, never paths). */
  exportMedia(): Promise<MediaChoice[]>;
  /** Clerk: write an approved request's encrypted file to the chosen removable medium. */
  writeExport(requestId: string, mediaId: string): Promise<ExportWritten>;
}

/** The API over a given invoke function (Tauri's by default; a fake in tests). */
export function createApi(invoke: InvokeFn = tauriInvoke): Api {
  async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return (await invoke(cmd, args)) as T;
    } catch (e) {
      throw toApiError(e);
    }
  }
  return {
    appStatus: () => call("app_status"),
    resetLocalCache: (confirmation) => call("reset_local_cache", { confirmation }),
    login: (request) => call("login", { request }),
    logout: () => call("logout"),
    demoLoginHints: () => call("demo_login_hints"),
    unlockAccount: (staffId) => call("unlock_account", { staffId }),
    auditLog: (query) => call("audit_log", { query }),
    viewMyNumber: (residentId, reason) => call("view_my_number", { residentId, reason }),
    changePassword: (change) => call("change_password", { change }),
    registerAuthenticator: (request) => call("register_authenticator", { request }),
    listSessions: () => call("list_sessions"),
    lookupVoucher: (voucher) => call("lookup_voucher", { voucher }),
    searchResidents: (kana, birthDate) => call("search_residents", { kana, birthDate }),
    residentCard: (residentId, sessionId) => call("resident_card", { residentId, sessionId }),
    checkIn: (request) => call("check_in", { request }),
    correctVisit: (request) => call("correct_visit", { request }),
    cancelVisit: (visitId, reason) => call("cancel_visit", { visitId, reason }),
    registerWalkIn: (request) => call("register_walk_in", { request }),
    listVisits: (sessionId) => call("list_visits", { sessionId }),
    sessionCounts: (sessionId) => call("session_counts", { sessionId }),
    syncStatus: () => call("sync_status"),
    syncNow: () => call("sync_now"),
    requeueEvent: (eventId) => call("requeue_event", { eventId }),
    enrollTerminal: (serviceUrl, code) => call("enroll_terminal", { serviceUrl, code }),
    exportOverview: () => call("export_overview"),
    requestExport: (request) => call("request_export", { request }),
    decideExport: (decision) => call("decide_export", { decision }),
    exportMedia: () => call("export_media"),
    writeExport: (requestId, mediaId) => call("write_export", { requestId, mediaId }),
  };
}
