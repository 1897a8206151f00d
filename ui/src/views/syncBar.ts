// The sync bar (#sync-bar), on every screen: the state of the link to the central
// service, unsent records, the last sync, clock and error warnings, the first
// roster download, and records the service refused (with 「再送」).
// It only shows a SyncView; the app fetches it (polling, and after every action).

import type { RejectedEvent } from "../generated/RejectedEvent";
import type { SyncView } from "../generated/SyncView";
import { clear, h, ht, localize, trAttr, trFn } from "../dom";
import { num, timeJst } from "../format";
import { isKey, t } from "../i18n";

export interface SyncBarHandlers {
  onSyncNow(): void;
  /** Put a refused event back in the queue; the bar disables its button until this settles. */
  onRequeue(event: RejectedEvent): Promise<void>;
  onEnroll(): void;
}

export interface SyncBar {
  el: HTMLElement;
  update(view: SyncView): void;
  current(): SyncView | null;
  /** Whether the logged-in role may enroll the terminal (「中央サーバーに登録」 shows only then). */
  setEnrollAllowed(allowed: boolean): void;
}

/** 同期状態 in the current language. */
export function syncStateText(view: SyncView | null): string {
  if (!view) return t("sync.state.loading");
  const key = `sync.state.${view.state}`;
  return isKey(key) ? t(key) : view.state;
}

/** The message for a sync failure's code (a generic one showing the code otherwise). */
export function syncErrorText(code: string): string {
  const key = `sync.err.${code}`;
  return isKey(key) ? t(key) : t("sync.err.generic", { code });
}

/** The clock warning, or null when there is none. Positive skew: the terminal is ahead. */
export function skewText(skewMs: number | null, warning: boolean): string | null {
  if (!warning || skewMs === null) return null;
  const minutes = Math.round(Math.abs(skewMs) / 60_000);
  return t(skewMs > 0 ? "sync.skewAhead" : "sync.skewBehind", { minutes });
}

/** An event type (reception.checked_in.v1 …) as staff know it. */
export function eventTypeText(eventType: string): string {
  const key = `eventType.${eventType}`;
  return isKey(key) ? t(key) : eventType;
}

/** Set text only when it changed (the bar is redrawn every poll; live regions must not repeat). */
function setText(el: HTMLElement, value: string): void {
  if (el.textContent !== value) el.textContent = value;
}

export function createSyncBar(handlers: SyncBarHandlers): SyncBar {
  let view: SyncView | null = null;
  let enrollAllowed = false;

  const state = h("span", { id: "sync-state", class: "sync-state" });
  const pending = h("span", { id: "sync-pending", class: "sync-pending" });
  const last = h("span", { id: "sync-last", class: "sync-last" });
  const progressText = h("span", { id: "sync-progress-text", class: "sync-progress-text" });
  const progress = h("progress", {
    id: "sync-progress",
    class: "sync-progress",
    "aria-labelledby": "sync-progress-text",
    hidden: true,
  });
  const progressBox = h("span", { class: "sync-progress-box", hidden: true }, progressText, progress);
  const enroll = ht(
    "button",
    { id: "enroll-open", type: "button", class: "primary enroll-open", hidden: true },
    "enroll.open",
  );
  const syncNow = ht(
    "button",
    { id: "sync-now", type: "button", class: "secondary sync-now", disabled: true },
    "sync.now",
  );
  const error = h("p", { id: "sync-error", class: "sync-error", role: "status", hidden: true });
  const skew = h("p", { id: "sync-skew", class: "sync-skew", role: "status", hidden: true });
  const rejectedTitle = h("h2", { id: "sync-rejected-title", class: "sync-rejected-title" });
  const rejectedHelp = h("p", { id: "sync-rejected-help", class: "sync-rejected-help" });
  const rejectedList = h("ul", { class: "sync-rejected-list" });
  const rejected = h(
    "section",
    { id: "sync-rejected", class: "sync-rejected", "aria-labelledby": "sync-rejected-title", hidden: true },
    rejectedTitle,
    rejectedHelp,
    rejectedList,
  );
  const el = h(
    "footer",
    { id: "sync-bar", class: "sync-bar" },
    h(
      "div",
      { class: "sync-row" },
      state,
      pending,
      last,
      progressBox,
      h("span", { class: "sync-spacer" }),
      enroll,
      syncNow,
    ),
    error,
    skew,
    rejected,
  );
  trAttr(el, "aria-label", "sync.label");

  enroll.addEventListener("click", () => handlers.onEnroll());
  syncNow.addEventListener("click", () => {
    if (!syncNow.disabled) handlers.onSyncNow();
  });

  /** What the rejected list shows now (it is rebuilt only when this changes, so focus stays). */
  let rejectedKey = "";

  function renderRejected(list: readonly RejectedEvent[]): void {
    const key = JSON.stringify(list.map((r) => [r.event_id, r.error]));
    if (key === rejectedKey) return;
    rejectedKey = key;
    clear(rejectedList);
    list.forEach((r, i) => {
      const button = ht(
        "button",
        { id: `sync-requeue-${i}`, type: "button", class: "secondary sync-requeue", "data-event-id": r.event_id },
        "sync.requeue",
      );
      button.addEventListener("click", () => {
        if (button.disabled) return;
        button.disabled = true;
        void handlers.onRequeue(r).finally(() => {
          button.disabled = false;
        });
      });
      rejectedList.appendChild(
        h(
          "li",
          {
            id: `sync-rejected-item-${i}`,
            class: "sync-rejected-item",
            "data-event-id": r.event_id,
            "data-event-type": r.event_type,
          },
          trFn(h("span", { class: "sync-rejected-type" }), () => eventTypeText(r.event_type)),
          h("span", { class: "sync-rejected-time" }, timeJst(r.occurred_at)),
          h("span", { class: "sync-rejected-reason" }, r.error),
          button,
        ),
      );
    });
  }

  function render(): void {
    const v = view;
    const s = v?.status;
    el.setAttribute("data-sync-state", v?.state ?? "");
    el.classList.toggle("revoked", v?.state === "revoked");
    setText(state, syncStateText(v));
    state.className = `sync-state state-${v?.state ?? "loading"}`;
    if (v?.terminal_name && v.service_url) {
      el.title = t("sync.terminal", { name: v.terminal_name, url: v.service_url });
    } else {
      el.removeAttribute("title");
    }

    const count = num(s?.pending);
    const deferred = num(s?.deferred);
    setText(pending, t("sync.pending", { count }) + (deferred > 0 ? t("sync.deferred", { count: deferred }) : ""));
    pending.classList.toggle("has-pending", count > 0);
    pending.setAttribute("data-pending", String(count));
    pending.hidden = !s;

    setText(last, s?.last_success_at ? t("sync.last", { time: timeJst(s.last_success_at) }) : t("sync.lastNever"));

    const total = s?.roster_total ?? null;
    const applied = s?.roster_applied ?? 0;
    const downloading = total !== null && applied < total;
    progressBox.hidden = !downloading;
    progress.hidden = !downloading;
    if (total !== null && downloading) {
      progress.max = Math.max(total, 1);
      progress.value = applied;
      setText(progressText, t("sync.progress", { applied, total }));
    } else {
      setText(progressText, "");
    }

    const code = v && v.state !== "demo" ? (s?.last_error_code ?? null) : null;
    error.hidden = code === null;
    setText(error, code === null ? "" : syncErrorText(code));
    if (code === null) error.removeAttribute("data-error-code");
    else error.setAttribute("data-error-code", code);

    const skewMessage = s ? skewText(s.skew_ms, s.skew_warning) : null;
    skew.hidden = skewMessage === null;
    setText(skew, skewMessage ?? "");

    enroll.hidden = v?.state !== "demo" || !enrollAllowed;
    syncNow.disabled = !v || v.state === "demo";

    // Before login Rust sends the count only (the reasons may name a resident).
    const list = s?.rejected ?? [];
    const refused = num(s?.rejected_count);
    setText(rejectedTitle, t("sync.rejectedTitle", { count: refused }));
    renderRejected(list);
    rejected.hidden = refused === 0;
    setText(rejectedHelp, t(list.length === 0 ? "sync.rejectedLogin" : "sync.rejectedHelp"));
  }

  localize(el, render);

  return {
    el,
    update(next) {
      view = next;
      render();
    },
    current: () => view,
    setEnrollAllowed(allowed) {
      enrollAllowed = allowed;
      render();
    },
  };
}
