// The main screen's part of the header: session picker, today's date, staff name,
// 「担当者変更」 and the count of events not yet sent.

import type { AppStatus } from "../generated/AppStatus";
import type { SessionView } from "../generated/SessionView";
import { h, ht, localize, trAttr } from "../dom";
import { t } from "../i18n";
import { num, sessionLabel } from "../format";

export interface HeaderView {
  el: HTMLElement;
  sessionSelect: HTMLSelectElement | null;
  setPending(count: number): void;
  /** Warn when the chosen session is not today's. */
  setSession(session: SessionView | null): void;
}

/** Today's first session, else the first one. */
export function defaultSession(sessions: readonly SessionView[], today: string): SessionView | null {
  return sessions.find((s) => s.date === today) ?? sessions[0] ?? null;
}

export function renderHeaderMain(
  status: AppStatus,
  sessions: readonly SessionView[] | null,
  selectedId: string | null,
  handlers: { onSession(id: string): void; onSignOut(): void },
): HeaderView {
  const el = h("div", { id: "header-main", class: "header-main" });

  let sessionSelect: HTMLSelectElement | null = null;
  if (sessions !== null) {
    if (sessions.length === 0) {
      el.appendChild(ht("span", { id: "no-sessions", class: "no-sessions" }, "header.noSessions"));
    } else {
      const select = h("select", { id: "session-select", class: "session-select" });
      for (const s of sessions) {
        const o = h("option", { value: s.session_id }, sessionLabel(s));
        if (s.session_id === selectedId) o.selected = true;
        select.appendChild(o);
      }
      if (selectedId) select.value = selectedId;
      select.addEventListener("change", () => handlers.onSession(select.value));
      trAttr(select, "aria-label", "header.session");
      el.appendChild(select);
      sessionSelect = select;
    }
  }

  const today = ht("span", { id: "today", class: "today not-today", hidden: true }, "header.notToday", {
    date: status.today_wareki,
  });
  const setSession = (s: SessionView | null) => {
    today.hidden = s === null || s.date === status.today;
  };
  setSession(sessions?.find((s) => s.session_id === selectedId) ?? null);
  el.appendChild(today);

  const pending = h("span", { id: "pending-count", class: "pending-count" });
  trAttr(pending, "title", "header.pendingHelp");
  let pendingCount = num(status.pending_events);
  localize(pending, () => {
    pending.textContent = t("header.pending", { count: pendingCount });
  });
  const setPending = (count: number) => {
    pendingCount = count;
    pending.textContent = t("header.pending", { count });
    pending.classList.toggle("has-pending", count > 0);
    pending.setAttribute("data-pending", String(count));
  };
  setPending(pendingCount);
  el.appendChild(pending);

  if (status.staff) {
    el.appendChild(ht("span", { id: "staff-name", class: "staff-current" }, "header.staff", { name: status.staff.name }));
  }
  const signOut = ht("button", { id: "sign-out", type: "button", class: "secondary" }, "header.signOut");
  signOut.addEventListener("click", handlers.onSignOut);
  el.appendChild(signOut);

  return { el, sessionSelect, setPending, setSession };
}
