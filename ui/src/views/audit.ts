// The supervisor's audit view (#audit-view): this terminal's access log, filtered
// by staff, resident, operation and JST days, newest first (処理日時, 職員, 部署,
// 処理事由, 宛名番号, 処理内容, 詳細). With unlock_account it also holds the
// account unlock. The app sends the query; looking is itself logged by Rust.

import type { AccessLogEntry } from "../generated/AccessLogEntry";
import type { ApiError } from "../generated/ApiError";
import type { AuditQuery } from "../generated/AuditQuery";
import { errorMessage } from "../errors";
import { clear, field, h, ht, localize, options, trFn } from "../dom";
import { dateTimeJst, num } from "../format";
import { isKey, t, type MsgKey } from "../i18n";
import type { DialogHandle } from "./dialogs";
import { openModal } from "./modal";
import { createUnlockForm, type UnlockForm } from "./unlock";

/** 処理内容 values the filter offers, in the order staff think of them. */
export const AUDIT_OPERATIONS = [
  "login_ok",
  "login_fail",
  "logout",
  "search_voucher",
  "search_kana",
  "view",
  "list_attendees",
  "check_in",
  "correct",
  "cancel",
  "walk_in_register",
  "eligibility",
  "account_locked",
  "account_unlock",
  "authenticator_register",
  "refused",
  "view_my_number",
  "view_audit",
  "password_change",
  "export_request",
  "export_decision",
  "export_write_start",
  "export_write",
  "export_write_failed",
  "export_refused",
] as const;

/** At most this many entries per search (Rust's default too). */
export const AUDIT_LIMIT = 200;

/** An operation's label in the current language (the code itself when unknown). */
export function operationLabel(op: string): string {
  const key = `auditOp.${op}`;
  return isKey(key) ? t(key) : op;
}

export interface AuditDialogHandle extends DialogHandle {
  /** Send the query the filters describe (also on open, and on Enter). */
  search(): void;
  showResults(rows: readonly AccessLogEntry[]): void;
  showError(err: ApiError | null): void;
  /** The unlock form, when the role may unlock accounts. */
  unlock: UnlockForm | null;
}

export interface AuditOptions {
  /** Today (YYYY-MM-DD, JST): the default day range. */
  today: string;
  audit: boolean;
  unlock: boolean;
}

function entryRow(e: AccessLogEntry): HTMLElement {
  const seq = num(e.seq);
  return h(
    "tr",
    { id: `audit-row-${seq}`, class: "audit-row", "data-seq": seq, "data-operation": e.operation },
    h("td", { class: "audit-at" }, dateTimeJst(e.at)),
    h("td", { class: "audit-staff" }, e.staff_id),
    h("td", { class: "audit-department" }, e.department),
    h("td", { class: "audit-reason" }, e.reason),
    h("td", { class: "audit-resident" }, e.resident_id ?? ""),
    trFn(h("td", { class: "audit-operation" }), () => operationLabel(e.operation)),
    h("td", { class: "audit-detail" }, e.detail),
  );
}

export function openAuditDialog(
  host: HTMLElement,
  opts: AuditOptions,
  handlers: { onSearch(query: AuditQuery): void; onUnlock(staffId: string): void; onClose(): void },
): AuditDialogHandle {
  const text = (id: string) =>
    h("input", { id, type: "text", maxlength: "40", autocomplete: "off", spellcheck: "false", lang: "en" });
  const staff = text("audit-staff");
  const resident = text("audit-resident");
  const operation = h("select", { id: "audit-operation" });
  operation.appendChild(ht("option", { value: "" }, "audit.operationAll"));
  options(operation, AUDIT_OPERATIONS, (op) => `auditOp.${op}` as MsgKey);
  operation.value = "";
  const from = h("input", { id: "audit-from", type: "date", value: opts.today });
  const to = h("input", { id: "audit-to", type: "date", value: opts.today });
  const searchButton = ht("button", { id: "audit-search", type: "button", class: "primary" }, "audit.search");

  let err: ApiError | null = null;
  const error = h("p", { id: "audit-error", class: "form-error", role: "alert", hidden: true });
  localize(error, () => {
    error.textContent = err ? errorMessage(err) : "";
  });
  let count: number | null = null;
  const countLine = h("p", { id: "audit-count", class: "audit-count", role: "status" });
  const countText = () =>
    count === null ? "" : count === 0 ? t("audit.none") : t(count >= AUDIT_LIMIT ? "audit.limited" : "audit.count", { count });
  localize(countLine, () => {
    countLine.textContent = countText();
  });
  const rowsBody = h("tbody");
  const col = (key: MsgKey) => ht("th", { scope: "col" }, key);
  const table = h(
    "table",
    { id: "audit-results", class: "audit-results" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        col("audit.col.at"),
        col("audit.col.staff"),
        col("audit.col.department"),
        col("audit.col.reason"),
        col("audit.col.resident"),
        col("audit.col.operation"),
        col("audit.col.detail"),
      ),
    ),
    rowsBody,
  );

  const readQuery = (): AuditQuery => {
    const v = (input: HTMLInputElement | HTMLSelectElement) => (input.value.trim() === "" ? null : input.value.trim());
    return {
      staff_id: v(staff),
      resident_id: v(resident),
      operation: v(operation),
      from: v(from),
      to: v(to),
      limit: AUDIT_LIMIT,
    };
  };
  const search = () => {
    if (!opts.audit || searchButton.disabled) return;
    handlers.onSearch(readQuery());
  };
  searchButton.addEventListener("click", search);
  for (const input of [staff, resident, from, to]) {
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.isComposing && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        search();
      }
    });
  }

  const unlock = opts.unlock ? createUnlockForm(handlers.onUnlock) : null;
  const auditSection = opts.audit
    ? h(
        "section",
        { class: "audit-section" },
        h(
          "div",
          { class: "audit-filters" },
          field("audit.staff", staff),
          field("audit.resident", resident),
          field("audit.operation", operation),
          field("audit.from", from),
          field("audit.to", to),
          searchButton,
        ),
        error,
        countLine,
        h("div", { class: "audit-table-wrap" }, table),
      )
    : null;

  const close = ht("button", { id: "audit-close", type: "button", class: "secondary" }, "audit.close");
  const body: Node[] = [];
  if (unlock) body.push(unlock.el);
  if (auditSection) body.push(auditSection);
  body.push(h("div", { class: "actions" }, close));
  const modal = openModal(host, {
    id: "audit-view",
    titleKey: "audit.title",
    body,
    onSubmit: search,
    onClose: handlers.onClose,
  });
  modal.el.classList.add("audit-view");
  close.addEventListener("click", () => modal.close());
  if (opts.audit) staff.focus();
  else unlock?.focus();

  const handle: AuditDialogHandle = {
    modal,
    unlock,
    search,
    setBusy(on) {
      searchButton.disabled = on;
      table.setAttribute("aria-busy", String(on));
    },
    focusField() {
      staff.focus();
    },
    showResults(rows) {
      handle.showError(null);
      clear(rowsBody);
      for (const e of rows) rowsBody.appendChild(entryRow(e));
      count = rows.length;
      countLine.textContent = countText();
    },
    showError(e) {
      err = e;
      error.textContent = e ? errorMessage(e) : "";
      error.hidden = e === null;
      if (e) error.setAttribute("data-error-code", e.code);
      else error.removeAttribute("data-error-code");
    },
  };
  return handle;
}
