// #counts: active visits (#count-total), cancellations (#count-cancelled) and, per
// programme offered at the session, how many are received / done / stopped.

import type { ProgrammeView } from "../generated/ProgrammeView";
import type { SessionCounts } from "../generated/SessionCounts";
import { clear, h, ht, trFn } from "../dom";
import { num, programmeLabel } from "../format";

export function fillCounts(
  el: HTMLElement,
  counts: SessionCounts | null,
  programmes: readonly ProgrammeView[],
): void {
  clear(el);
  el.appendChild(ht("h2", { class: "panel-title" }, "counts.title"));
  const total = h("span", { id: "count-total", class: "count-total" }, String(num(counts?.visits)));
  const cancelled = h("span", { id: "count-cancelled", class: "count-cancelled" }, String(num(counts?.cancelled)));
  el.appendChild(
    h(
      "div",
      { class: "count-summary" },
      h("div", { class: "count-box" }, ht("span", { class: "count-label" }, "counts.total"), total),
      h("div", { class: "count-box minor" }, ht("span", { class: "count-label" }, "counts.cancelled"), cancelled),
    ),
  );

  const table = h("table", { class: "count-table" });
  table.appendChild(
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ht("th", { scope: "col" }, "counts.programme"),
        ht("th", { scope: "col" }, "status.received"),
        ht("th", { scope: "col" }, "status.done"),
        ht("th", { scope: "col" }, "status.stopped"),
      ),
    ),
  );
  const body = h("tbody", {});
  // The session's programmes in their order, then any others the counts mention.
  const codes = programmes.map((p) => p.code);
  for (const pc of counts?.per_programme ?? []) {
    if (!codes.includes(pc.programme_code)) codes.push(pc.programme_code);
  }
  for (const code of codes) {
    const p = programmes.find((x) => x.code === code);
    const c = counts?.per_programme.find((x) => x.programme_code === code);
    const cell = (status: string, v: bigint | number | undefined) =>
      h("td", { "data-count-status": status }, String(num(v)));
    body.appendChild(
      h(
        "tr",
        { "data-count-programme": code },
        h("th", { scope: "row" }, p ? trFn(h("span", {}), () => programmeLabel(p)) : code),
        cell("received", c?.received),
        cell("done", c?.done),
        cell("stopped", c?.stopped),
      ),
    );
  }
  table.appendChild(body);
  el.appendChild(table);
}
