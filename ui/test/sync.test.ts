import { describe, expect, it, vi } from "vitest";
import { createApi } from "../src/api";
import { SYNC_POLL_MS } from "../src/app";
import type { RejectedEvent } from "../src/generated/RejectedEvent";
import type { SyncState } from "../src/generated/SyncState";
import {
  $,
  FakeBackend,
  apiError,
  failedStatus,
  key,
  loggedIn,
  status,
  syncView,
} from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();
const start = m.start;


const text = (sel: string) => $(sel).textContent;
const hidden = (sel: string) => $(sel).hidden;

const REJECTED: RejectedEvent[] = [
  {
    event_id: "E-1",
    event_type: "reception.checked_in.v1",
    occurred_at: "2026-11-24T00:15:42.123456789+00:00",
    error: "SESSION_NOT_ASSIGNED: session SES-T is not assigned to this terminal",
  },
  {
    event_id: "E-2",
    event_type: "resident.walk_in_registered.v1",
    occurred_at: "2026-11-24T01:02:00Z",
    error: "EVENT_PAYLOAD_INVALID: birth_date missing",
  },
];

describe("sync bar", () => {
  it.each<[SyncState, string]>([
    ["demo", "デモモード（未登録）"],
    ["never_synced", "未同期"],
    ["syncing", "同期中…"],
    ["online", "オンライン"],
    ["offline", "オフライン"],
    ["revoked", "この端末は失効しています"],
    ["error", "同期エラー"],
  ])("shows the state %s as 「%s」", async (state, expected) => {
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state });
    await start(backend);
    expect(text("#sync-state")).toBe(expected);
    expect($("#sync-bar").getAttribute("data-sync-state")).toBe(state);
    expect($("#sync-bar").classList.contains("revoked")).toBe(state === "revoked");
  });

  it("is there before anyone is logged in, and on the failed-store screen", async () => {
    const login = new FakeBackend(status({ staff: null, allowed_actions: [] }));
    login.syncValue = syncView({ state: "offline" });
    await start(login);
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect(text("#sync-state")).toBe("オフライン");
    m.app!.destroy();
    m.app = null;

    await start(new FakeBackend(failedStatus(apiError("STORE_KEY_MISSING", {}, true))));
    expect(m.root.querySelector("#store-failed")).not.toBeNull();
    expect(text("#sync-state")).toBe("デモモード（未登録）");
  });

  it("counts unsent and deferred records", async () => {
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state: "online" }, { pending: 3n, deferred: 1n });
    await start(backend);
    expect(text("#sync-pending")).toBe("未送信 3 件（うち保留 1 件）");

    backend.syncValue = syncView({ state: "online" }, { pending: 2n, deferred: 0n });
    $("#sync-now").click();
    await m.app!.idle();
    expect(text("#sync-pending")).toBe("未送信 2 件");
  });

  it("shows the last successful sync in Japan time, or なし", async () => {
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state: "online" }, { last_success_at: "2026-11-24T05:07:09.5Z" });
    await start(backend);
    expect(text("#sync-last")).toBe("最終同期 14:07");
    m.app!.destroy();

    backend.syncValue = syncView({ state: "never_synced" });
    await start(backend);
    expect(text("#sync-last")).toBe("最終同期 なし");
  });

  it.each([
    [
      "OFFLINE",
      "offline",
      "中央サーバーに接続できません（LAN を確認してください）。記録は端末に保存され、接続が戻ると自動で送信されます。",
    ],
    [
      "TERMINAL_REVOKED",
      "revoked",
      "この端末は管理者により失効されました。記録は端末に残っています。管理者に連絡してください。",
    ],
    [
      "SERVICE_UNAVAILABLE",
      "error",
      "中央サーバーが一時的に利用できません。記録は端末に保存され、後で自動で送信されます。",
    ],
    ["TERMINAL_UNKNOWN", "error", "中央サーバーにこの端末が登録されていません。管理者に連絡してください。"],
    ["EVENT_SEQ_REUSED", "error", "同期に失敗しました（コード: EVENT_SEQ_REUSED）"],
  ] as [string, SyncState, string][])("explains the sync error %s", async (code, state, expected) => {
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state }, { last_error_code: code, last_error_message: `english ${code}` });
    await start(backend);
    expect(hidden("#sync-error")).toBe(false);
    expect(text("#sync-error")).toBe(expected);
    expect(text("#sync-error")).not.toContain("english");
  });

  it("hides the error line when the last sync succeeded", async () => {
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state: "offline" }, { last_error_code: "OFFLINE" });
    await start(backend);
    expect(hidden("#sync-error")).toBe(false);
    backend.syncValue = syncView({ state: "online" }, { last_success_at: "2026-11-24T00:00:00Z" });
    $("#sync-now").click();
    await m.app!.idle();
    expect(hidden("#sync-error")).toBe(true);
    expect(text("#sync-error")).toBe("");
  });

  it("warns about the clock: minutes rounded, ahead for a positive skew and behind for a negative one", async () => {
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state: "online" }, { skew_ms: 5 * 60_000 + 20_000, skew_warning: true });
    await start(backend);
    expect(hidden("#sync-skew")).toBe(false);
    expect(text("#sync-skew")).toBe(
      "端末の時計が中央サーバーと 5 分ずれています（端末が進んでいます）。時計を確認してください。",
    );

    backend.syncValue = syncView({ state: "online" }, { skew_ms: -(3 * 60_000 + 40_000), skew_warning: true });
    $("#sync-now").click();
    await m.app!.idle();
    expect(text("#sync-skew")).toBe(
      "端末の時計が中央サーバーと 4 分ずれています（端末が遅れています）。時計を確認してください。",
    );

    backend.syncValue = syncView({ state: "online" }, { skew_ms: 30_000, skew_warning: false });
    $("#sync-now").click();
    await m.app!.idle();
    expect(hidden("#sync-skew")).toBe(true);
  });

  it("shows roster progress only while the first download is under way", async () => {
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state: "syncing" }, { roster_total: 1200, roster_applied: 300 });
    await start(backend);
    const bar = $("#sync-progress") as HTMLProgressElement;
    expect(bar.tagName).toBe("PROGRESS");
    expect(bar.hidden).toBe(false);
    expect(bar.value).toBe(300);
    expect(bar.max).toBe(1200);
    expect(text("#sync-progress-text")).toBe("名簿を受信中 300 / 1200 件");

    backend.syncValue = syncView({ state: "online" }, { roster_total: 1200, roster_applied: 1200 });
    $("#sync-now").click();
    await m.app!.idle();
    expect(bar.hidden).toBe(true);

    backend.syncValue = syncView({ state: "online" }, { roster_total: null, roster_applied: 0 });
    $("#sync-now").click();
    await m.app!.idle();
    expect(bar.hidden).toBe(true);
  });

  it("disables 今すぐ同期 in demo state; otherwise it wakes the sync and focus goes back to the search box", async () => {
    const demo = new FakeBackend();
    await start(demo);
    expect(text("#sync-now")).toBe("今すぐ同期");
    expect(($("#sync-now") as HTMLButtonElement).disabled).toBe(true);
    $("#sync-now").click();
    await m.app!.idle();
    expect(demo.callsOf("syncNow")).toEqual([]);
    m.app!.destroy();
    m.app = null;

    const backend = new FakeBackend(status({ demo_mode: false }));
    backend.syncValue = syncView({ state: "online" });
    await start(backend);
    const button = $("#sync-now") as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    button.focus();
    button.click();
    await m.app!.idle();
    expect(backend.callsOf("syncNow")).toEqual([[]]);
    expect(text("#sync-state")).toBe("同期中…");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("lists refused records with type, time and reason, and resends one", async () => {
    const backend = new FakeBackend(status({ demo_mode: false }));
    backend.syncValue = syncView({ state: "error" }, { rejected: structuredClone(REJECTED), pending: 0n });
    await start(backend);
    expect(hidden("#sync-rejected")).toBe(false);
    expect($("#sync-rejected").textContent).toContain("中央サーバーが受け付けなかった記録：2 件");
    const first = $("#sync-rejected-item-0");
    expect(first.querySelector(".sync-rejected-type")?.textContent).toBe("受付");
    expect(first.querySelector(".sync-rejected-time")?.textContent).toBe("09:15");
    expect(first.querySelector(".sync-rejected-reason")?.textContent).toBe(
      "SESSION_NOT_ASSIGNED: session SES-T is not assigned to this terminal",
    );
    const second = $("#sync-rejected-item-1");
    expect(second.querySelector(".sync-rejected-type")?.textContent).toBe("仮登録");
    expect(second.querySelector(".sync-rejected-time")?.textContent).toBe("10:02");
    expect(text("#sync-requeue-1")).toBe("再送");

    $("#sync-requeue-1").click();
    await m.app!.idle();
    expect(backend.callsOf("requeueEvent")).toEqual([["E-2"]]);
    expect(m.root.querySelector("#sync-rejected-item-1")).toBeNull();
    expect($("#sync-rejected-item-0").getAttribute("data-event-id")).toBe("E-1");
    expect(text("#sync-pending")).toBe("未送信 1 件");
    expect(document.activeElement).toBe($("#search-input"));

    $("#sync-requeue-0").click();
    await m.app!.idle();
    expect(backend.callsOf("requeueEvent")).toEqual([["E-2"], ["E-1"]]);
    expect(hidden("#sync-rejected")).toBe(true);
  });

  it("names all four event types", async () => {
    const types = [
      ["reception.checked_in.v1", "受付"],
      ["reception.corrected.v1", "訂正"],
      ["reception.cancelled.v1", "取消"],
      ["resident.walk_in_registered.v1", "仮登録"],
    ];
    const backend = new FakeBackend(status({ demo_mode: false }));
    backend.syncValue = syncView(
      { state: "online" },
      {
        rejected: types.map(([type], i) => ({
          event_id: `E-${i}`,
          event_type: type!,
          occurred_at: "2026-11-24T00:00:00Z",
          error: "X: y",
        })),
      },
    );
    await start(backend);
    const shown = [...m.root.querySelectorAll("#sync-rejected .sync-rejected-type")].map((e) => e.textContent);
    expect(shown).toEqual(types.map(([, label]) => label));
  });

  it("shows a resend refusal in the error banner, by code", async () => {
    const backend = new FakeBackend(status({ demo_mode: false }));
    backend.syncValue = syncView({ state: "error" }, { rejected: structuredClone(REJECTED) });
    backend.failures.set("requeueEvent", apiError("EVENT_NOT_REJECTED"));
    await start(backend);
    $("#sync-requeue-0").click();
    await m.app!.idle();
    expect(hidden("#error-banner")).toBe(false);
    expect(text("#error-code")).toBe("EVENT_NOT_REJECTED");
    expect(text("#error-message")).toBe("この記録は再送の対象ではありません（すでに再送されている可能性があります）");
    expect(($("#sync-requeue-0") as HTMLButtonElement).disabled).toBe(false);

    backend.failures.set("requeueEvent", apiError("FORBIDDEN", { action: "correct_visit" }));
    $("#sync-requeue-0").click();
    await m.app!.idle();
    expect(text("#error-message")).toBe("この役割では「受付の訂正」はできません");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("polls the sync status every 2 seconds", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const backend = new FakeBackend();
    backend.syncValue = syncView({ state: "never_synced" });
    await start(backend);
    const before = backend.callsOf("syncStatus").length;
    backend.syncValue = syncView({ state: "online" }, { last_success_at: "2026-11-24T00:30:00Z" });
    vi.advanceTimersByTime(SYNC_POLL_MS - 1);
    await m.app!.idle();
    expect(text("#sync-state")).toBe("未同期");
    vi.advanceTimersByTime(1);
    await m.app!.idle();
    expect(backend.callsOf("syncStatus").length).toBe(before + 1);
    expect(text("#sync-state")).toBe("オンライン");
    expect(text("#sync-last")).toBe("最終同期 09:30");

    // No polling after the window is gone.
    m.app!.destroy();
    m.app = null;
    const calls = backend.calls.length;
    vi.advanceTimersByTime(SYNC_POLL_MS * 3);
    expect(backend.calls.length).toBe(calls);
  });

  it("asks again right after a check-in", async () => {
    const backend = new FakeBackend(status({ demo_mode: false }));
    backend.syncValue = syncView({ state: "online" });
    const checkIn = backend.checkIn.bind(backend);
    backend.checkIn = async (req) => {
      const v = await checkIn(req);
      backend.syncValue = syncView({ state: "syncing" }, { pending: 1n });
      return v;
    };
    await start(backend);
    const input = $("#search-input") as HTMLInputElement;
    input.value = "01234567";
    key(input, "Enter");
    await m.app!.idle();
    $("#checkin-submit").click();
    await m.app!.idle();
    expect(text("#sync-state")).toBe("同期中…");
    expect(text("#sync-pending")).toBe("未送信 1 件");
  });

  it("switches its texts to English with the language toggle", async () => {
    const backend = new FakeBackend(status({ demo_mode: false }));
    backend.syncValue = syncView(
      { state: "offline" },
      {
        pending: 2n,
        deferred: 1n,
        last_success_at: "2026-11-24T00:15:00Z",
        last_error_code: "OFFLINE",
        skew_ms: -180_000,
        skew_warning: true,
        roster_total: 10,
        roster_applied: 4,
        rejected: structuredClone(REJECTED),
      },
    );
    await start(backend);
    $("#lang-toggle").click();
    expect(text("#sync-state")).toBe("Offline");
    expect(text("#sync-pending")).toBe("Unsent: 2 (1 on hold)");
    expect(text("#sync-last")).toBe("Last sync 09:15");
    expect(text("#sync-error")).toBe(
      "Cannot reach the central service (check the LAN). Records are kept on this terminal and sent automatically when the connection returns.",
    );
    expect(text("#sync-skew")).toBe(
      "This terminal’s clock is 3 minutes off from the central service (the terminal is behind). Check the clock.",
    );
    expect(text("#sync-progress-text")).toBe("Receiving the roster: 4 / 10");
    expect(text("#sync-now")).toBe("Sync now");
    expect($("#sync-rejected-item-0 .sync-rejected-type").textContent).toBe("Check-in");
    expect($("#sync-rejected-item-1 .sync-rejected-type").textContent).toBe("Walk-in registration");
    expect(text("#sync-requeue-0")).toBe("Resend");

    $("#lang-toggle").click();
    expect(text("#sync-state")).toBe("オフライン");
    expect(text("#sync-now")).toBe("今すぐ同期");
    expect($("#sync-rejected-item-0 .sync-rejected-type").textContent).toBe("受付");
  });
});

describe("enrollment (端末登録)", () => {
  async function openDialog(backend = new FakeBackend(loggedIn("S4"))) {
    await start(backend);
    $("#enroll-open").click();
    return backend;
  }

  function fill(url: string, code: string) {
    ($("#enroll-url") as HTMLInputElement).value = url;
    ($("#enroll-code") as HTMLInputElement).value = code;
  }

  const CODE = "abcd-2345-efgh-jkmn-pqrs-tvwx-yz01-6789";

  it("is offered only in demo state, and only to an administrator", async () => {
    const enrolled = new FakeBackend(loggedIn("S4", { demo_mode: false }));
    enrolled.syncValue = syncView({ state: "online" });
    await start(enrolled);
    expect(hidden("#enroll-open")).toBe(true);
    $("#enroll-open").click();
    expect(m.root.querySelector("#enroll-dialog")).toBeNull();
    m.app!.destroy();
    m.app = null;

    // Reception staff (and nobody logged in) do not get the button.
    for (const st of [status(), status({ staff: null, allowed_actions: [] })]) {
      await start(new FakeBackend(st));
      expect(hidden("#enroll-open")).toBe(true);
      $("#enroll-open").click();
      expect(m.root.querySelector("#enroll-dialog")).toBeNull();
      m.app!.destroy();
      m.app = null;
    }

    await start(new FakeBackend(loggedIn("S4")));
    expect(hidden("#enroll-open")).toBe(false);
    expect(text("#enroll-open")).toBe("中央サーバーに登録");
    // The administrator has no reception work: the screen says so.
    expect(m.root.querySelector("#no-access")).not.toBeNull();
    expect(m.root.querySelector("#search-input")).toBeNull();
  });

  it("enrolls: sends what was typed, closes, starts over at the login, and the bar follows", async () => {
    const backend = await openDialog();
    expect($("#enroll-dialog").textContent).toContain("登録するとデモデータは退避され、名簿は中央サーバーから受信します。");
    expect($("#enroll-url").getAttribute("placeholder")).toBe("https://…:8443");
    expect(text("#enroll-submit")).toBe("登録");
    expect(document.activeElement).toBe($("#enroll-url"));
    expect(hidden("#enroll-error")).toBe(true);

    fill("https://central.example:8443", CODE);
    $("#enroll-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("enrollTerminal")).toEqual([["https://central.example:8443", CODE]]);
    expect(m.root.querySelector("#enroll-dialog")).toBeNull();
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    // Enrolled: no demo accounts any more.
    expect(m.root.querySelector("#login-demo-hints")).toBeNull();
    expect(hidden("#demo-badge")).toBe(true);
    expect(text("#sync-state")).toBe("未同期");
    expect(hidden("#enroll-open")).toBe(true);
    expect(($("#sync-now") as HTMLButtonElement).disabled).toBe(false);
    expect(hidden("#sync-progress")).toBe(false);
    expect(text("#sync-progress-text")).toBe("名簿を受信中 0 / 500 件");
    expect(document.activeElement).toBe($("#login-staff-id"));
  });

  it("asks for the address and the code before sending", async () => {
    const backend = await openDialog();
    $("#enroll-submit").click();
    await m.app!.idle();
    expect(text("#enroll-error")).toBe("中央サーバーのアドレスを入力してください");
    expect(document.activeElement).toBe($("#enroll-url"));
    fill("https://central.example:8443", "  ");
    key($("#enroll-code"), "Enter");
    await m.app!.idle();
    expect(text("#enroll-error")).toBe("登録コードを入力してください");
    expect($("#enroll-code").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe($("#enroll-code"));
    expect(backend.callsOf("enrollTerminal")).toEqual([]);
  });

  it.each([
    ["ENROLLMENT_CODE_MALFORMED", "登録コードの形式が正しくありません。", "#enroll-code"],
    [
      "ENROLLMENT_CODE_INVALID",
      "登録コードが無効です（使用済み・期限切れ・誤り）。管理者に新しいコードを依頼してください。",
      "#enroll-code",
    ],
    [
      "ENROLLMENT_CA_MISMATCH",
      "接続先の証明書が登録コードと一致しません。接続先を確認してください。",
      "#enroll-url",
    ],
    ["OFFLINE", "中央サーバーに接続できません。", "#enroll-url"],
    ["ALREADY_ENROLLED", "この端末はすでに中央サーバーに登録されています。", "#enroll-url"],
    [
      "DEVICE_IDENTITY_ERROR",
      "この端末の鍵を作成・保存できませんでした。管理者に連絡してください。",
      "#enroll-url",
    ],
    [
      "BAD_REQUEST",
      "中央サーバーが登録を受け付けませんでした。アドレスと登録コードを確認してください。",
      "#enroll-url",
    ],
    ["SOMETHING_NEW", "登録できませんでした（コード: SOMETHING_NEW）", "#enroll-url"],
  ])("shows %s in the dialog and keeps it open", async (code, message, focused) => {
    const backend = await openDialog();
    backend.failures.set("enrollTerminal", apiError(code));
    fill("https://central.example:8443", CODE);
    $("#enroll-submit").click();
    await m.app!.idle();
    expect(m.root.querySelector("#enroll-dialog")).not.toBeNull();
    expect(hidden("#enroll-error")).toBe(false);
    expect(text("#enroll-error")).toBe(message);
    expect($("#enroll-error").getAttribute("data-error-code")).toBe(code);
    expect(text("#enroll-error")).not.toContain("english");
    expect(document.activeElement).toBe($(focused));
    expect(($("#enroll-submit") as HTMLButtonElement).disabled).toBe(false);
    expect(hidden("#error-banner")).toBe(true);
    expect(backend.statusValue.demo_mode).toBe(true);
    expect(text("#sync-state")).toBe("デモモード（未登録）");
  });

  it("speaks English in the dialog, errors included", async () => {
    const backend = new FakeBackend(loggedIn("S4"));
    backend.failures.set("enrollTerminal", apiError("ENROLLMENT_CA_MISMATCH"));
    await openDialog(backend);
    fill("https://central.example:8443", CODE);
    $("#enroll-submit").click();
    await m.app!.idle();
    $("#lang-toggle").click();
    expect($("#enroll-dialog-title").textContent).toBe("Enroll this terminal");
    expect(text("#enroll-error")).toBe("The service’s certificate does not match the enrollment code. Check the address.");
    expect(text("#enroll-open")).toBe("Enroll with the central service");
    expect(text("#sync-state")).toBe("Demo mode (not enrolled)");
  });

  it("closes with キャンセル or Escape", async () => {
    const backend = await openDialog();
    $("#enroll-cancel").click();
    expect(m.root.querySelector("#enroll-dialog")).toBeNull();
    $("#enroll-open").click();
    key($("#enroll-url"), "Escape");
    expect(m.root.querySelector("#enroll-dialog")).toBeNull();
    expect(backend.callsOf("enrollTerminal")).toEqual([]);
  });
});

describe("IPC wrapper for sync", () => {
  it("passes camelCase arguments as Tauri expects", async () => {
    const calls: [string, unknown][] = [];
    const api = createApi(async (cmd, args) => {
      calls.push([cmd, args]);
      return {};
    });
    await api.syncStatus();
    await api.syncNow();
    await api.requeueEvent("E-9");
    await api.enrollTerminal("https://central.example:8443", "ABCD-2345");
    expect(calls).toEqual([
      ["sync_status", undefined],
      ["sync_now", undefined],
      ["requeue_event", { eventId: "E-9" }],
      ["enroll_terminal", { serviceUrl: "https://central.example:8443", code: "ABCD-2345" }],
    ]);
  });

  it("turns a refusal into an ApiError by code", async () => {
    const api = createApi(async () => {
      throw { code: "ENROLLMENT_CODE_INVALID", message: "m", details: {}, needs_reset: false };
    });
    await expect(api.enrollTerminal("u", "c")).rejects.toMatchObject({ code: "ENROLLMENT_CODE_INVALID" });
  });
});

describe("refused records before login", () => {
  it("shows how many only: the reasons may name a resident", async () => {
    const backend = new FakeBackend(status({ demo_mode: false, staff: null, allowed_actions: [] }));
    backend.syncValue = syncView({ state: "error" }, { rejected: structuredClone(REJECTED), last_error_message: "R-1" });
    await m.start(backend);
    expect(hidden("#sync-rejected")).toBe(false);
    expect($("#sync-rejected").textContent).toContain("中央サーバーが受け付けなかった記録：2 件");
    expect(text("#sync-rejected-help")).toBe("内容は、ログインすると確認できます。");
    expect(m.root.querySelector("#sync-rejected-item-0")).toBeNull();
    expect(m.root.querySelector("#sync-requeue-0")).toBeNull();
    expect($("#sync-bar").textContent).not.toContain("SESSION_NOT_ASSIGNED");
  });
});
