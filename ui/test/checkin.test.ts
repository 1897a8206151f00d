import { describe, expect, it } from "vitest";
import {
  buildCheckIn,
  buildCorrection,
  formStateFromVisit,
  initialFormState,
  parseYen,
  suggestedAmount,
  type VisitFormState,
} from "../src/checkin";
import { BREAST, LUNG, STOMACH, cardFor, resident } from "./fixtures";
import type { VisitView } from "../src/generated/VisitView";

const card = cardFor(resident());

function withChoice(state: VisitFormState, code: string, patch: Partial<VisitFormState["programmes"][number]>) {
  return {
    ...state,
    programmes: state.programmes.map((p) => (p.code === code ? { ...p, ...patch } : p)),
  };
}

describe("check-in form state", () => {
  it("ticks eligible programmes, leaves warned ones unticked, and prefills the copay sum", () => {
    const s = initialFormState(card, "voucher_only");
    expect(s.programmes.map((p) => [p.code, p.checked])).toEqual([
      ["51", true],
      ["52", true],
      ["53", false],
    ]);
    expect(s.amount).toBe(String(LUNG.copay_yen + BREAST.copay_yen));
    expect(s.category).toBe("standard");
  });

  it("prefills 0 yen for an exempt copay category", () => {
    const s = initialFormState(cardFor(resident(), { copay_category: "public_assistance" }), "voucher_only");
    expect(s.amount).toBe("0");
    expect(suggestedAmount(card.eligibility, ["51", "53"], "standard")).toBe(LUNG.copay_yen + STOMACH.copay_yen);
    expect(suggestedAmount(card.eligibility, ["51", "53"], "age70_plus")).toBe(0);
  });
});

describe("buildCheckIn", () => {
  it("builds the request Rust expects", () => {
    const r = buildCheckIn(card, initialFormState(card, "my_number_card"));
    expect(r).toEqual({
      ok: true,
      value: {
        session_id: "SES-T",
        resident_id: "R-1",
        identity_method: "my_number_card",
        copay: { category: "standard", proof: "", amount_yen: 2000 },
        screenings: [
          { programme_code: "51", status: "received", stop_reason: null, override_reason: null },
          { programme_code: "52", status: "received", stop_reason: null, override_reason: null },
        ],
      },
    });
  });

  it("requires an override reason when a warned programme is ticked", () => {
    const s = withChoice(initialFormState(card, "voucher_only"), "53", { checked: true });
    const r = buildCheckIn(card, s);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("OVERRIDE_REASON_REQUIRED");
    expect(r.error.details).toEqual({ programme: "53" });
    expect(r.field).toBe("override:53");

    const blank = buildCheckIn(card, withChoice(s, "53", { overrideReason: "   " }));
    expect(blank.ok).toBe(false);

    const ok = buildCheckIn(card, withChoice(s, "53", { overrideReason: " 本人の強い希望 " }));
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.value.screenings.find((x) => x.programme_code === "53")?.override_reason).toBe("本人の強い希望");
  });

  it("drops an override reason typed for an eligible programme", () => {
    const s = withChoice(initialFormState(card, "voucher_only"), "51", { overrideReason: "x" });
    const r = buildCheckIn(card, s);
    expect(r.ok && r.value.screenings[0]?.override_reason).toBe(null);
  });

  it("requires a stop reason for a stopped screening and sends it only then", () => {
    const stopped = withChoice(initialFormState(card, "voucher_only"), "52", { status: "stopped" });
    const r = buildCheckIn(card, stopped);
    expect(!r.ok && r.error.code).toBe("STOP_REASON_REQUIRED");
    const ok = buildCheckIn(card, withChoice(stopped, "52", { stopReason: "体調不良" }));
    expect(ok.ok && ok.value.screenings.find((x) => x.programme_code === "52")?.stop_reason).toBe("体調不良");
    const done = buildCheckIn(card, withChoice(initialFormState(card, "voucher_only"), "52", { status: "done", stopReason: "x" }));
    expect(done.ok && done.value.screenings.find((x) => x.programme_code === "52")?.stop_reason).toBe(null);
  });

  it("refuses a check-in with no screening", () => {
    const s = initialFormState(card, "voucher_only");
    const none = { ...s, programmes: s.programmes.map((p) => ({ ...p, checked: false })) };
    const r = buildCheckIn(card, none);
    expect(!r.ok && r.error.code).toBe("NO_SCREENING_CHOSEN");
  });

  it("sends 0 yen for an exempt category whatever was typed, and requires the proof", () => {
    const s: VisitFormState = { ...initialFormState(card, "voucher_only"), category: "tax_exempt_household", amount: "2000" };
    const noProof = buildCheckIn(card, s);
    expect(!noProof.ok && noProof.error.code).toBe("EXEMPTION_PROOF_REQUIRED");
    expect(!noProof.ok && noProof.field).toBe("proof");
    const r = buildCheckIn(card, { ...s, proof: " 免除確認書 " });
    expect(r.ok && r.value.copay).toEqual({ category: "tax_exempt_household", proof: "免除確認書", amount_yen: 0 });
  });

  it("does not let a provisional walk-in be exempted", () => {
    const walkIn = cardFor(resident({ provisional: true, voucher_no: null }));
    const s = { ...initialFormState(walkIn, "verbal"), category: "public_assistance" as const, proof: "受給者証" };
    const r = buildCheckIn(walkIn, s);
    expect(!r.ok && r.error.code).toBe("PROVISIONAL_EXEMPTION_NOT_ALLOWED");
  });

  it("reads amounts typed with full-width digits, commas or 円, and refuses nonsense", () => {
    expect(parseYen("１，５００円")).toBe(1500);
    expect(parseYen(" 0 ")).toBe(0);
    expect(parseYen("")).toBe(null);
    expect(parseYen("-100")).toBe(null);
    expect(parseYen("12.5")).toBe(null);
    const s = initialFormState(card, "voucher_only");
    const bad = buildCheckIn(card, { ...s, amount: "abc" });
    expect(!bad.ok && bad.error.code).toBe("INVALID_AMOUNT");
    const big = buildCheckIn(card, { ...s, amount: "100001" });
    expect(!big.ok && big.error.code).toBe("COPAY_OUT_OF_RANGE");
    expect(!big.ok && big.error.details.amount).toBe("100001");
    const ok = buildCheckIn(card, { ...s, amount: "１，０００" });
    expect(ok.ok && ok.value.copay.amount_yen).toBe(1000);
  });
});

describe("buildCorrection", () => {
  const visit: VisitView = {
    visit_id: "V-1",
    session_id: "SES-T",
    resident_id: "R-1",
    name_kanji: "山田 花子",
    name_kana: "ヤマダ ハナコ",
    dv_support: false,
    provisional: false,
    reception_no: 3n,
    identity_method: "drivers_license",
    copay_category: "standard",
    copay_proof: "",
    copay_yen: 500,
    state: "active",
    cancel_reason: null,
    checked_in_at: "2026-11-24T00:00:00Z",
    updated_at: "2026-11-24T00:00:00Z",
    screenings: [
      { programme_code: "51", status: "done", stop_reason: null, override_reason: null },
      { programme_code: "53", status: "received", stop_reason: null, override_reason: "希望" },
    ],
  };

  it("starts from the visit as recorded", () => {
    const s = formStateFromVisit(card.eligibility, visit);
    expect(s.identityMethod).toBe("drivers_license");
    expect(s.amount).toBe("500");
    expect(s.programmes.map((p) => [p.code, p.checked, p.status, p.overrideReason])).toEqual([
      ["51", true, "done", ""],
      ["52", false, "received", ""],
      ["53", true, "received", "希望"],
    ]);
  });

  it("requires the correction reason", () => {
    const s = formStateFromVisit(card.eligibility, visit);
    const r = buildCorrection(visit, card.eligibility, false, s, "  ");
    expect(!r.ok && r.error.code).toBe("REASON_REQUIRED");
    const ok = buildCorrection(visit, card.eligibility, false, s, "検診の選択誤り");
    expect(ok.ok && ok.value).toMatchObject({ visit_id: "V-1", reason: "検診の選択誤り", identity_method: "drivers_license" });
  });
});
