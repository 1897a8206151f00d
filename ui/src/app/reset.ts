// The confirmed reset of this terminal's store (the failed-store screen, and
// administrators on a healthy store): the typed word is checked here first, then
// Rust resets and the status it returns is the next screen (the login: a reset ends
// every session).

import type { ApiError } from "../generated/ApiError";
import type { AppStatus } from "../generated/AppStatus";
import { clientError, toApiError } from "../errors";
import type { AppContext } from "./context";

export interface ResetCallbacks {
  onRefused(err: ApiError): void;
  setBusy?(busy: boolean): void;
}

export function confirmReset(ctx: AppContext, st: AppStatus, typed: string, on: ResetCallbacks): void {
  if (typed.trim() !== st.reset_word) {
    on.onRefused(clientError("RESET_NOT_CONFIRMED"));
    return;
  }
  on.setBusy?.(true);
  void ctx.run(async () => {
    let next: AppStatus;
    try {
      next = await ctx.api.resetLocalCache(typed);
    } catch (e) {
      on.setBusy?.(false);
      on.onRefused(toApiError(e));
      return;
    }
    ctx.banner.clear();
    ctx.applyStatus(next);
  });
}
