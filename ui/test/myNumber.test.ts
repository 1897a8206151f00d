import { describe, expect, it, vi } from "vitest";
import { STATUS_POLL_MS, startApp } from "../src/app";
import { myNumberGroups } from "../src/format";
import { $, FakeBackend, apiError, key, loggedIn, memoryStorage } from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();

const NUMBER = "123456789012";
const SHOWN = "1234 5678 9012";

/** Logged in with the permission, the card of R-1 open, the dialog open. */
async function openDialog(backend = new FakeBackend(loggedIn("S1", { my_number_permission: true }))) {
  m.app = startApp(m.root, backend, { storage: memoryStorage() });
  await m.app!.idle();
  ($("#search-input") as HTMLInputElement).value = "01234567";
  key($("#search-input"), "Enter");
  await m.app!.idle();
  expect($("#card-my-number").textContent).toBe("個人番号を表示");
  $("#card-my-number").click();
  return backend;
}

const reason = () => $("#my-number-reason") as HTMLInputElement;

function pageHoldsNumber(): boolean {
  const text = document.body.textContent ?? "";
  return text.includes(NUMBER) || text.includes(SHOWN);
}

describe("個人番号 dialog", () => {
  it("asks for the 処理事由 before calling Rust", async () => {
    const backend = await openDialog();
    expect(m.root.querySelector("#my-number-dialog")).not.toBeNull();
    expect(document.activeElement).toBe(reason());
    expect($("#my-number-dialog").textContent).toContain("処理事由");
    $("#my-number-submit").click();
    reason().value = "   ";
    key(reason(), "Enter");
    await m.app!.idle();
    expect(backend.callsOf("viewMyNumber")).toEqual([]);
    expect($("#my-number-error").hidden).toBe(false);
    expect($("#my-number-error").textContent).toBe("理由を入力してください");
    expect(document.activeElement).toBe(reason());
  });

  it("shows the number in groups of four with the note, and erases it on close", async () => {
    const backend = await openDialog();
    reason().value = "税務課からの照会";
    $("#my-number-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("viewMyNumber")).toEqual([["R-1", "税務課からの照会"]]);
    expect($("#my-number-value").textContent).toBe(SHOWN);
    expect($("#my-number-dialog").textContent).toContain("この表示は記録されています。画面を閉じると消去されます");
    expect(document.activeElement).toBe($("#my-number-close"));
    // Ctrl+Enter does not ask again once it is shown.
    key($("#my-number-dialog"), "Enter", { ctrlKey: true });
    await m.app!.idle();
    expect(backend.callsOf("viewMyNumber")).toHaveLength(1);

    const value = $("#my-number-value");
    $("#my-number-close").click();
    expect(m.root.querySelector("#my-number-dialog")).toBeNull();
    expect(m.root.querySelector("#my-number-value")).toBeNull();
    expect(value.textContent).toBe("");
    expect(pageHoldsNumber()).toBe(false);
    expect(document.activeElement).toBe($("#search-input"));
  });

  it("erases the number when closed with Escape", async () => {
    await openDialog();
    reason().value = "本人確認";
    key(reason(), "Enter");
    await m.app!.idle();
    expect(pageHoldsNumber()).toBe(true);
    key($("#my-number-close"), "Escape");
    expect(m.root.querySelector("#my-number-dialog")).toBeNull();
    expect(pageHoldsNumber()).toBe(false);
  });

  it("erases the number when the session ends by idle timeout", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const backend = await openDialog();
    reason().value = "本人確認";
    key(reason(), "Enter");
    await m.app!.idle();
    expect(pageHoldsNumber()).toBe(true);
    backend.expireSession();
    vi.advanceTimersByTime(STATUS_POLL_MS);
    await m.app!.idle();
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect(m.root.querySelector("#my-number-dialog")).toBeNull();
    expect(pageHoldsNumber()).toBe(false);
  });

  it("drops a number that arrives after the dialog was closed", async () => {
    const backend = new FakeBackend(loggedIn("S1", { my_number_permission: true }));
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => (release = r));
    const view = backend.viewMyNumber.bind(backend);
    backend.viewMyNumber = async (id, why) => {
      await slow;
      return view(id, why);
    };
    await openDialog(backend);
    reason().value = "本人確認";
    key(reason(), "Enter");
    $("#my-number-cancel").click();
    release();
    await m.app!.idle();
    expect(m.root.querySelector("#my-number-dialog")).toBeNull();
    expect(pageHoldsNumber()).toBe(false);
  });

  it.each([
    ["MY_NUMBER_ONLINE_ONLY", "個人番号は中央サーバーに接続しているときだけ表示できます"],
    ["MY_NUMBER_NOT_ON_FILE", "この方の個人番号は登録されていません"],
    ["MY_NUMBER_NOT_PERMITTED", "個人番号を表示する権限がありません"],
    ["RESIDENT_UNKNOWN", "中央サーバーにこの方の記録がありません"],
  ])("shows %s in the dialog and keeps it open", async (code, message) => {
    const backend = new FakeBackend(loggedIn("S1", { my_number_permission: true }));
    backend.failures.set("viewMyNumber", apiError(code));
    await openDialog(backend);
    reason().value = "本人確認";
    $("#my-number-submit").click();
    await m.app!.idle();
    expect($("#my-number-error").textContent).toBe(message);
    expect($("#my-number-error").getAttribute("data-error-code")).toBe(code);
    expect(m.root.querySelector("#my-number-value")?.textContent ?? "").toBe("");
    expect(($("#my-number-submit") as HTMLButtonElement).disabled).toBe(false);
  });

  it("goes back to the login if Rust says nobody is logged in", async () => {
    const backend = new FakeBackend(loggedIn("S1", { my_number_permission: true }));
    await openDialog(backend);
    backend.failures.set("viewMyNumber", apiError("NOT_LOGGED_IN"));
    backend.expireSession();
    reason().value = "本人確認";
    $("#my-number-submit").click();
    await m.app!.idle();
    expect(m.root.querySelector("#my-number-dialog")).toBeNull();
    expect(m.root.querySelector("#login-form")).not.toBeNull();
  });

  it("groups only a 12-digit number", () => {
    expect(myNumberGroups(NUMBER)).toBe(SHOWN);
    expect(myNumberGroups("12345")).toBe("12345");
  });
});
