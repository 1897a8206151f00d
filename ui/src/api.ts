// Typed wrappers around the Rust commands: the only module that calls `invoke`.
// Every rejection is turned into an ApiError (see errors.ts) before it reaches a view.

import { invoke as tauriInvoke } from "@tauri-apps/api/core";
import type { AppStatus } from "./generated/AppStatus";
import type { CheckInRequest } from "./generated/CheckInRequest";
import type { CorrectionRequest } from "./generated/CorrectionRequest";
import type { ResidentCard } from "./generated/ResidentCard";
import type { ResidentSummary } from "./generated/ResidentSummary";
import type { SessionCounts } from "./generated/SessionCounts";
import type { SessionView } from "./generated/SessionView";
import type { StaffView } from "./generated/StaffView";
import type { SyncView } from "./generated/SyncView";
import type { VisitView } from "./generated/VisitView";
import type { WalkInRequest } from "./generated/WalkInRequest";
import { toApiError } from "./errors";

export type InvokeFn = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;

export interface Api {
  appStatus(): Promise<AppStatus>;
  resetLocalCache(confirmation: string): Promise<AppStatus>;
  listStaff(): Promise<StaffView[]>;
  selectStaff(staffId: string): Promise<AppStatus>;
  signOut(): Promise<AppStatus>;
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
    listStaff: () => call("list_staff"),
    selectStaff: (staffId) => call("select_staff", { staffId }),
    signOut: () => call("sign_out"),
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
  };
}
