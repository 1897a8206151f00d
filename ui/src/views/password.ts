// 「パスワード変更」 (#password-dialog): the logged-in staff member changes their own
// password. The new one is typed twice; a mismatch (or an empty field) is caught
// here and nothing is sent. The policy itself (length, staff ID, common passwords)
// is Rust's and the service's: their refusals are shown by code, and the field they
// name (`details.field`) is marked and focused. The passwords live only in the three
// inputs: after a change and when the dialog closes (button, Escape, logout, idle
// timeout) they are emptied.

import type { ApiError } from "../generated/ApiError";
import type { PasswordChange } from "../generated/PasswordChange";
import { clientError } from "../errors";
import { field, h, ht, localize } from "../dom";
import { t } from "../i18n";
import type { DialogHandle } from "./dialogs";
import { formError, namedField } from "./formError";
import { openModal } from "./modal";

export type PasswordField = "current_password" | "new_password" | "password_confirm";

const FIELDS: readonly PasswordField[] = ["current_password", "new_password", "password_confirm"];

/** Which input an error is about: `details.field` when Rust names one, else by code. */
export function passwordErrorField(err: ApiError): PasswordField | null {
  const named = namedField(err, FIELDS);
  if (named) return named;
  switch (err.code) {
    case "PASSWORD_CURRENT_WRONG":
      return "current_password";
    case "PASSWORD_TOO_SHORT":
    case "PASSWORD_TOO_LONG":
    case "PASSWORD_TOO_COMMON":
    case "PASSWORD_CONTAINS_ID":
    case "PASSWORD_UNCHANGED":
      return "new_password";
    case "PASSWORD_MISMATCH":
      return "password_confirm";
    default:
      return null;
  }
}

/** What the window checks before sending: every field typed, the new one twice alike. */
export function checkPasswordForm(current: string, next: string, confirm: string): ApiError | null {
  if (current === "") return clientError("FIELD_REQUIRED", { field: "current_password" });
  if (next === "") return clientError("FIELD_REQUIRED", { field: "new_password" });
  if (next !== confirm) return clientError("PASSWORD_MISMATCH", { field: "password_confirm" });
  return null;
}

export interface PasswordDialogHandle extends DialogHandle {
  /** Show a refusal (null clears it), marking the input it is about. */
  showError(err: ApiError | null): void;
  /** Say the password was changed and empty the inputs. */
  showDone(): void;
}

function passwordInput(id: string, autocomplete: "current-password" | "new-password"): HTMLInputElement {
  return h("input", {
    id,
    type: "password",
    autocomplete,
    spellcheck: "false",
    autocapitalize: "off",
    lang: "en",
  });
}

export function openPasswordDialog(
  host: HTMLElement,
  handlers: { onSubmit(change: PasswordChange): void; onClose(): void },
): PasswordDialogHandle {
  const current = passwordInput("password-current", "current-password");
  const next = passwordInput("password-new", "new-password");
  const confirm = passwordInput("password-confirm", "new-password");
  next.setAttribute("aria-describedby", "password-rules");
  const inputs: Record<PasswordField, HTMLInputElement> = {
    current_password: current,
    new_password: next,
    password_confirm: confirm,
  };

  const done = ht("p", { id: "password-done", class: "password-done", role: "status", hidden: true }, "password.done");
  const busyNote = ht("p", { class: "dialog-busy", role: "status", hidden: true }, "password.busy");
  // 「キャンセル」 becomes 「閉じる」 once the password was changed.
  let changed = false;
  const cancel = h("button", { id: "password-cancel", type: "button", class: "secondary" });
  localize(cancel, () => {
    cancel.textContent = t(changed ? "password.close" : "password.cancel");
  });
  const submitButton = ht("button", { id: "password-submit", type: "button", class: "primary" }, "password.submit");

  const clearValues = () => {
    for (const input of Object.values(inputs)) input.value = "";
  };
  const focusField = (f?: string) => {
    const target = f === "current_password" || f === "new_password" || f === "password_confirm" ? inputs[f] : current;
    target.focus();
  };
  const refusal = formError({
    id: "password-error",
    inputs,
    fieldOf: passwordErrorField,
    focus: (f) => focusField(f ?? undefined),
    done,
  });
  const showError = refusal.show;

  const submit = () => {
    if (submitButton.disabled) return;
    done.hidden = true;
    const invalid = checkPasswordForm(current.value, next.value, confirm.value);
    if (invalid) {
      showError(invalid);
      return;
    }
    showError(null);
    handlers.onSubmit({ current_password: current.value, new_password: next.value });
  };
  submitButton.addEventListener("click", submit);
  // Enter moves on to the next input; in the last one it submits.
  const order = [current, next, confirm];
  order.forEach((input, i) => {
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" || e.isComposing || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      const following = order[i + 1];
      if (following) following.focus();
      else submit();
    });
  });

  const modal = openModal(host, {
    id: "password-dialog",
    titleKey: "password.title",
    body: [
      ht("p", { id: "password-rules", class: "dialog-note" }, "password.rules"),
      ht("p", { class: "dialog-note" }, "password.online"),
      h(
        "div",
        { id: "password-form", class: "password-form" },
        field("password.current", current),
        field("password.new", next),
        field("password.confirm", confirm),
      ),
      refusal.element,
      done,
      busyNote,
      h("div", { class: "actions" }, cancel, submitButton),
    ],
    onSubmit: submit,
    onClose: () => {
      // No password stays in the page once the dialog is gone.
      clearValues();
      handlers.onClose();
    },
  });
  cancel.addEventListener("click", () => modal.close());
  current.focus();

  return {
    modal,
    setBusy(on) {
      submitButton.disabled = on;
      busyNote.hidden = !on;
    },
    focusField,
    showError,
    showDone() {
      showError(null);
      clearValues();
      changed = true;
      cancel.textContent = t("password.close");
      done.hidden = false;
      cancel.focus();
    },
  };
}
