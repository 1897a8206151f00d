// The window's state in one typed object: what Rust last said (status, the role's
// actions), the reception screen on show, the open dialog, and the sequence numbers
// that drop stale answers. Also the calls still under way (track/run/idle).
// Nothing else in the window keeps state between events.

import type { Action } from "../generated/Action";
import type { ApiError } from "../generated/ApiError";
import type { AppStatus } from "../generated/AppStatus";
import type { SessionView } from "../generated/SessionView";
import type { VisitView } from "../generated/VisitView";
import { toApiError } from "../errors";
import type { CardView } from "../views/card";
import type { DialogHandle } from "../views/dialogs";
import type { HeaderView } from "../views/header";
import type { ResultsView } from "../views/results";

/** How a resident's card was opened (a voucher scan, the search list, a walk-in just registered). */
export type OpenedVia = "voucher" | "search" | "walkin";

/** The reception screen's done notices (#notice). */
export type NoticeKey = "cancel.done" | "correct.done";

/** The reception screen on show (null on every other screen). */
export interface MainView {
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

export interface AppState {
  /** The status Rust last returned. */
  status: AppStatus | null;
  /** The logged-in role's actions (from the status). */
  allowed: Set<Action>;
  sessions: SessionView[] | null;
  sessionId: string | null;
  main: MainView | null;
  cardView: CardView | null;
  modal: DialogHandle | null;
  /** What the result list on show was searched for (Enter on the same text opens the highlighted row). */
  resultsQuery: { text: string; birth: string } | null;
  searchSeq: number;
  /** The last voucher looked up, to drop the same scan arriving twice at once. */
  lastVoucher: { digits: string; at: number } | null;
  cardSeq: number;
  attendanceSeq: number;
  /** Sync status requests: a response older than the one shown is dropped. */
  syncSeq: number;
  syncShown: number;
  syncPolling: boolean;
  statusPolling: boolean;
  /** Stops what the current screen runs in the background (the login screen's refresh). */
  screenCleanup: (() => void) | null;
  destroyed: boolean;
}

export function createState(): AppState {
  return {
    status: null,
    allowed: new Set<Action>(),
    sessions: null,
    sessionId: null,
    main: null,
    cardView: null,
    modal: null,
    resultsQuery: null,
    searchSeq: 0,
    lastVoucher: null,
    cardSeq: 0,
    attendanceSeq: 0,
    syncSeq: 0,
    syncShown: 0,
    syncPolling: false,
    statusPolling: false,
    screenCleanup: null,
    destroyed: false,
  };
}

/** The calls the window started. */
export interface Tasks {
  /** Register a call (idle() waits for it). */
  track<T>(p: Promise<T>): Promise<T>;
  /** Run an async step; any failure goes to `onError` (the error banner). */
  run(fn: () => Promise<void>): Promise<void>;
  /** Resolves once every call started has settled (for tests). */
  idle(): Promise<void>;
}

export function createTasks(onError: (err: ApiError) => void): Tasks {
  const inflight = new Set<Promise<unknown>>();
  function track<T>(p: Promise<T>): Promise<T> {
    inflight.add(p);
    p.then(
      () => inflight.delete(p),
      () => inflight.delete(p),
    );
    return p;
  }
  function run(fn: () => Promise<void>): Promise<void> {
    return track(
      fn().catch((e: unknown) => {
        onError(toApiError(e));
      }),
    );
  }
  async function idle(): Promise<void> {
    while (inflight.size > 0) {
      await Promise.allSettled([...inflight]);
    }
    await new Promise((r) => setTimeout(r, 0));
    if (inflight.size > 0) await idle();
  }
  return { track, run, idle };
}
