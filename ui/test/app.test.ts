import { describe, expect, it } from "vitest";
import type { CheckInRequest } from "../src/generated/CheckInRequest";
import { $, FakeBackend, STAFF, apiError, failedStatus, key, memoryStorage, resident, status } from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();
const start = m.start;


function search(text: string, birth = "") {
  const input = $("#search-input") as HTMLInputElement;
  input.value = text;
  ($("#birth-input") as HTMLInputElement).value = birth;
  key(input, "Enter");
}

const banner = () => $("#error-banner");
const bannerText = () => $("#error-message").textContent;

describe("startup with a store that cannot be opened", () => {
  it("shows the message, the code, and the confirmed reset when needs_reset", async () => {
    const backend = new FakeBackend(failedStatus(apiError("STORE_KEY_MISSING", {}, true)));
    await start(backend);
    expect($("#store-error-message").textContent).toBe("ローカルデータの暗号鍵がOSの資格情報ストアに見つかりません。");
    expect($("#store-error-code").textContent).toContain("STORE_KEY_MISSING");
    expect($("#reset-section").textContent).toContain("ローカルキャッシュを初期化");
    expect($("#reset-section").textContent).toContain("復元できません");
    expect(document.activeElement).toBe($("#reset-word"));

    // A wrong word: the reset is refused with RESET_NOT_CONFIRMED and nothing is reset.
    ($("#reset-word") as HTMLInputElement).value = "reset";
    $("#reset-submit").click();
    await m.app!.idle();
    expect(banner().hidden).toBe(false);
    expect($("#error-code").textContent).toBe("RESET_NOT_CONFIRMED");
    expect(bannerText()).toBe("確認の文字が一致しません。表示されたとおりに入力してください");
    expect(backend.callsOf("resetLocalCache")).toEqual([]);

    // The right word: reset, then on to the login.
    ($("#reset-word") as HTMLInputElement).value = "RESET";
    key($("#reset-word"), "Enter");
    await m.app!.idle();
    expect(backend.callsOf("resetLocalCache")).toEqual([["RESET"]]);
    expect(m.root.querySelector("#store-failed")).toBeNull();
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect(banner().hidden).toBe(true);
  });

  it("offers no reset when needs_reset is false", async () => {
    await start(new FakeBackend(failedStatus(apiError("STORE_SCHEMA_TOO_NEW", { found: "9", known: "3" }, false))));
    expect($("#store-error-message").textContent).toContain("形式 9、この版は 3 まで");
    expect(m.root.querySelector("#reset-section")).toBeNull();
    expect(m.root.querySelector("#reset-word")).toBeNull();
  });

  it("shows the refusal when a reset would lose unsent events", async () => {
    const backend = new FakeBackend(failedStatus(apiError("STORE_WRONG_KEY", {}, true)));
    backend.failures.set("resetLocalCache", apiError("RESET_WOULD_LOSE_EVENTS", { pending: "5" }));
    await start(backend);
    ($("#reset-word") as HTMLInputElement).value = "RESET";
    $("#reset-submit").click();
    await m.app!.idle();
    expect(bannerText()).toBe("未送信の記録が5件あるため初期化できません。先に同期してください");
    expect(m.root.querySelector("#store-failed")).not.toBeNull();
  });
});

describe("reception screen", () => {
  it("picks today's session and labels it with the 和暦 date", async () => {
    await start(new FakeBackend());
    const select = $("#session-select") as HTMLSelectElement;
    expect(select.value).toBe("SES-T");
    expect(select.selectedOptions[0]?.textContent).toBe("令和8年11月24日 09:00–11:30 みなと市保健センター");
    expect($("#pending-count").textContent).toBe("未送信 0件");
    expect($("#count-total").textContent).toBe("0");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("opens the card directly from a scanned voucher, full-width digits and all", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("０１２３４５６７");
    await m.app!.idle();
    expect(backend.callsOf("lookupVoucher")).toEqual([["０１２３４５６７"]]);
    expect(backend.callsOf("searchResidents")).toEqual([]);
    expect($("#resident-card").getAttribute("data-resident-id")).toBe("R-1");
    expect(backend.callsOf("residentCard")).toEqual([["R-1", "SES-T"]]);
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("searches by kana with the birth date, and ↓ + Enter opens the chosen row", async () => {
    const backend = new FakeBackend();
    backend.residents = [
      resident(),
      resident({ resident_id: "R-2", name_kanji: "山田 花江", name_kana: "ヤマダ ハナエ", voucher_no: "7654321" }),
    ];
    await start(backend);
    search("ヤマダ", "S47.5.10");
    await m.app!.idle();
    expect(backend.callsOf("searchResidents")).toEqual([["ヤマダ", "S47.5.10"]]);
    const rows = [...m.root.querySelectorAll(".result-row")];
    expect(rows.map((r) => r.getAttribute("data-resident-id"))).toEqual(["R-1", "R-2"]);
    expect(rows[0]?.textContent).toContain("昭和47年5月10日");
    expect(rows[0]?.textContent).toContain("54歳");
    key($("#search-input"), "ArrowDown");
    key($("#search-input"), "Enter");
    await m.app!.idle();
    expect($("#resident-card").getAttribute("data-resident-id")).toBe("R-2");
    // Enter searched once, then opened: no second search.
    expect(backend.callsOf("searchResidents").length).toBe(1);
  });

  it("ignores Enter while the IME is converting kana", async () => {
    const backend = new FakeBackend();
    await start(backend);
    ($("#search-input") as HTMLInputElement).value = "やまだ";
    key($("#search-input"), "Enter", { isComposing: true });
    await m.app!.idle();
    expect(backend.callsOf("searchResidents")).toEqual([]);
  });

  it("checks in: shows the reception number, clears the card, updates counts and list, refocuses search", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    ($("#checkin-identity") as HTMLSelectElement).value = "drivers_license";
    // Staff tabbed to (or clicked) the button: focus is on it, not on the search box.
    $("#checkin-submit").focus();
    expect(document.activeElement).toBe($("#checkin-submit"));
    $("#checkin-submit").click();
    await m.app!.idle();

    const [req] = backend.callsOf("checkIn")[0] as [CheckInRequest];
    expect(req.identity_method).toBe("drivers_license");
    expect(req.screenings.map((s) => s.programme_code)).toEqual(["51", "52"]);
    expect(req.copay).toEqual({ category: "standard", proof: "", amount_yen: 2000 });

    expect($("#last-reception-no").textContent).toBe("受付番号 1");
    expect(m.root.querySelector("#resident-card")).toBeNull();
    expect(($("#search-input") as HTMLInputElement).value).toBe("");
    expect(document.activeElement).toBe($("#search-input"));
    expect($("#count-total").textContent).toBe("1");
    expect($('[data-count-programme="51"] [data-count-status="received"]').textContent).toBe("1");
    expect($('[data-count-programme="53"] [data-count-status="received"]').textContent).toBe("0");
    const row = $(".visit-row");
    expect(row.getAttribute("data-visit-id")).toBe("V-1");
    expect(row.getAttribute("data-resident-id")).toBe("R-1");
    expect(row.textContent).toContain("ヤマダ ハナコ");
    expect(row.textContent).toContain("受付 09:15");
    expect($("#pending-count").textContent).toBe("未送信 1件");
  });

  it("checks in with Ctrl+Enter from the search box", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    key($("#search-input"), "Enter", { ctrlKey: true });
    await m.app!.idle();
    expect(backend.callsOf("checkIn").length).toBe(1);
    expect($("#last-reception-no").textContent).toBe("受付番号 1");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("asks for the override reason before sending a warned programme", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    const cb = $('#resident-card input[data-programme="53"]') as HTMLInputElement;
    cb.checked = true;
    cb.dispatchEvent(new Event("change"));
    $("#checkin-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("checkIn")).toEqual([]);
    expect(bannerText()).toBe("胃がん検診は対象外です。受診を認める理由を入力してください");
    expect($('input[data-override-for="53"]').getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe($("#search-input"));

    ($('input[data-override-for="53"]') as HTMLInputElement).value = "本人希望（医師了承）";
    $("#checkin-submit").click();
    await m.app!.idle();
    const [req] = backend.callsOf("checkIn")[0] as [CheckInRequest];
    expect(req.screenings.find((s) => s.programme_code === "53")?.override_reason).toBe("本人希望（医師了承）");
    expect(banner().hidden).toBe(true);
  });

  it("shows Rust's error with details and keeps the search box focused", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("99999999");
    await m.app!.idle();
    expect(banner().getAttribute("role")).toBe("alert");
    expect(bannerText()).toBe("受診券番号が見つかりません。番号を確認するか、カナと生年月日で検索してください。");
    expect(document.activeElement).toBe($("#search-input"));

    search("01234567");
    await m.app!.idle();
    expect(banner().hidden).toBe(true);
    backend.failures.set("checkIn", apiError("ALREADY_CHECKED_IN", { reception_no: "42", visit_id: "V-x" }));
    $("#checkin-submit").click();
    await m.app!.idle();
    expect(bannerText()).toBe("この方は受付済みです（受付番号 42）");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("shows 受付済 for someone already checked in", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    $("#checkin-submit").click();
    await m.app!.idle();
    search("01234567");
    await m.app!.idle();
    expect($("#card-visit-status").textContent).toBe("受付済（受付番号 1）");
    expect(m.root.querySelector("#checkin-submit")).toBeNull();
  });

  it("warns of a check-in on another terminal on the scanned card, in both languages, and still checks in", async () => {
    const backend = new FakeBackend();
    backend.cards.set("R-1", {
      elsewhere: [{ terminal_name: "受付1", reception_no: 3n, checked_in_at: "2026-11-24T01:02:00Z" }],
    });
    await start(backend);
    search("01234567");
    await m.app!.idle();
    expect($("#card-elsewhere").textContent).toBe("他の端末で受付済みです：受付1（No. 3、10:02）");
    $("#lang-toggle").click();
    expect($("#card-elsewhere").textContent).toBe("Already received on another terminal: 受付1 (No. 3, 10:02)");
    $("#checkin-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("checkIn")).toHaveLength(1);
  });

  it("cancels a visit with a reason; the row is struck through and the counts drop", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    $("#checkin-submit").click();
    await m.app!.idle();
    expect($("#count-total").textContent).toBe("1");

    ($(".visit-row .cancel-visit") as HTMLButtonElement).click();
    expect(document.activeElement).toBe($("#cancel-reason"));
    $("#cancel-confirm").click(); // no reason yet
    await m.app!.idle();
    expect(bannerText()).toBe("理由を入力してください");
    expect(backend.callsOf("cancelVisit")).toEqual([]);
    expect(m.root.querySelector("#cancel-dialog")).not.toBeNull();

    ($("#cancel-reason") as HTMLInputElement).value = "人違い";
    $("#cancel-confirm").click();
    await m.app!.idle();
    expect(backend.callsOf("cancelVisit")).toEqual([["V-1", "人違い"]]);
    expect(m.root.querySelector("#cancel-dialog")).toBeNull();
    const row = $(".visit-row");
    expect(row.classList.contains("cancelled")).toBe(true);
    expect(row.textContent).toContain("取消済：人違い");
    expect(row.querySelector(".cancel-visit")).toBeNull();
    expect($("#count-total").textContent).toBe("0");
    expect($("#count-cancelled").textContent).toBe("1");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("closes a dialog with Escape and gives focus back to the search box", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    $("#checkin-submit").click();
    await m.app!.idle();
    ($(".visit-row .cancel-visit") as HTMLButtonElement).click();
    key($("#cancel-reason"), "Escape");
    expect(m.root.querySelector("#cancel-dialog")).toBeNull();
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("corrects a visit with a reason", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    $("#checkin-submit").click();
    await m.app!.idle();
    ($(".visit-row .correct-visit") as HTMLButtonElement).click();
    await m.app!.idle();
    const dialog = $("#correction-dialog");
    const cb52 = dialog.querySelector<HTMLInputElement>('input[data-programme="52"]')!;
    expect(cb52.checked).toBe(true);
    cb52.checked = false;
    cb52.dispatchEvent(new Event("change"));
    key(dialog, "Enter", { ctrlKey: true }); // no reason yet
    await m.app!.idle();
    expect(bannerText()).toBe("理由を入力してください");
    expect(backend.callsOf("correctVisit")).toEqual([]);
    ($("#correction-reason") as HTMLInputElement).value = "乳がん検診は受けない";
    $("#correction-submit").click();
    await m.app!.idle();
    const [req] = backend.callsOf("correctVisit")[0] as [{ screenings: { programme_code: string }[]; reason: string; copay: { amount_yen: number } }];
    expect(req.reason).toBe("乳がん検診は受けない");
    expect(req.screenings.map((s) => s.programme_code)).toEqual(["51"]);
    expect(req.copay.amount_yen).toBe(500);
    expect(m.root.querySelector("#correction-dialog")).toBeNull();
    expect($("#notice").textContent).toBe("受付番号 1 を訂正しました");
    expect($('[data-count-programme="52"] [data-count-status="received"]').textContent).toBe("0");
  });

  it("registers a walk-in and opens their card to check in", async () => {
    const backend = new FakeBackend();
    await start(backend);
    $("#walkin-open").click();
    expect(document.activeElement).toBe($("#walkin-name-kanji"));
    ($("#walkin-name-kanji") as HTMLInputElement).value = "髙橋 𠮷子";
    ($("#walkin-name-kana") as HTMLInputElement).value = "タカハシ ヨシコ";
    $("#walkin-submit").click(); // sex missing
    await m.app!.idle();
    expect(bannerText()).toBe("性別を入力してください");
    expect(backend.callsOf("registerWalkIn")).toEqual([]);
    ($("#walkin-sex") as HTMLSelectElement).value = "female";
    ($("#walkin-birth") as HTMLInputElement).value = "S35.1.1";
    ($("#walkin-address") as HTMLInputElement).value = "みなと市港町5-6";
    $("#walkin-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("registerWalkIn")[0]?.[0]).toMatchObject({
      name_kanji: "髙橋 𠮷子",
      sex: "female",
      birth_date: "S35.1.1",
    });
    expect(m.root.querySelector("#walkin-dialog")).toBeNull();
    expect($("#card-name-kanji").textContent).toBe("髙橋 𠮷子");
    expect($("#card-provisional").textContent).toBe("仮登録");
    expect(($("#checkin-identity") as HTMLSelectElement).value).toBe("verbal");
  });

  it("clears the search box with Escape and keeps focus there", async () => {
    await start(new FakeBackend());
    const input = $("#search-input") as HTMLInputElement;
    input.value = "ヤマ";
    key(input, "Escape");
    expect(input.value).toBe("");
    expect(document.activeElement).toBe(input);
  });

  it("shows only what the role may do", async () => {
    const backend = new FakeBackend(status({ staff: STAFF[2] ?? null, allowed_actions: ["view_attendance"] }));
    backend.visits = [];
    await start(backend);
    expect(m.root.querySelector("#search-input")).toBeNull();
    expect(m.root.querySelector("#walkin-open")).toBeNull();
    expect(m.root.querySelector("#counts")).not.toBeNull();
    expect(m.root.querySelector("#visit-list")).not.toBeNull();
  });

  it("switches to English and back, remembering the choice", async () => {
    const storage = memoryStorage();
    const backend = new FakeBackend();
    await start(backend, storage);
    search("99999999");
    await m.app!.idle();
    $("#lang-toggle").click();
    expect($("#lang-toggle").textContent).toBe("English / 日本語");
    expect($("#logout-button").textContent).toBe("Log out");
    expect(bannerText()).toBe("Voucher number not found. Check the number, or search by kana and date of birth.");
    expect(storage.data["uketsuke.lang"]).toBe("en");
    expect(document.activeElement).toBe($("#search-input"));
    m.app!.destroy();
    m.app = null;

    // A new start remembers English.
    await start(new FakeBackend(), storage);
    expect($("#logout-button").textContent).toBe("Log out");
    $("#lang-toggle").click();
    expect($("#logout-button").textContent).toBe("ログアウト");
  });

  it("goes back to the login when Rust says nobody is logged in", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    expect(m.root.querySelector("#resident-card")).not.toBeNull();
    backend.failures.set("searchResidents", apiError("NOT_LOGGED_IN"));
    backend.expireSession();
    search("ヤマダ");
    await m.app!.idle();
    expect(bannerText()).toBe("ログインしてください");
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect(m.root.querySelector("#resident-card")).toBeNull();
    expect(m.root.querySelector("#search-input")).toBeNull();
    expect($("#login-ended").textContent).toBe("操作がなかったため、ログアウトしました");
    expect(document.activeElement).toBe($("#login-staff-id"));
  });
});

describe("barcode scanner", () => {
  it("looks up a number committed through a Japanese IME, once, even if Enter follows", async () => {
    const backend = new FakeBackend();
    await start(backend);
    const input = $("#search-input") as HTMLInputElement;
    input.value = "０１２３４５６７";
    // The scanner's Enter commits the composition (WebKit: keyCode 229) …
    key(input, "Enter", { keyCode: 229 } as KeyboardEventInit);
    input.dispatchEvent(new CompositionEvent("compositionend", { data: "０１２３４５６７", bubbles: true }));
    // … and a habitual second Enter must not look it up again.
    key(input, "Enter");
    await m.app!.idle();
    expect(backend.callsOf("lookupVoucher")).toEqual([["０１２３４５６７"]]);
    expect($("#resident-card").getAttribute("data-resident-id")).toBe("R-1");
  });

  it("does not search when an IME commits kana", async () => {
    const backend = new FakeBackend();
    await start(backend);
    const input = $("#search-input") as HTMLInputElement;
    input.value = "ヤマダ";
    input.dispatchEvent(new CompositionEvent("compositionend", { data: "ヤマダ", bubbles: true }));
    await m.app!.idle();
    expect(backend.calls.filter((c) => c.cmd === "searchResidents" || c.cmd === "lookupVoucher")).toEqual([]);
  });

  it("sends digits typed while focus is on a checkbox to the search box", async () => {
    const backend = new FakeBackend();
    await start(backend);
    search("01234567");
    await m.app!.idle();
    const cb = $('#resident-card input[data-programme="51"]');
    cb.focus();
    key(cb, "7");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("shows only the newest of two quick scans", async () => {
    const backend = new FakeBackend();
    backend.residents = [resident(), resident({ resident_id: "R-2", name_kanji: "田中 一", voucher_no: "22223333" })];
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => (release = r));
    const original = backend.lookupVoucher.bind(backend);
    backend.lookupVoucher = async (v: string) => {
      if (v === "01234567") await slow;
      return original(v);
    };
    await start(backend);
    search("01234567");
    search("22223333");
    await new Promise((r) => setTimeout(r, 0));
    release();
    await m.app!.idle();
    expect($("#resident-card").getAttribute("data-resident-id")).toBe("R-2");
  });
});
