// Which screen to show: the status Rust returns decides between the failed-store
// screen, the login and the reception screen (or #no-access).

import type { AppStatus } from "../generated/AppStatus";
import { ht } from "../dom";
import type { AppContext } from "./context";
import { refreshSync } from "./polling";
import { showLogin } from "./screens/login";
import { showMain } from "./screens/reception";
import { showStoreFailed } from "./screens/storeFailed";

/** Ask Rust for the status and show the screen it calls for. */
export async function boot(ctx: AppContext): Promise<void> {
  if (!ctx.state.status) ctx.setScreen(ht("p", { class: "loading" }, "app.loading"));
  applyStatus(ctx, await ctx.api.appStatus());
}

/** Show the screen a status calls for (it also sets what the role may do). */
export function applyStatus(ctx: AppContext, st: AppStatus): void {
  const state = ctx.state;
  state.status = st;
  state.allowed = new Set(st.allowed_actions);
  ctx.demoBadge.hidden = !st.demo_mode;
  ctx.syncBar.setEnrollAllowed(state.allowed.has("enroll_terminal"));
  void refreshSync(ctx);
  if (st.store.kind === "failed") {
    showStoreFailed(ctx, st, st.store.error);
  } else if (!st.staff) {
    showLogin(ctx, st);
  } else {
    void ctx.run(() => showMain(ctx));
  }
}
