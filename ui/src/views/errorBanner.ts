// The one place errors are shown: #error-banner (role="alert"), above everything.

import type { ApiError } from "../generated/ApiError";
import { errorMessage, type ErrorContext } from "../errors";
import { h, ht, localize, show } from "../dom";

export interface ErrorBanner {
  el: HTMLElement;
  show(err: ApiError): void;
  clear(): void;
  current(): ApiError | null;
}

export function createErrorBanner(ctx: ErrorContext, onDismiss: () => void): ErrorBanner {
  const text = h("span", { class: "error-text", id: "error-message" });
  const code = h("span", { class: "error-code", id: "error-code" });
  const dismiss = ht("button", { type: "button", class: "error-dismiss", id: "error-dismiss" }, "err.dismiss");
  const el = h("div", { id: "error-banner", class: "error-banner", role: "alert", hidden: true }, text, code, dismiss);
  let err: ApiError | null = null;

  localize(text, () => {
    text.textContent = err ? errorMessage(err, ctx) : "";
  });

  dismiss.addEventListener("click", () => {
    banner.clear();
    onDismiss();
  });

  const banner: ErrorBanner = {
    el,
    show(e) {
      err = e;
      text.textContent = errorMessage(e, ctx);
      code.textContent = e.code;
      show(el, true);
    },
    clear() {
      err = null;
      text.textContent = "";
      code.textContent = "";
      show(el, false);
    },
    current: () => err,
  };
  return banner;
}
