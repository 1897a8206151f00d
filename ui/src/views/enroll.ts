// 端末登録: enroll this terminal with the central service (address and one-time code
// from the administrator). Only offered in demo state. The code is passed as typed
// (Rust normalises full-width characters, dashes and spaces). Errors are shown in
// the dialog (#enroll-error), by code.

import type { ApiError } from "../generated/ApiError";
import { errorMessage } from "../errors";
import { field, h, ht, localize, trAttr } from "../dom";
import { isKey, t } from "../i18n";
import { openModal } from "./modal";
import type { DialogHandle } from "./dialogs";

export type EnrollField = "service_url" | "enrollment_code";

export interface EnrollDialogHandle extends DialogHandle {
  /** Show an error in the dialog (null clears it). */
  showError(err: ApiError | null): void;
}

/** The message for an enrollment failure. */
export function enrollErrorMessage(err: ApiError): string {
  const key = `enroll.err.${err.code}`;
  if (isKey(key)) return t(key);
  // Client-side checks (FIELD_REQUIRED) and store errors have their own messages.
  if (isKey(`err.${err.code}`)) return errorMessage(err);
  return t("enroll.err.generic", { code: err.code });
}

/** Which field an enrollment error is about. */
export function enrollErrorField(err: ApiError): EnrollField {
  if (err.details.field === "enrollment_code" || err.details.field === "service_url") return err.details.field;
  return ["ENROLLMENT_CODE_MALFORMED", "ENROLLMENT_CODE_INVALID"].includes(err.code) ? "enrollment_code" : "service_url";
}

export function openEnrollDialog(
  host: HTMLElement,
  handlers: { onSubmit(serviceUrl: string, code: string): void; onClose(): void },
): EnrollDialogHandle {
  const url = h("input", {
    id: "enroll-url",
    type: "text",
    inputmode: "url",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "off",
    maxlength: "300",
    lang: "en",
  });
  trAttr(url, "placeholder", "enroll.urlPlaceholder");
  const code = h("input", {
    id: "enroll-code",
    type: "text",
    class: "enroll-code",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "characters",
    maxlength: "80",
    lang: "en",
    "aria-describedby": "enroll-code-hint",
  });
  const controls: Record<EnrollField, HTMLInputElement> = { service_url: url, enrollment_code: code };

  let err: ApiError | null = null;
  const error = h("p", { id: "enroll-error", class: "enroll-error", role: "alert", hidden: true });
  localize(error, () => {
    error.textContent = err ? enrollErrorMessage(err) : "";
  });
  const busy = ht("p", { id: "enroll-busy", class: "enroll-busy", role: "status", hidden: true }, "enroll.busy");

  const cancel = ht("button", { type: "button", id: "enroll-cancel", class: "secondary modal-back" }, "enroll.cancel");
  const save = ht("button", { type: "button", id: "enroll-submit", class: "primary" }, "enroll.submit");
  const submit = () => {
    if (save.disabled) return;
    handlers.onSubmit(url.value, code.value);
  };
  save.addEventListener("click", submit);
  url.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      code.focus();
    }
  });
  code.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      submit();
    }
  });

  const modal = openModal(host, {
    id: "enroll-dialog",
    titleKey: "enroll.title",
    body: [
      ht("p", { class: "dialog-note" }, "enroll.note"),
      h(
        "div",
        { class: "enroll-fields" },
        field("enroll.url", url),
        field("enroll.code", code),
        ht("p", { id: "enroll-code-hint", class: "hint" }, "enroll.codeHint"),
      ),
      error,
      busy,
      h("div", { class: "actions" }, cancel, save),
    ],
    onSubmit: submit,
    onClose: handlers.onClose,
  });
  cancel.addEventListener("click", () => modal.close());
  url.focus();

  return {
    modal,
    setBusy(on) {
      save.disabled = on;
      busy.hidden = !on;
    },
    focusField(f) {
      const c = f === "enrollment_code" || f === "service_url" ? controls[f] : url;
      c.focus();
    },
    showError(e) {
      err = e;
      for (const c of Object.values(controls)) c.removeAttribute("aria-invalid");
      error.textContent = e ? enrollErrorMessage(e) : "";
      error.hidden = e === null;
      if (e) {
        error.setAttribute("data-error-code", e.code);
        controls[enrollErrorField(e)].setAttribute("aria-invalid", "true");
      } else {
        error.removeAttribute("data-error-code");
      }
    },
  };
}
