// 「アカウントのロック解除」: a supervisor unlocks an account locked by failed
// logins (#unlock-staff-id, #unlock-submit). The outcome shows in #unlock-result,
// a refusal in #unlock-error. Rust checks the role and the account.

import type { ApiError } from "../generated/ApiError";
import { clientError, errorMessage } from "../errors";
import { field, h, ht, localize } from "../dom";
import { t } from "../i18n";

export interface UnlockForm {
  el: HTMLElement;
  setBusy(busy: boolean): void;
  /** Say the account was unlocked and empty the field. */
  showDone(staffId: string): void;
  showError(err: ApiError | null): void;
  focus(): void;
}

/** A staff ID as Rust compares it: trimmed, full-width letters and digits folded, upper case. */
export function normaliseStaffId(typed: string): string {
  return typed.trim().normalize("NFKC").toUpperCase();
}

export function createUnlockForm(onUnlock: (staffId: string) => void): UnlockForm {
  const input = h("input", {
    id: "unlock-staff-id",
    type: "text",
    maxlength: "40",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "characters",
    lang: "en",
  });
  const button = ht("button", { id: "unlock-submit", type: "button", class: "primary" }, "unlock.submit");
  let done: string | null = null;
  const result = h("p", { id: "unlock-result", class: "unlock-result", role: "status", hidden: true });
  localize(result, () => {
    result.textContent = done === null ? "" : t("unlock.done", { staff_id: done });
  });
  let err: ApiError | null = null;
  const error = h("p", { id: "unlock-error", class: "form-error", role: "alert", hidden: true });
  localize(error, () => {
    error.textContent = err ? errorMessage(err) : "";
  });

  const form: UnlockForm = {
    el: h(
      "section",
      { id: "unlock-section", class: "unlock-section", "aria-labelledby": "unlock-title" },
      ht("h3", { id: "unlock-title" }, "unlock.title"),
      h("div", { class: "unlock-row" }, field("unlock.staffId", input), button),
      ht("p", { class: "dialog-note unlock-key-hint" }, "unlock.keyHint"),
      result,
      error,
    ),
    setBusy(on) {
      button.disabled = on;
    },
    showDone(staffId) {
      form.showError(null);
      done = staffId;
      result.textContent = t("unlock.done", { staff_id: staffId });
      result.hidden = false;
      input.value = "";
    },
    showError(e) {
      err = e;
      error.textContent = e ? errorMessage(e) : "";
      error.hidden = e === null;
      if (e) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      if (e) {
        error.setAttribute("data-error-code", e.code);
        done = null;
        result.hidden = true;
      } else {
        error.removeAttribute("data-error-code");
      }
    },
    focus() {
      input.focus();
    },
  };

  const submit = () => {
    if (button.disabled) return;
    const id = normaliseStaffId(input.value);
    if (id === "") {
      form.showError(clientError("FIELD_REQUIRED", { field: "staff_id" }));
      input.focus();
      return;
    }
    onUnlock(id);
  };
  button.addEventListener("click", submit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      e.stopPropagation();
      submit();
    }
  });
  return form;
}
