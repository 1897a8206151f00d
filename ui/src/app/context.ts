// The shared context every part of the window gets: the api, the state, the shell
// (header, error banner, #screen, sync bar) and the few helpers all screens use
// (handleError, setScreen, focusSearch, closeModal). The routing and the dialog
// openers are linked in by app.ts, so the modules below reach them without
// importing each other in a circle.

import type { Api } from "../api";
import type { ApiError } from "../generated/ApiError";
import type { AppStatus } from "../generated/AppStatus";
import type { ResidentCard } from "../generated/ResidentCard";
import type { ResidentSummary } from "../generated/ResidentSummary";
import type { SessionView } from "../generated/SessionView";
import type { VisitView } from "../generated/VisitView";
import { clear, h, ht } from "../dom";
import { programmeLabel } from "../format";
import { toggleLang } from "../i18n";
import { createErrorBanner, type ErrorBanner } from "../views/errorBanner";
import { createSyncBar, type SyncBar } from "../views/syncBar";
import { syncFrom } from "./polling";
import { createTasks, type AppState } from "./state";

export interface AppOptions {
  storage?: Pick<Storage, "getItem" | "setItem"> | null;
  /** How often the sync bar asks for the sync status (ms); 0 turns polling off. */
  syncPollMs?: number;
  /** How often the status is asked for while someone is logged in (ms); 0 turns polling off. */
  statusPollMs?: number;
}

/** An error after which the window starts over from the status (store gone, session ended). */
export function startsOver(err: ApiError): boolean {
  return err.needs_reset || err.code === "NOT_LOGGED_IN" || err.code === "STORE_UNAVAILABLE";
}

/** The dialogs (app/dialogs/*), as the screens, the header and the sync bar open them. */
export interface DialogOpeners {
  openCancel(visit: VisitView): void;
  openCorrection(visit: VisitView, card: ResidentCard): void;
  openWalkIn(): void;
  openEnroll(): void;
  openAudit(): void;
  openExport(): void;
  openPassword(): void;
  openMyNumber(who: ResidentSummary): void;
}

/** What app.ts links in (app/router.ts and app/dialogs/*). */
export interface ContextLinks {
  /** Ask Rust for the status and show the screen it calls for. */
  boot(): Promise<void>;
  /** Show the screen a status calls for. */
  applyStatus(st: AppStatus): void;
  readonly dialogs: DialogOpeners;
}

export interface AppContext extends ContextLinks {
  readonly api: Api;
  readonly opts: AppOptions;
  readonly state: AppState;
  /** The window's root element (dialogs open in it). */
  readonly root: HTMLElement;
  /** The screen's part of the header (#header-slot). */
  readonly headerSlot: HTMLElement;
  readonly demoBadge: HTMLElement;
  readonly banner: ErrorBanner;
  /** #screen: the store-failed, login or reception screen. */
  readonly screen: HTMLElement;
  readonly syncBar: SyncBar;
  /** Register a call the window started (AppHandle.idle waits for it). */
  track<T>(p: Promise<T>): Promise<T>;
  /** Run an async step; any failure goes to the error banner. */
  run(fn: () => Promise<void>): Promise<void>;
  /** Resolves once every call the window started has settled. */
  idle(): Promise<void>;
  /** Show an error; start over from the status when the store or the session is gone. */
  handleError(err: ApiError): void;
  /** Replace #screen's content (stops the old screen's background work, closes any dialog). */
  setScreen(...content: Node[]): void;
  /** Focus back to the search box (unless a dialog is open). */
  focusSearch(): void;
  closeModal(): void;
  currentSession(): SessionView | null;
}

/** Build the shell into `root` (emptied first) and the context around it. */
export function createContext(
  root: HTMLElement,
  api: Api,
  opts: AppOptions,
  state: AppState,
  links: ContextLinks,
): AppContext {
  const tasks = createTasks((err) => handleError(err));

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
      void tasks.run(() => syncFrom(ctx, () => api.syncNow()));
      focusSearch();
    },
    onRequeue: (event) =>
      tasks.run(async () => {
        await syncFrom(ctx, () => api.requeueEvent(event.event_id));
        banner.clear();
        focusSearch();
      }),
    onEnroll: () => links.dialogs.openEnroll(),
  });
  clear(root);
  root.append(header, banner.el, screen, syncBar.el);

  langToggle.addEventListener("click", () => {
    toggleLang();
    focusSearch();
  });

  // --- helpers ------------------------------------------------------------------------
  function programmeName(code: string): string | undefined {
    const s = state.sessions?.find((x) => x.session_id === state.sessionId);
    const p = s?.programmes.find((x) => x.code === code);
    return p ? programmeLabel(p) : undefined;
  }

  function currentSession(): SessionView | null {
    return state.sessions?.find((s) => s.session_id === state.sessionId) ?? null;
  }

  function focusSearch(): void {
    if (state.modal || state.destroyed) return;
    state.main?.searchInput?.focus();
  }

  function handleError(err: ApiError): void {
    banner.show(err);
    if (startsOver(err)) {
      // The store failed under us, or the session ended: start over from the status.
      void tasks.run(links.boot);
      return;
    }
    focusSearch();
  }

  function setScreen(...content: Node[]): void {
    state.screenCleanup?.();
    state.screenCleanup = null;
    closeModal();
    clear(screen);
    screen.append(...content);
    screen.classList.toggle("reception", content.some((n) => n instanceof Element && n.classList.contains("main-grid")));
  }

  function closeModal(): void {
    const m = state.modal;
    state.modal = null;
    m?.modal.close();
  }

  const ctx: AppContext = {
    api,
    opts,
    state,
    root,
    headerSlot,
    demoBadge,
    banner,
    screen,
    syncBar,
    track: tasks.track,
    run: tasks.run,
    idle: tasks.idle,
    handleError,
    setScreen,
    focusSearch,
    closeModal,
    currentSession,
    boot: links.boot,
    applyStatus: links.applyStatus,
    dialogs: links.dialogs,
  };
  return ctx;
}
