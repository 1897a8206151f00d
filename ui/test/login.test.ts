import { describe, expect, it, vi } from "vitest";
import { STATUS_POLL_MS } from "../src/app";
import type { LoginRequest } from "../src/generated/LoginRequest";
import { $, FakeBackend, PASSWORD, apiError, key, loggedIn, status } from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();
const start = m.start;


const loggedOut = (over = {}) => new FakeBackend(status({ staff: null, allowed_actions: [], ...over }));
const input = (sel: string) => $(sel) as HTMLInputElement;

function fill(id: string, password: string) {
  input("#login-staff-id").value = id;
  input("#login-password").value = password;
}

describe("login form", () => {
  it("has the fields with stable ids, masks the password and focuses the staff ID", async () => {
    const backend = loggedOut();
    await start(backend);
    expect($("#login-title").textContent).toBe("職員ログイン");
    expect(input("#login-password").type).toBe("password");
    expect($("#login-password").getAttribute("autocomplete")).toBe("off");
    // The second factor is the person's authenticator: no code to type.
    expect(m.root.querySelector("#login-totp")).toBeNull();
    expect(m.root.querySelectorAll("#login-form input")).toHaveLength(2);
    expect($("#login-error").getAttribute("role")).toBe("alert");
    expect($("#login-error").hidden).toBe(true);
    expect($("#login-ended").hidden).toBe(true);
    expect(document.activeElement).toBe($("#login-staff-id"));
    expect(m.root.querySelector("#search-input")).toBeNull();
    expect(m.root.querySelector("#logout-button")).toBeNull();
  });

  it("sends exactly the staff ID and the password, and opens the reception screen", async () => {
    const backend = loggedOut();
    await start(backend);
    fill("S1", PASSWORD);
    $("#login-submit").click();
    await m.app!.idle();
    const calls = backend.callsOf("login");
    expect(calls).toEqual([[{ staff_id: "S1", password: PASSWORD }]]);
    expect(Object.keys(calls[0]![0] as LoginRequest).sort()).toEqual(["password", "staff_id"]);
    expect(m.root.querySelector("#login-form")).toBeNull();
    expect($("#staff-name").textContent).toBe("担当：佐藤 花子");
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("submits with Enter, but not while the IME is still converting", async () => {
    const backend = loggedOut();
    await start(backend);
    fill("Ｓ１", PASSWORD);
    key($("#login-staff-id"), "Enter", { isComposing: true });
    await m.app!.idle();
    expect(backend.callsOf("login")).toEqual([]);
    key($("#login-password"), "Enter");
    await m.app!.idle();
    expect(backend.callsOf("login")).toHaveLength(1);
  });

  it("takes the password out of its input as it sends, asks for the authenticator, and sends once while Rust checks", async () => {
    const backend = loggedOut();
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => (release = r));
    const login = backend.login.bind(backend);
    backend.login = async (req) => {
      await slow;
      return login(req);
    };
    await start(backend);
    fill("S1", PASSWORD);
    key($("#login-password"), "Enter");
    expect(input("#login-password").value).toBe("");
    expect(($("#login-submit") as HTMLButtonElement).disabled).toBe(true);
    expect($("#login-busy").hidden).toBe(false);
    expect($("#login-busy").textContent).toBe("認証器（指紋認証キーまたはWindows Hello）に指で触れてください…");
    key($("#login-staff-id"), "Enter");
    $("#login-submit").click();
    release();
    await m.app!.idle();
    expect(backend.calls.filter((c) => c.cmd === "login")).toHaveLength(1);
    expect(m.root.querySelector("#search-input")).not.toBeNull();
  });

  it("on a refusal keeps the ID, leaves the secrets empty and says why by code", async () => {
    const backend = loggedOut();
    await start(backend);
    fill("S1", "wrong");
    $("#login-submit").click();
    await m.app!.idle();
    expect($("#login-error").hidden).toBe(false);
    expect($("#login-error").textContent).toBe("職員IDまたはパスワードが正しくありません");
    expect($("#login-error").getAttribute("data-error-code")).toBe("AUTH_FAILED");
    expect($("#login-error").textContent).not.toContain("english");
    expect(input("#login-staff-id").value).toBe("S1");
    expect(input("#login-password").value).toBe("");
    expect(document.activeElement).toBe($("#login-password"));
    expect(($("#login-submit") as HTMLButtonElement).disabled).toBe(false);
    // The banner is for the reception screen; the form says it itself.
    expect($("#error-banner").hidden).toBe(true);
  });

  it.each([
    ["AUTH_THROTTLED", { wait_seconds: "45" }, "ログインの失敗が続いたため、45秒後にもう一度お試しください", "#login-password"],
    ["AUTH_LOCKED", {}, "このアカウントはロックされています。監督者に解除を依頼してください", "#login-staff-id"],
    [
      "AUTH_OFFLINE_GRACE_EXPIRED",
      { grace_days: "7" },
      "最後のオンラインでのログインから7日を過ぎたため、ネットワークに接続してログインしてください",
      "#login-password",
    ],
    ["AUTH_CLOCK_ROLLBACK", {}, "端末の時計が過去に戻っています。管理者に連絡してください", "#login-password"],
    ["AUTH_DISABLED", {}, "このアカウントは利用停止中です。管理者に連絡してください", "#login-staff-id"],
    [
      "AUTH_NO_AUTHENTICATOR",
      {},
      "この端末では、この職員の認証器が登録されていません。管理者に登録を依頼してください",
      "#login-staff-id",
    ],
    ["AUTH_RETRY", {}, "中央サーバーとの通信が途切れました。もう一度ログインしてください", "#login-password"],
  ])("shows %s with its details", async (code, details, message, focused) => {
    const backend = loggedOut();
    backend.failures.set("login", apiError(code, details));
    await start(backend);
    fill("S1", PASSWORD);
    $("#login-submit").click();
    await m.app!.idle();
    expect($("#login-error").textContent).toBe(message);
    expect(document.activeElement).toBe($(focused));
    expect(input("#login-password").value).toBe("");
  });

  it.each([
    [null, "AUTHENTICATOR_NOT_FOUND", "認証器（指紋認証キーまたはWindows Hello）が見つかりません。キーを差し込んでからお試しください"],
    ["S2", "AUTHENTICATOR_NOT_RECOGNISED", "この認証器はこの職員のものとして登録されていません"],
  ] as const)("says what is wrong with the authenticator (%s)", async (holder, code, message) => {
    const backend = loggedOut();
    backend.authenticatorOf = holder;
    await start(backend);
    fill("S1", PASSWORD);
    $("#login-submit").click();
    await m.app!.idle();
    expect($("#login-error").getAttribute("data-error-code")).toBe(code);
    expect($("#login-error").textContent).toBe(message);
    expect(m.root.querySelector("#search-input")).toBeNull();
    // Fixed, the same person tries again straight away.
    backend.authenticatorOf = "S1";
    fill("S1", PASSWORD);
    $("#login-submit").click();
    await m.app!.idle();
    expect(m.root.querySelector("#search-input")).not.toBeNull();
  });

  it("asks for a missing field without calling Rust, keeping what was typed", async () => {
    const backend = loggedOut();
    await start(backend);
    $("#login-submit").click();
    expect($("#login-error").textContent).toBe("職員IDを入力してください");
    expect($("#login-staff-id").getAttribute("aria-invalid")).toBe("true");
    fill("S1", "");
    key($("#login-staff-id"), "Enter");
    expect($("#login-error").textContent).toBe("パスワードを入力してください");
    expect(document.activeElement).toBe($("#login-password"));
    expect(input("#login-staff-id").value).toBe("S1");
    await m.app!.idle();
    expect(backend.callsOf("login")).toEqual([]);
  });

  it.each([
    ["idle", "操作がなかったため、ログアウトしました"],
    ["user", "ログアウトしました"],
  ] as const)("says why the last session ended (%s)", async (reason, text) => {
    await start(loggedOut({ session_ended: reason }));
    expect($("#login-ended").hidden).toBe(false);
    expect($("#login-ended").textContent).toBe(text);
  });

  it("speaks English on request", async () => {
    const backend = loggedOut({ session_ended: "idle" });
    backend.failures.set("login", apiError("AUTH_THROTTLED", { wait_seconds: "30" }));
    await start(backend);
    fill("S1", PASSWORD);
    $("#login-submit").click();
    await m.app!.idle();
    $("#lang-toggle").click();
    expect($("#login-title").textContent).toBe("Staff login");
    expect($("#login-submit").textContent).toBe("Log in");
    expect($("#login-error").textContent).toBe("Too many failed logins. Try again in 30 seconds");
  });
});

describe("demo accounts on the login screen", () => {
  it("are listed in demo mode only, marked as demo data, and fill in the form", async () => {
    const backend = loggedOut();
    await start(backend);
    const panel = $("#login-demo-hints");
    expect(panel.hidden).toBe(false);
    expect(panel.textContent).toContain("デモ用アカウント（架空のデータ）");
    const row = $("#login-hint-S1");
    expect(row.textContent).toContain("S1");
    expect(row.textContent).toContain("佐藤 花子");
    expect(row.textContent).toContain("受付");
    expect(row.textContent).toContain(PASSWORD);
    expect(panel.textContent).toContain("デモ用ソフトウェア認証器が自動で使われます");
    expect($("#login-hint-S2").textContent).toContain("所属長");

    $("#login-hint-use-S2").click();
    expect(input("#login-staff-id").value).toBe("S2");
    expect(input("#login-password").value).toBe(PASSWORD);
    expect(document.activeElement).toBe($("#login-submit"));
    $("#login-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("login")).toEqual([[{ staff_id: "S2", password: PASSWORD }]]);
  });

  it("are not asked for on an enrolled terminal", async () => {
    const backend = loggedOut({ demo_mode: false });
    await start(backend);
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect(m.root.querySelector("#login-demo-hints")).toBeNull();
    expect(backend.callsOf("demoLoginHints")).toEqual([]);
  });

  it("are asked for once: nothing on the login screen changes with time", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const backend = loggedOut();
    await start(backend);
    vi.advanceTimersByTime(60_000);
    await m.app!.idle();
    expect(backend.callsOf("demoLoginHints")).toHaveLength(1);
  });
});

describe("logout and idle timeout", () => {
  it("logs out with ログアウト and says so", async () => {
    const backend = new FakeBackend(loggedIn("S1"));
    await start(backend);
    expect($("#logout-button").textContent).toBe("ログアウト");
    $("#logout-button").click();
    await m.app!.idle();
    expect(backend.callsOf("logout")).toHaveLength(1);
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect($("#login-ended").textContent).toBe("ログアウトしました");
    expect(m.root.querySelector("#logout-button")).toBeNull();
    expect(m.root.querySelector("#session-select")).toBeNull();
  });

  it("asks for the status while logged in and goes back to the login after an idle timeout", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const backend = new FakeBackend(loggedIn("S1"));
    await start(backend);
    input("#search-input").value = "01234567";
    key($("#search-input"), "Enter");
    await m.app!.idle();
    expect(m.root.querySelector("#resident-card")).not.toBeNull();

    const before = backend.callsOf("appStatus").length;
    vi.advanceTimersByTime(STATUS_POLL_MS);
    await m.app!.idle();
    expect(backend.callsOf("appStatus").length).toBe(before + 1);
    expect(m.root.querySelector("#resident-card")).not.toBeNull();

    backend.expireSession();
    vi.advanceTimersByTime(STATUS_POLL_MS);
    await m.app!.idle();
    expect(m.root.querySelector("#resident-card")).toBeNull();
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect($("#login-ended").textContent).toBe("操作がなかったため、ログアウトしました");
    expect(document.activeElement).toBe($("#login-staff-id"));

    // Nobody logged in: no more status polling.
    const calls = backend.callsOf("appStatus").length;
    vi.advanceTimersByTime(STATUS_POLL_MS * 3);
    await m.app!.idle();
    expect(backend.callsOf("appStatus").length).toBe(calls);
  });
});
