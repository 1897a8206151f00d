// The demo accounts (#login-demo-hints), shown on the login screen in demo mode
// only: who they are and the shared demo password, with a button that fills in
// the form (each one's authenticator is their demo software token, which the
// app uses by itself). Clearly marked as fictitious demo data.

import type { LoginHint } from "../generated/LoginHint";
import { clear, h, ht, trAttr } from "../dom";
import { roleKey } from "../format";

export interface LoginHintsView {
  el: HTMLElement;
  update(hints: readonly LoginHint[]): void;
}

interface Row {
  hint: LoginHint;
}

export function createLoginHints(onUse: (hint: LoginHint) => void): LoginHintsView {
  const body = h("tbody");
  const el = h(
    "section",
    { id: "login-demo-hints", class: "login-demo-hints", "aria-labelledby": "login-demo-hints-title", hidden: true },
    ht("h2", { id: "login-demo-hints-title" }, "login.hintsTitle"),
    ht("p", { class: "dialog-note" }, "login.hintsNote"),
    h(
      "table",
      { class: "login-hints-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ht("th", { scope: "col" }, "login.hintStaff"),
          ht("th", { scope: "col" }, "login.hintRole"),
          ht("th", { scope: "col" }, "login.hintPassword"),
          h("th", { scope: "col" }),
        ),
      ),
      body,
    ),
  );
  const rows = new Map<string, Row>();

  function build(hints: readonly LoginHint[]): void {
    clear(body);
    rows.clear();
    for (const hint of hints) {
      const id = hint.staff_id;
      const password = h("code", { class: "login-hint-password" }, hint.password);
      const use = ht("button", { id: `login-hint-use-${id}`, type: "button", class: "secondary" }, "login.hintUse");
      trAttr(use, "aria-label", "login.hintUseLabel", { staff_id: id });
      use.addEventListener("click", () => {
        const row = rows.get(id);
        if (row) onUse(row.hint);
      });
      body.appendChild(
        h(
          "tr",
          { id: `login-hint-${id}`, class: "login-hint", "data-staff-id": id, "data-staff-role": hint.role },
          h("td", {}, h("span", { class: "login-hint-id" }, id), " ", h("span", { class: "login-hint-name" }, hint.name)),
          ht("td", { class: "login-hint-role" }, roleKey(hint.role)),
          h("td", {}, password),
          h("td", {}, use),
        ),
      );
      rows.set(id, { hint });
    }
  }

  return {
    el,
    update(hints) {
      build(hints);
      el.hidden = hints.length === 0;
    },
  };
}
