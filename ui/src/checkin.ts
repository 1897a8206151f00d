// The check-in / correction form as plain data, and the pure functions that turn
// it into the requests Rust expects. They check what Rust checks (so staff get the
// message before the round trip); Rust checks it all again.

import type { ApiError } from "./generated/ApiError";
import type { CheckInRequest } from "./generated/CheckInRequest";
import type { CopayCategory } from "./generated/CopayCategory";
import type { CopayInput } from "./generated/CopayInput";
import type { CorrectionRequest } from "./generated/CorrectionRequest";
import type { IdentityMethod } from "./generated/IdentityMethod";
import type { ProgrammeEligibility } from "./generated/ProgrammeEligibility";
import type { ResidentCard } from "./generated/ResidentCard";
import type { ScreeningInput } from "./generated/ScreeningInput";
import type { ScreeningStatus } from "./generated/ScreeningStatus";
import type { VisitView } from "./generated/VisitView";
import { clientError } from "./errors";

export const IDENTITY_METHODS: readonly IdentityMethod[] = [
  "voucher_only",
  "my_number_card",
  "drivers_license",
  "insurance_card",
  "other_document",
  "verbal",
];

export const COPAY_CATEGORIES: readonly CopayCategory[] = [
  "standard",
  "age70_plus",
  "late_elderly_insured",
  "public_assistance",
  "chinese_residual_support",
  "tax_exempt_household",
];

export const SCREENING_STATUSES: readonly ScreeningStatus[] = ["received", "done", "stopped"];

/** Same limit as Rust (MAX_COPAY_YEN). */
export const MAX_COPAY_YEN = 100_000;

export interface ProgrammeChoice {
  code: string;
  checked: boolean;
  status: ScreeningStatus;
  stopReason: string;
  overrideReason: string;
}

export interface VisitFormState {
  identityMethod: IdentityMethod;
  category: CopayCategory;
  proof: string;
  /** As typed (full-width digits, commas and 円 are accepted). */
  amount: string;
  programmes: ProgrammeChoice[];
}

/** Which form control an error is about, e.g. "override:52", "proof", "amount". */
export type FieldRef = string;

export type Built<T> = { ok: true; value: T } | { ok: false; error: ApiError; field?: FieldRef };

export function isExempt(category: CopayCategory): boolean {
  return category !== "standard";
}

export function isWarned(pe: ProgrammeEligibility): boolean {
  return pe.eligibility.warnings.length > 0;
}

/** Standard: the sum of the checked programmes' copays; exempt: 0. */
export function suggestedAmount(
  eligibility: readonly ProgrammeEligibility[],
  checkedCodes: readonly string[],
  category: CopayCategory,
): number {
  if (isExempt(category)) return 0;
  return eligibility
    .filter((pe) => checkedCodes.includes(pe.programme.code))
    .reduce((sum, pe) => sum + pe.programme.copay_yen, 0);
}

export function checkedCodes(state: VisitFormState): string[] {
  return state.programmes.filter((p) => p.checked).map((p) => p.code);
}

/** A new check-in: eligible programmes ticked, warned ones not. */
export function initialFormState(card: ResidentCard, identityMethod: IdentityMethod): VisitFormState {
  const programmes = card.eligibility.map((pe) => ({
    code: pe.programme.code,
    checked: !isWarned(pe),
    status: "received" as ScreeningStatus,
    stopReason: "",
    overrideReason: "",
  }));
  const state: VisitFormState = {
    identityMethod,
    category: card.copay_category,
    proof: "",
    amount: "",
    programmes,
  };
  state.amount = String(suggestedAmount(card.eligibility, checkedCodes(state), state.category));
  return state;
}

/** A correction: the visit as recorded. */
export function formStateFromVisit(eligibility: readonly ProgrammeEligibility[], visit: VisitView): VisitFormState {
  const programmes = eligibility.map((pe) => {
    const s = visit.screenings.find((x) => x.programme_code === pe.programme.code);
    return {
      code: pe.programme.code,
      checked: s !== undefined,
      status: s?.status ?? "received",
      stopReason: s?.stop_reason ?? "",
      overrideReason: s?.override_reason ?? "",
    };
  });
  return {
    identityMethod: visit.identity_method,
    category: visit.copay_category,
    proof: visit.copay_proof,
    amount: String(visit.copay_yen),
    programmes,
  };
}

/** "１，５００円" → 1500; null when it is not a whole number of yen. */
export function parseYen(text: string): number | null {
  const s = text.normalize("NFKC").replace(/[\s,円¥\\]/gu, "");
  if (!/^[0-9]{1,9}$/.test(s)) return null;
  return Number(s);
}

export function buildScreenings(
  state: VisitFormState,
  eligibility: readonly ProgrammeEligibility[],
): Built<ScreeningInput[]> {
  const chosen = state.programmes.filter((p) => p.checked);
  if (chosen.length === 0) return { ok: false, error: clientError("NO_SCREENING_CHOSEN") };
  const out: ScreeningInput[] = [];
  for (const p of chosen) {
    const pe = eligibility.find((e) => e.programme.code === p.code);
    if (!pe) {
      return { ok: false, error: clientError("PROGRAMME_NOT_OFFERED", { programme: p.code }) };
    }
    const stop = p.stopReason.trim();
    const override = p.overrideReason.trim();
    if (p.status === "stopped" && stop === "") {
      return {
        ok: false,
        error: clientError("STOP_REASON_REQUIRED", { programme: p.code }),
        field: `stop:${p.code}`,
      };
    }
    const warned = isWarned(pe);
    if (warned && override === "") {
      return {
        ok: false,
        error: clientError("OVERRIDE_REASON_REQUIRED", { programme: p.code }),
        field: `override:${p.code}`,
      };
    }
    out.push({
      programme_code: p.code,
      status: p.status,
      stop_reason: p.status === "stopped" ? stop : null,
      override_reason: warned ? override : null,
    });
  }
  return { ok: true, value: out };
}

export function buildCopay(state: VisitFormState, provisional: boolean): Built<CopayInput> {
  if (isExempt(state.category)) {
    if (provisional) {
      return { ok: false, error: clientError("PROVISIONAL_EXEMPTION_NOT_ALLOWED"), field: "category" };
    }
    const proof = state.proof.trim();
    if (proof === "") return { ok: false, error: clientError("EXEMPTION_PROOF_REQUIRED"), field: "proof" };
    return { ok: true, value: { category: state.category, proof, amount_yen: 0 } };
  }
  const amount = parseYen(state.amount);
  if (amount === null) return { ok: false, error: clientError("INVALID_AMOUNT"), field: "amount" };
  if (amount > MAX_COPAY_YEN) {
    return { ok: false, error: clientError("COPAY_OUT_OF_RANGE", { amount: String(amount) }), field: "amount" };
  }
  return { ok: true, value: { category: state.category, proof: "", amount_yen: amount } };
}

export function buildCheckIn(card: ResidentCard, state: VisitFormState): Built<CheckInRequest> {
  const screenings = buildScreenings(state, card.eligibility);
  if (!screenings.ok) return screenings;
  const copay = buildCopay(state, card.summary.provisional);
  if (!copay.ok) return copay;
  return {
    ok: true,
    value: {
      session_id: card.session_id,
      resident_id: card.summary.resident_id,
      identity_method: state.identityMethod,
      copay: copay.value,
      screenings: screenings.value,
    },
  };
}

export function buildCorrection(
  visit: VisitView,
  eligibility: readonly ProgrammeEligibility[],
  provisional: boolean,
  state: VisitFormState,
  reason: string,
): Built<CorrectionRequest> {
  const screenings = buildScreenings(state, eligibility);
  if (!screenings.ok) return screenings;
  const copay = buildCopay(state, provisional);
  if (!copay.ok) return copay;
  const r = reason.trim();
  if (r === "") return { ok: false, error: clientError("REASON_REQUIRED"), field: "reason" };
  return {
    ok: true,
    value: {
      visit_id: visit.visit_id,
      identity_method: state.identityMethod,
      copay: copay.value,
      screenings: screenings.value,
      reason: r,
    },
  };
}
