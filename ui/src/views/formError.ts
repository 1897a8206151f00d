// A form dialog's refusal line: the message (kept in the current language), its
// code on `data-error-code`, and the input it is about marked `aria-invalid` and
// focused. Rust names the field in `details.field`; each form maps the rest.

import type { ApiError } from "../generated/ApiError";
import { errorMessage } from "../errors";
import { h, localize } from "../dom";

/** The field `err.details.field` names, if it is one of `fields`. */
export function namedField<F extends string>(err: ApiError, fields: readonly F[]): F | null {
  const named = err.details.field;
  return named !== undefined && (fields as readonly string[]).includes(named) ? (named as F) : null;
}

export interface FormError {
  element: HTMLParagraphElement;
  /** Show a refusal (null clears it). */
  show(err: ApiError | null): void;
}

export function formError<F extends string>(opts: {
  id: string;
  inputs: Record<F, HTMLInputElement>;
  /** Which input an error is about. */
  fieldOf(err: ApiError): F | null;
  /** Focus that input, or the form's first one. */
  focus(field: F | null): void;
  /** Hidden whenever a refusal shows (the form's "done" line). */
  done: HTMLElement;
}): FormError {
  let err: ApiError | null = null;
  const element = h("p", { id: opts.id, class: "form-error", role: "alert", hidden: true });
  localize(element, () => {
    element.textContent = err ? errorMessage(err) : "";
  });
  const show = (e: ApiError | null) => {
    err = e;
    element.textContent = e ? errorMessage(e) : "";
    element.hidden = e === null;
    for (const input of Object.values<HTMLInputElement>(opts.inputs)) input.removeAttribute("aria-invalid");
    if (e) {
      opts.done.hidden = true;
      element.setAttribute("data-error-code", e.code);
      const f = opts.fieldOf(e);
      if (f) opts.inputs[f].setAttribute("aria-invalid", "true");
      opts.focus(f);
    } else {
      element.removeAttribute("data-error-code");
    }
  };
  return { element, show };
}
