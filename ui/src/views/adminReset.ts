// 「端末のデータを初期化」 (#admin-reset-section), on the administrator's screen: a
// logged-in administrator sets a healthy local store aside (still encrypted) and
// starts a new one. The same confirmation as on the failed-store screen (type the
// word from `status.reset_word`), its own error area (#admin-reset-error). Rust
// refuses while unsent events exist (RESET_WOULD_LOSE_EVENTS) and logs everyone out
// on success; the app then shows what the returned status says (the login).

import type { ApiError } from "../generated/ApiError";
import { errorMessage } from "../errors";
import { h, ht, localize } from "../dom";
import { createResetForm } from "./startup";

export interface AdminResetView {
  el: HTMLElement;
  input: HTMLInputElement;
  setBusy(busy: boolean): void;
  showError(err: ApiError | null): void;
  focus(): void;
}

export function renderAdminReset(resetWord: string, onReset: (typed: string) => void): AdminResetView {
  const form = createResetForm({ inputId: "admin-reset-word", buttonId: "admin-reset-submit", resetWord, onReset });
  let err: ApiError | null = null;
  const error = h("p", { id: "admin-reset-error", class: "form-error", role: "alert", hidden: true });
  localize(error, () => {
    error.textContent = err ? errorMessage(err) : "";
  });
  const busy = ht("p", { class: "dialog-busy", role: "status", hidden: true }, "adminReset.busy");
  const el = h(
    "section",
    { id: "admin-reset-section", class: "reset-section admin-reset", "aria-labelledby": "admin-reset-title" },
    ht("h2", { id: "admin-reset-title" }, "adminReset.title"),
    ht("p", {}, "adminReset.explain1"),
    ht("p", {}, "adminReset.explain2"),
    ht("p", { class: "reset-warning" }, "adminReset.explain3"),
    form.field,
    error,
    busy,
    form.button,
  );
  return {
    el,
    input: form.input,
    setBusy(on) {
      form.button.disabled = on;
      busy.hidden = !on;
    },
    showError(e) {
      err = e;
      error.textContent = e ? errorMessage(e) : "";
      error.hidden = e === null;
      if (e) {
        error.setAttribute("data-error-code", e.code);
        form.input.setAttribute("aria-invalid", String(e.code === "RESET_NOT_CONFIRMED"));
      } else {
        error.removeAttribute("data-error-code");
        form.input.removeAttribute("aria-invalid");
      }
    },
    focus() {
      form.input.focus();
    },
  };
}
