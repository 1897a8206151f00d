// ApiError code → a message for staff, in the current language, with the
// error's details put in (a programme code becomes its name, a field its label).

import type { ApiError } from "./generated/ApiError";
import { getLang, isKey, t, type Lang, type Vars } from "./i18n";

export interface ErrorContext {
  /** Name of a programme by code, in the current language (e.g. 51 → 肺がん検診). */
  programmeName?: (code: string) => string | undefined;
}

/** Make an ApiError from anything a rejected invoke may carry. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && typeof (e as { code?: unknown }).code === "string") {
    const o = e as Partial<ApiError>;
    const details: Record<string, string> = {};
    if (o.details && typeof o.details === "object") {
      for (const [k, v] of Object.entries(o.details)) details[k] = String(v);
    }
    return {
      code: o.code as string,
      message: typeof o.message === "string" ? o.message : "",
      details,
      needs_reset: o.needs_reset === true,
    };
  }
  // A bug in the window itself.
  if (e instanceof Error) {
    console.error(e);
    return { code: "UI_ERROR", message: e.message, details: {}, needs_reset: false };
  }
  // A bare string: Tauri could not deliver the command (not a domain error).
  const message = typeof e === "string" ? e : "";
  return { code: "IPC_FAILED", message, details: {}, needs_reset: false };
}

/** A client-side error in the same shape as the ones Rust sends. */
export function clientError(code: string, details: Record<string, string> = {}): ApiError {
  return { code, message: "", details, needs_reset: false };
}

export function errorMessage(err: ApiError, ctx: ErrorContext = {}, lang: Lang = getLang()): string {
  const key = `err.${err.code}`;
  if (!isKey(key)) return t("err.generic", { code: err.code }, lang);
  const vars: Vars = { ...err.details };
  const programme = err.details.programme;
  if (programme !== undefined) vars.programme = ctx.programmeName?.(programme) ?? programme;
  const field = err.details.field;
  if (field !== undefined) {
    const fk = `field.${field}`;
    vars.field = isKey(fk) ? t(fk, undefined, lang) : field;
  }
  const action = err.details.action;
  if (action !== undefined) {
    const ak = `action.${action}`;
    vars.action = isKey(ak) ? t(ak, undefined, lang) : action;
  }
  return t(key, vars, lang);
}
