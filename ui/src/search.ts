// What the search box's text is: a voucher number (typed or scanned) or a name in
// kana. Mirrors `looks_like_voucher` in Rust (uketsuke-core/src/voucher.rs), which
// does the real normalisation: the raw text is what gets sent.

export type SearchInput =
  | { kind: "empty" }
  | { kind: "voucher"; raw: string; digits: string }
  | { kind: "kana"; kana: string; birthDate: string | null };

/** Hyphens, dashes, minus signs and the long-vowel mark an IME may produce for "-". */
const HYPHEN_LIKE = /[-\u2010-\u2015\u2212\u30fc\u30a0]/gu;
const WHITESPACE = /\s/gu;

/** NFKC (full-width ０-９ → 0-9), then whitespace and hyphen-like separators dropped. */
export function stripVoucher(text: string): string {
  return text.normalize("NFKC").replace(WHITESPACE, "").replace(HYPHEN_LIKE, "");
}

export function looksLikeVoucher(text: string): boolean {
  return /^[0-9]+$/.test(stripVoucher(text));
}

export function classifyInput(text: string, birth = ""): SearchInput {
  if (text.replace(WHITESPACE, "") === "") return { kind: "empty" };
  if (looksLikeVoucher(text)) return { kind: "voucher", raw: text, digits: stripVoucher(text) };
  const b = birth.trim();
  return { kind: "kana", kana: text.trim(), birthDate: b === "" ? null : b };
}
