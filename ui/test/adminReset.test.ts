import { describe, expect, it } from "vitest";
import { $, FakeBackend, apiError, key, loggedIn } from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();

const word = () => $("#admin-reset-word") as HTMLInputElement;
const error = () => $("#admin-reset-error");

describe("端末のデータを初期化 (administrators)", () => {
  it("is shown to an administrator only", async () => {
    for (const [st, expected] of [
      [loggedIn("S1"), false],
      [loggedIn("S2"), false],
      [loggedIn("S3"), false],
      [loggedIn("S4", { allowed_actions: ["enroll_terminal", "change_own_password"] }), false],
      [loggedIn("S4"), true],
    ] as const) {
      await m.start(new FakeBackend(st));
      expect(m.root.querySelector("#admin-reset-section") !== null, st.staff?.staff_id).toBe(expected);
      expect(m.root.querySelector("#admin-reset-submit") !== null).toBe(expected);
      m.app!.destroy();
      m.app = null;
    }
  });

  it("explains what happens and asks for the word from the status", async () => {
    await m.start(new FakeBackend(loggedIn("S4")));
    const text = $("#admin-reset-section").textContent ?? "";
    expect(text).toContain("端末のデータを初期化");
    expect(text).toContain("暗号化したまま");
    expect(text).toContain("名簿を中央サーバーから取得し直します");
    expect(text).toContain("まだ送信していない記録があるときは初期化できません");
    expect($("label[for=admin-reset-word]").textContent).toBe("確認のため「RESET」と入力してください");
    expect($("#admin-reset-submit").textContent).toBe("初期化する");
    expect(error().hidden).toBe(true);
    // Beside it: the no-access note and the enrollment in the sync bar.
    expect(m.root.querySelector("#no-access")).not.toBeNull();
    expect($("#enroll-open").hidden).toBe(false);
  });

  it("refuses a wrong word in the section, and shows Rust's RESET_NOT_CONFIRMED", async () => {
    const backend = new FakeBackend(loggedIn("S4"));
    await m.start(backend);
    word().value = "reset";
    $("#admin-reset-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("resetLocalCache")).toEqual([]);
    expect(error().hidden).toBe(false);
    expect(error().textContent).toBe("確認の文字が一致しません。表示されたとおりに入力してください");
    expect(error().getAttribute("data-error-code")).toBe("RESET_NOT_CONFIRMED");
    expect(word().getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(word());
    expect(m.root.querySelector("#staff-name")).not.toBeNull();

    // Rust has the last word: its refusal shows the same way.
    backend.failures.set("resetLocalCache", apiError("RESET_NOT_CONFIRMED"));
    word().value = "RESET";
    key(word(), "Enter");
    await m.app!.idle();
    expect(backend.callsOf("resetLocalCache")).toEqual([["RESET"]]);
    expect(error().textContent).toBe("確認の文字が一致しません。表示されたとおりに入力してください");
    expect(m.root.querySelector("#admin-reset-section")).not.toBeNull();
    expect(m.root.querySelector("#login-form")).toBeNull();
  });

  it("is refused while unsent records exist, with their number", async () => {
    const backend = new FakeBackend(loggedIn("S4", { pending_events: 3n }));
    await m.start(backend);
    word().value = "RESET";
    $("#admin-reset-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("resetLocalCache")).toEqual([["RESET"]]);
    expect(error().textContent).toBe("未送信の記録が3件あるため初期化できません。先に同期してください");
    expect(error().getAttribute("data-error-code")).toBe("RESET_WOULD_LOSE_EVENTS");
    expect(word().getAttribute("aria-invalid")).toBe("false");
    expect(($("#admin-reset-submit") as HTMLButtonElement).disabled).toBe(false);
    expect(m.root.querySelector("#staff-name")).not.toBeNull();
    expect($("#pending-count").textContent).toBe("未送信 3件");
  });

  it("shows FORBIDDEN by its action name", async () => {
    const backend = new FakeBackend(loggedIn("S4"));
    backend.failures.set("resetLocalCache", apiError("FORBIDDEN", { action: "reset_local_cache" }));
    await m.start(backend);
    word().value = "RESET";
    $("#admin-reset-submit").click();
    await m.app!.idle();
    expect(error().textContent).toBe("この役割では「ローカルキャッシュの初期化」はできません");
  });

  it("resets, and the window follows the returned status to the login", async () => {
    const backend = new FakeBackend(loggedIn("S4"));
    await m.start(backend);
    word().value = " RESET ";
    $("#admin-reset-submit").click();
    await m.app!.idle();
    expect(backend.callsOf("resetLocalCache")).toEqual([[" RESET "]]);
    expect(m.root.querySelector("#admin-reset-section")).toBeNull();
    expect(m.root.querySelector("#login-form")).not.toBeNull();
    expect(m.root.querySelector("#staff-name")).toBeNull();
    expect(m.root.querySelector("#password-open")).toBeNull();
    expect($("#enroll-open").hidden).toBe(true);
    expect($("#error-banner").hidden).toBe(true);
  });

  it("reads in English on request", async () => {
    await m.start(new FakeBackend(loggedIn("S4")));
    $("#lang-toggle").click();
    expect($("#admin-reset-title").textContent).toBe("Reset this terminal’s data");
    expect($("#admin-reset-submit").textContent).toBe("Reset");
  });
});
