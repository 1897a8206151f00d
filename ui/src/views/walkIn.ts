// 「当日受付（名簿にない方）」: register a person who is not on the roster as
// provisional (仮登録). Rust parses the birth date (和暦 accepted) and checks it all.

import type { ApiError } from "../generated/ApiError";
import type { Sex } from "../generated/Sex";
import type { WalkInRequest } from "../generated/WalkInRequest";
import { clientError } from "../errors";
import { field, h, ht, options } from "../dom";
import type { MsgKey } from "../i18n";
import { openModal } from "./modal";
import type { DialogHandle } from "./dialogs";

export interface WalkInFields {
  nameKanji: string;
  nameKana: string;
  sex: string;
  birthDate: string;
  postalCode: string;
  address: string;
  phone: string;
}

export type WalkInBuilt = { ok: true; value: WalkInRequest } | { ok: false; error: ApiError; field: string };

const SEXES: readonly Sex[] = ["female", "male", "unknown"];

/** The request, or the first required field left empty (same order as the form). */
export function buildWalkIn(f: WalkInFields): WalkInBuilt {
  const required: [string, string][] = [
    ["name_kanji", f.nameKanji],
    ["name_kana", f.nameKana],
    ["sex", f.sex],
    ["birth_date", f.birthDate],
    ["address", f.address],
  ];
  for (const [name, value] of required) {
    if (value.trim() === "") return { ok: false, error: clientError("FIELD_REQUIRED", { field: name }), field: name };
  }
  if (!(SEXES as readonly string[]).includes(f.sex)) {
    return { ok: false, error: clientError("FIELD_REQUIRED", { field: "sex" }), field: "sex" };
  }
  return {
    ok: true,
    value: {
      // Names exactly as typed (Rust trims surrounding spaces only).
      name_kanji: f.nameKanji,
      name_kana: f.nameKana,
      sex: f.sex as Sex,
      birth_date: f.birthDate.trim(),
      postal_code: f.postalCode.trim(),
      address: f.address.trim(),
      phone: f.phone.trim(),
    },
  };
}

export function openWalkInDialog(
  host: HTMLElement,
  handlers: {
    onSubmit(req: WalkInRequest): void;
    onInvalid(err: ApiError, field: string): void;
    onClose(): void;
  },
): DialogHandle {
  const input = (id: string, attrs: Record<string, string> = {}) =>
    h("input", { id, type: "text", autocomplete: "off", ...attrs });
  const nameKanji = input("walkin-name-kanji", { maxlength: "60", lang: "ja" });
  nameKanji.classList.add("name-kanji");
  const nameKana = input("walkin-name-kana", { maxlength: "60", lang: "ja" });
  const sex = h("select", { id: "walkin-sex" });
  sex.appendChild(ht("option", { value: "" }, "walkin.sexChoose"));
  options(sex, SEXES, (s): MsgKey => `sex.${s}`);
  sex.value = "";
  const birth = input("walkin-birth", { maxlength: "30" });
  const postal = input("walkin-postal", { maxlength: "8", inputmode: "numeric" });
  const address = input("walkin-address", { maxlength: "200" });
  const phone = input("walkin-phone", { maxlength: "20", inputmode: "tel" });
  const controls: Record<string, HTMLElement> = {
    name_kanji: nameKanji,
    name_kana: nameKana,
    sex,
    birth_date: birth,
    postal_code: postal,
    address,
    phone,
  };

  const back = ht("button", { type: "button", class: "secondary modal-back" }, "common.back");
  const save = ht("button", { type: "button", id: "walkin-submit", class: "primary" }, "walkin.submit");

  const submit = () => {
    if (save.disabled) return;
    for (const c of Object.values(controls)) c.removeAttribute("aria-invalid");
    const built = buildWalkIn({
      nameKanji: nameKanji.value,
      nameKana: nameKana.value,
      sex: sex.value,
      birthDate: birth.value,
      postalCode: postal.value,
      address: address.value,
      phone: phone.value,
    });
    if (!built.ok) {
      controls[built.field]?.setAttribute("aria-invalid", "true");
      handlers.onInvalid(built.error, built.field);
      return;
    }
    handlers.onSubmit(built.value);
  };
  save.addEventListener("click", submit);
  for (const c of Object.values(controls)) {
    c.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.isComposing && c === phone) {
        e.preventDefault();
        submit();
      }
    });
  }

  const modal = openModal(host, {
    id: "walkin-dialog",
    titleKey: "walkin.title",
    body: [
      ht("p", { class: "dialog-note" }, "walkin.note"),
      h(
        "div",
        { class: "form-grid walkin-grid" },
        field("walkin.nameKanji", nameKanji),
        field("walkin.nameKana", nameKana),
        field("walkin.sex", sex),
        field("walkin.birth", birth),
        field("walkin.postal", postal),
        field("walkin.address", address, "wide"),
        field("walkin.phone", phone),
      ),
      h("div", { class: "actions" }, back, save),
    ],
    onSubmit: submit,
    onClose: handlers.onClose,
  });
  back.addEventListener("click", () => modal.close());
  nameKanji.focus();
  return {
    modal,
    setBusy(busy) {
      save.disabled = busy;
    },
    focusField(f) {
      const c = f ? controls[f] : undefined;
      (c ?? nameKanji).focus();
    },
  };
}
