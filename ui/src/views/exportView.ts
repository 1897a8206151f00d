// 「外部媒体への出力」 (#export-view). What it shows depends on the role's actions:
// - request_export (clerk): the terminal's designation (#export-designation), the
//   request form (#export-form) and this terminal's requests (#export-request-<id>);
// - write_export (clerk): on an approved request not yet written, the removable
//   medium to write to (#export-media-<id>, list refreshed by #export-media-refresh)
//   and #export-write-<id>, which first asks in a small modal (#export-confirm); the
//   outcome shows in #export-written;
// - decide_export (supervisor): other staff's pending requests
//   (#export-pending-<id>), each with a comment and 承認する / 却下する (Rust then
//   asks the supervisor's own authenticator to sign exactly that decision).
// The window only checks what it can see (a missing purpose, no session, a refusal
// without a comment); everything else is Rust's and
// the service's, and their refusals are shown by code. Errors go to the area of the
// part they are about: #export-load-error, #export-error (the form),
// #export-write-error, #export-decide-error.

import type { ApiError } from "../generated/ApiError";
import type { ExportDecisionInput } from "../generated/ExportDecisionInput";
import type { ExportOverview } from "../generated/ExportOverview";
import type { ExportRequestInput } from "../generated/ExportRequestInput";
import type { ExportRequestItem } from "../generated/ExportRequestItem";
import type { ExportWritten } from "../generated/ExportWritten";
import type { MediaChoice } from "../generated/MediaChoice";
import type { SessionView } from "../generated/SessionView";
import { clientError, errorMessage } from "../errors";
import { clear, field, h, ht, localize, options, relocalize, trAttr, trFn, type Child } from "../dom";
import { dateTimeJst, num, sessionLabel } from "../format";
import { isKey, t, type MsgKey } from "../i18n";
import type { DialogHandle } from "./dialogs";
import { openModal, type Modal } from "./modal";

/** The layouts Rust knows (`uketsuke_protocol::export::layouts`). */
export const EXPORT_LAYOUTS = ["health_system", "screening_org"] as const;

/** A layout's name in the current language (the code itself when unknown). */
export function layoutLabel(layout: string): string {
  const k = `export.layout.${layout}`;
  return isKey(k) ? t(k) : layout;
}

/** The state staff see: a request written on this terminal is 出力済 even before the service says so. */
export function displayState(item: Pick<ExportRequestItem, "state" | "written">): string {
  return item.written ? "used" : item.state;
}

export function stateLabel(state: string): string {
  const k = `export.state.${state}`;
  return isKey(k) ? t(k) : state;
}

/** What the form checks before sending, in Rust's order (layout, sessions, purpose), then the recipient. */
export function checkExportRequest(input: ExportRequestInput): ApiError | null {
  if (!(EXPORT_LAYOUTS as readonly string[]).includes(input.layout)) {
    return clientError("EXPORT_LAYOUT_UNKNOWN", { field: "layout" });
  }
  if (input.session_ids.length === 0) return clientError("EXPORT_SESSIONS_REQUIRED", { field: "sessions" });
  if (input.purpose.trim() === "") return clientError("EXPORT_PURPOSE_REQUIRED", { field: "purpose" });
  if (input.recipient_id === "") return clientError("EXPORT_RECIPIENT_REQUIRED", { field: "recipient" });
  return null;
}

/** What a decision needs before it is sent: a comment to refuse. (The supervisor's
 * authenticator is asked by Rust, after the click, for exactly this decision.) */
export function checkDecision(approve: boolean, comment: string): ApiError | null {
  if (!approve && comment.trim() === "") return clientError("EXPORT_COMMENT_REQUIRED", { field: "comment" });
  return null;
}

/** The first characters of a SHA-256 (the full one goes in the title). */
export function shortHash(sha256: string): string {
  return sha256.length > 16 ? `${sha256.slice(0, 16)}…` : sha256;
}

export type ExportArea = "load" | "request" | "write" | "decide";

export interface ExportViewOptions {
  canRequest: boolean;
  canWrite: boolean;
  canDecide: boolean;
}

export interface ExportHandlers {
  onRequest(request: ExportRequestInput): void;
  onDecide(decision: ExportDecisionInput): void;
  onRefreshMedia(): void;
  /** Called only after staff confirmed in #export-confirm. */
  onWrite(requestId: string, mediaId: string): void;
  onReload(): void;
  onClose(): void;
}

export interface ExportViewHandle extends DialogHandle {
  showOverview(overview: ExportOverview): void;
  setSessions(sessions: readonly SessionView[]): void;
  showMedia(media: readonly MediaChoice[]): void;
  showWritten(written: ExportWritten): void;
  showError(area: ExportArea, err: ApiError | null): void;
  /** The request was made: empty the form, say so. */
  requestDone(): void;
  decisionDone(requestId: string, approve: boolean): void;
  /** This terminal has an approved request not written yet (worth listing media for). */
  writable(): boolean;
}

interface ErrorArea {
  el: HTMLElement;
  show(err: ApiError | null): void;
}

function errorArea(id: string): ErrorArea {
  let err: ApiError | null = null;
  const el = h("p", { id, class: "form-error", role: "alert", hidden: true });
  localize(el, () => {
    el.textContent = err ? errorMessage(err) : "";
  });
  return {
    el,
    show(e) {
      err = e;
      el.textContent = e ? errorMessage(e) : "";
      el.hidden = e === null;
      if (e) el.setAttribute("data-error-code", e.code);
      else el.removeAttribute("data-error-code");
    },
  };
}

/** A status line showing one message at a time (or nothing). */
function noticeLine(id: string): { el: HTMLElement; show(key: MsgKey | null): void } {
  let key: MsgKey | null = null;
  const el = h("p", { id, class: "export-notice", role: "status", hidden: true });
  localize(el, () => {
    el.textContent = key ? t(key) : "";
  });
  return {
    el,
    show(k) {
      key = k;
      el.textContent = k ? t(k) : "";
      el.hidden = k === null;
    },
  };
}

/** Label / value pairs of a request. */
function facts(pairs: Array<[MsgKey, Child, string]>): HTMLElement {
  const dl = h("dl", { class: "export-facts" });
  for (const [label, value, cls] of pairs) {
    dl.append(ht("dt", {}, label), h("dd", { class: cls }, value));
  }
  return dl;
}

export function openExportView(
  host: HTMLElement,
  opts: ExportViewOptions,
  handlers: ExportHandlers,
): ExportViewHandle {
  let overview: ExportOverview | null = null;
  let sessions: readonly SessionView[] = [];
  let media: readonly MediaChoice[] | null = null;
  let busy = false;
  let firstShown = false;
  let confirm: Modal | null = null;
  /** The pending request last decided on (its inputs get the focus after a refusal). */
  let lastDecision: string | null = null;

  const sessionName = (id: string) => {
    const s = sessions.find((x) => x.session_id === id);
    return s ? sessionLabel(s) : id;
  };

  // --- status ---------------------------------------------------------------------------
  const designation = h("p", { id: "export-designation", class: "export-designation" });
  localize(designation, () => {
    if (!overview) designation.textContent = "";
    else if (overview.designated) {
      const until = overview.designation_expires_at;
      designation.textContent = t("export.designated", { date: until ? dateTimeJst(until) : "—" });
    } else designation.textContent = t("export.notDesignated");
  });
  const online = h("p", { id: "export-online", class: "export-online" });
  localize(online, () => {
    online.textContent = overview ? t(overview.online ? "export.online" : "export.offline") : "";
  });
  const statusBox = h("div", { class: "export-status" }, designation, online);
  const loading = ht("p", { id: "export-loading", class: "loading" }, "export.loading");
  const loadError = errorArea("export-load-error");
  const busyNote = ht("p", { class: "dialog-busy", role: "status", hidden: true }, "export.busy");

  // --- the request form (clerk) ---------------------------------------------------------
  const layout = h("select", { id: "export-layout" });
  options(layout, EXPORT_LAYOUTS, (l) => `export.layout.${l}` as MsgKey, EXPORT_LAYOUTS[0]);
  const sessionBox = h("div", { id: "export-sessions", class: "export-sessions", role: "group" });
  trAttr(sessionBox, "aria-label", "export.sessions");
  const purpose = h("input", { id: "export-purpose", type: "text", maxlength: "200", autocomplete: "off" });
  trAttr(purpose, "placeholder", "export.purposePlaceholder");
  const recipient = h("select", { id: "export-recipient" });
  const noRecipients = ht("p", { id: "export-no-recipients", class: "dialog-note", hidden: true }, "export.noRecipients");
  const requestError = errorArea("export-error");
  const requested = noticeLine("export-requested");
  const submitButton = ht("button", { id: "export-request-submit", type: "button", class: "primary" }, "export.submit");
  const form = h(
    "div",
    { id: "export-form", class: "export-form" },
    field("export.layout", layout),
    h("fieldset", { class: "export-sessions-field" }, ht("legend", {}, "export.sessions"), sessionBox),
    field("export.purpose", purpose, "export-purpose-field"),
    field("export.recipient", recipient),
    noRecipients,
    requestError.el,
    requested.el,
    h("div", { class: "actions" }, submitButton),
  );

  const sessionInputs = () => Array.from(sessionBox.querySelectorAll<HTMLInputElement>("input[type=checkbox]"));

  const renderSessions = () => {
    const checked = new Set(sessionInputs().filter((i) => i.checked).map((i) => i.value));
    clear(sessionBox);
    if (sessions.length === 0) {
      sessionBox.appendChild(ht("p", { class: "empty" }, "export.noSessions"));
      return;
    }
    for (const s of sessions) {
      const box = h("input", {
        id: `export-session-${s.session_id}`,
        type: "checkbox",
        value: s.session_id,
        checked: checked.has(s.session_id),
      });
      sessionBox.appendChild(
        h("label", { class: "export-session", for: box.id }, box, h("span", {}, sessionLabel(s))),
      );
    }
  };

  const renderRecipients = (o: ExportOverview) => {
    const before = recipient.value;
    clear(recipient);
    recipient.appendChild(ht("option", { value: "" }, "export.recipientChoose"));
    for (const r of o.recipients) recipient.appendChild(h("option", { value: r.recipient_id }, r.name));
    const keep = o.recipients.some((r) => r.recipient_id === before);
    const only = o.recipients.length === 1 ? o.recipients[0] : undefined;
    recipient.value = keep ? before : only ? only.recipient_id : "";
    noRecipients.hidden = o.recipients.length > 0;
  };

  const readRequest = (): ExportRequestInput => ({
    layout: layout.value,
    session_ids: sessionInputs()
      .filter((i) => i.checked)
      .map((i) => i.value),
    purpose: purpose.value.trim(),
    recipient_id: recipient.value,
  });

  const markRequestField = (f: string | null) => {
    for (const el of [layout, purpose, recipient, sessionBox]) el.removeAttribute("aria-invalid");
    const target =
      f === "layout" ? layout : f === "sessions" ? sessionBox : f === "purpose" ? purpose : f === "recipient" ? recipient : null;
    if (!target) return;
    target.setAttribute("aria-invalid", "true");
    (target === sessionBox ? (sessionInputs()[0] ?? layout) : target).focus();
  };

  const submitRequest = () => {
    if (busy || !opts.canRequest) return;
    requested.show(null);
    const req = readRequest();
    const invalid = checkExportRequest(req);
    if (invalid) {
      handle.showError("request", invalid);
      return;
    }
    handle.showError("request", null);
    handlers.onRequest(req);
  };
  submitButton.addEventListener("click", submitRequest);
  purpose.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      submitRequest();
    }
  });

  // --- this terminal's requests (clerk) --------------------------------------------------
  const requestList = h("ul", { id: "export-requests", class: "export-list" });
  const writeError = errorArea("export-write-error");
  const mediaRefresh = ht("button", { id: "export-media-refresh", type: "button", class: "secondary" }, "export.mediaRefresh");
  mediaRefresh.addEventListener("click", () => {
    if (!busy) handlers.onRefreshMedia();
  });
  const mediaNone = ht("p", { id: "export-media-none", class: "dialog-note", hidden: true }, "export.mediaNone");

  let written: ExportWritten | null = null;
  const writtenBox = h("section", { id: "export-written", class: "export-written", role: "status", hidden: true });
  const line = (cls: string, fn: () => string, attrs: Record<string, string> = {}) =>
    trFn(h("p", { class: cls, ...attrs }), fn);
  const shaCode = h("code", { id: "export-written-sha", class: "export-sha" });
  writtenBox.append(
    ht("h3", {}, "export.writtenTitle"),
    line("export-written-file", () => (written ? t("export.writtenFile", { name: written.file_name }) : "")),
    line("export-written-rows", () => (written ? t("export.writtenRows", { rows: num(written.rows) }) : "")),
    line("export-written-excluded", () => (written ? t("export.writtenExcluded", { n: num(written.excluded_protected) }) : "")),
    h("p", { class: "export-written-sha" }, shaCode),
    line("export-written-media", () => (written ? t("export.writtenMedia", { label: written.media_label }) : "")),
  );
  localize(shaCode, () => {
    shaCode.textContent = written ? t("export.writtenSha", { sha: shortHash(written.sha256) }) : "";
  });

  const writableItems = () =>
    (overview?.requests ?? []).filter((r) => opts.canWrite && r.state === "approved" && !r.written);

  const fillMedia = (select: HTMLSelectElement) => {
    const before = select.value;
    clear(select);
    select.appendChild(ht("option", { value: "" }, "export.mediaChoose"));
    for (const m of media ?? []) select.appendChild(h("option", { value: m.media_id }, m.label));
    const list = media ?? [];
    const only = list.length === 1 ? list[0] : undefined;
    select.value = list.some((m) => m.media_id === before) ? before : only ? only.media_id : "";
  };

  const updateMediaNote = () => {
    mediaNone.hidden = !(media !== null && media.length === 0 && writableItems().length > 0);
  };

  const openConfirm = (item: ExportRequestItem, mediaId: string, back: HTMLElement) => {
    confirm?.close();
    const label = media?.find((m) => m.media_id === mediaId)?.label ?? mediaId;
    const cancel = ht("button", { id: "export-confirm-cancel", type: "button", class: "secondary" }, "export.confirmCancel");
    const ok = ht("button", { id: "export-confirm-ok", type: "button", class: "primary" }, "export.confirmOk");
    const go = () => {
      const c = confirm;
      if (!c || busy) return;
      c.close();
      handlers.onWrite(item.request_id, mediaId);
    };
    const dlg = openModal(host, {
      id: "export-confirm",
      titleKey: "export.confirmTitle",
      body: [
        ht("p", { class: "export-confirm-encrypted" }, "export.confirmEncrypted", { recipient: item.recipient_name }),
        ht("p", { class: "export-confirm-target" }, "export.confirmTarget", { media: label }),
        ht("p", { class: "dialog-note" }, "export.confirmProtected"),
        ht("p", { class: "dialog-note" }, "export.confirmLogged"),
        h("div", { class: "actions" }, cancel, ok),
      ],
      onSubmit: go,
      onClose: () => {
        if (confirm === dlg) confirm = null;
        if (back.isConnected) back.focus();
      },
    });
    confirm = dlg;
    dlg.el.classList.add("export-confirm");
    cancel.addEventListener("click", () => dlg.close());
    ok.addEventListener("click", go);
  };

  const requestRow = (item: ExportRequestItem): HTMLElement => {
    const state = displayState(item);
    const pairs: Array<[MsgKey, Child, string]> = [
      ["export.col.requestedAt", dateTimeJst(item.requested_at), "export-requested-at"],
      ["export.col.layout", trFn(h("span"), () => layoutLabel(item.layout)), "export-layout"],
      ["export.col.sessions", item.session_ids.map(sessionName).join("、"), "export-sessions-list"],
      ["export.col.purpose", item.purpose, "export-purpose"],
      ["export.col.recipient", item.recipient_name, "export-recipient"],
      [
        "export.col.state",
        trFn(h("span", { class: `export-state export-state-${state}`, "data-state": state }), () => stateLabel(state)),
        "export-state-cell",
      ],
    ];
    if (item.decided_by) pairs.push(["export.col.decidedBy", item.decided_by, "export-decided-by"]);
    if (item.decided_at) pairs.push(["export.col.decidedAt", dateTimeJst(item.decided_at), "export-decided-at"]);
    if (item.comment) pairs.push(["export.col.comment", item.comment, "export-comment"]);
    if (item.grant_expires_at && item.state === "approved" && !item.written) {
      pairs.push(["export.col.grantExpires", dateTimeJst(item.grant_expires_at), "export-grant-expires"]);
    }
    const li = h(
      "li",
      { id: `export-request-${item.request_id}`, class: "export-item", "data-state": state },
      facts(pairs),
    );
    if (opts.canWrite && item.state === "approved" && !item.written) {
      const select = h("select", { id: `export-media-${item.request_id}`, class: "export-media" });
      fillMedia(select);
      const write = ht(
        "button",
        { id: `export-write-${item.request_id}`, type: "button", class: "primary export-write", disabled: busy },
        "export.write",
      );
      write.addEventListener("click", () => {
        if (busy) return;
        if (select.value === "") {
          handle.showError("write", clientError("EXPORT_MEDIA_REQUIRED"));
          select.setAttribute("aria-invalid", "true");
          select.focus();
          return;
        }
        select.removeAttribute("aria-invalid");
        handle.showError("write", null);
        openConfirm(item, select.value, write);
      });
      li.appendChild(h("div", { class: "export-write-row" }, field("export.media", select), write));
    }
    return li;
  };

  const renderRequests = () => {
    clear(requestList);
    const items = overview?.requests ?? [];
    if (items.length === 0) {
      requestList.appendChild(ht("li", { class: "empty" }, "export.requestsNone"));
    }
    for (const item of items) requestList.appendChild(requestRow(item));
    mediaRefresh.hidden = !opts.canWrite || writableItems().length === 0;
    updateMediaNote();
  };

  // --- pending requests (supervisor) -----------------------------------------------------
  const pendingList = h("ul", { id: "export-pending", class: "export-list" });
  const decideError = errorArea("export-decide-error");
  const decided = noticeLine("export-decided");
  const comments = new Map<string, string>();

  const pendingRow = (item: ExportRequestItem): HTMLElement => {
    const id = item.request_id;
    const comment = h("input", {
      id: `export-comment-${id}`,
      type: "text",
      maxlength: "500",
      autocomplete: "off",
      value: comments.get(id) ?? "",
    });
    comment.addEventListener("input", () => comments.set(id, comment.value));
    const approve = ht(
      "button",
      { id: `export-approve-${id}`, type: "button", class: "primary", disabled: busy },
      "export.approve",
    );
    const refuse = ht(
      "button",
      { id: `export-refuse-${id}`, type: "button", class: "danger", disabled: busy },
      "export.refuse",
    );
    const decide = (yes: boolean) => {
      if (busy) return;
      lastDecision = id;
      decided.show(null);
      const invalid = checkDecision(yes, comment.value);
      if (invalid) {
        handle.showError("decide", invalid);
        return;
      }
      handle.showError("decide", null);
      handlers.onDecide({ request_id: id, approve: yes, comment: comment.value.trim() });
    };
    approve.addEventListener("click", () => decide(true));
    refuse.addEventListener("click", () => decide(false));
    return h(
      "li",
      { id: `export-pending-${id}`, class: "export-item export-pending-item" },
      facts([
        ["export.col.requestedBy", item.requested_by, "export-requested-by"],
        ["export.col.terminal", item.terminal_name, "export-terminal"],
        ["export.col.requestedAt", dateTimeJst(item.requested_at), "export-requested-at"],
        ["export.col.layout", trFn(h("span"), () => layoutLabel(item.layout)), "export-layout"],
        ["export.col.sessions", item.session_ids.map(sessionName).join("、"), "export-sessions-list"],
        ["export.col.purpose", item.purpose, "export-purpose"],
        ["export.col.recipient", item.recipient_name, "export-recipient"],
      ]),
      h(
        "div",
        { class: "export-decide-row" },
        field("export.comment", comment, "export-comment-field"),
        approve,
        refuse,
      ),
      ht("p", { class: "dialog-note export-key-hint" }, "export.keyHint"),
    );
  };

  const renderPending = () => {
    clear(pendingList);
    const items = overview?.pending ?? [];
    for (const id of [...comments.keys()]) if (!items.some((i) => i.request_id === id)) comments.delete(id);
    if (items.length === 0) pendingList.appendChild(ht("li", { class: "empty" }, "export.pendingNone"));
    for (const item of items) pendingList.appendChild(pendingRow(item));
  };

  const focusDecisionField = (err: ApiError) => {
    if (!lastDecision) return;
    const id = err.details.field === "comment" ? `export-comment-${lastDecision}` : null;
    if (!id) return;
    const el = pendingList.querySelector<HTMLInputElement>(`[id="${id}"]`);
    if (!el) return;
    el.setAttribute("aria-invalid", "true");
    el.focus();
  };

  // --- the view -----------------------------------------------------------------------------
  const body: Node[] = [
    ht("p", { class: "dialog-note export-rules" }, "export.rules"),
    statusBox,
    loading,
    loadError.el,
    busyNote,
  ];
  if (opts.canRequest) {
    body.push(
      h(
        "section",
        { id: "export-request-section", class: "export-section", "aria-labelledby": "export-form-title" },
        ht("h3", { id: "export-form-title" }, "export.formTitle"),
        form,
      ),
    );
  }
  if (opts.canRequest || opts.canWrite) {
    body.push(
      h(
        "section",
        { id: "export-requests-section", class: "export-section", "aria-labelledby": "export-requests-title" },
        h(
          "div",
          { class: "export-section-head" },
          ht("h3", { id: "export-requests-title" }, "export.requestsTitle"),
          opts.canWrite ? mediaRefresh : null,
        ),
        mediaNone,
        writeError.el,
        writtenBox,
        requestList,
      ),
    );
  }
  if (opts.canDecide) {
    body.push(
      h(
        "section",
        { id: "export-pending-section", class: "export-section", "aria-labelledby": "export-pending-title" },
        ht("h3", { id: "export-pending-title" }, "export.pendingTitle"),
        ht("p", { class: "dialog-note" }, "export.decideNote"),
        decideError.el,
        decided.el,
        pendingList,
      ),
    );
  }
  const reload = ht("button", { id: "export-reload", type: "button", class: "secondary" }, "export.reload");
  reload.addEventListener("click", () => {
    if (!busy) handlers.onReload();
  });
  const close = ht("button", { id: "export-close", type: "button", class: "secondary" }, "export.close");
  body.push(h("div", { class: "actions" }, reload, close));

  const modal = openModal(host, {
    id: "export-view",
    titleKey: "export.title",
    body,
    onSubmit: () => {
      // Ctrl+Enter: the confirmation when it is open, else the request form when focus is in it.
      if (confirm) confirm.submit();
      else if (form.contains(document.activeElement)) submitRequest();
    },
    onClose: () => {
      confirm?.close();
      purpose.value = "";
      for (const input of pendingList.querySelectorAll<HTMLInputElement>("input")) input.value = "";
      handlers.onClose();
    },
  });
  modal.el.classList.add("export-view");
  close.addEventListener("click", () => modal.close());
  mediaRefresh.hidden = true;
  close.focus();

  const areas: Record<ExportArea, ErrorArea> = {
    load: loadError,
    request: requestError,
    write: writeError,
    decide: decideError,
  };

  const handle: ExportViewHandle = {
    modal,
    setBusy(on) {
      busy = on;
      busyNote.hidden = !on;
      const buttons = modal.el.querySelectorAll<HTMLButtonElement>(
        "#export-request-submit, .export-write, .export-pending-item button, #export-media-refresh, #export-reload",
      );
      for (const b of buttons) b.disabled = on;
    },
    focusField(f) {
      if (typeof f === "string") markRequestField(f);
    },
    showOverview(o) {
      overview = o;
      loading.hidden = true;
      relocalize(statusBox);
      designation.setAttribute("data-designated", String(o.designated));
      online.setAttribute("data-online", String(o.online));
      online.classList.toggle("export-offline", !o.online);
      if (opts.canRequest) renderRecipients(o);
      if (opts.canRequest || opts.canWrite) renderRequests();
      if (opts.canDecide) renderPending();
      handle.setBusy(busy);
      if (!firstShown) {
        firstShown = true;
        const first = opts.canRequest ? layout : pendingList.querySelector<HTMLInputElement>("input");
        first?.focus();
      }
    },
    setSessions(list) {
      sessions = list;
      renderSessions();
      if (overview) {
        if (opts.canRequest || opts.canWrite) renderRequests();
        if (opts.canDecide) renderPending();
        handle.setBusy(busy);
      }
    },
    showMedia(list) {
      media = list;
      for (const select of requestList.querySelectorAll<HTMLSelectElement>("select.export-media")) fillMedia(select);
      updateMediaNote();
    },
    showWritten(w) {
      written = w;
      relocalize(writtenBox);
      shaCode.title = w.sha256;
      shaCode.setAttribute("data-sha256", w.sha256);
      writtenBox.hidden = false;
    },
    showError(area, e) {
      areas[area].show(e);
      if (area === "request") markRequestField(e ? (e.details.field ?? null) : null);
      if (area === "decide") {
        for (const el of pendingList.querySelectorAll("input")) el.removeAttribute("aria-invalid");
        if (e) focusDecisionField(e);
      }
      if (e && area === "write") writtenBox.hidden = true;
      if (e && area === "decide") decided.show(null);
      if (e && area === "request") requested.show(null);
    },
    requestDone() {
      handle.showError("request", null);
      purpose.value = "";
      for (const box of sessionInputs()) box.checked = false;
      requested.show("export.requested");
    },
    decisionDone(requestId, approve) {
      comments.delete(requestId);
      const input = pendingList.querySelector<HTMLInputElement>(`[id="export-comment-${requestId}"]`);
      if (input) input.value = "";
      decided.show(approve ? "export.approved" : "export.refused");
    },
    writable() {
      return writableItems().length > 0;
    },
  };

  return handle;
}
