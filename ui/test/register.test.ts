import { describe, expect, it } from "vitest";
import { $, FakeBackend, PASSWORD, key, status } from "./fixtures";
import { mountEachTest } from "./harness";

const m = mountEachTest();
const input = (sel: string) => $(sel) as HTMLInputElement;
/** An enrolled terminal's login screen (no demo accounts). */
const enrolled = () => new FakeBackend(status({ staff: null, allowed_actions: [], demo_mode: false }));

function fill(id: string, password: string, code: string, label?: string) {
  input("#register-staff-id").value = id;
  input("#register-password").value = password;
  input("#register-code").value = code;
  if (label !== undefined) input("#register-label").value = label;
}

describe("registering an authenticator from the login screen", () => {
  it("is offered on an enrolled terminal only", async () => {
    await m.start(enrolled());
    expect($("#login-register-open").textContent).toBe("認証器を登録");
    m.app!.destroy();
    document.body.replaceChildren();
    m.root = document.createElement("div");
    document.body.appendChild(m.root);
    await m.start(new FakeBackend(status({ staff: null, allowed_actions: [] })));
    expect(m.root.querySelector("#login-register-open")).toBeNull();
  });

  it("sends the staff ID, password, code and name, tells the person to touch the key, and says what was registered", async () => {
    const backend = enrolled();
    let release: () => void = () => {};
    const touched = new Promise<void>((r) => (release = r));
    const register = backend.registerAuthenticator.bind(backend);
    backend.registerAuthenticator = async (req) => {
      await touched;
      return register(req);
    };
    await m.start(backend);
    $("#login-register-open").click();
    expect($("#register-dialog").getAttribute("role")).toBe("dialog");
    expect(document.activeElement).toBe($("#register-staff-id"));
    expect(input("#register-password").type).toBe("password");
    expect(input("#register-label").value).toBe("指紋認証キー");
    fill("S1", PASSWORD, "ABCD-EFGH-JKMN", "指紋キー（青）");
    key($("#register-label"), "Enter");
    // While the service waits for the key: the prompt, the secrets already out of the page.
    expect($("#register-busy").hidden).toBe(false);
    expect($("#register-busy").textContent).toBe("登録する認証器に指で触れてください…");
    expect(input("#register-password").value).toBe("");
    expect(input("#register-code").value).toBe("");
    expect(($("#register-submit") as HTMLButtonElement).disabled).toBe(true);
    release();
    await m.app!.idle();
    expect(backend.callsOf("registerAuthenticator")).toEqual([
      [{ staff_id: "S1", password: PASSWORD, invite_code: "ABCD-EFGH-JKMN", label: "指紋キー（青）" }],
    ]);
    expect($("#register-done").hidden).toBe(false);
    expect($("#register-done").textContent).toBe("指紋キー（青）（指紋認証キー（テスト））を登録しました。この認証器でログインできます。");
    expect($("#register-cancel").textContent).toBe("閉じる");
    // Closing goes back to the login form, nobody logged in.
    $("#register-cancel").click();
    expect(m.root.querySelector("#register-dialog")).toBeNull();
    expect(document.activeElement).toBe($("#login-staff-id"));
    expect(m.root.querySelector("#logout-button")).toBeNull();
  });

  it.each([
    ["a wrong code", "S1", PASSWORD, "WRONG-CODE", "REGISTRATION_REFUSED", "#register-code"],
    ["a wrong password", "S1", "not-the-password", "ABCD-EFGH-JKMN", "REGISTRATION_REFUSED", "#register-code"],
  ])("refuses %s by code, keeping the ID and asking again", async (_what, id, password, code, err, focused) => {
    const backend = enrolled();
    await m.start(backend);
    $("#login-register-open").click();
    fill(id, password, code);
    $("#register-submit").click();
    await m.app!.idle();
    expect($("#register-error").getAttribute("data-error-code")).toBe(err);
    expect($("#register-error").textContent).toBe(
      "登録コードまたはパスワードが正しくないか、登録コードが使用済みまたは期限切れです",
    );
    expect(document.activeElement).toBe($(focused));
    expect(input("#register-staff-id").value).toBe(id);
    expect(input("#register-password").value).toBe("");
    expect(($("#register-submit") as HTMLButtonElement).disabled).toBe(false);
    expect(backend.registered).toEqual([]);
  });

  it("says when no authenticator is plugged in", async () => {
    const backend = enrolled();
    backend.authenticatorOf = null;
    await m.start(backend);
    $("#login-register-open").click();
    fill("S1", PASSWORD, "ABCD-EFGH-JKMN");
    $("#register-submit").click();
    await m.app!.idle();
    expect($("#register-error").textContent).toBe(
      "認証器（指紋認証キーまたはWindows Hello）が見つかりません。キーを差し込んでからお試しください",
    );
  });

  it("asks for a missing field without calling Rust", async () => {
    const backend = enrolled();
    await m.start(backend);
    $("#login-register-open").click();
    fill("S1", PASSWORD, "");
    $("#register-submit").click();
    expect($("#register-error").textContent).toBe("登録コードを入力してください");
    expect($("#register-code").getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe($("#register-code"));
    await m.app!.idle();
    expect(backend.callsOf("registerAuthenticator")).toEqual([]);
  });

  it("empties the secrets when closed with Escape", async () => {
    await m.start(enrolled());
    $("#login-register-open").click();
    fill("S1", PASSWORD, "ABCD-EFGH-JKMN");
    const pw = input("#register-password");
    key($("#register-password"), "Escape");
    expect(m.root.querySelector("#register-dialog")).toBeNull();
    expect(pw.value).toBe("");
    expect(document.activeElement).toBe($("#login-staff-id"));
  });

  it("speaks English on request", async () => {
    await m.start(enrolled());
    $("#lang-toggle").click();
    $("#login-register-open").click();
    expect($("#register-dialog-title").textContent).toBe("Register an authenticator");
    expect($("#register-submit").textContent).toBe("Register");
  });
});
