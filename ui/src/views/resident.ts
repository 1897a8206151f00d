// Pieces shared by the result list and the card: names, sex, birth date.

import type { Sex } from "../generated/Sex";
import type { MsgKey } from "../i18n";
import { h } from "../dom";

export function sexKey(sex: Sex): MsgKey {
  return `sex.${sex}`;
}

/**
 * The kanji name exactly as stored: one text node, no normalisation, in the
 * name font stack (IVS and 外字 need the CJK/IPAmj fonts).
 */
export function nameKanji(r: { name_kanji: string }, cls: string, id?: string): HTMLElement {
  return h("span", { class: `name-kanji ${cls}`.trim(), id, lang: "ja" }, r.name_kanji);
}

export function nameKana(r: { name_kana: string }, cls: string, id?: string): HTMLElement {
  return h("span", { class: `name-kana ${cls}`.trim(), id, lang: "ja" }, r.name_kana);
}
