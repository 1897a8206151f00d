// 「個人番号を表示」 (#my-number-dialog): asks for the 処理事由, then shows the
// number Rust fetched from the central service in #my-number-value, with the note
// that the view is recorded. The number lives only in that element: closing the
// dialog (button, Escape, logout, idle timeout) empties and removes it, and the
// dialog keeps no other copy.

import type { ApiError } from "../generated/ApiError";
import { errorMessage } from "../errors";
import { field, h, ht, localize } from "../dom";
import { myNumberGroups } from "../format";
import type { DialogHandle } from "./dialogs";
import { openModal } from "./modal";
import { nameKana, nameKanji } from "./resident";

export interface MyNumberDialogHandle extends DialogHandle {
  showError(err: ApiError | null): void;
  /** Show the number until the dialog closes. */
  showNumber(myNumber: string): void;
}

export function openMyNumberDialog(
  host: HTMLElement,
  who: { name_kana: string; name_kanji: string },
  handlers: { onSubmit(reason: string): void; onClose(): void },
): MyNumberDialogHandle {
  const reason = h("input", { id: "my-number-reason", type: "text", maxlength: "200", autocomplete: "off" });
  let err: ApiError | null = null;
  const error = h("p", { id: "my-number-error", class: "form-error", role: "alert", hidden: true });
  localize(error, () => {
    error.textContent = err ? errorMessage(err) : "";
  });
  const busyNote = ht("p", { class: "dialog-busy", role: "status", hidden: true }, "myNumber.busy");
  const cancel = ht("button", { id: "my-number-cancel", type: "button", class: "secondary" }, "myNumber.cancel");
  const submitButton = ht("button", { id: "my-number-submit", type: "button", class: "primary" }, "myNumber.submit");
  const form = h(
    "div",
    { id: "my-number-form", class: "my-number-form" },
    ht("p", { class: "dialog-note" }, "myNumber.note"),
    field("myNumber.reason", reason),
    error,
    busyNote,
    h("div", { class: "actions" }, cancel, submitButton),
  );

  const value = h("p", { id: "my-number-value", class: "my-number-value", lang: "en" });
  const closeButton = ht("button", { id: "my-number-close", type: "button", class: "primary" }, "myNumber.close");
  const result = h(
    "div",
    { id: "my-number-result", class: "my-number-result", hidden: true },
    ht("p", { class: "my-number-label" }, "myNumber.label"),
    value,
    ht("p", { id: "my-number-recorded", class: "my-number-recorded", role: "note" }, "myNumber.recorded"),
    h("div", { class: "actions" }, closeButton),
  );

  let shown = false;
  const submit = () => {
    if (shown || submitButton.disabled) return;
    handlers.onSubmit(reason.value);
  };
  submitButton.addEventListener("click", submit);
  reason.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      submit();
    }
  });

  const modal = openModal(host, {
    id: "my-number-dialog",
    titleKey: "myNumber.title",
    body: [h("p", { class: "dialog-who" }, nameKana(who, "dialog-kana"), " ", nameKanji(who, "dialog-kanji")), form, result],
    onSubmit: submit,
    onClose: () => {
      // Gone from the page the moment the dialog closes.
      value.textContent = "";
      result.remove();
      handlers.onClose();
    },
  });
  cancel.addEventListener("click", () => modal.close());
  closeButton.addEventListener("click", () => modal.close());
  reason.focus();

  const handle: MyNumberDialogHandle = {
    modal,
    setBusy(on) {
      submitButton.disabled = on;
      busyNote.hidden = !on;
    },
    focusField() {
      reason.focus();
    },
    showError(e) {
      err = e;
      error.textContent = e ? errorMessage(e) : "";
      error.hidden = e === null;
      if (e) {
        error.setAttribute("data-error-code", e.code);
        reason.setAttribute("aria-invalid", String(e.code === "REASON_REQUIRED"));
      } else {
        error.removeAttribute("data-error-code");
        reason.removeAttribute("aria-invalid");
      }
    },
    showNumber(myNumber) {
      shown = true;
      form.remove();
      value.textContent = myNumberGroups(myNumber);
      result.hidden = false;
      closeButton.focus();
    },
  };
  return handle;
}
