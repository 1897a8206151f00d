// Numbers, times and labels for display.

import type { Role } from "./generated/Role";
import type { SessionView } from "./generated/SessionView";
import { getLang, t, type MsgKey } from "./i18n";

/** ts-rs types 64-bit integers as bigint; over IPC they arrive as numbers. */
export function num(v: bigint | number | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return Number(v);
}

export function groupDigits(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function yen(n: number): string {
  return t("common.yen", { amount: groupDigits(n) });
}

const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** RFC 3339 (any offset, any fraction length) → the same instant as a Date whose UTC fields are Japan time. */
function toJst(rfc3339: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    rfc3339.trim(),
  );
  if (!m) return null;
  const [, y, mo, d, hh, mm, ss, off] = m;
  let utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mm), Number(ss ?? 0));
  if (off && off.toUpperCase() !== "Z") {
    const sign = off.startsWith("-") ? -1 : 1;
    const digits = off.slice(1).replace(":", "");
    utc -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  } else if (!off) {
    // No offset: already Japan time.
    utc -= JST_OFFSET_MS;
  }
  return new Date(utc + JST_OFFSET_MS);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** RFC 3339 (any offset, any fraction length) → "HH:MM" in Japan time. */
export function timeJst(rfc3339: string): string {
  const jst = toJst(rfc3339);
  if (!jst) return "--:--";
  return `${pad(jst.getUTCHours())}:${pad(jst.getUTCMinutes())}`;
}

/** RFC 3339 → "YYYY-MM-DD HH:MM:SS" in Japan time (the audit log's 処理日時). */
export function dateTimeJst(rfc3339: string): string {
  const jst = toJst(rfc3339);
  if (!jst) return rfc3339;
  const date = `${jst.getUTCFullYear()}-${pad(jst.getUTCMonth() + 1)}-${pad(jst.getUTCDate())}`;
  return `${date} ${pad(jst.getUTCHours())}:${pad(jst.getUTCMinutes())}:${pad(jst.getUTCSeconds())}`;
}

/** A 12-digit 個人番号 in groups of four ("1234 5678 9012"); anything else as given. */
export function myNumberGroups(digits: string): string {
  return /^\d{12}$/.test(digits) ? digits.replace(/(\d{4})(?=\d)/g, "$1 ") : digits;
}

/** The message key of a staff role (受付, 所属長, …). */
export function roleKey(role: Role): MsgKey {
  return `role.${role}`;
}

/** 「令和8年11月24日 09:00–11:30 みなと市保健センター」 */
export function sessionLabel(s: SessionView): string {
  return `${s.date_wareki} ${s.start_time}–${s.end_time} ${s.venue_name}`;
}

/** Code points of 外字 (private use areas) in a name, as "U+E000". */
export function privateUseCodes(name: string): string[] {
  const out: string[] = [];
  for (const ch of name) {
    const cp = ch.codePointAt(0) ?? 0;
    const pua = (cp >= 0xe000 && cp <= 0xf8ff) || cp >= 0xf0000;
    if (pua) out.push(`U+${cp.toString(16).toUpperCase().padStart(4, "0")}`);
  }
  return out;
}

/** A programme's name in the current language. */
export function programmeLabel(p: { name_ja: string; name_en: string }): string {
  return getLang() === "en" ? p.name_en : p.name_ja;
}
