// The full-screen panel shown when the local store could not be opened, with the
// confirmed reset only when Rust says it is the way forward (`needs_reset`).
// It shows the message for the code and the code itself: never a path or a key.

import type { ApiError } from "../generated/ApiError";
import { errorMessage } from "../errors";
import { h, ht, localize } from "../dom";

export interface StoreFailedView {
  el: HTMLElement;
  /** The reset word field, when a reset is offered. */
  resetInput: HTMLInputElement | null;
}

export interface ResetForm {
  /** The prompt (「確認のため「…」と入力してください」) and the word input. */
  field: HTMLElement;
  input: HTMLInputElement;
  button: HTMLButtonElement;
}

/**
 * The confirmation for a reset: type the word Rust asks for, then press the button
 * (or Enter). Shared by this screen and the administrator's reset of a healthy store.
 */
export function createResetForm(opts: {
  inputId: string;
  buttonId: string;
  resetWord: string;
  onReset(typed: string): void;
}): ResetForm {
  const input = h("input", {
    id: opts.inputId,
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "off",
    class: "reset-word",
  });
  const label = ht("label", { for: opts.inputId }, "reset.prompt", { word: opts.resetWord });
  const button = ht("button", { id: opts.buttonId, type: "button", class: "danger" }, "reset.submit");
  const submit = () => {
    if (!button.disabled) opts.onReset(input.value);
  };
  button.addEventListener("click", submit);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  return { field: h("div", { class: "field" }, label, input), input, button };
}

export function renderStoreFailed(
  error: ApiError,
  resetWord: string,
  onReset: (typed: string) => void,
): StoreFailedView {
  const message = h("p", { id: "store-error-message", class: "store-error-message" });
  localize(message, () => {
    message.textContent = errorMessage(error);
  });
  const code = ht("p", { id: "store-error-code", class: "store-error-code" }, "store.code", { code: error.code });
  const panel = h(
    "section",
    { id: "store-failed", class: "store-failed", "aria-labelledby": "store-failed-title" },
    ht("h1", { id: "store-failed-title" }, "store.title"),
    message,
    code,
  );

  let resetInput: HTMLInputElement | null = null;
  if (error.needs_reset) {
    const form = createResetForm({ inputId: "reset-word", buttonId: "reset-submit", resetWord, onReset });
    panel.appendChild(
      h(
        "section",
        { id: "reset-section", class: "reset-section", "aria-labelledby": "reset-title" },
        ht("h2", { id: "reset-title" }, "reset.title"),
        ht("p", {}, "reset.explain1"),
        ht("p", { class: "reset-warning" }, "reset.explain2"),
        ht("p", {}, "reset.explain3"),
        form.field,
        form.button,
      ),
    );
    resetInput = form.input;
  } else {
    panel.appendChild(ht("p", { class: "store-contact" }, "store.contact"));
  }
  return { el: panel, resetInput };
}
