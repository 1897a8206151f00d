// The demo staff picker (until login lands): one big button per person.
// ↑/↓ move between them, Enter chooses.

import type { Role } from "../generated/Role";
import type { StaffView } from "../generated/StaffView";
import type { MsgKey } from "../i18n";
import { h, ht } from "../dom";

export function roleKey(role: Role): MsgKey {
  return `role.${role}`;
}

export function renderStaffPicker(staff: readonly StaffView[], onChoose: (staffId: string) => void): HTMLElement {
  const list = h("ul", { id: "staff-list", class: "staff-list" });
  const buttons: HTMLButtonElement[] = [];
  for (const s of staff) {
    const button = h(
      "button",
      { type: "button", class: "staff-option", "data-staff-id": s.staff_id, "data-staff-role": s.role },
      h("span", { class: "staff-name" }, s.name),
      h("span", { class: "staff-dept" }, s.department),
      ht("span", { class: "staff-role" }, roleKey(s.role)),
    );
    button.addEventListener("click", () => onChoose(s.staff_id));
    buttons.push(button);
    list.appendChild(h("li", {}, button));
  }
  list.addEventListener("keydown", (e) => {
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = e.key === "ArrowDown" ? Math.min(i + 1, buttons.length - 1) : Math.max(i - 1, 0);
      buttons[next]?.focus();
    } else if (e.key === "Home") {
      e.preventDefault();
      buttons[0]?.focus();
    } else if (e.key === "End") {
      e.preventDefault();
      buttons[buttons.length - 1]?.focus();
    }
  });
  return h(
    "section",
    { id: "staff-picker", class: "staff-picker", "aria-labelledby": "staff-picker-title" },
    ht("h1", { id: "staff-picker-title" }, "staff.title"),
    staff.length === 0 ? ht("p", { class: "empty" }, "staff.empty") : list,
  );
}
