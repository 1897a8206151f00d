import { beforeEach, describe, expect, it, vi } from "vitest";
import { errorMessage, toApiError } from "../src/errors";
import { dictionaries, initLang, setLang } from "../src/i18n";
import { apiError } from "./fixtures";

beforeEach(() => initLang(null));

describe("error messages", () => {
  it("puts details into the Japanese message", () => {
    expect(errorMessage(apiError("ALREADY_CHECKED_IN", { reception_no: "12", visit_id: "V-9" }))).toBe(
      "この方は受付済みです（受付番号 12）",
    );
    expect(errorMessage(apiError("RESET_WOULD_LOSE_EVENTS", { pending: "4" }))).toBe(
      "未送信の記録が4件あるため初期化できません。先に同期してください",
    );
    expect(errorMessage(apiError("STORE_SCHEMA_TOO_NEW", { found: "9", known: "3" }))).toContain("形式 9");
  });

  it("has the exact wording staff were promised", () => {
    expect(errorMessage(apiError("VOUCHER_NOT_FOUND"))).toBe(
      "受診券番号が見つかりません。番号を確認するか、カナと生年月日で検索してください。",
    );
    expect(errorMessage(apiError("INVALID_KANA_QUERY"))).toBe("カナで入力してください");
    expect(errorMessage(apiError("INVALID_DATE"))).toBe(
      "生年月日を読み取れません（例：S30.4.1、昭和30年4月1日、1955-04-01）",
    );
    expect(errorMessage(apiError("STORE_KEY_MISSING", {}, true))).toBe(
      "ローカルデータの暗号鍵がOSの資格情報ストアに見つかりません。",
    );
  });

  it("names the programme and translates field and action names", () => {
    const ctx = { programmeName: (c: string) => (c === "53" ? "胃がん検診" : undefined) };
    expect(errorMessage(apiError("OVERRIDE_REASON_REQUIRED", { programme: "53" }), ctx)).toBe(
      "胃がん検診は対象外です。受診を認める理由を入力してください",
    );
    // An unknown programme code is shown as the code.
    expect(errorMessage(apiError("STOP_REASON_REQUIRED", { programme: "99" }), ctx)).toBe("99の中止理由を入力してください");
    expect(errorMessage(apiError("FIELD_REQUIRED", { field: "name_kana" }))).toBe("フリガナを入力してください");
    expect(errorMessage(apiError("FIELD_TOO_LONG", { field: "reason", max: "200" }))).toBe("理由が長すぎます（200文字まで）");
    expect(errorMessage(apiError("FORBIDDEN", { action: "cancel_visit" }))).toBe("この役割では「受付の取消」はできません");
  });

  it("falls back to a generic message that shows the code", () => {
    expect(errorMessage(apiError("SOMETHING_NEW"))).toBe("エラーが発生しました（コード：SOMETHING_NEW）");
    setLang("en");
    expect(errorMessage(apiError("SOMETHING_NEW"))).toBe("Something went wrong (code SOMETHING_NEW)");
  });

  it("speaks English when English is chosen", () => {
    setLang("en");
    expect(errorMessage(apiError("ALREADY_CHECKED_IN", { reception_no: "7" }))).toBe(
      "This person is already checked in (No. 7)",
    );
    expect(errorMessage(apiError("FIELD_REQUIRED", { field: "address" }))).toBe("Enter the address");
  });

  it("turns whatever a rejected invoke carries into an ApiError", () => {
    const quiet = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(toApiError({ code: "VISIT_CANCELLED", message: "m", details: { a: 1 }, needs_reset: false })).toEqual({
      code: "VISIT_CANCELLED",
      message: "m",
      details: { a: "1" },
      needs_reset: false,
    });
    expect(toApiError("command check_in not found").code).toBe("IPC_FAILED");
    expect(toApiError(new Error("boom")).code).toBe("UI_ERROR");
    expect(toApiError(undefined).code).toBe("IPC_FAILED");
    quiet.mockRestore();
  });

  it("has a message in both languages for every login, supervision and 個人番号 code", () => {
    const codes = [
      "AUTH_FAILED",
      "AUTH_THROTTLED",
      "AUTH_LOCKED",
      "AUTH_DISABLED",
      "AUTH_OFFLINE_GRACE_EXPIRED",
      "AUTH_CLOCK_ROLLBACK",
      "ALREADY_LOGGED_IN",
      "FIELD_REQUIRED",
      "NOT_LOGGED_IN",
      "FORBIDDEN",
      "STAFF_NOT_FOUND",
      "MY_NUMBER_NOT_PERMITTED",
      "MY_NUMBER_ONLINE_ONLY",
      "MY_NUMBER_NOT_ON_FILE",
      "MY_NUMBER_OUT_OF_SCOPE",
      "MY_NUMBER_RATE_LIMITED",
      "UNLOCK_NOT_PERMITTED",
      "AUTHENTICATOR_NOT_FOUND",
      "AUTHENTICATOR_TIMEOUT",
      "AUTHENTICATOR_NOT_RECOGNISED",
      "AUTHENTICATOR_FAILED",
      "IDENTITY_NO_AUTHENTICATOR",
      "IDENTITY_PROOF_REQUIRED",
      "IDENTITY_WRONG_PERSON",
      "IDENTITY_ASSERTION_INVALID",
      "IDENTITY_CHALLENGE_EXPIRED",
      "IDENTITY_CHALLENGE_USED",
      "IDENTITY_COUNTER_REGRESSED",
      "IDENTITY_CREDENTIAL_UNKNOWN",
      "REASON_REQUIRED",
      "RESIDENT_UNKNOWN",
      "DATE_INVALID",
      "NOT_DEMO",
    ];
    for (const code of codes) {
      const k = `err.${code}` as keyof typeof dictionaries.ja;
      expect(dictionaries.ja[k], code).toBeTruthy();
      expect(dictionaries.en[k], code).toBeTruthy();
    }
    for (const action of ["unlock_account", "view_audit_log", "view_my_number", "enroll_terminal", "reset_local_cache"]) {
      expect(errorMessage(apiError("FORBIDDEN", { action }))).not.toContain(action);
    }
  });

  it("gives the login refusals the promised wording, with their details", () => {
    expect(errorMessage(apiError("AUTH_FAILED"))).toBe("職員IDまたはパスワードが正しくありません");
    expect(errorMessage(apiError("AUTH_THROTTLED", { wait_seconds: "120" }))).toBe(
      "ログインの失敗が続いたため、120秒後にもう一度お試しください",
    );
    expect(errorMessage(apiError("AUTH_LOCKED"))).toBe("このアカウントはロックされています。監督者に解除を依頼してください");
    expect(errorMessage(apiError("AUTH_OFFLINE_GRACE_EXPIRED", { grace_days: "7" }))).toBe(
      "最後のオンラインでのログインから7日を過ぎたため、ネットワークに接続してログインしてください",
    );
    expect(errorMessage(apiError("AUTH_CLOCK_ROLLBACK"))).toBe("端末の時計が過去に戻っています。管理者に連絡してください");
    expect(errorMessage(apiError("NOT_LOGGED_IN"))).toBe("ログインしてください");
    expect(errorMessage(apiError("FIELD_REQUIRED", { field: "password" }))).toBe("パスワードを入力してください");
    setLang("en");
    expect(errorMessage(apiError("AUTH_THROTTLED", { wait_seconds: "120" }))).toContain("120 seconds");
    expect(errorMessage(apiError("AUTH_OFFLINE_GRACE_EXPIRED", { grace_days: "7" }))).toContain("7 days");
  });
});
