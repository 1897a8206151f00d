import { describe, expect, it } from "vitest";
import { classifyInput, looksLikeVoucher, stripVoucher } from "../src/search";

describe("search box input classification", () => {
  it("treats half-width digits as a voucher number and keeps the raw text to send", () => {
    expect(classifyInput("01234567")).toEqual({ kind: "voucher", raw: "01234567", digits: "01234567" });
  });

  it("treats full-width digits (an IME left on) as a voucher number", () => {
    const r = classifyInput("０１２３４５６７");
    expect(r).toEqual({ kind: "voucher", raw: "０１２３４５６７", digits: "01234567" });
  });

  it("accepts spaces (including U+3000), hyphens and a scanner's trailing CR/LF in a voucher", () => {
    expect(classifyInput(" 1234 5678\r\n").kind).toBe("voucher");
    expect(classifyInput("1234\u30005678").kind).toBe("voucher");
    expect(classifyInput("１２３４－５６７８").kind).toBe("voucher");
    expect(stripVoucher("1234ー5678")).toBe("12345678");
  });

  it("treats kana as a name search, with the birth date when given", () => {
    expect(classifyInput("ヤマダ ハナコ", " S47.5.10 ")).toEqual({
      kind: "kana",
      kana: "ヤマダ ハナコ",
      birthDate: "S47.5.10",
    });
    expect(classifyInput("やまだ")).toEqual({ kind: "kana", kana: "やまだ", birthDate: null });
  });

  it("sends mixed digits and letters or kana to the kana search (Rust then says what is wrong)", () => {
    expect(classifyInput("12ab").kind).toBe("kana");
    expect(classifyInput("ヤマダ1").kind).toBe("kana");
    expect(classifyInput("１２あ").kind).toBe("kana");
    expect(looksLikeVoucher("S30.4.1")).toBe(false);
  });

  it("ignores an empty box (a stray Enter)", () => {
    expect(classifyInput("")).toEqual({ kind: "empty" });
    expect(classifyInput(" \u3000 ")).toEqual({ kind: "empty" });
  });
});
