// #resident-card: who is at the desk, their eligibility, and the check-in form
// (or, if already checked in, 「受付済」 and the way to a correction).
// Under a support measure (dv_support) no address or postal code is put on screen.
// Check-ins of the same person on other terminals (as last synced) are shown as a
// warning, and for a walk-in (仮登録) the central office's decision on it.
// 「個人番号を表示」 shows only for a role that may and staff who hold the permission.

import type { Action } from "../generated/Action";
import type { ApiError } from "../generated/ApiError";
import type { CheckInRequest } from "../generated/CheckInRequest";
import type { IdentityMethod } from "../generated/IdentityMethod";
import type { RemoteVisitView } from "../generated/RemoteVisitView";
import type { ResidentCard } from "../generated/ResidentCard";
import type { WalkInOutcomeView } from "../generated/WalkInOutcomeView";
import { buildCheckIn, initialFormState, type FieldRef } from "../checkin";
import { h, ht } from "../dom";
import { num, privateUseCodes, timeJst } from "../format";
import type { MsgKey } from "../i18n";
import { createVisitForm, type VisitForm } from "./visitForm";
import { nameKana, nameKanji, sexKey } from "./resident";

export interface CardView {
  el: HTMLElement;
  card: ResidentCard;
  form: VisitForm | null;
  /** Submit the check-in (button or Ctrl+Enter); false when there is no form. */
  submit(): boolean;
  setBusy(busy: boolean): void;
}

export interface CardHandlers {
  onCheckIn(req: CheckInRequest): void;
  onInvalid(err: ApiError, field?: FieldRef): void;
  onCorrect(): void;
  onClose(): void;
  /** 「個人番号を表示」 (the app opens the dialog). */
  onMyNumber(): void;
}

function fact(labelKey: MsgKey, ...value: (Node | string | null)[]): HTMLElement[] {
  return [ht("dt", {}, labelKey), h("dd", {}, ...value)];
}

/**
 * 「他の端末で受付済みです」, one line per check-in elsewhere; null when there is none.
 * Check-in stays possible (an offline terminal cannot know for sure): this is a warning.
 */
function elsewhereWarning(elsewhere: readonly RemoteVisitView[]): HTMLElement | null {
  if (elsewhere.length === 0) return null;
  return h(
    "div",
    { id: "card-elsewhere", class: "elsewhere-warning", role: "alert" },
    ...elsewhere.map((v) =>
      ht("p", { class: "elsewhere-line" }, "card.elsewhere", {
        terminal: v.terminal_name,
        no: num(v.reception_no),
        time: timeJst(v.checked_in_at),
      }),
    ),
  );
}

/** The central office's decision on a walk-in: matched to a roster resident, or rejected. */
function walkInOutcome(outcome: WalkInOutcomeView | null): HTMLElement | null {
  if (!outcome) return null;
  const note = outcome.note?.trim() ? outcome.note.trim() : null;
  if (outcome.status === "matched") {
    const resident_id = outcome.resident_id ?? "—";
    return note
      ? ht("p", { id: "card-walk-in-outcome", class: "walk-in-outcome matched" }, "card.walkInMatchedNote", {
          resident_id,
          note,
        })
      : ht("p", { id: "card-walk-in-outcome", class: "walk-in-outcome matched" }, "card.walkInMatched", {
          resident_id,
        });
  }
  if (outcome.status === "rejected") {
    const attrs = { id: "card-walk-in-outcome", class: "walk-in-outcome rejected", role: "note" };
    return note ? ht("p", attrs, "card.walkInRejected", { note }) : ht("p", attrs, "card.walkInRejectedNoNote");
  }
  return null;
}

export function renderCard(
  card: ResidentCard,
  opts: { allowed: ReadonlySet<Action>; identity: IdentityMethod; myNumberPermission?: boolean },
  handlers: CardHandlers,
): CardView {
  const r = card.summary;
  const close = ht("button", { type: "button", id: "card-close", class: "secondary card-close" }, "card.close");
  close.addEventListener("click", handlers.onClose);

  const head = h(
    "div",
    { class: "card-head" },
    h(
      "div",
      { class: "card-names" },
      nameKanji(r, "card-kanji", "card-name-kanji"),
      nameKana(r, "card-kana", "card-name-kana"),
    ),
    r.provisional ? ht("span", { id: "card-provisional", class: "provisional-mark" }, "card.provisional") : null,
    close,
  );

  const gaiji = privateUseCodes(r.name_kanji);
  const gaijiNote =
    gaiji.length > 0 ? ht("p", { class: "gaiji-note", id: "card-gaiji" }, "card.gaiji", { codes: gaiji.join(" ") }) : null;

  const dv = r.dv_support
    ? ht("p", { id: "dv-warning", class: "dv-warning", role: "note" }, "card.dvWarning")
    : null;

  const facts = h("dl", { class: "card-facts" });
  const add = (els: HTMLElement[]) => els.forEach((e) => facts.appendChild(e));
  add(fact("card.birth", h("span", { id: "card-birth" }, r.birth_wareki), " ", h("small", { class: "iso" }, r.birth_date)));
  add(fact("card.age", ht("span", { id: "card-age" }, "age.value", { age: r.age })));
  add(fact("card.sex", ht("span", { id: "card-sex" }, sexKey(r.sex))));
  if (!r.dv_support) {
    const postal = card.postal_code ? `〒${card.postal_code} ` : "";
    const [dt, dd] = fact("card.address", h("span", { id: "card-address" }, postal, r.address ?? ""));
    dt?.classList.add("wide");
    dd?.classList.add("wide");
    add([dt as HTMLElement, dd as HTMLElement]);
  }
  add(
    fact(
      "card.voucher",
      r.voucher_no
        ? h("span", { id: "card-voucher" }, r.voucher_no)
        : ht("span", { id: "card-voucher", class: "muted" }, "card.noVoucher"),
    ),
  );
  add(fact("card.copayCategory", ht("span", { id: "card-copay-category" }, `copay.${card.copay_category}`)));

  let myNumber: HTMLElement | null = null;
  if (opts.allowed.has("view_my_number") && opts.myNumberPermission === true) {
    myNumber = ht("button", { type: "button", id: "card-my-number", class: "secondary card-my-number" }, "card.myNumber");
    myNumber.addEventListener("click", handlers.onMyNumber);
  }

  const el = h(
    "section",
    {
      id: "resident-card",
      class: `resident-card${r.dv_support ? " dv" : ""}`,
      "data-resident-id": r.resident_id,
      "aria-labelledby": "card-name-kanji",
    },
    head,
    gaijiNote,
    dv,
    walkInOutcome(card.walk_in_outcome),
    facts,
    myNumber ? h("div", { class: "card-tools" }, myNumber) : null,
    elsewhereWarning(card.elsewhere),
  );

  let form: VisitForm | null = null;
  let submitButton: HTMLButtonElement | null = null;

  if (card.visit) {
    const visitBox = h(
      "div",
      { class: "card-visit" },
      ht("p", { id: "card-visit-status", class: "checked-in" }, "card.checkedIn", { no: num(card.visit.reception_no) }),
    );
    if (opts.allowed.has("correct_visit") && card.visit.state === "active") {
      const correct = ht("button", { type: "button", id: "card-correct", class: "primary" }, "card.correct");
      correct.addEventListener("click", handlers.onCorrect);
      visitBox.appendChild(correct);
    }
    el.appendChild(visitBox);
  } else if (opts.allowed.has("check_in")) {
    const visitForm = createVisitForm({
      prefix: "checkin",
      eligibility: card.eligibility,
      initial: initialFormState(card, opts.identity),
    });
    form = visitForm;
    submitButton = ht("button", { type: "button", id: "checkin-submit", class: "primary big" }, "checkin.submit");
    submitButton.addEventListener("click", () => view.submit());
    el.appendChild(visitForm.el);
    el.appendChild(h("div", { class: "actions" }, submitButton));
  }

  const view: CardView = {
    el,
    card,
    form,
    submit() {
      if (!form || !submitButton || submitButton.disabled) return false;
      const built = buildCheckIn(card, form.read());
      if (!built.ok) {
        form.markInvalid(built.field);
        handlers.onInvalid(built.error, built.field);
        return true;
      }
      form.markInvalid();
      handlers.onCheckIn(built.value);
      return true;
    },
    setBusy(busy) {
      if (submitButton) submitButton.disabled = busy;
      el.classList.toggle("busy", busy);
    },
  };
  return view;
}
