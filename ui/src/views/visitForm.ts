// The fields of a check-in and of a correction: one row per programme offered at
// the session (checkbox, eligibility warnings, status, reasons), identity method,
// copay category / proof / amount. `read()` returns plain data for checkin.ts.

import type { CopayCategory } from "../generated/CopayCategory";
import type { EligibilityWarning } from "../generated/EligibilityWarning";
import type { IdentityMethod } from "../generated/IdentityMethod";
import type { ProgrammeEligibility } from "../generated/ProgrammeEligibility";
import type { ScreeningStatus } from "../generated/ScreeningStatus";
import {
  COPAY_CATEGORIES,
  IDENTITY_METHODS,
  SCREENING_STATUSES,
  checkedCodes,
  isExempt,
  isWarned,
  suggestedAmount,
  type FieldRef,
  type VisitFormState,
} from "../checkin";
import { field, h, ht, options, trAttr, trFn } from "../dom";
import { programmeLabel, yen } from "../format";
import { t, type MsgKey } from "../i18n";

export interface VisitForm {
  el: HTMLElement;
  read(): VisitFormState;
  /** Highlight the control an error is about (and clear earlier highlights). */
  markInvalid(field?: FieldRef): void;
  control(field: FieldRef): HTMLElement | null;
}

export function warningText(w: EligibilityWarning): string {
  switch (w.kind) {
    case "too_young":
      return t("elig.too_young", { age: w.age, min: w.min });
    case "too_old":
      return t("elig.too_old", { age: w.age, max: w.max });
    case "not_listed_age":
      return t("elig.not_listed_age", { age: w.age });
    case "wrong_sex":
      return t("elig.wrong_sex");
    case "screened_too_recently":
      return t("elig.screened_too_recently", {
        last_fiscal_year: w.last_fiscal_year,
        interval_years: w.interval_years,
      });
    case "already_screened_once":
      return t("elig.already_screened_once", { fiscal_year: w.fiscal_year });
  }
}

interface Row {
  code: string;
  checkbox: HTMLInputElement;
  status: HTMLSelectElement;
  stopReason: HTMLInputElement;
  overrideReason: HTMLInputElement | null;
}

export function createVisitForm(opts: {
  prefix: string;
  eligibility: readonly ProgrammeEligibility[];
  initial: VisitFormState;
}): VisitForm {
  const { prefix, eligibility, initial } = opts;
  const rows: Row[] = [];

  const list = h("div", { class: "programme-list" });
  for (const pe of eligibility) {
    const code = pe.programme.code;
    const init = initial.programmes.find((p) => p.code === code);
    const warned = isWarned(pe);
    const cbId = `${prefix}-prog-${code}`;
    const checkbox = h("input", {
      type: "checkbox",
      id: cbId,
      class: "programme-check",
      "data-programme": code,
    });
    checkbox.checked = init?.checked ?? false;

    const nameLabel = h(
      "label",
      { for: cbId, class: "programme-name" },
      trFn(h("span", {}), () => programmeLabel(pe.programme)),
      trFn(h("span", { class: "programme-copay" }), () => yen(pe.programme.copay_yen)),
    );

    const eligEl = h("div", { class: warned ? "elig warned" : "elig ok" });
    if (warned) {
      for (const w of pe.eligibility.warnings) {
        eligEl.appendChild(trFn(h("div", { class: "elig-warning", "data-warning": w.kind }), () => warningText(w)));
      }
    } else {
      eligEl.appendChild(ht("span", { class: "elig-ok" }, "elig.ok"));
    }

    const status = h("select", { class: "programme-status", "data-status-for": code });
    options(status, SCREENING_STATUSES, (s): MsgKey => `status.${s}`, init?.status ?? "received");
    const stopReason = h("input", {
      type: "text",
      class: "stop-reason",
      "data-stop-reason-for": code,
      maxlength: "200",
      autocomplete: "off",
    });
    stopReason.value = init?.stopReason ?? "";
    const stopField = field("stop.reason", stopReason, "stop-field");

    let overrideReason: HTMLInputElement | null = null;
    let overrideField: HTMLElement | null = null;
    if (warned) {
      overrideReason = h("input", {
        type: "text",
        class: "override-reason",
        "data-override-for": code,
        maxlength: "200",
        autocomplete: "off",
        required: true,
      });
      overrideReason.value = init?.overrideReason ?? "";
      overrideField = field("elig.override", overrideReason, "override-field");
    }

    trAttr(status, "aria-label", "status.label");
    const details = h("div", { class: "programme-details" }, stopField, overrideField);

    const sync = () => {
      status.hidden = !checkbox.checked;
      stopField.hidden = !checkbox.checked || status.value !== "stopped";
      if (overrideField) overrideField.hidden = !checkbox.checked;
      details.hidden = stopField.hidden && (overrideField?.hidden ?? true);
    };
    sync();
    checkbox.addEventListener("change", () => {
      sync();
      recomputeAmount();
    });
    status.addEventListener("change", sync);

    list.appendChild(
      h(
        "div",
        { class: `programme-row${warned ? " warned" : ""}`, "data-programme-row": code },
        h("div", { class: "programme-main" }, checkbox, nameLabel, eligEl, status),
        details,
      ),
    );
    rows.push({ code, checkbox, status, stopReason, overrideReason });
  }

  const identity = h("select", { id: `${prefix}-identity`, class: "identity-select" });
  options(identity, IDENTITY_METHODS, (m): MsgKey => `identity.${m}`, initial.identityMethod);

  const category = h("select", { id: `${prefix}-copay-category`, class: "copay-category" });
  options(category, COPAY_CATEGORIES, (c): MsgKey => `copay.${c}`, initial.category);
  const proof = h("input", { id: `${prefix}-copay-proof`, type: "text", maxlength: "100", autocomplete: "off" });
  proof.value = initial.proof;
  const proofField = field("copay.proof", proof, "proof-field");
  const amount = h("input", {
    id: `${prefix}-copay-amount`,
    type: "text",
    inputmode: "numeric",
    autocomplete: "off",
    class: "copay-amount",
  });
  amount.value = initial.amount;

  trAttr(proof, "placeholder", "copay.proofPlaceholder");

  function state(): VisitFormState {
    return {
      identityMethod: identity.value as IdentityMethod,
      category: category.value as CopayCategory,
      proof: proof.value,
      amount: amount.value,
      programmes: rows.map((r) => ({
        code: r.code,
        checked: r.checkbox.checked,
        status: r.status.value as ScreeningStatus,
        stopReason: r.stopReason.value,
        overrideReason: r.overrideReason?.value ?? "",
      })),
    };
  }

  function syncCopay() {
    const exempt = isExempt(category.value as CopayCategory);
    proofField.hidden = !exempt;
    proof.required = exempt;
    amount.readOnly = exempt;
    amount.classList.toggle("readonly", exempt);
  }
  function recomputeAmount() {
    const s = state();
    amount.value = String(suggestedAmount(eligibility, checkedCodes(s), s.category));
  }
  syncCopay();
  category.addEventListener("change", () => {
    syncCopay();
    recomputeAmount();
  });

  const el = h(
    "div",
    { class: "visit-form" },
    h("fieldset", { class: "programmes" }, ht("legend", {}, "programmes.title"), list),
    h(
      "div",
      { class: "form-grid" },
      field("identity.label", identity, "identity-field"),
      h(
        "fieldset",
        { class: "copay" },
        ht("legend", {}, "copay.label"),
        field("copay.category", category),
        proofField,
        field("copay.amount", amount, "amount-field"),
      ),
    ),
  );

  function control(ref: FieldRef): HTMLElement | null {
    const [kind, code] = ref.split(":");
    const row = rows.find((r) => r.code === code);
    switch (kind) {
      case "override":
        return row?.overrideReason ?? null;
      case "stop":
        return row?.stopReason ?? null;
      case "proof":
        return proof;
      case "amount":
        return amount;
      case "category":
        return category;
      default:
        return null;
    }
  }

  return {
    el,
    read: state,
    control,
    markInvalid(ref) {
      for (const bad of Array.from(el.querySelectorAll("[aria-invalid='true']"))) bad.removeAttribute("aria-invalid");
      if (!ref) return;
      control(ref)?.setAttribute("aria-invalid", "true");
    },
  };
}
