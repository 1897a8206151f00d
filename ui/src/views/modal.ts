// A modal dialog: focus stays inside (Tab wraps), Escape closes, Ctrl+Enter submits
// (through the app's global handler calling `submit`).

import type { MsgKey, Vars } from "../i18n";
import { h, ht } from "../dom";

export interface ModalOptions {
  id: string;
  titleKey: MsgKey;
  titleVars?: Vars;
  body: Node[];
  onSubmit?: () => void;
  onClose: () => void;
}

export interface Modal {
  el: HTMLElement;
  close(): void;
  submit(): void;
  focusFirst(): void;
}

const FOCUSABLE = "button, input, select, textarea, [tabindex]:not([tabindex='-1'])";

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => !(el as HTMLInputElement).disabled && !el.closest("[hidden]"),
  );
}

export function openModal(host: HTMLElement, opts: ModalOptions): Modal {
  const titleId = `${opts.id}-title`;
  const title = ht("h2", { id: titleId, class: "modal-title" }, opts.titleKey, opts.titleVars);
  const dialog = h(
    "div",
    { id: opts.id, class: "modal", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
    title,
    ...opts.body,
  );
  const backdrop = h("div", { class: "modal-backdrop" }, dialog);
  let closed = false;

  const modal: Modal = {
    el: dialog,
    close() {
      if (closed) return;
      closed = true;
      backdrop.remove();
      opts.onClose();
    },
    submit() {
      if (!closed) opts.onSubmit?.();
    },
    focusFirst() {
      const first = focusables(dialog).find((el) => el.tagName !== "BUTTON") ?? focusables(dialog)[0];
      first?.focus();
    },
  };

  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !e.isComposing) {
      e.preventDefault();
      e.stopPropagation();
      modal.close();
    } else if (e.key === "Tab") {
      const items = focusables(dialog);
      if (items.length === 0) return;
      const first = items[0] as HTMLElement;
      const last = items[items.length - 1] as HTMLElement;
      const active = document.activeElement;
      if (e.shiftKey && (active === first || !dialog.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !dialog.contains(active))) {
        e.preventDefault();
        first.focus();
      }
    }
  });

  host.appendChild(backdrop);
  modal.focusFirst();
  return modal;
}
