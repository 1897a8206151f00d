import { afterEach, describe, expect, it } from "vitest";
import { dictionaries, getLang, initLang, placeholders, setLang, t, toggleLang } from "../src/i18n";
import { memoryStorage } from "./fixtures";

afterEach(() => initLang(null));

describe("i18n", () => {
  it("has exactly the same keys in Japanese and English", () => {
    const ja = Object.keys(dictionaries.ja).sort();
    const en = Object.keys(dictionaries.en).sort();
    expect(en).toEqual(ja);
    expect(ja.length).toBeGreaterThan(100);
  });

  it("uses the same placeholders in both languages, and no message is empty", () => {
    for (const k of Object.keys(dictionaries.ja) as (keyof typeof dictionaries.ja)[]) {
      expect(placeholders(dictionaries.en[k]), k).toEqual(placeholders(dictionaries.ja[k]));
      expect(dictionaries.ja[k].trim(), k).not.toBe("");
      expect(dictionaries.en[k].trim(), k).not.toBe("");
    }
  });

  it("defaults to Japanese and remembers the choice of English", () => {
    const store = memoryStorage();
    expect(initLang(store)).toBe("ja");
    expect(t("header.logout")).toBe("ログアウト");
    toggleLang();
    expect(getLang()).toBe("en");
    expect(store.data["uketsuke.lang"]).toBe("en");
    expect(t("header.logout")).toBe("Log out");
    expect(initLang(store)).toBe("en");
    expect(document.documentElement.lang).toBe("en");
  });

  it("fills placeholders", () => {
    setLang("ja");
    expect(t("header.pending", { count: 3 })).toBe("未送信 3件");
    expect(t("elig.too_young", { age: 38, min: 40 })).toBe("対象年齢未満（38歳／40歳以上）");
  });
});
