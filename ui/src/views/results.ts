// #results: the search hits. The search box keeps focus; ↑/↓ move the highlight
// (aria-activedescendant) and Enter opens the highlighted person.

import type { ResidentSummary } from "../generated/ResidentSummary";
import { clear, h, ht, tr } from "../dom";
import { nameKana, nameKanji, sexKey } from "./resident";

export interface ResultsView {
  el: HTMLElement;
  render(list: readonly ResidentSummary[] | null): void;
  move(delta: number): void;
  active(): ResidentSummary | null;
  count(): number;
}

export function createResults(searchInput: HTMLInputElement | null, onOpen: (r: ResidentSummary) => void): ResultsView {
  const el = h("div", { id: "results", class: "results", role: "listbox", "aria-labelledby": "results-label" });
  let items: readonly ResidentSummary[] = [];
  let rows: HTMLElement[] = [];
  let activeIndex = -1;

  const setActive = (i: number) => {
    activeIndex = i;
    rows.forEach((row, j) => {
      row.setAttribute("aria-selected", String(j === i));
      row.classList.toggle("active", j === i);
    });
    const row = rows[i];
    if (row) {
      searchInput?.setAttribute("aria-activedescendant", row.id);
      row.scrollIntoView?.({ block: "nearest" });
    } else {
      searchInput?.removeAttribute("aria-activedescendant");
    }
  };

  const view: ResultsView = {
    el,
    render(list) {
      clear(el);
      items = list ?? [];
      rows = [];
      if (list === null) {
        el.hidden = true;
        setActive(-1);
        return;
      }
      el.hidden = false;
      const heading = h("div", { id: "results-label", class: "results-count" });
      if (list.length === 0) tr(heading, "results.none");
      else tr(heading, "results.count", { count: list.length });
      el.appendChild(heading);
      list.forEach((r, i) => {
        const row = resultRow(r, i);
        row.addEventListener("click", () => onOpen(r));
        row.addEventListener("mousemove", () => {
          if (activeIndex !== i) setActive(i);
        });
        rows.push(row);
        el.appendChild(row);
      });
      setActive(list.length > 0 ? 0 : -1);
    },
    move(delta) {
      if (rows.length === 0) return;
      const next = activeIndex < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, activeIndex + delta));
      setActive(next);
    },
    active: () => items[activeIndex] ?? null,
    count: () => items.length,
  };
  el.hidden = true;
  return view;
}

function resultRow(r: ResidentSummary, i: number): HTMLElement {
  const place = r.dv_support
    ? ht("span", { class: "dv-mark" }, "dv.mark")
    : h("span", { class: "result-address" }, r.address ?? "");
  return h(
    "div",
    {
      id: `result-${i}`,
      class: "result-row",
      role: "option",
      "aria-selected": "false",
      "data-resident-id": r.resident_id,
    },
    h("div", { class: "result-names" }, nameKana(r, "result-kana"), nameKanji(r, "result-kanji")),
    h(
      "div",
      { class: "result-facts" },
      h("span", { class: "result-birth" }, r.birth_wareki),
      ht("span", { class: "result-age" }, "age.value", { age: r.age }),
      ht("span", { class: "result-sex" }, sexKey(r.sex)),
      r.provisional ? ht("span", { class: "provisional-mark" }, "card.provisional") : null,
      place,
    ),
  );
}
