// The window: which screen to show (store failed / login / reception), the
// reception screen's state, and the keyboard rules. The search box gets focus back
// after every action, so the next scan always lands in it. While someone is logged
// in the status is polled, so a session Rust ended after inactivity goes straight
// back to the login screen.

import type { Api } from "./api";
import type { Action } from "./generated/Action";
import type { ApiError } from "./generated/ApiError";
import type { AppStatus } from "./generated/AppStatus";
import type { ExportOverview } from "./generated/ExportOverview";
import type { IdentityMethod } from "./generated/IdentityMethod";
import type { ResidentCard } from "./generated/ResidentCard";
import type { ResidentSummary } from "./generated/ResidentSummary";
import type { SessionCounts } from "./generated/SessionCounts";
import type { SessionView } from "./generated/SessionView";
import type { SyncView } from "./generated/SyncView";
import type { VisitView } from "./generated/VisitView";
import { clientError, toApiError } from "./errors";
import { clear, h, ht, isEditable, localize, relocalize, trAttr } from "./dom";
import { num, programmeLabel } from "./format";
import { initLang, onLangChange, t, toggleLang } from "./i18n";
import { createLoginScreen } from "./loginScreen";
import { classifyInput } from "./search";
import { renderAdminReset } from "./views/adminReset";
import { openAuditDialog, type AuditDialogHandle } from "./views/audit";
import { openExportView, type ExportViewHandle } from "./views/exportView";
import { renderCard, type CardView } from "./views/card";
import { fillCounts } from "./views/counts";
import { openCancelDialog, openCorrectionDialog, type DialogHandle } from "./views/dialogs";
import { enrollErrorField, openEnrollDialog } from "./views/enroll";
import { createErrorBanner } from "./views/errorBanner";
import { defaultSession, renderHeaderMain, type HeaderView } from "./views/header";
import { openMyNumberDialog } from "./views/myNumber";
import { openPasswordDialog } from "./views/password";
import { createResults, type ResultsView } from "./views/results";
import { renderStoreFailed } from "./views/startup";
import { createSyncBar } from "./views/syncBar";
import { fillVisitList } from "./views/visitList";
import { openWalkInDialog } from "./views/walkIn";

export interface AppOptions {
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
  /** How often the sync bar asks for the sync status (ms); 0 turns polling off. */
  syncPollMs?: number;
  /** How often the status is asked for while someone is logged in (ms); 0 turns polling off. */
  statusPollMs?: number;
  /** How often the demo accounts' codes are refreshed on the login screen (ms). */
  hintsRefreshMs?: number;
}

/** The sync bar's polling interval. */
export const SYNC_POLL_MS = 2000;

/** The status poll while logged in: notices an idle logout within this time. */
export const STATUS_POLL_MS = 15_000;

/** The reception screen's work; a role with none of it (an administrator) sees #no-access. */
const RECEPTION_ACTIONS: readonly Action[] = ["search_residents", "register_walk_in", "view_attendance"];

/** An error after which the window starts over from the status (store gone, session ended). */
function startsOver(err: ApiError): boolean {
  return err.needs_reset || err.code === "NOT_LOGGED_IN" || err.code === "STORE_UNAVAILABLE";
}

export interface AppHandle {
  /** Resolves once every call the window started has settled (for tests). */
  idle(): Promise<void>;
  destroy(): void;
}

type OpenedVia = "voucher" | "search" | "walkin";

/** The same voucher number again within this time is the same scan (IME commit + Enter). */
const VOUCHER_REPEAT_MS = 800;
type NoticeKey = "cancel.done" | "correct.done";

/** Which walk-in field a Rust error is about. */
function walkInField(err: ApiError): string | undefined {
  if (err.details.field) return err.details.field;
  if (["INVALID_DATE", "DATE_OUTSIDE_ERA", "BIRTH_DATE_OUT_OF_RANGE"].includes(err.code)) return "birth_date";
  if (["INVALID_KANA_QUERY", "EMPTY_KANA_QUERY"].includes(err.code)) return "name_kana";
  return undefined;
}

interface MainView {
  root: HTMLElement;
  header: HeaderView;
  searchInput: HTMLInputElement | null;
  birthInput: HTMLInputElement | null;
  results: ResultsView | null;
  cardSlot: HTMLElement;
  lastBox: HTMLElement;
  setLast(visit: VisitView): void;
  notice: HTMLElement;
  setNotice(key: NoticeKey | null, no?: number): void;
  counts: HTMLElement | null;
  visitList: HTMLElement | null;
}

export function startApp(root: HTMLElement, api: Api, opts: AppOptions = {}): AppHandle {
  initLang(opts.storage ?? null);

  // --- state --------------------------------------------------------------------------
  let status: AppStatus | null = null;
  let allowed = new Set<Action>();
  let sessions: SessionView[] | null = null;
  let sessionId: string | null = null;
  let main: MainView | null = null;
  let cardView: CardView | null = null;
  let modal: DialogHandle | null = null;
  let resultsQuery: { text: string; birth: string } | null = null;
  let searchSeq = 0;
  /** The last voucher looked up, to drop the same scan arriving twice at once. */
  let lastVoucher: { digits: string; at: number } | null = null;
  let cardSeq = 0;
  let attendanceSeq = 0;
  /** Sync status requests: a response older than the one shown is dropped. */
  let syncSeq = 0;
  let syncShown = 0;
  let syncPolling = false;
  let statusPolling = false;
  /** Stops what the current screen runs in the background (the login screen's refresh). */
  let screenCleanup: (() => void) | null = null;
  let destroyed = false;

  const inflight = new Set<Promise<unknown>>();
  function track<T>(p: Promise<T>): Promise<T> {
    inflight.add(p);
    p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    );
    return p;
  }
  /** Run an async step; any failure goes to the error banner. */
  function run(fn: () => Promise<void>): Promise<void> {
    return track(
      fn().catch((e: unknown) => {
        handleError(toApiError(e));
      }),
    );
  }

  // --- shell --------------------------------------------------------------------------
  const headerSlot = h("div", { id: "header-slot", class: "header-slot" });
  const langToggle = ht("button", { id: "lang-toggle", type: "button", class: "lang-toggle" }, "lang.toggle");
  const demoBadge = ht("span", { id: "demo-badge", class: "demo-badge", hidden: true }, "app.demo");
  const header = h(
    "header",
    { id: "app-header", class: "app-header" },
    h("div", { class: "brand" }, ht("span", { class: "brand-title" }, "app.title"), demoBadge),
    headerSlot,
    langToggle,
  );
  const banner = createErrorBanner({ programmeName }, () => focusSearch());
  const screen = h("main", { id: "screen", class: "screen" });
  const syncBar = createSyncBar({
    onSyncNow: () => {
      void run(() => syncFrom(() => api.syncNow()));
      focusSearch();
    },
    onRequeue: (event) =>
      run(async () => {
        await syncFrom(() => api.requeueEvent(event.event_id));
        banner.clear();
        focusSearch();
      }),
    onEnroll: () => openEnroll(),
  });
  clear(root);
  root.append(header, banner.el, screen, syncBar.el);

  langToggle.addEventListener("click", () => {
    toggleLang();
    focusSearch();
  });
  const offLang = onLangChange(() => relocalize(root));

  function programmeName(code: string): string | undefined {
    const s = sessions?.find((x) => x.session_id === sessionId);
    const p = s?.programmes.find((x) => x.code === code);
    return p ? programmeLabel(p) : undefined;
  }

  function currentSession(): SessionView | null {
    return sessions?.find((s) => s.session_id === sessionId) ?? null;
  }

  function focusSearch(): void {
    if (modal || destroyed) return;
    main?.searchInput?.focus();
  }

  function handleError(err: ApiError): void {
    banner.show(err);
    if (startsOver(err)) {
      // The store failed under us, or the session ended: start over from the status.
      void run(boot);
      return;
    }
    focusSearch();
  }

  function setScreen(...content: Node[]): void {
    screenCleanup?.();
    screenCleanup = null;
    closeModal();
    clear(screen);
    screen.append(...content);
    screen.classList.toggle("reception", content.some((n) => n instanceof Element && n.classList.contains("main-grid")));
  }

  function closeModal(): void {
    const m = modal;
    modal = null;
    m?.modal.close();
  }

  // --- routing ------------------------------------------------------------------------
  async function boot(): Promise<void> {
    if (!status) setScreen(ht("p", { class: "loading" }, "app.loading"));
    applyStatus(await api.appStatus());
  }

  function applyStatus(st: AppStatus): void {
    status = st;
    allowed = new Set(st.allowed_actions);
    demoBadge.hidden = !st.demo_mode;
    syncBar.setEnrollAllowed(allowed.has("enroll_terminal"));
    void refreshSync();
    if (st.store.kind === "failed") {
      showStoreFailed(st, st.store.error);
    } else if (!st.staff) {
      showLogin(st);
    } else {
      void run(showMain);
    }
  }

  function showStoreFailed(st: AppStatus, error: ApiError): void {
    main = null;
    cardView = null;
    clear(headerSlot);
    const view = renderStoreFailed(error, st.reset_word, (typed) =>
      confirmReset(st, typed, {
        onRefused: (err) => {
          banner.show(err);
          view.resetInput?.focus();
        },
      }),
    );
    setScreen(view.el);
    view.resetInput?.focus();
  }

  /**
   * The confirmed reset (the failed-store screen, and administrators on a healthy
   * store): the word is checked here first, then Rust resets and its status is the
   * next screen (the login: a reset ends every session).
   */
  function confirmReset(
    st: AppStatus,
    typed: string,
    on: { onRefused(err: ApiError): void; setBusy?(busy: boolean): void },
  ): void {
    if (typed.trim() !== st.reset_word) {
      on.onRefused(clientError("RESET_NOT_CONFIRMED"));
      return;
    }
    on.setBusy?.(true);
    void run(async () => {
      let next: AppStatus;
      try {
        next = await api.resetLocalCache(typed);
      } catch (e) {
        on.setBusy?.(false);
        on.onRefused(toApiError(e));
        return;
      }
      banner.clear();
      applyStatus(next);
    });
  }

  function showLogin(st: AppStatus): void {
    main = null;
    cardView = null;
    sessionId = null;
    clear(headerSlot);
    const login = createLoginScreen(api, st, {
      track,
      onLoggedIn: (next) => {
        banner.clear();
        applyStatus(next);
      },
      onFailure: (err) => {
        banner.show(err);
        void run(boot);
      },
      ...(opts.hintsRefreshMs !== undefined ? { hintsRefreshMs: opts.hintsRefreshMs } : {}),
    });
    setScreen(login.el);
    screenCleanup = () => login.destroy();
    login.focus();
  }

  // --- the reception screen ------------------------------------------------------------
  async function showMain(): Promise<void> {
    const st = status;
    if (!st) return;
    sessions = allowed.has("view_attendance") ? await api.listSessions() : null;
    if (!sessions?.some((s) => s.session_id === sessionId)) {
      sessionId = sessions ? (defaultSession(sessions, st.today)?.session_id ?? null) : null;
    }
    cardView = null;
    resultsQuery = null;

    const headerView = renderHeaderMain(st, sessions, sessionId, {
      onSession: (id) => changeSession(id),
      onLogout: () => {
        void run(async () => {
          const next = await api.logout();
          banner.clear();
          applyStatus(next);
        });
      },
      onAudit: () => openAudit(),
      onPassword: () => openPassword(),
      onExport: () => openExport(),
    });
    clear(headerSlot);
    headerSlot.appendChild(headerView.el);

    if (!RECEPTION_ACTIONS.some((a) => allowed.has(a))) {
      main = null;
      const noAccess = ht("p", { id: "no-access", class: "no-access" }, "noAccess");
      if (allowed.has("reset_local_cache")) {
        // Administrators: beside the enrollment (sync bar), the reset of this terminal's store.
        const reset = renderAdminReset(st.reset_word, (typed) => {
          reset.showError(null);
          confirmReset(st, typed, {
            setBusy: (on) => reset.setBusy(on),
            onRefused: (err) => {
              if (startsOver(err)) {
                handleError(err);
                return;
              }
              reset.showError(err);
              reset.focus();
              // Refused: the unsent count (and anything else) as it is now.
              void run(refreshStatus);
            },
          });
        });
        setScreen(noAccess, reset.el);
      } else {
        setScreen(noAccess);
      }
      return;
    }

    const lastNo = h("div", { id: "last-reception-no", class: "last-reception-no" });
    const lastName = h("div", { id: "last-reception-name", class: "last-reception-name" });
    const lastBox = h(
      "div",
      { id: "last-checkin", class: "last-checkin", role: "status", hidden: true },
      ht("div", { class: "last-label" }, "checkin.doneLabel"),
      lastNo,
      lastName,
    );
    let last: VisitView | null = null;
    localize(lastNo, () => {
      lastNo.textContent = last ? t("checkin.done", { no: num(last.reception_no) }) : "";
    });
    const setLast = (visit: VisitView) => {
      last = visit;
      const no = num(visit.reception_no);
      lastNo.textContent = t("checkin.done", { no });
      lastNo.setAttribute("data-reception-no", String(no));
      lastName.textContent = `${visit.name_kana}　${visit.name_kanji}`;
      lastBox.hidden = false;
      lastBox.classList.remove("flash");
      void lastBox.offsetWidth; // restart the highlight animation
      lastBox.classList.add("flash");
    };
    const notice = h("div", { id: "notice", class: "notice", role: "status", hidden: true });
    let noticeState: { key: NoticeKey; no: number } | null = null;
    localize(notice, () => {
      notice.textContent = noticeState ? t(noticeState.key, { no: noticeState.no }) : "";
    });
    const setNotice = (key: NoticeKey | null, no = 0) => {
      noticeState = key ? { key, no } : null;
      notice.textContent = key ? t(key, { no }) : "";
      notice.hidden = key === null;
    };
    const cardSlot = h("div", { id: "card-slot", class: "card-slot" });

    let searchInput: HTMLInputElement | null = null;
    let birthInput: HTMLInputElement | null = null;
    let results: ResultsView | null = null;
    const left = h("section", { class: "reception-col", "aria-label": "reception" });
    left.append(lastBox, notice);

    if (allowed.has("search_residents")) {
      searchInput = h("input", {
        id: "search-input",
        class: "search-input",
        type: "text",
        autocomplete: "off",
        spellcheck: "false",
        role: "combobox",
        "aria-controls": "results",
        "aria-autocomplete": "list",
        "aria-expanded": "false",
        lang: "ja",
      });
      trAttr(searchInput, "placeholder", "search.placeholder");
      birthInput = h("input", {
        id: "birth-input",
        class: "birth-input",
        type: "text",
        autocomplete: "off",
        spellcheck: "false",
      });
      trAttr(birthInput, "placeholder", "search.birthPlaceholder");
      const searchButton = ht("button", { id: "search-submit", type: "button", class: "primary" }, "search.submit");
      const bar = h(
        "div",
        { class: "search-bar" },
        h("div", { class: "field search-field" }, ht("label", { for: "search-input" }, "search.label"), searchInput),
        h("div", { class: "field birth-field" }, ht("label", { for: "birth-input" }, "search.birthLabel"), birthInput),
        searchButton,
      );
      const hintRow = h("div", { class: "hint-row" }, ht("p", { class: "hint" }, "search.hint"));
      if (allowed.has("register_walk_in")) {
        const walkIn = ht("button", { id: "walkin-open", type: "button", class: "secondary walkin-open" }, "walkin.open");
        walkIn.addEventListener("click", openWalkIn);
        hintRow.appendChild(walkIn);
      }
      // Stays at the top of the column while the card scrolls under it.
      left.append(h("div", { class: "search-area" }, bar, hintRow));
      const si = searchInput;
      const bi = birthInput;
      results = createResults(si, (r) => openResident(r, "search"));
      left.appendChild(results.el);

      si.addEventListener("keydown", (e) => onSearchKey(e));
      // A scanner typing through a Japanese IME: its Enter only commits the
      // (full-width) digits, so a committed number is looked up right away.
      si.addEventListener("compositionend", () => {
        if (classifyInput(si.value).kind === "voucher") doSearch();
      });
      bi.addEventListener("keydown", (e) => {
        if (e.isComposing || e.keyCode === 229) return;
        if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
          e.preventDefault();
          doSearch();
        }
      });
      searchButton.addEventListener("click", () => {
        doSearch();
        focusSearch();
      });
    } else if (allowed.has("register_walk_in")) {
      const walkIn = ht("button", { id: "walkin-open", type: "button", class: "secondary walkin-open" }, "walkin.open");
      walkIn.addEventListener("click", openWalkIn);
      left.appendChild(walkIn);
    }
    left.appendChild(cardSlot);

    let countsEl: HTMLElement | null = null;
    let visitListEl: HTMLElement | null = null;
    const right = h("aside", { class: "attendance-col" });
    if (allowed.has("view_attendance")) {
      countsEl = h("section", { id: "counts", class: "panel counts", "aria-live": "polite" });
      visitListEl = h("section", { id: "visit-list", class: "panel visit-list" });
      right.append(countsEl, visitListEl);
    }

    const grid = h("div", { class: "main-grid" }, left, right);
    main = {
      root: grid,
      header: headerView,
      searchInput,
      birthInput,
      results,
      cardSlot,
      lastBox,
      setLast,
      notice,
      setNotice,
      counts: countsEl,
      visitList: visitListEl,
    };
    setScreen(grid);
    focusSearch();
    await refreshAttendance();
  }

  function changeSession(id: string): void {
    sessionId = id;
    main?.header.setSession(currentSession());
    closeCard();
    main?.results?.render(null);
    resultsQuery = null;
    banner.clear();
    focusSearch();
    void run(refreshAttendance);
  }

  // --- search ---------------------------------------------------------------------------
  function onSearchKey(e: KeyboardEvent): void {
    if (e.isComposing || e.keyCode === 229) return; // the IME is converting kana
    const m = main;
    if (!m?.searchInput || !m.results) return;
    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      const active = m.results.active();
      const same =
        resultsQuery !== null &&
        resultsQuery.text === m.searchInput.value &&
        resultsQuery.birth === (m.birthInput?.value ?? "");
      if (same && active) openResident(active, "search");
      else doSearch();
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (m.results.count() > 0) {
        e.preventDefault();
        m.results.move(e.key === "ArrowDown" ? 1 : -1);
      }
    }
  }

  function doSearch(): void {
    const m = main;
    if (!m?.searchInput || !m.results) return;
    const text = m.searchInput.value;
    const birth = m.birthInput?.value ?? "";
    const input = classifyInput(text, birth);
    banner.clear();
    hideNotice();
    if (input.kind === "empty") {
      m.results.render(null);
      resultsQuery = null;
      return;
    }
    if (input.kind === "voucher") {
      const now = Date.now();
      if (lastVoucher && lastVoucher.digits === input.digits && now - lastVoucher.at < VOUCHER_REPEAT_MS) return;
      lastVoucher = { digits: input.digits, at: now };
    } else {
      lastVoucher = null;
    }
    const seq = ++searchSeq;
    void run(async () => {
      try {
        if (input.kind === "voucher") {
          const r = await api.lookupVoucher(input.raw);
          if (seq !== searchSeq) return;
          m.results?.render(null);
          resultsQuery = null;
          // The next scan replaces the number.
          m.searchInput?.select();
          openResident(r, "voucher");
        } else {
          const list = await api.searchResidents(input.kana, input.birthDate);
          if (seq !== searchSeq) return;
          m.results?.render(list);
          m.searchInput?.setAttribute("aria-expanded", String(list.length > 0));
          resultsQuery = { text, birth };
        }
      } catch (e) {
        if (seq !== searchSeq) return; // a newer scan already replaced this one
        m.searchInput?.select();
        throw e;
      }
    });
  }

  function escape(): void {
    banner.clear();
    hideNotice();
    const m = main;
    if (!m) return;
    const hasText = (m.searchInput?.value ?? "") !== "" || (m.birthInput?.value ?? "") !== "";
    if (m.searchInput) m.searchInput.value = "";
    if (m.birthInput) m.birthInput.value = "";
    if (!hasText) {
      m.results?.render(null);
      resultsQuery = null;
      closeCard();
    }
    focusSearch();
  }

  // --- the card and check-in ------------------------------------------------------------
  function openResident(r: ResidentSummary, via: OpenedVia): void {
    if (!allowed.has("view_resident")) return;
    void run(() => loadCard(r.resident_id, via));
  }

  async function loadCard(residentId: string, via: OpenedVia): Promise<void> {
    const sid = sessionId;
    if (!sid) {
      banner.show(clientError("SESSION_NOT_FOUND"));
      return;
    }
    const seq = ++cardSeq;
    const card = await api.residentCard(residentId, sid);
    if (seq !== cardSeq || sid !== sessionId) return;
    showCard(card, via);
  }

  function showCard(card: ResidentCard, via: OpenedVia): void {
    const m = main;
    if (!m) return;
    const identity: IdentityMethod = via === "walkin" ? "verbal" : "voucher_only";
    const view = renderCard(
      card,
      { allowed, identity, myNumberPermission: status?.my_number_permission === true },
      {
        onCheckIn: (req) => {
          view.setBusy(true);
          void run(async () => {
            try {
              const visit = await api.checkIn(req);
              checkedIn(visit);
            } catch (e) {
              view.setBusy(false);
              const err = toApiError(e);
              handleError(err);
              // Someone else (or a double scan) already checked them in: show that.
              if (err.code === "ALREADY_CHECKED_IN") await loadCard(card.summary.resident_id, via);
              return;
            }
            await refreshAfterWrite();
          });
        },
        onInvalid: (err) => {
          banner.show(err);
          focusSearch();
        },
        onCorrect: () => {
          if (card.visit) openCorrection(card.visit, card);
        },
        onClose: () => {
          closeCard();
          focusSearch();
        },
        onMyNumber: () => openMyNumber(card.summary),
      },
    );
    cardView = view;
    clear(m.cardSlot);
    m.cardSlot.appendChild(view.el);
    // The card takes the space of the result list and the last confirmation
    // (both come back when it closes).
    m.root.classList.add("card-open");
    // Keep the search box in view above the card.
    m.cardSlot.parentElement?.scrollTo?.({ top: 0 });
    focusSearch();
  }

  function closeCard(): void {
    cardSeq++;
    lastVoucher = null;
    cardView = null;
    if (main) {
      clear(main.cardSlot);
      main.root.classList.remove("card-open");
    }
  }

  function checkedIn(visit: VisitView): void {
    const m = main;
    banner.clear();
    hideNotice();
    closeCard();
    if (!m) return;
    m.setLast(visit);
    if (m.searchInput) m.searchInput.value = "";
    if (m.birthInput) m.birthInput.value = "";
    m.results?.render(null);
    resultsQuery = null;
    focusSearch();
  }

  function showNotice(key: NoticeKey, no: number): void {
    main?.setNotice(key, no);
  }

  function hideNotice(): void {
    main?.setNotice(null);
  }

  // --- attendance ---------------------------------------------------------------------
  async function refreshAttendance(): Promise<void> {
    const m = main;
    const sid = sessionId;
    if (!m || !m.counts || !m.visitList) return;
    const programmes = currentSession()?.programmes ?? [];
    if (!sid) {
      fillCounts(m.counts, null, programmes);
      fillVisitList(m.visitList, [], programmes, allowed, visitHandlers);
      return;
    }
    const seq = ++attendanceSeq;
    const [visits, counts]: [VisitView[], SessionCounts] = await Promise.all([
      api.listVisits(sid),
      api.sessionCounts(sid),
    ]);
    if (seq !== attendanceSeq || sid !== sessionId || m !== main) return;
    fillCounts(m.counts, counts, programmes);
    fillVisitList(m.visitList, visits, programmes, allowed, visitHandlers);
  }

  async function refreshStatus(): Promise<void> {
    const st = await api.appStatus();
    if (destroyed) return;
    const before = status;
    status = st;
    const changed =
      st.store.kind === "failed" ||
      !st.staff ||
      st.staff.staff_id !== before?.staff?.staff_id ||
      st.my_number_permission !== before?.my_number_permission ||
      st.allowed_actions.join() !== before?.allowed_actions.join();
    if (changed) {
      // The session ended (idle timeout) or changed: show what the status says now.
      applyStatus(st);
      return;
    }
    main?.header.setPending(num(st.pending_events));
  }

  /** While someone is logged in: has Rust ended the session (idle timeout)? */
  function pollStatus(): void {
    if (statusPolling || destroyed || !status?.staff) return;
    statusPolling = true;
    void track(
      refreshStatus().catch((e: unknown) => {
        console.warn("app_status failed", e);
      }),
    ).finally(() => {
      statusPolling = false;
    });
  }
  const statusPollMs = opts.statusPollMs ?? STATUS_POLL_MS;
  const statusTimer = statusPollMs > 0 ? setInterval(pollStatus, statusPollMs) : null;

  /** After a write: the list, the counts and the unsent count. */
  async function refreshAfterWrite(): Promise<void> {
    await Promise.all([refreshAttendance(), refreshStatus(), refreshSync()]);
    focusSearch();
  }

  const visitHandlers = {
    onCorrect: (v: VisitView) => {
      if (!allowed.has("view_resident")) return;
      void run(async () => {
        const card = await api.residentCard(v.resident_id, v.session_id);
        openCorrection(v, card);
      });
    },
    onCancel: (v: VisitView) => openCancel(v),
  };

  // --- sync -----------------------------------------------------------------------------
  /** Show the SyncView a command returns, unless a newer one is already shown. */
  async function syncFrom(fetch: () => Promise<SyncView>): Promise<void> {
    const seq = ++syncSeq;
    const view = await fetch();
    if (destroyed || seq < syncShown) return;
    syncShown = seq;
    syncBar.update(view);
  }

  /** Ask for the sync status. A failure here is not staff's business: the next poll tries again. */
  function refreshSync(): Promise<void> {
    return track(
      syncFrom(() => api.syncStatus()).catch((e: unknown) => {
        console.warn("sync_status failed", e);
      }),
    );
  }

  function pollSync(): void {
    if (syncPolling || destroyed) return;
    syncPolling = true;
    void refreshSync().finally(() => {
      syncPolling = false;
    });
  }
  const pollMs = opts.syncPollMs ?? SYNC_POLL_MS;
  const pollTimer = pollMs > 0 ? setInterval(pollSync, pollMs) : null;

  // --- dialogs --------------------------------------------------------------------------
  function dialogClosed(): void {
    modal = null;
    focusSearch();
  }

  function openCancel(visit: VisitView): void {
    closeModal();
    banner.clear();
    hideNotice();
    const dlg: DialogHandle = openCancelDialog(root, visit, {
      onConfirm: (reason) => {
        if (reason.trim() === "") {
          banner.show(clientError("REASON_REQUIRED"));
          dlg.focusField();
          return;
        }
        submitVisitDialog(dlg, () => api.cancelVisit(visit.visit_id, reason), "cancel.done");
      },
      onClose: dialogClosed,
    });
    modal = dlg;
  }

  /** Send a dialog's write; on success close it, say so, refresh; on failure keep it open with the error. */
  function submitVisitDialog(dlg: DialogHandle, write: () => Promise<VisitView>, noticeKey: NoticeKey): void {
    dlg.setBusy(true);
    void run(async () => {
      try {
        const v = await write();
        banner.clear();
        if (modal === dlg) closeModal();
        showNotice(noticeKey, num(v.reception_no));
        reloadCardFor(v.resident_id);
      } catch (e) {
        dlg.setBusy(false);
        banner.show(toApiError(e));
        dlg.focusField();
        return;
      }
      await refreshAfterWrite();
    });
  }

  function openCorrection(visit: VisitView, card: ResidentCard): void {
    closeModal();
    banner.clear();
    hideNotice();
    const dlg: DialogHandle = openCorrectionDialog(root, visit, card, {
      onSubmit: (req) => {
        submitVisitDialog(dlg, () => api.correctVisit(req), "correct.done");
      },
      onInvalid: (err, field) => {
        banner.show(err);
        dlg.focusField(field);
      },
      onClose: dialogClosed,
    });
    modal = dlg;
  }

  function openWalkIn(): void {
    closeModal();
    banner.clear();
    hideNotice();
    const dlg: DialogHandle = openWalkInDialog(root, {
      onSubmit: (req) => {
        dlg.setBusy(true);
        void run(async () => {
          let r: ResidentSummary;
          try {
            r = await api.registerWalkIn(req);
          } catch (e) {
            dlg.setBusy(false);
            const err = toApiError(e);
            banner.show(err);
            dlg.focusField(walkInField(err));
            return;
          }
          banner.clear();
          if (modal === dlg) closeModal();
          await Promise.all([loadCard(r.resident_id, "walkin"), refreshStatus(), refreshSync()]);
        });
      },
      onInvalid: (err, field) => {
        banner.show(err);
        dlg.focusField(field);
      },
      onClose: dialogClosed,
    });
    modal = dlg;
  }

  /** 端末登録 (demo state, administrators only). On success the store starts over: back to the login. */
  function openEnroll(): void {
    if (syncBar.current()?.state !== "demo" || !allowed.has("enroll_terminal")) return;
    closeModal();
    banner.clear();
    hideNotice();
    const dlg = openEnrollDialog(root, {
      onSubmit: (serviceUrl, code) => {
        dlg.showError(null);
        const missing = serviceUrl.trim() === "" ? "service_url" : code.trim() === "" ? "enrollment_code" : null;
        if (missing) {
          dlg.showError(clientError("FIELD_REQUIRED", { field: missing }));
          dlg.focusField(missing);
          return;
        }
        dlg.setBusy(true);
        void run(async () => {
          let next: AppStatus;
          try {
            next = await api.enrollTerminal(serviceUrl, code);
          } catch (e) {
            const err = toApiError(e);
            void refreshSync();
            if (err.needs_reset || err.code === "STORE_UNAVAILABLE" || modal !== dlg) {
              // The store changed under us, or staff closed the dialog meanwhile.
              if (modal === dlg) closeModal();
              handleError(err);
              return;
            }
            dlg.setBusy(false);
            dlg.showError(err);
            dlg.focusField(enrollErrorField(err));
            return;
          }
          if (modal === dlg) closeModal();
          banner.clear();
          applyStatus(next);
        });
      },
      onClose: dialogClosed,
    });
    modal = dlg;
  }

  /** 監査ログ and アカウントのロック解除 (supervisors). */
  function openAudit(): void {
    const canAudit = allowed.has("view_audit_log");
    const canUnlock = allowed.has("unlock_account");
    if (!status || (!canAudit && !canUnlock)) return;
    closeModal();
    banner.clear();
    hideNotice();
    let auditSeq = 0;
    const dlg: AuditDialogHandle = openAuditDialog(
      root,
      { today: status.today, audit: canAudit, unlock: canUnlock },
      {
        onSearch: (query) => {
          const seq = ++auditSeq;
          dlg.setBusy(true);
          void run(async () => {
            try {
              const rows = await api.auditLog(query);
              if (modal !== dlg || seq !== auditSeq) return;
              dlg.showResults(rows);
            } catch (e) {
              if (modal === dlg) dialogFailed(dlg, toApiError(e), (err) => dlg.showError(err));
            } finally {
              if (modal === dlg && seq === auditSeq) dlg.setBusy(false);
            }
          });
        },
        onUnlock: (staffId) => {
          const form = dlg.unlock;
          if (!form) return;
          form.setBusy(true);
          void run(async () => {
            try {
              await api.unlockAccount(staffId);
              if (modal === dlg) form.showDone(staffId);
            } catch (e) {
              if (modal === dlg) dialogFailed(dlg, toApiError(e), (err) => form.showError(err));
            } finally {
              form.setBusy(false);
            }
          });
        },
        onClose: dialogClosed,
      },
    );
    modal = dlg;
    if (canAudit) dlg.search();
  }

  /**
   * 外部媒体への出力: clerks request and write, supervisors decide (Rust and the
   * service check the role, the designation, the approval and the medium).
   */
  function openExport(): void {
    const canRequest = allowed.has("request_export");
    const canWrite = allowed.has("write_export");
    const canDecide = allowed.has("decide_export");
    if (!canRequest && !canDecide) return;
    closeModal();
    banner.clear();
    hideNotice();
    let overviewSeq = 0;
    let mediaSeq = 0;
    const open = () => modal === dlg;
    /** A call of the view failed: start over, or say why in the part it is about. */
    const failed = (e: unknown, area: "load" | "request" | "write" | "decide") => {
      if (open()) dialogFailed(dlg, toApiError(e), (err) => dlg.showError(area, err));
    };
    const loadMedia = async () => {
      const seq = ++mediaSeq;
      try {
        const list = await api.exportMedia();
        if (open() && seq === mediaSeq) dlg.showMedia(list);
      } catch (e) {
        failed(e, "write");
      }
    };
    const showOverview = (o: ExportOverview, seq: number) => {
      if (!open() || seq !== overviewSeq) return false;
      dlg.showOverview(o);
      return true;
    };
    const loadOverview = async () => {
      const seq = ++overviewSeq;
      try {
        const o = await api.exportOverview();
        if (showOverview(o, seq)) dlg.showError("load", null);
      } catch (e) {
        failed(e, "load");
        return;
      }
      if (canWrite && open() && dlg.writable()) await loadMedia();
    };
    /** Send one of the view's writes; the view is busy meanwhile. */
    const send = (area: "request" | "decide", call: () => Promise<ExportOverview>, done: () => void) => {
      dlg.setBusy(true);
      void run(async () => {
        const seq = ++overviewSeq;
        try {
          const o = await call();
          if (!open()) return;
          showOverview(o, seq);
          done();
        } catch (e) {
          failed(e, area);
        } finally {
          if (open()) dlg.setBusy(false);
        }
        if (area === "request" && canWrite && open() && dlg.writable()) await loadMedia();
      });
    };
    const dlg: ExportViewHandle = openExportView(
      root,
      { canRequest, canWrite, canDecide },
      {
        onRequest: (request) =>
          send(
            "request",
            () => api.requestExport(request),
            () => dlg.requestDone(),
          ),
        onDecide: (decision) =>
          send(
            "decide",
            () => api.decideExport(decision),
            () => dlg.decisionDone(decision.request_id, decision.approve),
          ),
        onRefreshMedia: () => {
          dlg.showError("write", null);
          void run(loadMedia);
        },
        onWrite: (requestId, mediaId) => {
          dlg.setBusy(true);
          dlg.showError("write", null);
          void run(async () => {
            try {
              const w = await api.writeExport(requestId, mediaId);
              if (open()) dlg.showWritten(w);
            } catch (e) {
              failed(e, "write");
              if (!open()) return;
            } finally {
              if (open()) dlg.setBusy(false);
            }
            // Written, used or refused: the list says what the request is now.
            if (open()) await loadOverview();
          });
        },
        onReload: () => {
          void run(loadOverview);
        },
        onClose: dialogClosed,
      },
    );
    modal = dlg;
    void run(async () => {
      const withSessions = canRequest || canDecide;
      const loadSessions = async () => {
        if (!withSessions || !allowed.has("view_attendance")) return;
        try {
          const list = await api.listSessions();
          if (open()) dlg.setSessions(list);
        } catch (e) {
          failed(e, "load");
        }
      };
      await Promise.all([loadSessions(), loadOverview()]);
    });
  }

  /** パスワード変更: any logged-in role (Rust checks it, and that the service is reachable). */
  function openPassword(): void {
    if (!allowed.has("change_own_password")) return;
    closeModal();
    banner.clear();
    hideNotice();
    const dlg = openPasswordDialog(root, {
      onSubmit: (change) => {
        dlg.setBusy(true);
        void run(async () => {
          try {
            await api.changePassword(change);
            if (modal === dlg) dlg.showDone();
          } catch (e) {
            if (modal === dlg) dialogFailed(dlg, toApiError(e), (err) => dlg.showError(err));
          } finally {
            if (modal === dlg) dlg.setBusy(false);
          }
        });
      },
      onClose: dialogClosed,
    });
    modal = dlg;
  }

  /** 個人番号を表示: only with the role's action and the staff member's permission (Rust checks both). */
  function openMyNumber(who: ResidentSummary): void {
    if (!allowed.has("view_my_number") || status?.my_number_permission !== true) return;
    closeModal();
    banner.clear();
    hideNotice();
    const residentId = who.resident_id;
    const dlg = openMyNumberDialog(root, who, {
      onSubmit: (reason) => {
        dlg.showError(null);
        if (reason.trim() === "") {
          dlg.showError(clientError("REASON_REQUIRED"));
          dlg.focusField();
          return;
        }
        dlg.setBusy(true);
        void run(async () => {
          try {
            // Handed straight to the dialog; nothing here keeps it.
            const shown = await api.viewMyNumber(residentId, reason.trim());
            if (modal === dlg) dlg.showNumber(shown.my_number);
          } catch (e) {
            if (modal !== dlg) return;
            dlg.setBusy(false);
            dialogFailed(dlg, toApiError(e), (err) => {
              dlg.showError(err);
              dlg.focusField();
            });
          }
        });
      },
      onClose: dialogClosed,
    });
    modal = dlg;
  }

  /** A dialog's call failed: the window starts over if the session or store is gone, else the dialog says why. */
  function dialogFailed(dlg: DialogHandle, err: ApiError, show: (err: ApiError) => void): void {
    if (startsOver(err)) {
      if (modal === dlg) closeModal();
      handleError(err);
      return;
    }
    show(err);
  }

  /** If the card on screen is this resident's, show it again (visit state changed). */
  function reloadCardFor(residentId: string): void {
    if (cardView?.card.summary.resident_id === residentId) {
      const via: OpenedVia = "search";
      void run(() => loadCard(residentId, via));
    }
  }

  // --- keyboard -------------------------------------------------------------------------
  function onGlobalKey(e: KeyboardEvent): void {
    if (e.isComposing || e.keyCode === 229) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      if (modal) {
        e.preventDefault();
        modal.modal.submit();
      } else if (cardView?.submit()) {
        e.preventDefault();
      }
      return;
    }
    if (modal || !main) return;
    if (e.key === "Escape") {
      e.preventDefault();
      escape();
      return;
    }
    // A scanner "types" digits: if focus is on a button, checkbox or nothing, the
    // digits belong in the search box.
    const si = main.searchInput;
    if (si && /^[0-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey && !isEditable(document.activeElement)) {
      si.focus();
      si.select();
    }
  }
  document.addEventListener("keydown", onGlobalKey);

  void run(boot);

  return {
    async idle() {
      while (inflight.size > 0) {
        await Promise.allSettled([...inflight]);
      }
      await new Promise((r) => setTimeout(r, 0));
      if (inflight.size > 0) await this.idle();
    },
    destroy() {
      destroyed = true;
      if (pollTimer !== null) clearInterval(pollTimer);
      if (statusTimer !== null) clearInterval(statusTimer);
      screenCleanup?.();
      screenCleanup = null;
      document.removeEventListener("keydown", onGlobalKey);
      offLang();
      closeModal();
      clear(root);
    },
  };
}
