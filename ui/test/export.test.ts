import { describe, expect, it, vi } from "vitest";
import { createApi } from "../src/api";
import { startApp } from "../src/app";
import { errorMessage } from "../src/errors";
import { dictionaries, setLang } from "../src/i18n";
import { AUDIT_OPERATIONS, operationLabel } from "../src/views/audit";
import {
  $,
  FakeBackend,
  TERMINAL_NAME,
  USB,
  apiError,
  exportRequest,
  invokeFor,
  key,
  loggedIn,
  memoryStorage,
} from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();

/** The window over the real IPC wrapper: every command recorded as Tauri receives it. */
async function startWithInvoke(backend: FakeBackend) {
  const invoke = vi.fn(invokeFor(backend));
  m.app = startApp(m.root, createApi(invoke), { storage: memoryStorage() });
  await m.app.idle();
  return invoke;
}

function sent(invoke: ReturnType<typeof startWithInvoke> extends Promise<infer T> ? T : never, cmd: string): unknown[] {
  return invoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
}

const input = (id: string) => $(`#${id}`) as HTMLInputElement;
const select = (id: string) => $(`#${id}`) as HTMLSelectElement;
const text = (id: string) => ($(`#${id}`).textContent ?? "").trim();

async function click(id: string) {
  $(`#${id}`).click();
  await m.app!.idle();
}

/** Logged in as `staffId`, the export view open. */
async function openExport(backend: FakeBackend) {
  const invoke = await startWithInvoke(backend);
  await click("export-open");
  expect(m.root.querySelector("#export-view")).not.toBeNull();
  return invoke;
}

function clerk(): FakeBackend {
  return new FakeBackend(loggedIn("S3"));
}

function supervisor(): FakeBackend {
  return new FakeBackend(loggedIn("S2"));
}

/** A clerk whose request ER-7 a supervisor approved. */
function approvedClerk(): FakeBackend {
  const b = clerk();
  b.exportState.requests = [
    exportRequest({
      request_id: "ER-7",
      state: "approved",
      decided_by: "S2",
      decided_at: "2026-11-24T03:00:00Z",
      comment: "提出を承認します",
      grant_expires_at: "2026-11-25T03:00:00Z",
    }),
  ];
  return b;
}

describe("外部媒体への出力: who sees it", () => {
  it("is offered to clerks and supervisors, never to reception or administrators", async () => {
    for (const [id, expected] of [
      ["S1", false],
      ["S2", true],
      ["S3", true],
      ["S4", false],
    ] as const) {
      await m.start(new FakeBackend(loggedIn(id)));
      expect(m.root.querySelector("#export-open") !== null, id).toBe(expected);
      if (expected) expect(text("export-open")).toBe("外部媒体への出力");
      m.app!.destroy();
      m.app = null;
    }
  });

  it("shows the clerk the form and the terminal's requests, the supervisor the pending ones", async () => {
    await openExport(clerk());
    expect(m.root.querySelector("#export-form")).not.toBeNull();
    expect(m.root.querySelector("#export-requests")).not.toBeNull();
    expect(m.root.querySelector("#export-pending")).toBeNull();
    m.app!.destroy();
    m.app = null;

    await openExport(supervisor());
    expect(m.root.querySelector("#export-form")).toBeNull();
    expect(m.root.querySelector("#export-request-submit")).toBeNull();
    expect(m.root.querySelector("#export-pending")).not.toBeNull();
  });

  it("opens nothing for a role without the actions, even if the button were clicked", async () => {
    const b = new FakeBackend(loggedIn("S1"));
    await m.start(b);
    expect(m.root.querySelector("#export-view")).toBeNull();
    expect(b.callsOf("exportOverview")).toEqual([]);
  });
});

describe("外部媒体への出力: the clerk", () => {
  it("sees whether this terminal is designated, and until when, and whether it is online", async () => {
    const b = clerk();
    await openExport(b);
    expect(text("export-designation")).toBe("この端末は出力端末に指定されています（2027-04-01 00:00:00まで）");
    expect($("#export-designation").getAttribute("data-designated")).toBe("true");
    expect(text("export-online")).toBe("中央サーバーに接続しています");
    m.app!.destroy();
    m.app = null;

    const off = clerk();
    off.exportState.designated = false;
    off.exportState.online = false;
    await openExport(off);
    expect(text("export-designation")).toBe("この端末は出力端末に指定されていません");
    expect($("#export-designation").getAttribute("data-designated")).toBe("false");
    expect(text("export-online")).toContain("中央サーバーに接続できません");
    expect($("#export-online").getAttribute("data-online")).toBe("false");
  });

  it("offers both layouts, the sessions as checkboxes and the registered recipients", async () => {
    await openExport(clerk());
    expect([...select("export-layout").options].map((o) => [o.value, o.textContent])).toEqual([
      ["health_system", "健康管理システム用 受診実績"],
      ["screening_org", "検診機関用 受診者一覧"],
    ]);
    expect(input("export-session-SES-T").type).toBe("checkbox");
    expect($("label[for=export-session-SES-T]").textContent).toContain("みなと市保健センター");
    expect(m.root.querySelector("#export-session-SES-Y")).not.toBeNull();
    expect([...select("export-recipient").options].map((o) => o.value)).toEqual(["", "RCP-ORG", "RCP-HS"]);
  });

  it("sends exactly the request typed, then lists it as 申請中 and empties the form", async () => {
    const b = clerk();
    const invoke = await openExport(b);
    select("export-layout").value = "screening_org";
    input("export-session-SES-T").checked = true;
    input("export-purpose").value = "  検診機関への受診者一覧の提出  ";
    select("export-recipient").value = "RCP-ORG";
    await click("export-request-submit");

    expect(sent(invoke, "request_export")).toEqual([
      {
        request: {
          layout: "screening_org",
          session_ids: ["SES-T"],
          purpose: "検診機関への受診者一覧の提出",
          recipient_id: "RCP-ORG",
        },
      },
    ]);
    const row = $("#export-request-ER-NEW-1");
    expect(row.getAttribute("data-state")).toBe("pending");
    expect(row.querySelector(".export-state")?.textContent).toBe("申請中");
    expect(row.textContent).toContain("検診機関用 受診者一覧");
    expect(row.textContent).toContain("みなと健診センター");
    // Pending: nothing to write yet.
    expect(m.root.querySelector("#export-write-ER-NEW-1")).toBeNull();
    expect(text("export-requested")).toBe("申請しました。所属長の承認を待っています");
    expect(input("export-purpose").value).toBe("");
    expect(input("export-session-SES-T").checked).toBe(false);
    expect($("#export-error").hidden).toBe(true);
  });

  it("catches a missing session or purpose before sending, by code", async () => {
    const b = clerk();
    const invoke = await openExport(b);
    select("export-recipient").value = "RCP-ORG";
    input("export-purpose").value = "提出";
    await click("export-request-submit");
    expect($("#export-error").getAttribute("data-error-code")).toBe("EXPORT_SESSIONS_REQUIRED");
    expect(text("export-error")).toBe("出力する会場・日時を1つ以上選んでください");

    input("export-session-SES-Y").checked = true;
    input("export-purpose").value = "   ";
    await click("export-request-submit");
    expect($("#export-error").getAttribute("data-error-code")).toBe("EXPORT_PURPOSE_REQUIRED");
    expect(text("export-error")).toBe("出力の目的を入力してください");
    expect(input("export-purpose").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(input("export-purpose"));

    input("export-purpose").value = "提出";
    select("export-recipient").value = "";
    await click("export-request-submit");
    expect($("#export-error").getAttribute("data-error-code")).toBe("EXPORT_RECIPIENT_REQUIRED");
    expect(sent(invoke, "request_export")).toEqual([]);

    // Rust's refusal of the same kind shows the same way.
    b.failures.set("requestExport", apiError("EXPORT_PURPOSE_REQUIRED", { field: "purpose" }));
    select("export-recipient").value = "RCP-ORG";
    await click("export-request-submit");
    expect(sent(invoke, "request_export")).toHaveLength(1);
    expect(text("export-error")).toBe("出力の目的を入力してください");
  });

  it("says why the service refused a request: not designated, offline", async () => {
    for (const [setup, code, ja] of [
      [
        (b: FakeBackend) => (b.exportState.designated = false),
        "EXPORT_NOT_DESIGNATED",
        "この端末は外部媒体への出力端末に指定されていません。出力は管理者が指定した端末でだけできます",
      ],
      [
        (b: FakeBackend) => (b.exportState.online = false),
        "EXPORT_ONLINE_ONLY",
        "出力の申請と承認・却下は、中央サーバーに接続しているときだけできます",
      ],
    ] as const) {
      const b = clerk();
      setup(b);
      const invoke = await openExport(b);
      input("export-session-SES-T").checked = true;
      input("export-purpose").value = "提出";
      select("export-recipient").value = "RCP-HS";
      await click("export-request-submit");
      expect(sent(invoke, "request_export")).toHaveLength(1);
      expect($("#export-error").getAttribute("data-error-code")).toBe(code);
      expect(text("export-error")).toBe(ja);
      expect(b.exportState.requests).toEqual([]);
      m.app!.destroy();
      m.app = null;
    }
  });

  it("shows each state of this terminal's requests with who decided and why", async () => {
    const b = clerk();
    b.exportState.requests = [
      exportRequest({ request_id: "ER-1" }),
      exportRequest({ request_id: "ER-2", state: "approved", decided_by: "S2", grant_expires_at: "2026-11-25T03:00:00Z" }),
      exportRequest({ request_id: "ER-3", state: "refused", decided_by: "S2", comment: "目的が不明確です" }),
      exportRequest({ request_id: "ER-4", state: "used", decided_by: "S2" }),
      exportRequest({ request_id: "ER-5", state: "approved", decided_by: "S2", written: true }),
      // Another terminal's: not listed here.
      exportRequest({ request_id: "ER-9", terminal_name: "北部公民館受付", state: "approved" }),
    ];
    await openExport(b);
    const state = (id: string) => $(`#export-request-${id} .export-state`).textContent;
    expect([state("ER-1"), state("ER-2"), state("ER-3"), state("ER-4"), state("ER-5")]).toEqual([
      "申請中",
      "承認済",
      "却下",
      "出力済",
      "出力済",
    ]);
    expect(m.root.querySelector("#export-request-ER-9")).toBeNull();
    expect($("#export-request-ER-3").textContent).toContain("目的が不明確です");
    expect($("#export-request-ER-3 .export-decided-by").textContent).toBe("S2");
    // Only the approved, unwritten one can be written.
    const writable = [...m.root.querySelectorAll("button[id^=export-write-]")].map((e) => e.id);
    expect(writable).toEqual(["export-write-ER-2"]);
    expect(m.root.querySelector("#export-write-ER-5")).toBeNull();
  });

  it("offers the media on an approved request and writes after the confirmation, sending the ids only", async () => {
    const b = approvedClerk();
    const invoke = await openExport(b);
    expect(sent(invoke, "export_media")).toHaveLength(1);
    const media = select("export-media-ER-7");
    expect([...media.options].map((o) => [o.value, o.textContent])).toEqual([
      ["", "選択してください"],
      ["M-USB", USB.label],
    ]);
    // The only medium is chosen already.
    expect(media.value).toBe("M-USB");
    expect($("#export-request-ER-7").textContent).toContain("提出を承認します");

    await click("export-write-ER-7");
    const confirm = $("#export-confirm");
    expect(confirm.textContent).toContain("みなと健診センター");
    expect(confirm.textContent).toContain("暗号化");
    expect(confirm.textContent).toContain("記録され");
    expect(confirm.textContent).toContain(USB.label);
    expect(sent(invoke, "write_export")).toEqual([]);

    // Cancel: nothing written, the view stays.
    await click("export-confirm-cancel");
    expect(m.root.querySelector("#export-confirm")).toBeNull();
    expect(m.root.querySelector("#export-view")).not.toBeNull();
    expect(sent(invoke, "write_export")).toEqual([]);

    await click("export-write-ER-7");
    await click("export-confirm-ok");
    expect(sent(invoke, "write_export")).toEqual([{ requestId: "ER-7", mediaId: "M-USB" }]);
    expect(m.root.querySelector("#export-confirm")).toBeNull();

    const box = $("#export-written");
    expect(box.hidden).toBe(false);
    expect(box.textContent).toContain("uketsuke-screening_org-20261124-120000-ER-7.csv.age");
    expect($("#export-written .export-written-rows").textContent).toBe("件数：42件");
    expect($("#export-written .export-written-excluded").textContent).toBe("DV等支援対象者 2名を除外しました");
    const sha = $("#export-written-sha");
    expect(sha.textContent).toBe("SHA-256：9f86d081884c7d65…");
    expect(sha.title).toBe("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    expect(box.textContent).toContain(`媒体：${USB.label}`);
    // The list is fetched again: the request is written and cannot be written twice.
    expect($("#export-request-ER-7 .export-state").textContent).toBe("出力済");
    expect(m.root.querySelector("#export-write-ER-7")).toBeNull();
  });

  it("asks for a medium when none is chosen, and refreshes the list on request", async () => {
    const b = approvedClerk();
    b.media = [];
    const invoke = await openExport(b);
    expect($("#export-media-none").hidden).toBe(false);
    await click("export-write-ER-7");
    expect(m.root.querySelector("#export-confirm")).toBeNull();
    expect($("#export-write-error").getAttribute("data-error-code")).toBe("EXPORT_MEDIA_REQUIRED");
    expect(text("export-write-error")).toBe("出力先の媒体を選んでください");

    b.media = [USB, { media_id: "M-2", label: "SD カード", kind: "removable" }];
    await click("export-media-refresh");
    expect(sent(invoke, "export_media")).toHaveLength(2);
    expect($("#export-media-none").hidden).toBe(true);
    expect([...select("export-media-ER-7").options].map((o) => o.value)).toEqual(["", "M-USB", "M-2"]);
    // Two media: staff choose.
    expect(select("export-media-ER-7").value).toBe("");
    expect($("#export-write-error").hidden).toBe(true);
  });

  it("says exactly why a write was refused, in Japanese", async () => {
    const cases: Array<[string, (b: FakeBackend) => void, string]> = [
      [
        "EXPORT_NOT_DESIGNATED",
        (b) => (b.exportState.designated = false),
        "この端末は外部媒体への出力端末に指定されていません。出力は管理者が指定した端末でだけできます",
      ],
      [
        "EXPORT_GRANT_USED",
        (b) => b.failures.set("writeExport", apiError("EXPORT_GRANT_USED")),
        "この承認は使用済みです。もう一度出力するには改めて申請してください",
      ],
      [
        "EXPORT_MEDIA_FIXED",
        (b) => (b.media = [{ media_id: "M-SDA", label: "内蔵ディスク", kind: "fixed" }]),
        "内蔵ディスクには出力できません。USBメモリなどの取り外しできる媒体を選んでください",
      ],
      [
        "EXPORT_MEDIA_NETWORK",
        (b) => (b.media = [{ media_id: "M-NFS", label: "共有フォルダ", kind: "network" }]),
        "ネットワーク上の場所には出力できません。取り外しできる媒体を選んでください",
      ],
      [
        "EXPORT_CLOCK_ROLLBACK",
        (b) => b.failures.set("writeExport", apiError("EXPORT_CLOCK_ROLLBACK")),
        "端末の時計が戻されています。時計が正しくなるまで出力できません。管理者に連絡してください",
      ],
    ];
    for (const [code, setup, ja] of cases) {
      const b = approvedClerk();
      setup(b);
      const invoke = await openExport(b);
      await click("export-write-ER-7");
      await click("export-confirm-ok");
      expect(sent(invoke, "write_export"), code).toHaveLength(1);
      expect($("#export-write-error").getAttribute("data-error-code")).toBe(code);
      expect(text("export-write-error")).toBe(ja);
      expect($("#export-written").hidden).toBe(true);
      // The view stays open and the request can still be seen.
      expect(m.root.querySelector("#export-request-ER-7")).not.toBeNull();
      m.app!.destroy();
      m.app = null;
    }
  });

  it("tells staff to re-insert a medium that disappeared, and lists the media again", async () => {
    const b = approvedClerk();
    const invoke = await openExport(b);
    b.media = [];
    await click("export-write-ER-7");
    await click("export-confirm-ok");
    expect(text("export-write-error")).toBe("選んだ媒体が見つかりません。差し直して一覧を更新してください");
    // After a refusal the list and the media are asked for again.
    expect(sent(invoke, "export_media")).toHaveLength(2);
    expect($("#export-media-none").hidden).toBe(false);
    expect(select("export-media-ER-7").value).toBe("");
    b.media = [USB];
    await click("export-media-refresh");
    expect(sent(invoke, "export_media")).toHaveLength(3);
    expect($("#export-media-none").hidden).toBe(true);
    expect(select("export-media-ER-7").value).toBe("M-USB");
    // A refresh clears the refusal.
    expect($("#export-write-error").hidden).toBe(true);
  });

  it("keeps Escape in the confirmation to the confirmation", async () => {
    await openExport(approvedClerk());
    await click("export-write-ER-7");
    key($("#export-confirm-cancel"), "Escape");
    await m.app!.idle();
    expect(m.root.querySelector("#export-confirm")).toBeNull();
    expect(m.root.querySelector("#export-view")).not.toBeNull();
    expect(document.activeElement).toBe($("#export-write-ER-7"));
    // Closing the view closes everything.
    await click("export-write-ER-7");
    await click("export-close");
    expect(m.root.querySelector("#export-view")).toBeNull();
    expect(m.root.querySelector("#export-confirm")).toBeNull();
  });
});

describe("外部媒体への出力: the supervisor", () => {
  function withPending(): FakeBackend {
    const b = supervisor();
    b.exportState.requests = [
      exportRequest({ request_id: "ER-1", requested_by: "S3", session_ids: ["SES-T", "SES-Y"] }),
      exportRequest({ request_id: "ER-2", requested_by: "S3", terminal_name: "北部公民館受付", layout: "health_system" }),
      // Their own request is not theirs to decide.
      exportRequest({ request_id: "ER-3", requested_by: "S2" }),
    ];
    return b;
  }

  it("lists other staff's pending requests with requester, terminal, layout, sessions, purpose and recipient", async () => {
    await openExport(withPending());
    const row = $("#export-pending-ER-1");
    expect(row.querySelector(".export-requested-by")?.textContent).toBe("S3");
    expect(row.querySelector(".export-terminal")?.textContent).toBe(TERMINAL_NAME);
    expect(row.querySelector(".export-layout")?.textContent).toBe("検診機関用 受診者一覧");
    expect(row.querySelector(".export-sessions-list")?.textContent).toBe(
      "令和8年11月24日 09:00–11:30 みなと市保健センター、令和8年11月23日 13:00–15:00 北部公民館",
    );
    expect(row.querySelector(".export-purpose")?.textContent).toBe("検診機関への受診者一覧の提出");
    expect(row.querySelector(".export-recipient")?.textContent).toBe("みなと健診センター");
    expect($("#export-pending-ER-2 .export-layout").textContent).toBe("健康管理システム用 受診実績");
    expect(m.root.querySelector("#export-pending-ER-3")).toBeNull();
    // No code field: the supervisor's own authenticator confirms the decision.
    expect(m.root.querySelector("[id^='export-totp-']")).toBeNull();
    expect(row.querySelector(".export-key-hint")?.textContent).toContain("認証器");
  });

  it("approves with the comment; the authenticator is asked by Rust, not the page", async () => {
    const b = withPending();
    const invoke = await openExport(b);
    input("export-comment-ER-1").value = " 確認しました ";
    await click("export-approve-ER-1");
    expect(sent(invoke, "decide_export")).toEqual([
      { decision: { request_id: "ER-1", approve: true, comment: "確認しました" } },
    ]);
    expect(b.exportState.requests[0]?.state).toBe("approved");
    expect(m.root.querySelector("#export-pending-ER-1")).toBeNull();
    expect(text("export-decided")).toBe("承認しました");
  });

  it("says why the authenticator could not confirm the supervisor, and keeps the comment", async () => {
    for (const [code, ja] of [
      ["AUTHENTICATOR_NOT_FOUND", "認証器（指紋認証キーまたはWindows Hello）が見つかりません。キーを差し込んでからお試しください"],
      ["AUTHENTICATOR_TIMEOUT", "認証器の操作が時間内に行われませんでした。もう一度お試しください"],
      ["AUTHENTICATOR_NOT_RECOGNISED", "この認証器はこの職員のものとして登録されていません"],
      ["IDENTITY_WRONG_PERSON", "別の職員の認証器です。ご本人の認証器を使ってください"],
    ] as const) {
      const b = withPending();
      b.failures.set("decideExport", apiError(code));
      await openExport(b);
      input("export-comment-ER-1").value = "確認しました";
      await click("export-approve-ER-1");
      expect($("#export-decide-error").getAttribute("data-error-code")).toBe(code);
      expect(text("export-decide-error")).toBe(ja);
      expect(b.exportState.requests[0]?.state).toBe("pending");
      expect(input("export-comment-ER-1").value).toBe("確認しました");
      m.app!.destroy();
      m.app = null;
    }
  });

  it("refuses only with a comment, and says so without calling", async () => {
    const b = withPending();
    const invoke = await openExport(b);
    await click("export-refuse-ER-1");
    expect(sent(invoke, "decide_export")).toEqual([]);
    expect($("#export-decide-error").getAttribute("data-error-code")).toBe("EXPORT_COMMENT_REQUIRED");
    expect(text("export-decide-error")).toBe("却下する理由をコメントに入力してください");
    expect(document.activeElement).toBe(input("export-comment-ER-1"));

    input("export-comment-ER-1").value = "目的が不明確です";
    await click("export-refuse-ER-1");
    expect(sent(invoke, "decide_export")).toEqual([
      { decision: { request_id: "ER-1", approve: false, comment: "目的が不明確です" } },
    ]);
    expect(b.exportState.requests[0]?.state).toBe("refused");
    expect(text("export-decided")).toBe("却下しました");
  });

  it("shows the service's refusals of a decision by code", async () => {
    for (const [code, ja] of [
      ["EXPORT_OWN_REQUEST", "自分の申請は承認できません。別の所属長に依頼してください"],
      ["EXPORT_REQUEST_DECIDED", "この申請はすでに承認または却下されています"],
      ["EXPORT_ONLINE_ONLY", "出力の申請と承認・却下は、中央サーバーに接続しているときだけできます"],
    ] as const) {
      const b = withPending();
      b.failures.set("decideExport", apiError(code));
      await openExport(b);
      await click("export-approve-ER-1");
      expect($("#export-decide-error").getAttribute("data-error-code")).toBe(code);
      expect(text("export-decide-error")).toBe(ja);
      m.app!.destroy();
      m.app = null;
    }
  });

  it("goes back to the login when the session ended meanwhile", async () => {
    const b = withPending();
    await openExport(b);
    b.expireSession();
    b.failures.set("decideExport", apiError("NOT_LOGGED_IN"));
    await click("export-approve-ER-1");
    expect(m.root.querySelector("#export-view")).toBeNull();
    expect(m.root.querySelector("#login-form, #login-staff-id")).not.toBeNull();
  });
});

describe("外部媒体への出力: words", () => {
  /** Every code Rust and the service may send for an export (grep 'EXPORT_[A-Z_]*' in the export crates). */
  const CODES = [
    "EXPORT_CIPHERTEXT_INVALID",
    "EXPORT_CLOCK_ROLLBACK",
    "EXPORT_COMMENT_REQUIRED",
    "EXPORT_DECRYPT_EXCESSIVE_WORK",
    "EXPORT_DECRYPT_WRONG_KEY",
    "EXPORT_DESIGNATION_EXPIRED",
    "EXPORT_DESIGNATION_INVALID",
    "EXPORT_DESIGNATION_NOT_YET_VALID",
    "EXPORT_DESIGNATION_OTHER_TERMINAL",
    "EXPORT_ENCRYPT_FAILED",
    "EXPORT_GRANT_EXPIRED",
    "EXPORT_GRANT_INVALID",
    "EXPORT_GRANT_NOT_YET_VALID",
    "EXPORT_GRANT_OTHER_TERMINAL",
    "EXPORT_GRANT_SCOPE_MISMATCH",
    "EXPORT_GRANT_UNKNOWN",
    "EXPORT_GRANT_USED",
    "EXPORT_IDENTITY_INVALID",
    "EXPORT_KEY_GENERATION",
    "EXPORT_KEY_INVALID",
    "EXPORT_KEY_UNTRUSTED",
    "EXPORT_LAYOUT_UNKNOWN",
    "EXPORT_MEDIA_CHANGED",
    "EXPORT_MEDIA_CLEANUP_FAILED",
    "EXPORT_MEDIA_FIXED",
    "EXPORT_MEDIA_IO",
    "EXPORT_MEDIA_MOUNTINFO",
    "EXPORT_MEDIA_MOUNT_UNKNOWN",
    "EXPORT_MEDIA_NETWORK",
    "EXPORT_MEDIA_REFUSED",
    "EXPORT_MEDIA_SYSFS",
    "EXPORT_MEDIA_UNKNOWN_DEVICE",
    "EXPORT_MEDIA_UNSUPPORTED_OS",
    "EXPORT_MEDIA_VIRTUAL",
    "EXPORT_NOT_APPROVED",
    "EXPORT_NOT_DESIGNATED",
    "EXPORT_ONLINE_ONLY",
    "EXPORT_OWN_REQUEST",
    "EXPORT_PASSPHRASE_TOO_SHORT",
    "EXPORT_PURPOSE_REQUIRED",
    "EXPORT_RECIPIENT_INVALID",
    "EXPORT_RECIPIENT_UNKNOWN",
    "EXPORT_REQUEST_DECIDED",
    "EXPORT_REQUEST_REFUSED",
    "EXPORT_REQUEST_UNKNOWN",
    "EXPORT_ROLE",
    "EXPORT_SESSIONS_REQUIRED",
    "EXPORT_SESSION_UNKNOWN",
    "EXPORT_TARGET_DIR_INVALID",
    "EXPORT_TARGET_EXISTS",
    "EXPORT_TARGET_NAME_INVALID",
    "EXPORT_TOKEN_CLAIMS_INVALID",
    "EXPORT_TOKEN_DESIGNATION_MISMATCH",
    "EXPORT_TOKEN_EXPIRED",
    "EXPORT_TOKEN_INVALID",
    "EXPORT_TOKEN_NOT_YET_VALID",
    "EXPORT_TOKEN_OUTLIVES_DESIGNATION",
    "EXPORT_TOKEN_REQUEST_MISMATCH",
    "EXPORT_TOKEN_SCOPE_MISMATCH",
    "EXPORT_TOKEN_SIGN_FAILED",
    "EXPORT_TOKEN_UNKNOWN_KEY",
    "EXPORT_TOKEN_WRONG_DEVICE",
    "EXPORT_TOKEN_WRONG_KIND",
    "EXPORT_TOKEN_WRONG_TERMINAL",
  ];

  it("has its own message in both languages for every export code", () => {
    const ja = new Set<string>();
    for (const code of CODES) {
      const k = `err.${code}` as keyof typeof dictionaries.ja;
      expect(dictionaries.ja[k], code).toBeTruthy();
      expect(dictionaries.en[k], code).toBeTruthy();
      expect(errorMessage(apiError(code), {}, "ja"), code).not.toContain(code);
      ja.add(dictionaries.ja[k]);
    }
    // Distinct reasons, except the two pairs that mean the same to staff.
    expect(ja.size).toBeGreaterThanOrEqual(CODES.length - 2);
    expect(errorMessage(apiError("EXPORT_CLOCK_ROLLBACK"))).toContain("端末の時計が戻されています");
    expect(errorMessage(apiError("EXPORT_OWN_REQUEST"))).toContain("自分の申請は承認できません");
  });

  it("names the export actions in a FORBIDDEN refusal and the export operations in the audit filter", () => {
    expect(errorMessage(apiError("FORBIDDEN", { action: "request_export" }))).toBe(
      "この役割では「外部媒体への出力の申請」はできません",
    );
    expect(errorMessage(apiError("FORBIDDEN", { action: "decide_export" }))).toBe(
      "この役割では「外部媒体への出力の承認・却下」はできません",
    );
    expect(errorMessage(apiError("FORBIDDEN", { action: "write_export" }))).toBe(
      "この役割では「外部媒体への出力」はできません",
    );
    const ops = ["export_request", "export_decision", "export_write_start", "export_write", "export_write_failed", "export_refused"];
    for (const op of ops) expect(AUDIT_OPERATIONS as readonly string[]).toContain(op);
    expect(ops.map(operationLabel)).toEqual([
      "出力申請",
      "出力の承認・却下",
      "出力開始",
      "外部媒体へ出力",
      "出力失敗",
      "出力の拒否",
    ]);
  });

  it("follows the language toggle", async () => {
    await openExport(approvedClerk());
    setLang("en");
    expect(text("export-designation")).toBe("This terminal is designated for export (until 2027-04-01 00:00:00)");
    expect($("#export-request-ER-7 .export-state").textContent).toBe("Approved");
    expect(select("export-layout").options[1]?.textContent).toBe("Attendee list for the screening organisation");
    await click("export-write-ER-7");
    await click("export-confirm-ok");
    expect($("#export-written .export-written-excluded").textContent).toBe("Left out 2 residents under DV protection");
    setLang("ja");
    expect($("#export-written .export-written-excluded").textContent).toBe("DV等支援対象者 2名を除外しました");
  });
});

describe("the export commands over IPC", () => {
  it("sends each command with the argument names the Rust commands take", async () => {
    const calls: Array<[string, unknown]> = [];
    const api = createApi(async (cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    await api.exportOverview();
    await api.requestExport({ layout: "health_system", session_ids: ["S"], purpose: "p", recipient_id: "R" });
    await api.decideExport({ request_id: "E", approve: false, comment: "c" });
    await api.exportMedia();
    await api.writeExport("E", "M");
    expect(calls).toEqual([
      ["export_overview", undefined],
      ["request_export", { request: { layout: "health_system", session_ids: ["S"], purpose: "p", recipient_id: "R" } }],
      ["decide_export", { decision: { request_id: "E", approve: false, comment: "c" } }],
      ["export_media", undefined],
      ["write_export", { requestId: "E", mediaId: "M" }],
    ]);
  });
});
