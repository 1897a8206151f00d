// The cancel and correction dialogs. They collect input and hand a request to the
// app, which calls Rust and closes the dialog on success (on failure it stays open
// and the error banner says why).

import type { ApiError } from "../generated/ApiError";
import type { CorrectionRequest } from "../generated/CorrectionRequest";
import type { ResidentCard } from "../generated/ResidentCard";
import type { VisitView } from "../generated/VisitView";
import { buildCorrection, formStateFromVisit, type FieldRef } from "../checkin";
import { field, h, ht } from "../dom";
import { num } from "../format";
import { openModal, type Modal } from "./modal";
import { nameKana, nameKanji } from "./resident";
import { createVisitForm } from "./visitForm";

export interface DialogHandle {
  modal: Modal;
  setBusy(busy: boolean): void;
  /** Put focus on the control an error is about. */
  focusField(field?: FieldRef): void;
}

function who(v: { name_kana: string; name_kanji: string }): HTMLElement {
  return h("p", { class: "dialog-who" }, nameKana(v, "dialog-kana"), " ", nameKanji(v, "dialog-kanji"));
}

export function openCancelDialog(
  host: HTMLElement,
  visit: VisitView,
  handlers: { onConfirm(reason: string): void; onClose(): void },
): DialogHandle {
  const no = num(visit.reception_no);
  const reason = h("input", { id: "cancel-reason", type: "text", maxlength: "200", autocomplete: "off" });
  const back = ht("button", { type: "button", class: "secondary modal-back" }, "common.back");
  const confirm = ht("button", { type: "button", id: "cancel-confirm", class: "danger" }, "cancel.confirm");
  const submit = () => {
    if (!confirm.disabled) handlers.onConfirm(reason.value);
  };
  reason.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      submit();
    }
  });
  confirm.addEventListener("click", submit);
  const modal = openModal(host, {
    id: "cancel-dialog",
    titleKey: "cancel.title",
    body: [
      ht("p", {}, "cancel.question", { no }),
      who(visit),
      field("cancel.reason", reason),
      h("div", { class: "actions" }, back, confirm),
    ],
    onSubmit: submit,
    onClose: handlers.onClose,
  });
  back.addEventListener("click", () => modal.close());
  reason.focus();
  return {
    modal,
    setBusy(busy) {
      confirm.disabled = busy;
    },
    focusField() {
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
    },
  };
}

export function openCorrectionDialog(
  host: HTMLElement,
  visit: VisitView,
  card: ResidentCard,
  handlers: {
    onSubmit(req: CorrectionRequest): void;
    onInvalid(err: ApiError, field?: FieldRef): void;
    onClose(): void;
  },
): DialogHandle {
  const form = createVisitForm({
    prefix: "correction",
    eligibility: card.eligibility,
    initial: formStateFromVisit(card.eligibility, visit),
  });
  const reason = h("input", { id: "correction-reason", type: "text", maxlength: "200", autocomplete: "off" });
  const back = ht("button", { type: "button", class: "secondary modal-back" }, "common.back");
  const save = ht("button", { type: "button", id: "correction-submit", class: "primary" }, "correct.submit");
  const submit = () => {
    if (save.disabled) return;
    const built = buildCorrection(visit, card.eligibility, card.summary.provisional, form.read(), reason.value);
    if (!built.ok) {
      form.markInvalid(built.field);
      reason.toggleAttribute("aria-invalid", built.field === "reason");
      handlers.onInvalid(built.error, built.field);
      return;
    }
    handlers.onSubmit(built.value);
  };
  save.addEventListener("click", submit);
  const modal = openModal(host, {
    id: "correction-dialog",
    titleKey: "correct.title",
    titleVars: { no: num(visit.reception_no) },
    body: [
      who(visit),
      form.el,
      field("correct.reason", reason, "reason-field"),
      h("div", { class: "actions" }, back, save),
    ],
    onSubmit: submit,
    onClose: handlers.onClose,
  });
  back.addEventListener("click", () => modal.close());
  reason.focus();
  return {
    modal,
    setBusy(busy) {
      save.disabled = busy;
    },
    focusField(f) {
      const target = f === "reason" || !f ? reason : (form.control(f) ?? reason);
      if (target.closest("[hidden]")) reason.focus();
      else target.focus();
    },
  };
}
