// Test data and an in-memory stand-in for the Rust side: it keeps visits, assigns
// reception numbers, counts, and rejects like Rust does for the cases tests need.

import type { Api } from "../src/api";
import type { AccessLogEntry } from "../src/generated/AccessLogEntry";
import type { Action } from "../src/generated/Action";
import type { ApiError } from "../src/generated/ApiError";
import type { AppStatus } from "../src/generated/AppStatus";
import type { AuditQuery } from "../src/generated/AuditQuery";
import type { AuthenticatorRegistration } from "../src/generated/AuthenticatorRegistration";
import type { CheckInRequest } from "../src/generated/CheckInRequest";
import type { CorrectionRequest } from "../src/generated/CorrectionRequest";
import type { ExportDecisionInput } from "../src/generated/ExportDecisionInput";
import type { ExportOverview } from "../src/generated/ExportOverview";
import type { ExportRequestInput } from "../src/generated/ExportRequestInput";
import type { ExportRequestItem } from "../src/generated/ExportRequestItem";
import type { ExportWritten } from "../src/generated/ExportWritten";
import type { LoginHint } from "../src/generated/LoginHint";
import type { LoginRequest } from "../src/generated/LoginRequest";
import type { MediaChoice } from "../src/generated/MediaChoice";
import type { PasswordChange } from "../src/generated/PasswordChange";
import type { ProgrammeEligibility } from "../src/generated/ProgrammeEligibility";
import type { ProgrammeView } from "../src/generated/ProgrammeView";
import type { RegisteredAuthenticator } from "../src/generated/RegisteredAuthenticator";
import type { ResidentCard } from "../src/generated/ResidentCard";
import type { ResidentSummary } from "../src/generated/ResidentSummary";
import type { Role } from "../src/generated/Role";
import type { SessionCounts } from "../src/generated/SessionCounts";
import type { SessionView } from "../src/generated/SessionView";
import type { StaffView } from "../src/generated/StaffView";
import type { SyncStatus } from "../src/generated/SyncStatus";
import type { SyncView } from "../src/generated/SyncView";
import type { VisitView } from "../src/generated/VisitView";
import type { WalkInRequest } from "../src/generated/WalkInRequest";

export const ALL_ACTIONS: Action[] = [
  "search_residents",
  "view_resident",
  "check_in",
  "correct_visit",
  "cancel_visit",
  "register_walk_in",
  "view_attendance",
];

/** What each role may do (as Rust's permissions say; every role may change its own password). */
export function roleActions(role: Role): Action[] {
  switch (role) {
    case "reception":
      return [...ALL_ACTIONS, "view_my_number", "change_own_password"];
    case "supervisor":
      return [...ALL_ACTIONS, "view_my_number", "unlock_account", "view_audit_log", "change_own_password", "decide_export"];
    case "clerk":
      return ["view_attendance", "change_own_password", "request_export", "write_export"];
    case "administrator":
      return ["enroll_terminal", "reset_local_cache", "change_own_password"];
  }
}

/** Every fake account's password and current code. */
export const PASSWORD = "correct horse";

export const LUNG: ProgrammeView = { code: "51", name_ja: "肺がん検診", name_en: "Lung cancer", copay_yen: 500 };
export const BREAST: ProgrammeView = { code: "52", name_ja: "乳がん検診", name_en: "Breast cancer", copay_yen: 1500 };
export const STOMACH: ProgrammeView = { code: "53", name_ja: "胃がん検診", name_en: "Stomach cancer", copay_yen: 1000 };

export const STAFF: StaffView[] = [
  { staff_id: "S1", name: "佐藤 花子", department: "健康づくり課", role: "reception" },
  { staff_id: "S2", name: "鈴木 一郎", department: "健康づくり課", role: "supervisor" },
  { staff_id: "S3", name: "高橋 次郎", department: "総務課", role: "clerk" },
  { staff_id: "S4", name: "渡辺 浩", department: "情報政策課", role: "administrator" },
];

/** The status of someone logged in as `staffId`, with their role's actions. */
export function loggedIn(staffId: string, over: Partial<AppStatus> = {}): AppStatus {
  const s = STAFF.find((x) => x.staff_id === staffId) ?? null;
  return status({ staff: s, allowed_actions: s ? roleActions(s.role) : [], ...over });
}

export function auditEntry(over: Partial<AccessLogEntry> = {}): AccessLogEntry {
  return {
    seq: 1n,
    at: "2026-11-24T00:15:42.5Z",
    staff_id: "S1",
    department: "健康づくり課",
    terminal_id: "T-1",
    reason: "集団検診受付",
    resident_id: "R-1",
    operation: "check_in",
    detail: "",
    ...over,
  };
}

export function apiError(code: string, details: Record<string, string> = {}, needs_reset = false): ApiError {
  return { code, message: `english diagnostic for ${code}`, details, needs_reset };
}

export function status(over: Partial<AppStatus> = {}): AppStatus {
  return {
    store: { kind: "ready" },
    demo_mode: true,
    terminal_id: "T-1",
    staff: STAFF[0] ?? null,
    allowed_actions: ALL_ACTIONS,
    my_number_permission: false,
    session_ended: null,
    idle_timeout_minutes: 10n,
    pending_events: 0n,
    today: "2026-11-24",
    today_wareki: "令和8年11月24日",
    reset_word: "RESET",
    ...over,
  };
}

export function failedStatus(error: ApiError): AppStatus {
  return status({ store: { kind: "failed", error }, staff: null, allowed_actions: [], terminal_id: null });
}

export function syncStatus(over: Partial<SyncStatus> = {}): SyncStatus {
  return {
    pending: 0n,
    deferred: 0n,
    rejected_count: 0n,
    rejected: [],
    last_success_at: null,
    last_attempt_at: null,
    last_error_code: null,
    last_error_message: null,
    skew_ms: null,
    skew_warning: false,
    roster_total: null,
    roster_applied: 0,
    ...over,
  };
}

/** A SyncView: demo (not enrolled) unless told otherwise. */
export function syncView(over: Partial<Omit<SyncView, "status">> = {}, st: Partial<SyncStatus> = {}): SyncView {
  const enrolled = (over.state ?? "demo") !== "demo";
  return {
    state: "demo",
    service_url: enrolled ? "https://central.example:8443" : null,
    terminal_name: enrolled ? "保健センター受付1" : null,
    status: syncStatus(st),
    ...over,
  };
}

export const SESSIONS: SessionView[] = [
  {
    session_id: "SES-Y",
    venue_id: "V2",
    venue_name: "北部公民館",
    date: "2026-11-23",
    date_wareki: "令和8年11月23日",
    start_time: "13:00",
    end_time: "15:00",
    programmes: [LUNG],
  },
  {
    session_id: "SES-T",
    venue_id: "V1",
    venue_name: "みなと市保健センター",
    date: "2026-11-24",
    date_wareki: "令和8年11月24日",
    start_time: "09:00",
    end_time: "11:30",
    programmes: [LUNG, BREAST, STOMACH],
  },
];

export function resident(over: Partial<ResidentSummary> = {}): ResidentSummary {
  return {
    resident_id: "R-1",
    name_kanji: "山田 花子",
    name_kana: "ヤマダ ハナコ",
    sex: "female",
    birth_date: "1972-05-10",
    birth_wareki: "昭和47年5月10日",
    age: 54,
    address: "みなと市中央町1-2-3",
    dv_support: false,
    provisional: false,
    voucher_no: "01234567",
    ...over,
  };
}

export function eligible(p: ProgrammeView, age = 54): ProgrammeEligibility {
  return { programme: p, eligibility: { programme_code: p.code, age, warnings: [] } };
}

export function cardFor(r: ResidentSummary, over: Partial<ResidentCard> = {}): ResidentCard {
  return {
    summary: r,
    postal_code: r.dv_support ? null : "105-0001",
    phone: r.dv_support ? null : "03-0000-0000",
    copay_category: "standard",
    session_id: "SES-T",
    eligibility: [
      eligible(LUNG),
      eligible(BREAST),
      {
        programme: STOMACH,
        eligibility: {
          programme_code: STOMACH.code,
          age: 54,
          warnings: [{ kind: "screened_too_recently", last_fiscal_year: 2025, interval_years: 2 }],
        },
      },
    ],
    visit: null,
    elsewhere: [],
    walk_in_outcome: null,
    ...over,
  };
}

/** This terminal's name as the service knows it. */
export const TERMINAL_NAME = "保健センター受付1";

export const RECIPIENTS = [
  { recipient_id: "RCP-ORG", name: "みなと健診センター" },
  { recipient_id: "RCP-HS", name: "健康管理システム担当" },
];

/** An export request as the service lists it (this terminal's, pending, unless told otherwise). */
export function exportRequest(over: Partial<ExportRequestItem> = {}): ExportRequestItem {
  return {
    request_id: "ER-1",
    terminal_name: TERMINAL_NAME,
    requested_by: "S3",
    requested_at: "2026-11-24T01:00:00Z",
    layout: "screening_org",
    session_ids: ["SES-T"],
    purpose: "検診機関への受診者一覧の提出",
    recipient_id: "RCP-ORG",
    recipient_name: "みなと健診センター",
    state: "pending",
    decided_by: null,
    decided_at: null,
    comment: null,
    grant_expires_at: null,
    written: false,
    ...over,
  };
}

/** The fake service's export state: every terminal's requests, and this terminal's designation. */
export interface FakeExportState {
  online: boolean;
  designated: boolean;
  designation_expires_at: string | null;
  recipients: { recipient_id: string; name: string }[];
  requests: ExportRequestItem[];
}

/** A removable medium (or, to test refusals, something that only looks like one). */
export interface FakeMedium extends MediaChoice {
  kind: "removable" | "fixed" | "network" | "virtual";
}

export const USB: FakeMedium = { media_id: "M-USB", label: "KINGSTON DataTraveler (7.5 GB)", kind: "removable" };

type Call = { cmd: keyof Api; args: unknown[] };

/** An in-memory backend implementing the Api interface. */
export class FakeBackend implements Api {
  calls: Call[] = [];
  statusValue: AppStatus;
  staff: StaffView[] = STAFF;
  sessions: SessionView[] = SESSIONS;
  residents: ResidentSummary[] = [resident()];
  cards = new Map<string, Partial<ResidentCard>>();
  visits: VisitView[] = [];
  syncValue: SyncView = syncView();
  /** What a successful enroll_terminal leads to. */
  enrolledSync: SyncView = syncView({ state: "never_synced" }, { roster_total: 500, roster_applied: 0 });
  /** Reject the next call of a command with this error. */
  failures = new Map<keyof Api, ApiError>();
  /** Accounts locked by failed logins. */
  locked = new Set<string>();
  auditEntries: AccessLogEntry[] = [auditEntry()];
  myNumbers = new Map<string, string>([["R-1", "123456789012"]]);
  /** Whose authenticator is at this terminal (Rust asks it during the login); null: none plugged in. */
  authenticatorOf: string | null | "anyone" = "anyone";
  /** The invitation codes an administrator handed out, by staff ID. */
  invites = new Map<string, string>([["S1", "ABCD-EFGH-JKMN"]]);
  /** Authenticators registered through register_authenticator. */
  registered: RegisteredAuthenticator[] = [];
  /** New passwords set through change_password, by staff ID. */
  changedPasswords = new Map<string, string>();
  /** Export to external media, as the service and this terminal see it. */
  exportState: FakeExportState = {
    online: true,
    designated: true,
    designation_expires_at: "2027-03-31T15:00:00Z",
    recipients: RECIPIENTS.map((r) => ({ ...r })),
    requests: [],
  };
  /** Media mounted now. */
  media: FakeMedium[] = [USB];
  /** What a successful write reports. */
  exportRows = 42;
  exportExcluded = 2;
  private nextExport = 1;
  private nextNo = 1;
  private nextVisit = 1;

  constructor(st: AppStatus = status()) {
    this.statusValue = st;
  }

  private async call<T>(cmd: keyof Api, args: unknown[], fn: () => T): Promise<T> {
    this.calls.push({ cmd, args });
    const failure = this.failures.get(cmd);
    if (failure) {
      this.failures.delete(cmd);
      throw failure;
    }
    return fn();
  }

  callsOf(cmd: keyof Api): unknown[][] {
    return this.calls.filter((c) => c.cmd === cmd).map((c) => c.args);
  }

  appStatus() {
    return this.call("appStatus", [], () => ({ ...this.statusValue }));
  }
  resetLocalCache(confirmation: string) {
    return this.call("resetLocalCache", [confirmation], () => {
      const st = this.statusValue;
      // A store that opened: only an administrator, and only without unsent events.
      const healthy = st.store.kind === "ready";
      if (healthy && !st.allowed_actions.includes("reset_local_cache")) {
        throw apiError(st.staff ? "FORBIDDEN" : "NOT_LOGGED_IN", st.staff ? { action: "reset_local_cache" } : {});
      }
      if (confirmation.trim() !== "RESET") throw apiError("RESET_NOT_CONFIRMED");
      if (healthy && st.pending_events > 0n) throw apiError("RESET_WOULD_LOSE_EVENTS", { pending: String(st.pending_events) });
      // Everyone is logged out; a new store.
      this.statusValue = status({ staff: null, allowed_actions: [], demo_mode: st.demo_mode });
      return { ...this.statusValue };
    });
  }
  login(request: LoginRequest) {
    return this.call("login", [request], () => {
      if (this.statusValue.staff) throw apiError("ALREADY_LOGGED_IN");
      if (!request.staff_id.trim()) throw apiError("FIELD_REQUIRED", { field: "staff_id" });
      const s = this.staff.find((x) => x.staff_id === request.staff_id.trim().toUpperCase());
      if (s && this.locked.has(s.staff_id)) throw apiError("AUTH_LOCKED");
      if (s && this.authenticatorOf === null) throw apiError("AUTHENTICATOR_NOT_FOUND");
      if (s && this.authenticatorOf !== "anyone" && this.authenticatorOf !== s.staff_id) {
        throw apiError("AUTHENTICATOR_NOT_RECOGNISED");
      }
      if (!s || request.password !== PASSWORD) throw apiError("AUTH_FAILED");
      this.statusValue = {
        ...this.statusValue,
        staff: s,
        allowed_actions: roleActions(s.role),
        session_ended: null,
      };
      return { ...this.statusValue };
    });
  }
  logout() {
    return this.call("logout", [], () => {
      this.statusValue = { ...this.statusValue, staff: null, allowed_actions: [], my_number_permission: false, session_ended: "user" };
      return { ...this.statusValue };
    });
  }
  /** Rust ends the session after inactivity (seen at the next app_status). */
  expireSession() {
    this.statusValue = { ...this.statusValue, staff: null, allowed_actions: [], my_number_permission: false, session_ended: "idle" };
  }
  demoLoginHints() {
    return this.call("demoLoginHints", [], (): LoginHint[] => {
      if (!this.statusValue.demo_mode) throw apiError("NOT_DEMO");
      return this.staff.map((s) => ({
        staff_id: s.staff_id,
        name: s.name,
        role: s.role,
        password: PASSWORD,
      }));
    });
  }
  unlockAccount(staffId: string) {
    return this.call("unlockAccount", [staffId], () => {
      if (!this.statusValue.allowed_actions.includes("unlock_account")) throw apiError("FORBIDDEN", { action: "unlock_account" });
      if (!this.staff.some((s) => s.staff_id === staffId)) throw apiError("STAFF_NOT_FOUND");
      this.locked.delete(staffId);
      return null;
    });
  }
  auditLog(query: AuditQuery) {
    return this.call("auditLog", [query], () => {
      if (!this.statusValue.allowed_actions.includes("view_audit_log")) throw apiError("FORBIDDEN", { action: "view_audit_log" });
      return this.auditEntries.filter(
        (e) => (!query.staff_id || e.staff_id === query.staff_id) && (!query.operation || e.operation === query.operation),
      );
    });
  }
  viewMyNumber(residentId: string, reason: string) {
    return this.call("viewMyNumber", [residentId, reason], () => {
      if (!this.statusValue.my_number_permission) throw apiError("MY_NUMBER_NOT_PERMITTED");
      if (!reason.trim()) throw apiError("REASON_REQUIRED");
      const n = this.myNumbers.get(residentId);
      if (!n) throw apiError("MY_NUMBER_NOT_ON_FILE");
      return { resident_id: residentId, my_number: n };
    });
  }
  /** The fake's password policy and check, as Rust's (online: see `failures`). */
  changePassword(change: PasswordChange) {
    return this.call("changePassword", [change], (): null => {
      const st = this.statusValue;
      if (!st.staff) throw apiError("NOT_LOGGED_IN");
      if (!st.allowed_actions.includes("change_own_password")) throw apiError("FORBIDDEN", { action: "change_own_password" });
      const next = change.new_password;
      const field = { field: "new_password" };
      if ([...next].length < 12) throw apiError("PASSWORD_TOO_SHORT", field);
      if ([...next].length > 128) throw apiError("PASSWORD_TOO_LONG", field);
      if (next.toLowerCase().includes(st.staff.staff_id.toLowerCase())) throw apiError("PASSWORD_CONTAINS_ID", field);
      if (next.toLowerCase() === "password1234") throw apiError("PASSWORD_TOO_COMMON", field);
      if (next === change.current_password) throw apiError("PASSWORD_UNCHANGED", field);
      if (change.current_password !== PASSWORD) throw apiError("PASSWORD_CURRENT_WRONG", { field: "current_password" });
      this.changedPasswords.set(st.staff.staff_id, next);
      return null;
    });
  }
  registerAuthenticator(request: AuthenticatorRegistration) {
    return this.call("registerAuthenticator", [request], (): RegisteredAuthenticator => {
      if (this.statusValue.demo_mode) throw apiError("NOT_ENROLLED");
      const id = request.staff_id.trim().toUpperCase();
      if (this.authenticatorOf === null) throw apiError("AUTHENTICATOR_NOT_FOUND");
      if (this.invites.get(id) !== request.invite_code.trim() || request.password !== PASSWORD) {
        throw apiError("REGISTRATION_REFUSED");
      }
      this.invites.delete(id);
      const done = { staff_id: id, model: "指紋認証キー（テスト）", label: request.label.trim() };
      this.registered.push(done);
      return done;
    });
  }
  listSessions() {
    return this.call("listSessions", [], () => this.sessions);
  }
  lookupVoucher(voucher: string) {
    return this.call("lookupVoucher", [voucher], () => {
      const digits = voucher.normalize("NFKC").replace(/[\s-]/g, "");
      const r = this.residents.find((x) => x.voucher_no === digits);
      if (!r) throw apiError("VOUCHER_NOT_FOUND");
      return r;
    });
  }
  searchResidents(kana: string, birthDate: string | null) {
    return this.call("searchResidents", [kana, birthDate], () => {
      if (/[A-Za-z0-9]/.test(kana)) throw apiError("INVALID_KANA_QUERY");
      const key = kana.replace(/\s/g, "");
      return this.residents.filter((r) => r.name_kana.replace(/\s/g, "").startsWith(key));
    });
  }
  residentCard(residentId: string, sessionId: string) {
    return this.call("residentCard", [residentId, sessionId], () => {
      const r = this.residents.find((x) => x.resident_id === residentId);
      if (!r) throw apiError("RESIDENT_NOT_FOUND");
      const visit =
        this.visits.find((v) => v.resident_id === residentId && v.session_id === sessionId && v.state === "active") ??
        null;
      return cardFor(r, { session_id: sessionId, visit, ...this.cards.get(residentId) });
    });
  }
  checkIn(request: CheckInRequest) {
    return this.call("checkIn", [request], () => {
      const existing = this.visits.find(
        (v) => v.resident_id === request.resident_id && v.session_id === request.session_id && v.state === "active",
      );
      if (existing) throw apiError("ALREADY_CHECKED_IN", { reception_no: String(existing.reception_no), visit_id: existing.visit_id });
      const r = this.residents.find((x) => x.resident_id === request.resident_id);
      if (!r) throw apiError("RESIDENT_NOT_FOUND");
      const v: VisitView = {
        visit_id: `V-${this.nextVisit++}`,
        session_id: request.session_id,
        resident_id: r.resident_id,
        name_kanji: r.name_kanji,
        name_kana: r.name_kana,
        dv_support: r.dv_support,
        provisional: r.provisional,
        reception_no: BigInt(this.nextNo++),
        identity_method: request.identity_method,
        copay_category: request.copay.category,
        copay_proof: request.copay.proof,
        copay_yen: request.copay.amount_yen,
        state: "active",
        cancel_reason: null,
        checked_in_at: "2026-11-24T00:15:42.123456789+00:00",
        updated_at: "2026-11-24T00:15:42.123456789+00:00",
        screenings: request.screenings.map((s) => ({ ...s })),
      };
      this.visits.push(v);
      this.statusValue = { ...this.statusValue, pending_events: this.statusValue.pending_events + 1n };
      return v;
    });
  }
  correctVisit(request: CorrectionRequest) {
    return this.call("correctVisit", [request], () => {
      const v = this.visits.find((x) => x.visit_id === request.visit_id);
      if (!v) throw apiError("VISIT_NOT_FOUND");
      if (v.state === "cancelled") throw apiError("VISIT_CANCELLED");
      v.identity_method = request.identity_method;
      v.copay_category = request.copay.category;
      v.copay_proof = request.copay.proof;
      v.copay_yen = request.copay.amount_yen;
      v.screenings = request.screenings.map((s) => ({ ...s }));
      return { ...v };
    });
  }
  cancelVisit(visitId: string, reason: string) {
    return this.call("cancelVisit", [visitId, reason], () => {
      const v = this.visits.find((x) => x.visit_id === visitId);
      if (!v) throw apiError("VISIT_NOT_FOUND");
      if (!reason.trim()) throw apiError("REASON_REQUIRED");
      v.state = "cancelled";
      v.cancel_reason = reason.trim();
      return { ...v };
    });
  }
  registerWalkIn(request: WalkInRequest) {
    return this.call("registerWalkIn", [request], () => {
      const r = resident({
        resident_id: `P-${this.residents.length + 1}`,
        name_kanji: request.name_kanji,
        name_kana: request.name_kana,
        sex: request.sex,
        birth_date: "1960-01-01",
        birth_wareki: "昭和35年1月1日",
        age: 66,
        address: request.address,
        provisional: true,
        voucher_no: null,
      });
      this.residents.push(r);
      return r;
    });
  }
  listVisits(sessionId: string) {
    return this.call("listVisits", [sessionId], () => this.visits.filter((v) => v.session_id === sessionId));
  }
  sessionCounts(sessionId: string) {
    return this.call("sessionCounts", [sessionId], (): SessionCounts => {
      const vs = this.visits.filter((v) => v.session_id === sessionId);
      const active = vs.filter((v) => v.state === "active");
      const codes = [...new Set(active.flatMap((v) => v.screenings.map((s) => s.programme_code)))].sort();
      return {
        session_id: sessionId,
        visits: BigInt(active.length),
        cancelled: BigInt(vs.length - active.length),
        per_programme: codes.map((code) => {
          const n = (st: string) =>
            BigInt(active.filter((v) => v.screenings.some((s) => s.programme_code === code && s.status === st)).length);
          return { programme_code: code, received: n("received"), done: n("done"), stopped: n("stopped") };
        }),
      };
    });
  }
  /** The sync bar as Rust answers it: before login, counts only. */
  private syncAnswer(): SyncView {
    const v = structuredClone(this.syncValue);
    v.status.rejected_count = BigInt(v.status.rejected.length);
    if (!this.statusValue.staff) v.status = { ...v.status, rejected: [], last_error_message: null };
    return v;
  }
  syncStatus() {
    return this.call("syncStatus", [], () => this.syncAnswer());
  }
  syncNow() {
    return this.call("syncNow", [], () => {
      if (this.syncValue.state !== "demo") this.syncValue = { ...this.syncValue, state: "syncing" };
      return this.syncAnswer();
    });
  }
  requeueEvent(eventId: string) {
    return this.call("requeueEvent", [eventId], () => {
      if (!this.statusValue.staff) throw apiError("NOT_LOGGED_IN");
      const st = this.syncValue.status;
      const rejected = st.rejected.filter((r) => r.event_id !== eventId);
      if (rejected.length === st.rejected.length) throw apiError("EVENT_NOT_REJECTED");
      this.syncValue = { ...this.syncValue, status: { ...st, rejected, pending: st.pending + 1n } };
      return this.syncAnswer();
    });
  }
  enrollTerminal(serviceUrl: string, code: string) {
    return this.call("enrollTerminal", [serviceUrl, code], () => {
      if (this.syncValue.state !== "demo") throw apiError("ALREADY_ENROLLED");
      this.syncValue = structuredClone(this.enrolledSync);
      this.statusValue = {
        ...this.statusValue,
        demo_mode: false,
        staff: null,
        allowed_actions: [],
        my_number_permission: false,
        session_ended: null,
        pending_events: 0n,
      };
      return { ...this.statusValue };
    });
  }

  // --- export to external media (the service's and Rust's rules, for the main paths) -----
  private exportAs(action: Action): StaffView {
    const st = this.statusValue;
    if (!st.staff) throw apiError("NOT_LOGGED_IN");
    if (!st.allowed_actions.includes(action)) throw apiError("FORBIDDEN", { action });
    return st.staff;
  }
  private overviewFor(staff: StaffView): ExportOverview {
    const x = this.exportState;
    const supervisor = this.statusValue.allowed_actions.includes("decide_export");
    const mine = x.requests.filter((r) => r.terminal_name === TERMINAL_NAME);
    return structuredClone({
      online: x.online,
      designated: x.designated,
      designation_expires_at: x.designated ? x.designation_expires_at : null,
      recipients: x.recipients,
      requests: [...mine].reverse(),
      pending: x.requests.filter(
        (r) =>
          r.state === "pending" && r.requested_by !== staff.staff_id && (r.terminal_name !== TERMINAL_NAME || supervisor),
      ),
    });
  }
  exportOverview() {
    return this.call("exportOverview", [], () => {
      const st = this.statusValue;
      const action: Action = st.allowed_actions.includes("decide_export") ? "decide_export" : "request_export";
      return this.overviewFor(this.exportAs(action));
    });
  }
  requestExport(request: ExportRequestInput) {
    return this.call("requestExport", [request], () => {
      const staff = this.exportAs("request_export");
      const x = this.exportState;
      if (!["health_system", "screening_org"].includes(request.layout)) throw apiError("EXPORT_LAYOUT_UNKNOWN", { field: "layout" });
      if (request.session_ids.length === 0) throw apiError("EXPORT_SESSIONS_REQUIRED", { field: "sessions" });
      if (!request.purpose.trim()) throw apiError("EXPORT_PURPOSE_REQUIRED", { field: "purpose" });
      if (!x.online) throw apiError("EXPORT_ONLINE_ONLY");
      if (!x.designated) throw apiError("EXPORT_NOT_DESIGNATED");
      if (request.session_ids.some((id) => !this.sessions.some((s) => s.session_id === id))) throw apiError("EXPORT_SESSION_UNKNOWN");
      const r = x.recipients.find((c) => c.recipient_id === request.recipient_id);
      if (!r) throw apiError("EXPORT_RECIPIENT_UNKNOWN");
      x.requests.push(
        exportRequest({
          request_id: `ER-NEW-${this.nextExport++}`,
          requested_by: staff.staff_id,
          requested_at: "2026-11-24T02:00:00Z",
          layout: request.layout,
          session_ids: [...request.session_ids],
          purpose: request.purpose.trim(),
          recipient_id: r.recipient_id,
          recipient_name: r.name,
        }),
      );
      return this.overviewFor(staff);
    });
  }
  decideExport(decision: ExportDecisionInput) {
    return this.call("decideExport", [decision], () => {
      const staff = this.exportAs("decide_export");
      const x = this.exportState;
      const r = x.requests.find((q) => q.request_id === decision.request_id);
      if (!r) throw apiError("EXPORT_REQUEST_UNKNOWN");
      if (!decision.approve && !decision.comment.trim()) throw apiError("EXPORT_COMMENT_REQUIRED", { field: "comment" });
      if (!x.online) throw apiError("EXPORT_ONLINE_ONLY");
      if (r.requested_by === staff.staff_id) throw apiError("EXPORT_OWN_REQUEST");
      if (r.state !== "pending") throw apiError("EXPORT_REQUEST_DECIDED");
      r.state = decision.approve ? "approved" : "refused";
      r.decided_by = staff.staff_id;
      r.decided_at = "2026-11-24T03:00:00Z";
      r.comment = decision.comment.trim() || null;
      r.grant_expires_at = decision.approve ? "2026-11-25T03:00:00Z" : null;
      return this.overviewFor(staff);
    });
  }
  exportMedia() {
    return this.call("exportMedia", [], (): MediaChoice[] => {
      this.exportAs("write_export");
      return this.media.map((m) => ({ media_id: m.media_id, label: m.label }));
    });
  }
  writeExport(requestId: string, mediaId: string) {
    return this.call("writeExport", [requestId, mediaId], (): ExportWritten => {
      this.exportAs("write_export");
      const x = this.exportState;
      if (!x.designated) throw apiError("EXPORT_NOT_DESIGNATED");
      const r = x.requests.find((q) => q.request_id === requestId && q.terminal_name === TERMINAL_NAME);
      if (!r) throw apiError("EXPORT_REQUEST_UNKNOWN");
      if (r.state === "pending") throw apiError("EXPORT_NOT_APPROVED");
      if (r.state === "refused") throw apiError("EXPORT_REQUEST_REFUSED");
      if (r.state === "used" || r.written) throw apiError("EXPORT_GRANT_USED");
      const medium = this.media.find((m) => m.media_id === mediaId);
      if (!medium) throw apiError("EXPORT_MEDIA_MOUNT_UNKNOWN");
      if (medium.kind === "fixed") throw apiError("EXPORT_MEDIA_FIXED");
      if (medium.kind === "network") throw apiError("EXPORT_MEDIA_NETWORK");
      if (medium.kind === "virtual") throw apiError("EXPORT_MEDIA_VIRTUAL");
      r.written = true;
      return {
        file_name: `uketsuke-${r.layout}-20261124-120000-${requestId.slice(-8)}.csv.age`,
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        file_bytes: 4096n,
        rows: BigInt(this.exportRows),
        excluded_protected: BigInt(this.exportExcluded),
        media_label: medium.label,
      };
    });
  }
}

/**
 * An `invoke` for `createApi` answered by `backend`: the window then runs over the
 * real IPC wrapper, and a test sees every command exactly as Tauri would receive it.
 */
export function invokeFor(backend: FakeBackend): (cmd: string, args?: Record<string, unknown>) => Promise<unknown> {
  return async (cmd, args = {}) => {
    const a = args;
    switch (cmd) {
      case "app_status":
        return backend.appStatus();
      case "register_authenticator":
        return backend.registerAuthenticator(a.request as AuthenticatorRegistration);
      case "sync_status":
        return backend.syncStatus();
      case "list_sessions":
        return backend.listSessions();
      case "list_visits":
        return backend.listVisits(a.sessionId as string);
      case "session_counts":
        return backend.sessionCounts(a.sessionId as string);
      case "logout":
        return backend.logout();
      case "demo_login_hints":
        return backend.demoLoginHints();
      case "audit_log":
        return backend.auditLog(a.query as AuditQuery);
      case "export_overview":
        return backend.exportOverview();
      case "request_export":
        return backend.requestExport(a.request as ExportRequestInput);
      case "decide_export":
        return backend.decideExport(a.decision as ExportDecisionInput);
      case "export_media":
        return backend.exportMedia();
      case "write_export":
        return backend.writeExport(a.requestId as string, a.mediaId as string);
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  };
}

/** A Storage-like map for the language setting. */
export function memoryStorage(initial: Record<string, string> = {}): Pick<Storage, "getItem" | "setItem"> & {
  data: Record<string, string>;
} {
  const data = { ...initial };
  return {
    data,
    getItem: (k) => (k in data ? (data[k] as string) : null),
    setItem: (k, v) => {
      data[k] = v;
    },
  };
}

export function key(target: EventTarget, k: string, init: KeyboardEventInit = {}): KeyboardEvent {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(e);
  return e;
}

export function $(sel: string, root: ParentNode = document): HTMLElement {
  const el = root.querySelector<HTMLElement>(sel);
  if (!el) throw new Error(`no element matches ${sel}`);
  return el;
}
