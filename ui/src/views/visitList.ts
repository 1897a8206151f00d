// #visit-list: everyone checked in at the session, newest first. Cancelled rows stay,
// struck through, with the reason. Active rows offer 「訂正」 and 「取消」 when allowed.

import type { Action } from "../generated/Action";
import type { ProgrammeView } from "../generated/ProgrammeView";
import type { VisitView } from "../generated/VisitView";
import { clear, h, ht, trFn } from "../dom";
import { num, programmeLabel, timeJst, yen } from "../format";
import { t } from "../i18n";
import { nameKana, nameKanji } from "./resident";

export interface VisitListHandlers {
  onCorrect(v: VisitView): void;
  onCancel(v: VisitView): void;
}

export function fillVisitList(
  el: HTMLElement,
  visits: readonly VisitView[],
  programmes: readonly ProgrammeView[],
  allowed: ReadonlySet<Action>,
  handlers: VisitListHandlers,
): void {
  clear(el);
  el.appendChild(ht("h2", { class: "panel-title" }, "visits.title"));
  if (visits.length === 0) {
    el.appendChild(ht("p", { class: "empty" }, "visits.empty"));
    return;
  }
  const list = h("ol", { class: "visit-rows" });
  const sorted = [...visits].sort((a, b) => num(b.reception_no) - num(a.reception_no));
  for (const v of sorted) list.appendChild(visitRow(v, programmes, allowed, handlers));
  el.appendChild(list);
}

function programmeName(code: string, programmes: readonly ProgrammeView[]): string {
  const p = programmes.find((x) => x.code === code);
  return p ? programmeLabel(p) : code;
}

function visitRow(
  v: VisitView,
  programmes: readonly ProgrammeView[],
  allowed: ReadonlySet<Action>,
  handlers: VisitListHandlers,
): HTMLElement {
  const cancelled = v.state === "cancelled";
  const screenings = h("ul", { class: "visit-screenings" });
  for (const s of v.screenings) {
    screenings.appendChild(
      h(
        "li",
        { class: `screening status-${s.status}`, "data-programme": s.programme_code, "data-status": s.status },
        trFn(h("span", { class: "screening-name" }), () => programmeName(s.programme_code, programmes)),
        trFn(h("span", { class: "screening-status" }), () => t(`status.${s.status}`)),
      ),
    );
  }

  const actions = h("div", { class: "visit-actions" });
  if (!cancelled) {
    if (allowed.has("correct_visit")) {
      const b = ht("button", { type: "button", class: "correct-visit secondary" }, "visits.correct");
      b.addEventListener("click", () => handlers.onCorrect(v));
      actions.appendChild(b);
    }
    if (allowed.has("cancel_visit")) {
      const b = ht("button", { type: "button", class: "cancel-visit secondary" }, "visits.cancel");
      b.addEventListener("click", () => handlers.onCancel(v));
      actions.appendChild(b);
    }
  }

  return h(
    "li",
    {
      class: `visit-row${cancelled ? " cancelled" : ""}`,
      "data-visit-id": v.visit_id,
      "data-resident-id": v.resident_id,
      "data-reception-no": String(num(v.reception_no)),
      "data-state": v.state,
    },
    h("span", { class: "visit-no" }, String(num(v.reception_no))),
    h(
      "div",
      { class: "visit-main" },
      h(
        "div",
        { class: "visit-names" },
        nameKana(v, "visit-kana"),
        nameKanji(v, "visit-kanji"),
        v.dv_support ? ht("span", { class: "dv-mark" }, "dv.mark") : null,
        v.provisional ? ht("span", { class: "provisional-mark" }, "card.provisional") : null,
      ),
      screenings,
      cancelled
        ? ht("p", { class: "cancel-reason-text" }, "visits.cancelled", { reason: v.cancel_reason ?? "" })
        : null,
      actions.childElementCount > 0 ? actions : null,
    ),
    h(
      "div",
      { class: "visit-side" },
      ht("span", { class: "visit-time" }, "visits.time", { time: timeJst(v.checked_in_at) }),
      trFn(h("span", { class: "visit-copay" }), () => yen(v.copay_yen)),
    ),
  );
}
