import { beforeEach, describe, expect, it, vi } from "vitest";
import { relocalize } from "../src/dom";
import { initLang, setLang } from "../src/i18n";
import { renderCard } from "../src/views/card";
import { createResults } from "../src/views/results";
import { fillVisitList } from "../src/views/visitList";
import { ALL_ACTIONS, SESSIONS, cardFor, resident } from "./fixtures";
import type { Action } from "../src/generated/Action";
import type { VisitView } from "../src/generated/VisitView";

const handlers = () => ({ onCheckIn: vi.fn(), onInvalid: vi.fn(), onCorrect: vi.fn(), onClose: vi.fn(), onMyNumber: vi.fn() });
const opts = { allowed: new Set(ALL_ACTIONS), identity: "voucher_only" as const };

beforeEach(() => {
  initLang(null);
  document.body.replaceChildren();
});

const SAMPLE_VISIT: VisitView = {
  visit_id: "V-1",
  session_id: "SES-T",
  resident_id: "R-1",
  name_kanji: "山田 花子",
  name_kana: "ヤマダ ハナコ",
  dv_support: false,
  provisional: false,
  reception_no: 1n,
  identity_method: "voucher_only",
  copay_category: "standard",
  copay_proof: "",
  copay_yen: 500,
  state: "active",
  cancel_reason: null,
  checked_in_at: "2026-11-24T00:00:00Z",
  updated_at: "2026-11-24T00:00:00Z",
  screenings: [],
};

// 葛 + IVS selector U+E0104, a 外字 in the private use area, and 𠮷 (outside the BMP).
const HARD_NAME = "葛\u{E0104}飾\u{E000}𠮷田 太郎";

describe("resident card", () => {
  it("offers 個人番号を表示 only with view_my_number and the permission", () => {
    const withAction = new Set([...ALL_ACTIONS, "view_my_number" as const]);
    const shown = (allowed: ReadonlySet<Action>, permission?: boolean) =>
      renderCard(cardFor(resident()), { allowed, identity: "voucher_only", myNumberPermission: permission }, handlers()).el.querySelector(
        "#card-my-number",
      ) !== null;
    expect(shown(withAction, true)).toBe(true);
    expect(shown(withAction, false)).toBe(false);
    expect(shown(withAction)).toBe(false);
    expect(shown(new Set(ALL_ACTIONS), true)).toBe(false);
    const h = handlers();
    const view = renderCard(cardFor(resident()), { allowed: withAction, identity: "voucher_only", myNumberPermission: true }, h);
    (view.el.querySelector("#card-my-number") as HTMLButtonElement).click();
    expect(h.onMyNumber).toHaveBeenCalledTimes(1);
  });

  it("shows no address for a resident under a support measure, and shows the warning", () => {
    const r = resident({ dv_support: true, address: null, name_kanji: "秘匿 花子" });
    // Even if an address reached the window by mistake, it must not be rendered.
    const leaky = cardFor({ ...r, address: "みなと市秘密町9-9" }, { postal_code: "105-9999" });
    const view = renderCard(leaky, opts, handlers());
    document.body.appendChild(view.el);
    const text = view.el.textContent ?? "";
    expect(text).not.toContain("秘密町");
    expect(text).not.toContain("105-9999");
    expect(view.el.querySelector("#card-address")).toBeNull();
    expect(view.el.querySelector("#dv-warning")?.textContent).toBe(
      "支援措置対象者：住所は表示されません。第三者に在否を伝えないでください。",
    );
  });

  it("shows the address for everyone else", () => {
    const view = renderCard(cardFor(resident()), opts, handlers());
    expect(view.el.querySelector("#card-address")?.textContent).toBe("〒105-0001 みなと市中央町1-2-3");
    expect(view.el.querySelector("#dv-warning")).toBeNull();
  });

  it("renders a name with an IVS selector, a 外字 and 𠮷 exactly as stored", () => {
    const r = resident({ name_kanji: HARD_NAME });
    const view = renderCard(cardFor(r), opts, handlers());
    document.body.appendChild(view.el);
    const shown = view.el.querySelector("#card-name-kanji")?.textContent ?? "";
    expect(shown).toBe(HARD_NAME);
    expect([...shown].map((c) => c.codePointAt(0))).toEqual([...HARD_NAME].map((c) => c.codePointAt(0)));
    expect(new TextEncoder().encode(shown)).toEqual(new TextEncoder().encode(HARD_NAME));
    // The 外字 is pointed out so staff can tell if the font lacks it.
    expect(view.el.querySelector("#card-gaiji")?.textContent).toContain("U+E000");
  });

  it("renders the same name exactly in the result list and the attendee list, never as markup", () => {
    const hostile = "<img src=x onerror=alert(1)>";
    const results = createResults(null, vi.fn());
    results.render([resident({ name_kanji: HARD_NAME }), resident({ resident_id: "R-2", name_kanji: hostile })]);
    const kanji = results.el.querySelectorAll(".result-kanji");
    expect(kanji[0]?.textContent).toBe(HARD_NAME);
    expect(kanji[1]?.textContent).toBe(hostile);
    expect(results.el.querySelector("img")).toBeNull();

    const visit: VisitView = {
      visit_id: "V-1",
      session_id: "SES-T",
      resident_id: "R-1",
      name_kanji: HARD_NAME,
      name_kana: "カツシカ タロウ",
      dv_support: false,
      provisional: false,
      reception_no: 1n,
      identity_method: "voucher_only",
      copay_category: "standard",
      copay_proof: "",
      copay_yen: 0,
      state: "active",
      cancel_reason: null,
      checked_in_at: "2026-11-24T00:00:00Z",
      updated_at: "2026-11-24T00:00:00Z",
      screenings: [],
    };
    const list = document.createElement("section");
    fillVisitList(list, [visit], SESSIONS[1]!.programmes, new Set(ALL_ACTIONS), { onCorrect: vi.fn(), onCancel: vi.fn() });
    expect(list.querySelector(".visit-kanji")?.textContent).toBe(HARD_NAME);
  });

  it("marks a DV resident discreetly in the result list, without an address", () => {
    const results = createResults(null, vi.fn());
    results.render([resident({ dv_support: true, address: null })]);
    const row = results.el.querySelector(".result-row")!;
    expect(row.querySelector(".dv-mark")?.textContent).toBe("※住所非表示");
    expect(row.querySelector(".result-address")).toBeNull();
  });

  it("pre-ticks eligible programmes, shows warnings, and asks for a reason when a warned one is ticked", () => {
    const view = renderCard(cardFor(resident()), opts, handlers());
    document.body.appendChild(view.el);
    const cb = (code: string) => view.el.querySelector<HTMLInputElement>(`input[data-programme="${code}"]`)!;
    expect(cb("51").checked).toBe(true);
    expect(cb("52").checked).toBe(true);
    expect(cb("53").checked).toBe(false);
    const row53 = view.el.querySelector('[data-programme-row="53"]')!;
    expect(row53.querySelector(".elig-warning")?.textContent).toBe("前回受診：2025年度（2年に1回）");
    const override = view.el.querySelector<HTMLInputElement>('input[data-override-for="53"]')!;
    expect(override.closest("[hidden]")).not.toBeNull();
    cb("53").checked = true;
    cb("53").dispatchEvent(new Event("change"));
    expect(override.closest("[hidden]")).toBeNull();
    // The amount follows the ticked programmes.
    expect(view.el.querySelector<HTMLInputElement>("#checkin-copay-amount")!.value).toBe("3000");
  });

  it("shows 受付済 with the number, and a correction instead of the check-in form", () => {
    const c = cardFor(resident());
    const h = handlers();
    const view = renderCard(
      {
        ...c,
        visit: {
          visit_id: "V-1",
          session_id: "SES-T",
          resident_id: "R-1",
          name_kanji: "山田 花子",
          name_kana: "ヤマダ ハナコ",
          dv_support: false,
          provisional: false,
          reception_no: 17n,
          identity_method: "voucher_only",
          copay_category: "standard",
          copay_proof: "",
          copay_yen: 500,
          state: "active",
          cancel_reason: null,
          checked_in_at: "2026-11-24T00:00:00Z",
          updated_at: "2026-11-24T00:00:00Z",
          screenings: [],
        },
      },
      opts,
      h,
    );
    expect(view.el.querySelector("#card-visit-status")?.textContent).toBe("受付済（受付番号 17）");
    expect(view.el.querySelector("#checkin-submit")).toBeNull();
    (view.el.querySelector("#card-correct") as HTMLButtonElement).click();
    expect(h.onCorrect).toHaveBeenCalled();
    expect(view.submit()).toBe(false);
  });

  it("offers no check-in form to a role that may not check in", () => {
    const view = renderCard(cardFor(resident()), { allowed: new Set(["view_resident" as const]), identity: "voucher_only" }, handlers());
    expect(view.el.querySelector("#checkin-submit")).toBeNull();
    expect(view.el.querySelector("input[data-programme]")).toBeNull();
  });
});

describe("check-ins elsewhere and walk-in outcomes on the card", () => {
  const elsewhere = (n: number, name: string, at: string) => ({ terminal_name: name, reception_no: BigInt(n), checked_in_at: at });

  it("warns when the person was already received on another terminal, and still offers the check-in", () => {
    const c = cardFor(resident(), { elsewhere: [elsewhere(3, "受付1", "2026-11-24T01:02:41.5+00:00")] });
    const view = renderCard(c, opts, handlers());
    document.body.appendChild(view.el);
    const warning = view.el.querySelector("#card-elsewhere");
    expect(warning?.textContent).toBe("他の端末で受付済みです：受付1（No. 3、10:02）");
    expect(warning?.getAttribute("role")).toBe("alert");
    // Offline terminals cannot know for sure: the warning does not block the check-in.
    expect(view.el.querySelector("#checkin-submit")).not.toBeNull();
  });

  it("shows one line per terminal, times in Japan time whatever the offset", () => {
    const c = cardFor(resident(), {
      elsewhere: [elsewhere(3, "受付1", "2026-11-24T10:02:00+09:00"), elsewhere(12, "北部公民館2", "2026-11-24T00:45:00Z")],
    });
    const view = renderCard(c, opts, handlers());
    const lines = [...view.el.querySelectorAll("#card-elsewhere .elsewhere-line")].map((e) => e.textContent);
    expect(lines).toEqual([
      "他の端末で受付済みです：受付1（No. 3、10:02）",
      "他の端末で受付済みです：北部公民館2（No. 12、09:45）",
    ]);
  });

  it("shows the warning next to 受付済 when the person is also checked in here", () => {
    const c = cardFor(resident(), { elsewhere: [elsewhere(3, "受付1", "2026-11-24T01:02:00Z")] });
    const view = renderCard({ ...c, visit: { ...SAMPLE_VISIT, reception_no: 5n } }, opts, handlers());
    expect(view.el.querySelector("#card-visit-status")?.textContent).toBe("受付済（受付番号 5）");
    const warning = view.el.querySelector("#card-elsewhere")!;
    expect(warning.nextElementSibling?.classList.contains("card-visit")).toBe(true);
  });

  it("shows no warning and no outcome when there is nothing elsewhere and no decision", () => {
    const view = renderCard(cardFor(resident()), opts, handlers());
    expect(view.el.querySelector("#card-elsewhere")).toBeNull();
    expect(view.el.querySelector("#card-walk-in-outcome")).toBeNull();
    expect(view.el.textContent).not.toContain("他の端末");
  });

  it("shows a matched walk-in with the 宛名番号, and the note when there is one", () => {
    const walkIn = resident({ resident_id: "P-7", provisional: true, voucher_no: null });
    const matched = renderCard(
      cardFor(walkIn, { walk_in_outcome: { status: "matched", resident_id: "000123456", note: null } }),
      opts,
      handlers(),
    );
    const el = matched.el.querySelector("#card-walk-in-outcome")!;
    expect(el.textContent).toBe("照合済み：宛名番号 000123456");
    expect(el.classList.contains("matched")).toBe(true);
    expect(el.classList.contains("rejected")).toBe(false);

    const withNote = renderCard(
      cardFor(walkIn, { walk_in_outcome: { status: "matched", resident_id: "000123456", note: "旧姓で登録" } }),
      opts,
      handlers(),
    );
    expect(withNote.el.querySelector("#card-walk-in-outcome")?.textContent).toBe("照合済み：宛名番号 000123456（旧姓で登録）");
  });

  it("shows a rejected walk-in with the note, in the warning colour", () => {
    const walkIn = resident({ resident_id: "P-7", provisional: true, voucher_no: null });
    const view = renderCard(
      cardFor(walkIn, { walk_in_outcome: { status: "rejected", resident_id: null, note: "住民登録なし" } }),
      opts,
      handlers(),
    );
    const el = view.el.querySelector("#card-walk-in-outcome")!;
    expect(el.textContent).toBe("照合不可：住民登録なし");
    expect(el.classList.contains("rejected")).toBe(true);
    expect(el.classList.contains("matched")).toBe(false);
  });

  it("follows the language toggle", () => {
    const c = cardFor(resident({ provisional: true }), {
      elsewhere: [elsewhere(3, "受付1", "2026-11-24T01:02:00Z")],
      walk_in_outcome: { status: "rejected", resident_id: null, note: "住民登録なし" },
    });
    const view = renderCard(c, opts, handlers());
    document.body.appendChild(view.el);
    setLang("en");
    relocalize(document.body);
    expect(view.el.querySelector("#card-elsewhere")?.textContent).toBe(
      "Already received on another terminal: 受付1 (No. 3, 10:02)",
    );
    expect(view.el.querySelector("#card-walk-in-outcome")?.textContent).toBe("Could not be matched: 住民登録なし");

    const matched = renderCard(
      cardFor(resident(), { walk_in_outcome: { status: "matched", resident_id: "000123456", note: null } }),
      opts,
      handlers(),
    );
    expect(matched.el.querySelector("#card-walk-in-outcome")?.textContent).toBe("Matched: resident no. 000123456");

    setLang("ja");
    relocalize(document.body);
    expect(view.el.querySelector("#card-elsewhere")?.textContent).toBe("他の端末で受付済みです：受付1（No. 3、10:02）");
  });
});
