// The main screen's part of the header: session picker, today's date, the count of
// events not yet sent, the logged-in staff member, 「外部媒体への出力」 (clerks and
// supervisors), 「監査ログ」 (supervisors), 「パスワード変更」 (everyone) and 「ログアウト」.

import type { AppStatus } from "../generated/AppStatus";
import type { SessionView } from "../generated/SessionView";
import { h, ht, localize, trAttr } from "../dom";
import { t } from "../i18n";
import { num, roleKey, sessionLabel } from "../format";

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
  handlers: {
    onSession(id: string): void;
    onLogout(): void;
    onAudit(): void;
    onPassword(): void;
    onExport(): void;
  },
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

  const staff = status.staff;
  if (staff) {
    const name = ht(
      "span",
      { id: "staff-name", class: "staff-current", "data-staff-id": staff.staff_id, "data-staff-role": staff.role },
      "header.staff",
      { name: staff.name },
    );
    localize(name, () => {
      name.title = `${staff.staff_id}　${staff.department}　${t(roleKey(staff.role))}`;
    });
    el.appendChild(name);
  }
  const allowed = status.allowed_actions;
  if (allowed.includes("request_export") || allowed.includes("decide_export")) {
    const exportOpen = ht("button", { id: "export-open", type: "button", class: "secondary" }, "header.export");
    exportOpen.addEventListener("click", handlers.onExport);
    el.appendChild(exportOpen);
  }
  if (allowed.includes("view_audit_log") || allowed.includes("unlock_account")) {
    const audit = ht("button", { id: "audit-open", type: "button", class: "secondary" }, "header.audit");
    audit.addEventListener("click", handlers.onAudit);
    el.appendChild(audit);
  }
  if (allowed.includes("change_own_password")) {
    const password = ht("button", { id: "password-open", type: "button", class: "secondary" }, "header.password");
    password.addEventListener("click", handlers.onPassword);
    el.appendChild(password);
  }
  const logout = ht("button", { id: "logout-button", type: "button", class: "secondary" }, "header.logout");
  logout.addEventListener("click", handlers.onLogout);
  el.appendChild(logout);

  return { el, sessionSelect, setPending, setSession };
}
