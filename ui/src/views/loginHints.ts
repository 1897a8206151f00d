// The demo accounts (#login-demo-hints), shown on the login screen in demo mode
// only: who they are, the shared demo password and each one's current code, with
// a button that fills in the form. Clearly marked as fictitious demo data.
// Updates change the codes in place, so focus on a button survives a refresh.

import type { LoginHint } from "../generated/LoginHint";
import { clear, h, ht, trAttr } from "../dom";
import { roleKey } from "../format";

export interface LoginHintsView {
  el: HTMLElement;
  update(hints: readonly LoginHint[]): void;
}

interface Row {
  hint: LoginHint;
  password: HTMLElement;
  code: HTMLElement;
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
          ht("th", { scope: "col" }, "login.hintCode"),
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
      const code = h("code", { class: "login-hint-code" }, hint.totp_code);
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
          h("td", {}, code),
          h("td", {}, use),
        ),
      );
      rows.set(id, { hint, password, code });
    }
  }

  return {
    el,
    update(hints) {
      const same = hints.length === rows.size && hints.every((x) => rows.has(x.staff_id));
      if (!same) {
        build(hints);
      } else {
        for (const hint of hints) {
          const row = rows.get(hint.staff_id) as Row;
          row.hint = hint;
          if (row.password.textContent !== hint.password) row.password.textContent = hint.password;
          if (row.code.textContent !== hint.totp_code) row.code.textContent = hint.totp_code;
        }
      }
      el.hidden = hints.length === 0;
    },
  };
}
