import { describe, expect, it, vi } from "vitest";
import { createApi } from "../src/api";
import { startApp } from "../src/app";
import type { PasswordChange } from "../src/generated/PasswordChange";
import { $, FakeBackend, PASSWORD, apiError, key, loggedIn, memoryStorage, status } from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();

const NEW = "しずかな湖のほとりで2026";

/**
 * The window over the real IPC wrapper, with `invoke` mocked: every command is
 * recorded as Tauri would receive it and answered by the fake backend.
 */
async function startWithInvoke(backend: FakeBackend) {
  const invoke = vi.fn(async (cmd: string, args?: Record<string, unknown>): Promise<unknown> => {
    const a = args ?? {};
    switch (cmd) {
      case "app_status":
        return backend.appStatus();
      case "sync_status":
        return backend.syncStatus();
      case "list_sessions":
        return backend.listSessions();
      case "list_visits":
        return backend.listVisits(a.sessionId as string);
      case "session_counts":
        return backend.sessionCounts(a.sessionId as string);
      case "logout":
        return backend.logout();
      case "demo_login_hints":
        return backend.demoLoginHints();
      case "change_password":
        return backend.changePassword(a.change as PasswordChange);
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  m.app = startApp(m.root, createApi(invoke), { storage: memoryStorage() });
  await m.app.idle();
  return invoke;
}

function changeCalls(invoke: ReturnType<typeof vi.fn>): unknown[] {
  return invoke.mock.calls.filter((c) => c[0] === "change_password").map((c) => c[1]);
}

const input = (id: string) => $(`#${id}`) as HTMLInputElement;
const current = () => input("password-current");
const next = () => input("password-new");
const confirm = () => input("password-confirm");

function fill(cur: string, n: string, c: string = n) {
  current().value = cur;
  next().value = n;
  confirm().value = c;
}

/** Logged in as `staffId`, the dialog open. */
async function openDialog(backend = new FakeBackend(loggedIn("S1"))) {
  const invoke = await startWithInvoke(backend);
  $("#password-open").click();
  expect(m.root.querySelector("#password-dialog")).not.toBeNull();
  return { backend, invoke };
}

const invalid = (el: HTMLElement) => el.getAttribute("aria-invalid") === "true";

describe("パスワード変更: who gets it", () => {
  it("is offered to every role that has the action, next to the logout", async () => {
    for (const id of ["S1", "S2", "S3", "S4"]) {
      await m.start(new FakeBackend(loggedIn(id)));
      const button = $("#password-open");
      expect(button.textContent, id).toBe("パスワード変更");
      expect(button.nextElementSibling?.id, id).toBe("logout-button");
      m.app!.destroy();
      m.app = null;
    }
  });

  it("is hidden without the action, and on the login screen", async () => {
    for (const st of [status(), loggedIn("S4", { allowed_actions: ["enroll_terminal", "reset_local_cache"] }), status({ staff: null, allowed_actions: [] })]) {
      await m.start(new FakeBackend(st));
      expect(m.root.querySelector("#password-open")).toBeNull();
      expect(m.root.querySelector("#password-dialog")).toBeNull();
      m.app!.destroy();
      m.app = null;
    }
  });
});

describe("パスワード変更 dialog", () => {
  it("has three password inputs for the browser's password handling, and states the rules", async () => {
    await openDialog();
    expect([current(), next(), confirm()].map((i) => i.type)).toEqual(["password", "password", "password"]);
    expect([current(), next(), confirm()].map((i) => i.getAttribute("autocomplete"))).toEqual([
      "current-password",
      "new-password",
      "new-password",
    ]);
    const text = $("#password-dialog").textContent ?? "";
    expect(text).toContain("12文字以上");
    expect(text).toContain("職員IDを含む");
    expect(text).toContain("よく使われている");
    expect(document.activeElement).toBe(current());
    expect($("#password-error").hidden).toBe(true);
    expect($("#password-done").hidden).toBe(true);
  });

  it("catches a mismatch of the new password without calling Rust", async () => {
    const { invoke } = await openDialog();
    fill(PASSWORD, NEW, `${NEW}x`);
    $("#password-submit").click();
    await m.app!.idle();
    expect(changeCalls(invoke)).toEqual([]);
    expect($("#password-error").hidden).toBe(false);
    expect($("#password-error").textContent).toBe("新しいパスワードが確認用の入力と一致しません。もう一度入力してください");
    expect(invalid(confirm())).toBe(true);
    expect(invalid(next())).toBe(false);
    expect(document.activeElement).toBe(confirm());

    // An empty current password is caught too.
    fill("", NEW);
    key(confirm(), "Enter");
    await m.app!.idle();
    expect(changeCalls(invoke)).toEqual([]);
    expect($("#password-error").textContent).toBe("現在のパスワードを入力してください");
    expect(invalid(current())).toBe(true);
    expect(invalid(confirm())).toBe(false);
  });

  it("sends exactly the current and the new password, says so, and empties the fields", async () => {
    const { backend, invoke } = await openDialog();
    fill(PASSWORD, NEW);
    $("#password-submit").click();
    await m.app!.idle();
    expect(changeCalls(invoke)).toEqual([{ change: { current_password: PASSWORD, new_password: NEW } }]);
    expect(Object.keys((changeCalls(invoke)[0] as { change: object }).change).sort()).toEqual([
      "current_password",
      "new_password",
    ]);
    expect(backend.changedPasswords.get("S1")).toBe(NEW);
    expect($("#password-done").hidden).toBe(false);
    expect($("#password-done").textContent).toBe("パスワードを変更しました");
    expect($("#password-error").hidden).toBe(true);
    expect([current().value, next().value, confirm().value]).toEqual(["", "", ""]);
    expect($("#password-cancel").textContent).toBe("閉じる");
    expect(document.activeElement).toBe($("#password-cancel"));
    // Still logged in.
    expect(m.root.querySelector("#staff-name")).not.toBeNull();
  });

  it("moves on with Enter and submits from the last field", async () => {
    const { invoke } = await openDialog();
    current().value = PASSWORD;
    key(current(), "Enter");
    expect(document.activeElement).toBe(next());
    next().value = NEW;
    key(next(), "Enter");
    expect(document.activeElement).toBe(confirm());
    expect(changeCalls(invoke)).toEqual([]);
    confirm().value = NEW;
    key(confirm(), "Enter");
    await m.app!.idle();
    expect(changeCalls(invoke)).toHaveLength(1);
    expect($("#password-done").hidden).toBe(false);
  });

  it.each([
    ["PASSWORD_TOO_SHORT", { field: "new_password" }, "パスワードは12文字以上にしてください", "password-new"],
    ["PASSWORD_TOO_LONG", { field: "new_password" }, "パスワードは128文字以下にしてください", "password-new"],
    ["PASSWORD_TOO_COMMON", { field: "new_password" }, "よく使われているパスワードや推測しやすいパスワードは使えません", "password-new"],
    ["PASSWORD_CONTAINS_ID", { field: "new_password" }, "パスワードに職員IDを含めないでください", "password-new"],
    ["PASSWORD_UNCHANGED", { field: "new_password" }, "新しいパスワードが現在のパスワードと同じです。別のパスワードにしてください", "password-new"],
    ["PASSWORD_CURRENT_WRONG", { field: "current_password" }, "現在のパスワードが正しくありません", "password-current"],
    // From the service, without details: the field follows from the code.
    ["PASSWORD_CURRENT_WRONG", {}, "現在のパスワードが正しくありません", "password-current"],
    ["PASSWORD_CHANGE_ONLINE_ONLY", {}, "パスワードの変更は中央サービスに接続しているときだけできます", null],
    ["AUTH_THROTTLED", { wait_seconds: "30" }, "ログインの失敗が続いたため、30秒後にもう一度お試しください", null],
    ["AUTH_LOCKED", {}, "このアカウントはロックされています。監督者に解除を依頼してください", null],
  ] as const)("shows %s (%j) in the dialog and marks the field it names", async (code, details, message, fieldId) => {
    const backend = new FakeBackend(loggedIn("S1"));
    backend.failures.set("changePassword", apiError(code, { ...details }));
    const { invoke } = await openDialog(backend);
    fill(PASSWORD, NEW);
    $("#password-submit").click();
    await m.app!.idle();
    expect(changeCalls(invoke)).toHaveLength(1);
    expect($("#password-error").hidden).toBe(false);
    expect($("#password-error").textContent).toBe(message);
    expect($("#password-error").getAttribute("data-error-code")).toBe(code);
    const marked = [current(), next(), confirm()].filter(invalid).map((i) => i.id);
    expect(marked).toEqual(fieldId ? [fieldId] : []);
    if (fieldId) expect(document.activeElement).toBe(input(fieldId));
    expect($("#password-done").hidden).toBe(true);
    expect(($("#password-submit") as HTMLButtonElement).disabled).toBe(false);
    // The dialog stays open; the error banner is not used.
    expect(m.root.querySelector("#password-dialog")).not.toBeNull();
    expect($("#error-banner").hidden).toBe(true);
  });

  it("gets the policy refusals from the backend with the field it names", async () => {
    const { invoke } = await openDialog();
    fill(PASSWORD, "short");
    $("#password-submit").click();
    await m.app!.idle();
    expect($("#password-error").textContent).toBe("パスワードは12文字以上にしてください");
    expect(invalid(next())).toBe(true);

    fill("wrong password", NEW);
    $("#password-submit").click();
    await m.app!.idle();
    expect(changeCalls(invoke)).toHaveLength(2);
    expect($("#password-error").textContent).toBe("現在のパスワードが正しくありません");
    expect(invalid(current())).toBe(true);
    expect(invalid(next())).toBe(false);
  });

  it("shows the errors in English on request", async () => {
    await openDialog();
    fill(PASSWORD, NEW, "different");
    $("#password-submit").click();
    await m.app!.idle();
    $("#lang-toggle").click();
    expect($("#password-error").textContent).toBe("The new password and its confirmation do not match. Type them again");
    expect($("#password-submit").textContent).toBe("Change");
  });

  it("clears every password from the page when closed, by the button or Escape", async () => {
    for (const close of [() => $("#password-cancel").click(), () => key(confirm(), "Escape")]) {
      await openDialog();
      fill(PASSWORD, NEW, NEW);
      const inputs = [current(), next(), confirm()];
      close();
      expect(m.root.querySelector("#password-dialog")).toBeNull();
      expect(inputs.map((i) => i.value)).toEqual(["", "", ""]);
      expect(document.querySelectorAll("input[type=password]")).toHaveLength(0);
      expect(document.activeElement).toBe($("#search-input"));
      m.app!.destroy();
      m.app = null;
    }
  });

  it("clears the passwords when the session ends under it", async () => {
    const backend = new FakeBackend(loggedIn("S1"));
    await openDialog(backend);
    fill(PASSWORD, NEW);
    const inputs = [current(), next(), confirm()];
    backend.failures.set("changePassword", apiError("NOT_LOGGED_IN"));
    backend.expireSession();
    $("#password-submit").click();
    await m.app!.idle();
    expect(m.root.querySelector("#password-dialog")).toBeNull();
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect(inputs.map((i) => i.value)).toEqual(["", "", ""]);
  });
});

describe("IPC wrapper for the password", () => {
  it("passes the change as Tauri expects", async () => {
    const calls: [string, unknown][] = [];
    const api = createApi(async (cmd, args) => {
      calls.push([cmd, args]);
      return null;
    });
    await api.changePassword({ current_password: "a", new_password: "b" });
    expect(calls).toEqual([["change_password", { change: { current_password: "a", new_password: "b" } }]]);
  });
});
