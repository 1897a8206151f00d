// The login form (#login-form): staff ID and password; the second factor is the
// person's own authenticator, which Rust asks for while #login-busy tells them
// to touch it. Enter sends it. The password is taken out of its input as the
// request is sent: the window keeps it nowhere. A refusal shows in #login-error
// (by code, never Rust's English message); after an idle timeout or a logout,
// #login-ended says why the last session ended.

import type { ApiError } from "../generated/ApiError";
import type { LoginRequest } from "../generated/LoginRequest";
import type { LogoutReason } from "../generated/LogoutReason";
import { clientError, errorMessage } from "../errors";
import { field, h, ht, localize } from "../dom";

export type LoginField = "staff_id" | "password";

export interface LoginView {
  el: HTMLElement;
  /** Where the demo accounts go (demo mode only). */
  hintsSlot: HTMLElement;
  focusField(field?: LoginField): void;
  setBusy(busy: boolean): void;
  /** Show a refusal (null clears it). */
  showError(err: ApiError | null): void;
  /** Fill in the form (a demo account's 「入力」 button). */
  fill(staffId: string, password: string): void;
}

/** Which field to fix after a refusal. */
export function loginErrorField(err: ApiError): LoginField {
  const f = err.details.field;
  if (f === "staff_id" || f === "password") return f;
  // About the account, not the secrets: the next person types their own ID.
  if (["AUTH_LOCKED", "AUTH_DISABLED", "AUTH_NO_AUTHENTICATOR", "STAFF_NOT_FOUND", "STAFF_DISABLED"].includes(err.code)) {
    return "staff_id";
  }
  return "password";
}

function endedKey(ended: LogoutReason | null) {
  return ended === "idle" ? "login.endedIdle" : "login.endedUser";
}

export function renderLogin(ended: LogoutReason | null, onSubmit: (req: LoginRequest) => void): LoginView {
  const common = { autocomplete: "off", spellcheck: "false", autocapitalize: "off" };
  const staffId = h("input", { id: "login-staff-id", type: "text", maxlength: "40", lang: "en", ...common });
  const password = h("input", { id: "login-password", type: "password", maxlength: "200", ...common });
  const inputs: Record<LoginField, HTMLInputElement> = { staff_id: staffId, password };

  const endedNote = ht(
    "p",
    { id: "login-ended", class: "login-ended", role: "status", hidden: ended === null, "data-reason": ended },
    endedKey(ended),
  );
  let err: ApiError | null = null;
  const error = h("p", { id: "login-error", class: "login-error", role: "alert", hidden: true });
  localize(error, () => {
    error.textContent = err ? errorMessage(err) : "";
  });
  const busyNote = ht("p", { id: "login-busy", class: "login-busy", role: "status", hidden: true }, "login.busy");
  const submitButton = ht("button", { id: "login-submit", type: "button", class: "primary big" }, "login.submit");

  let busy = false;
  const submit = () => {
    if (busy) return;
    const id = staffId.value.trim();
    const missing: LoginField | null = id === "" ? "staff_id" : password.value === "" ? "password" : null;
    if (missing) {
      view.showError(clientError("FIELD_REQUIRED", { field: missing }));
      view.focusField(missing);
      return;
    }
    const req: LoginRequest = { staff_id: id, password: password.value };
    password.value = "";
    endedNote.hidden = true;
    onSubmit(req);
  };

  const form = h(
    "form",
    { id: "login-form", class: "login-form", novalidate: true, "aria-labelledby": "login-title" },
    ht("h1", { id: "login-title" }, "login.title"),
    endedNote,
    field("login.staffId", staffId),
    field("login.password", password),
    error,
    busyNote,
    h("div", { class: "actions" }, submitButton),
  );
  // Never a real form submission (the CSP forbids it anyway): Enter and the button send.
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit();
  });
  submitButton.addEventListener("click", submit);
  for (const input of Object.values(inputs)) {
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" || e.isComposing || e.keyCode === 229) return;
      e.preventDefault();
      submit();
    });
  }

  const hintsSlot = h("div", { class: "login-hints-slot" });
  const el = h("section", { id: "login-screen", class: "login-screen" }, form, hintsSlot);

  const view: LoginView = {
    el,
    hintsSlot,
    focusField(f = "staff_id") {
      const input = inputs[f];
      input.focus();
      if (f === "staff_id") input.select();
    },
    setBusy(on) {
      busy = on;
      submitButton.disabled = on;
      busyNote.hidden = !on;
      form.setAttribute("aria-busy", String(on));
    },
    showError(e) {
      err = e;
      for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
      error.textContent = e ? errorMessage(e) : "";
      error.hidden = e === null;
      if (e) {
        error.setAttribute("data-error-code", e.code);
        if (e.code === "FIELD_REQUIRED") inputs[loginErrorField(e)].setAttribute("aria-invalid", "true");
      } else {
        error.removeAttribute("data-error-code");
      }
    },
    fill(id, pw) {
      staffId.value = id;
      password.value = pw;
      view.showError(null);
      submitButton.focus();
    },
  };
  return view;
}
