// The login screen: the form, its demo hints or the authenticator registration
// (../../loginScreen.ts) on #screen;
// a successful login shows what the returned status says, and the screen's
// background refresh stops when another screen replaces it.

import type { AppStatus } from "../../generated/AppStatus";
import { clear } from "../../dom";
import { createLoginScreen } from "../../loginScreen";
import type { AppContext } from "../context";
import { openRegister } from "../dialogs/register";

export function showLogin(ctx: AppContext, st: AppStatus): void {
  const state = ctx.state;
  state.main = null;
  state.cardView = null;
  state.sessionId = null;
  clear(ctx.headerSlot);
  const login = createLoginScreen(ctx.api, st, {
    track: ctx.track,
    onLoggedIn: (next) => {
      ctx.banner.clear();
      ctx.applyStatus(next);
    },
    onFailure: (err) => {
      ctx.banner.show(err);
      void ctx.run(ctx.boot);
    },
    onRegister: () => openRegister(ctx, () => login.focus()),
  });
  ctx.setScreen(login.el);
  state.screenCleanup = () => login.destroy();
  login.focus();
}
