// 認証器の登録 (#register-dialog), opened from the login screen of an enrolled
// terminal: a staff member registers their own fingerprint key or Windows Hello
// with the one-time code an administrator gave them and their password. Rust and
// the service check everything; while the service waits, #register-busy tells
// the person to touch the authenticator. The password and the code live only in
// their inputs and are emptied when the request is sent and when the dialog closes.

import type { ApiError } from "../generated/ApiError";
import type { AuthenticatorRegistration } from "../generated/AuthenticatorRegistration";
import type { RegisteredAuthenticator } from "../generated/RegisteredAuthenticator";
import { clientError } from "../errors";
import { field, h, ht, localize } from "../dom";
import { t } from "../i18n";
import type { DialogHandle } from "./dialogs";
import { formError, namedField } from "./formError";
import { openModal } from "./modal";

export type RegisterField = "staff_id" | "password" | "invite_code" | "label";

const FIELDS: readonly RegisterField[] = ["staff_id", "password", "invite_code", "label"];

/** Which input an error is about. */
export function registerErrorField(err: ApiError): RegisterField | null {
  const named = namedField(err, FIELDS);
  if (named) return named;
  if (err.code === "REGISTRATION_REFUSED") return "invite_code";
  if (["STAFF_DISABLED", "STAFF_LOCKED"].includes(err.code)) return "staff_id";
  return null;
}

/** What the window checks before sending: every field typed. */
export function checkRegisterForm(req: AuthenticatorRegistration): ApiError | null {
  for (const f of FIELDS) {
    if (req[f].trim() === "") return clientError("FIELD_REQUIRED", { field: f });
  }
  return null;
}

export interface RegisterDialogHandle extends DialogHandle {
  showError(err: ApiError | null): void;
  showDone(done: RegisteredAuthenticator): void;
}

export function openRegisterDialog(
  host: HTMLElement,
  handlers: { onSubmit(req: AuthenticatorRegistration): void; onClose(): void },
): RegisterDialogHandle {
  const common = { autocomplete: "off", spellcheck: "false", autocapitalize: "off" };
  const inputs: Record<RegisterField, HTMLInputElement> = {
    staff_id: h("input", { id: "register-staff-id", type: "text", maxlength: "40", lang: "en", ...common }),
    password: h("input", { id: "register-password", type: "password", maxlength: "200", ...common }),
    invite_code: h("input", { id: "register-code", type: "text", maxlength: "64", lang: "en", ...common }),
    label: h("input", { id: "register-label", type: "text", maxlength: "60", ...common }),
  };
  inputs.label.value = t("register.labelDefault");

  let registered: RegisteredAuthenticator | null = null;
  const done = h("p", { id: "register-done", class: "password-done", role: "status", hidden: true });
  localize(done, () => {
    done.textContent = registered ? t("register.done", { label: registered.label, model: registered.model }) : "";
  });
  const busyNote = ht("p", { id: "register-busy", class: "dialog-busy", role: "status", hidden: true }, "register.busy");
  const cancel = h("button", { id: "register-cancel", type: "button", class: "secondary" });
  localize(cancel, () => {
    cancel.textContent = t(registered ? "register.close" : "register.cancel");
  });
  const submitButton = ht("button", { id: "register-submit", type: "button", class: "primary" }, "register.submit");

  const clearSecrets = () => {
    inputs.password.value = "";
    inputs.invite_code.value = "";
  };
  const focusField = (f?: string) => {
    const target = f !== undefined && (FIELDS as readonly string[]).includes(f) ? inputs[f as RegisterField] : inputs.staff_id;
    target.focus();
  };
  const refusal = formError({
    id: "register-error",
    inputs,
    fieldOf: registerErrorField,
    focus: (f) => focusField(f ?? undefined),
    done,
  });
  const showError = refusal.show;

  const submit = () => {
    if (submitButton.disabled) return;
    const req: AuthenticatorRegistration = {
      staff_id: inputs.staff_id.value.trim(),
      password: inputs.password.value,
      invite_code: inputs.invite_code.value.trim(),
      label: inputs.label.value.trim(),
    };
    const invalid = checkRegisterForm(req);
    if (invalid) {
      showError(invalid);
      return;
    }
    showError(null);
    clearSecrets();
    handlers.onSubmit(req);
  };
  submitButton.addEventListener("click", submit);
  const order = FIELDS.map((f) => inputs[f]);
  order.forEach((input, i) => {
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" || e.isComposing || e.keyCode === 229 || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      const following = order[i + 1];
      if (following) following.focus();
      else submit();
    });
  });

  const modal = openModal(host, {
    id: "register-dialog",
    titleKey: "register.title",
    body: [
      ht("p", { class: "dialog-note" }, "register.note"),
      h(
        "div",
        { id: "register-form", class: "password-form" },
        field("register.staffId", inputs.staff_id),
        field("register.password", inputs.password),
        field("register.code", inputs.invite_code),
        field("register.label", inputs.label),
      ),
      refusal.element,
      done,
      busyNote,
      h("div", { class: "actions" }, cancel, submitButton),
    ],
    onSubmit: submit,
    onClose: () => {
      clearSecrets();
      handlers.onClose();
    },
  });
  cancel.addEventListener("click", () => modal.close());
  inputs.staff_id.focus();

  return {
    modal,
    setBusy(on) {
      submitButton.disabled = on;
      busyNote.hidden = !on;
    },
    focusField,
    showError,
    showDone(result) {
      showError(null);
      registered = result;
      clearSecrets();
      done.textContent = t("register.done", { label: result.label, model: result.model });
      done.hidden = false;
      cancel.textContent = t("register.close");
      submitButton.disabled = true;
      cancel.focus();
    },
  };
}
