import { describe, expect, it } from "vitest";
import { createApi } from "../src/api";
import { AUDIT_OPERATIONS } from "../src/views/audit";
import { $, FakeBackend, apiError, auditEntry, key, loggedIn } from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();
const start = m.start;


const input = (sel: string) => $(sel) as HTMLInputElement;

describe("what each role is shown", () => {
  it("offers 監査ログ and the unlock to a supervisor only", async () => {
    for (const [id, expected] of [
      ["S1", false],
      ["S2", true],
      ["S3", false],
      ["S4", false],
    ] as const) {
      await start(new FakeBackend(loggedIn(id)));
      expect(m.root.querySelector("#audit-open") !== null, id).toBe(expected);
      expect(m.root.querySelector("#unlock-submit"), id).toBeNull();
      m.app!.destroy();
      m.app = null;
    }
  });

  it("offers 個人番号を表示 only with the role's action and the staff member's permission", async () => {
    const cases = [
      [loggedIn("S1", { my_number_permission: true }), true],
      [loggedIn("S2", { my_number_permission: true }), true],
      [loggedIn("S1", { my_number_permission: false }), false],
      // The permission without the role's action (not something Rust sends, but the window must not trust it).
      [loggedIn("S1", { my_number_permission: true, allowed_actions: ["search_residents", "view_resident", "view_attendance"] }), false],
    ] as const;
    for (const [st, expected] of cases) {
      await start(new FakeBackend(st));
      input("#search-input").value = "01234567";
      key($("#search-input"), "Enter");
      await m.app!.idle();
      expect(m.root.querySelector("#resident-card")).not.toBeNull();
      expect(m.root.querySelector("#card-my-number") !== null).toBe(expected);
      m.app!.destroy();
      m.app = null;
    }
  });
});

describe("audit view", () => {
  it("opens on today's entries, shows them in Japan time with labels, and searches with the filters", async () => {
    const backend = new FakeBackend(loggedIn("S2"));
    backend.auditEntries = [
      auditEntry({ seq: 7n, at: "2026-11-24T00:15:42.5Z", operation: "check_in" }),
      auditEntry({ seq: 6n, at: "2026-11-23T23:59:00Z", operation: "login_fail", resident_id: null, reason: "認証", detail: "bad_password" }),
    ];
    await start(backend);
    expect($("#audit-open").textContent).toBe("監査ログ");
    $("#audit-open").click();
    await m.app!.idle();
    expect(m.root.querySelector("#audit-view")).not.toBeNull();
    expect(backend.callsOf("auditLog")).toEqual([
      [{ staff_id: null, resident_id: null, operation: null, from: "2026-11-24", to: "2026-11-24", limit: 200 }],
    ]);
    const cells = [...$("#audit-row-7").querySelectorAll("td")].map((td) => td.textContent);
    expect(cells).toEqual(["2026-11-24 09:15:42", "S1", "健康づくり課", "集団検診受付", "R-1", "受付", ""]);
    const fail = [...$("#audit-row-6").querySelectorAll("td")].map((td) => td.textContent);
    expect(fail).toEqual(["2026-11-24 08:59:00", "S1", "健康づくり課", "認証", "", "ログイン失敗", "bad_password"]);
    expect($("#audit-count").textContent).toBe("2件（新しい順）");
    const head = [...$("#audit-results").querySelectorAll("th")].map((th) => th.textContent);
    expect(head).toEqual(["処理日時", "職員", "部署", "処理事由", "宛名番号", "処理内容", "詳細"]);

    const select = $("#audit-operation") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["", ...AUDIT_OPERATIONS]);
    expect([...select.options].map((o) => o.textContent)).toEqual([
      "すべて",
      "ログイン成功",
      "ログイン失敗",
      "ログアウト",
      "受診券検索",
      "カナ検索",
      "閲覧",
      "受付者一覧",
      "受付",
      "訂正",
      "取消",
      "飛込登録",
      "受診可否",
      "アカウントロック",
      "ロック解除",
      "認証器の登録",
      "操作拒否",
      "個人番号閲覧",
      "監査ログ閲覧",
      "パスワード変更",
      "出力申請",
      "出力の承認・却下",
      "出力開始",
      "外部媒体へ出力",
      "出力失敗",
      "出力の拒否",
    ]);

    input("#audit-staff").value = " S1 ";
    input("#audit-resident").value = "R-9";
    select.value = "login_fail";
    input("#audit-from").value = "2026-11-01";
    input("#audit-to").value = "";
    $("#audit-search").click();
    await m.app!.idle();
    expect(backend.callsOf("auditLog")[1]).toEqual([
      { staff_id: "S1", resident_id: "R-9", operation: "login_fail", from: "2026-11-01", to: null, limit: 200 },
    ]);

    // Enter in a filter searches too.
    input("#audit-resident").value = "";
    key($("#audit-staff"), "Enter");
    await m.app!.idle();
    expect(backend.callsOf("auditLog")).toHaveLength(3);
    expect(m.root.querySelector("#audit-row-6")).not.toBeNull();
    expect(m.root.querySelector("#audit-row-7")).toBeNull();

    $("#lang-toggle").click();
    expect($("#audit-row-6 .audit-operation").textContent).toBe("Failed login");
  });

  it("shows a refusal in the view, by code", async () => {
    const backend = new FakeBackend(loggedIn("S2"));
    await start(backend);
    backend.failures.set("auditLog", apiError("DATE_INVALID", { field: "date" }));
    $("#audit-open").click();
    await m.app!.idle();
    expect($("#audit-error").hidden).toBe(false);
    expect($("#audit-error").textContent).toBe("日付の形式が正しくありません（例：2026-11-24）");
    expect(($("#audit-search") as HTMLButtonElement).disabled).toBe(false);
  });

  it("closes with 閉じる and gives focus back to the search box", async () => {
    await start(new FakeBackend(loggedIn("S2")));
    $("#audit-open").click();
    await m.app!.idle();
    $("#audit-close").click();
    expect(m.root.querySelector("#audit-view")).toBeNull();
    expect(document.activeElement).toBe($("#search-input"));
  });
});

describe("account unlock", () => {
  it("unlocks the typed account and says so", async () => {
    const backend = new FakeBackend(loggedIn("S2"));
    backend.locked.add("S3");
    await start(backend);
    $("#audit-open").click();
    await m.app!.idle();
    input("#unlock-staff-id").value = " ｓ３ ";
    $("#unlock-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("unlockAccount")).toEqual([["S3"]]);
    expect(backend.locked.has("S3")).toBe(false);
    expect($("#unlock-result").hidden).toBe(false);
    expect($("#unlock-result").textContent).toBe("S3 のロックを解除しました");
    expect(input("#unlock-staff-id").value).toBe("");
  });

  it("asks for the ID first, and shows a refusal by code", async () => {
    const backend = new FakeBackend(loggedIn("S2"));
    await start(backend);
    $("#audit-open").click();
    await m.app!.idle();
    $("#unlock-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("unlockAccount")).toEqual([]);
    expect($("#unlock-error").textContent).toBe("職員IDを入力してください");

    input("#unlock-staff-id").value = "S9";
    key($("#unlock-staff-id"), "Enter");
    await m.app!.idle();
    expect(backend.callsOf("unlockAccount")).toEqual([["S9"]]);
    expect($("#unlock-error").textContent).toBe("職員が見つかりません");
    expect($("#unlock-result").hidden).toBe(true);
    // Enter in the unlock field did not run an audit search.
    expect(backend.callsOf("auditLog")).toHaveLength(1);
  });
});

describe("IPC wrapper for login and supervision", () => {
  it("passes camelCase arguments as Tauri expects", async () => {
    const calls: [string, unknown][] = [];
    const api = createApi(async (cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    const request = { staff_id: "S0001", password: "p" };
    const query = { staff_id: null, resident_id: "R-1", operation: null, from: "2026-11-01", to: null, limit: 200 };
    await api.login(request);
    await api.logout();
    await api.demoLoginHints();
    await api.unlockAccount("S0002");
    await api.auditLog(query);
    await api.viewMyNumber("R-1", "税の照会");
    expect(calls).toEqual([
      ["login", { request }],
      ["logout", undefined],
      ["demo_login_hints", undefined],
      ["unlock_account", { staffId: "S0002" }],
      ["audit_log", { query }],
      ["view_my_number", { residentId: "R-1", reason: "税の照会" }],
    ]);
  });
});
