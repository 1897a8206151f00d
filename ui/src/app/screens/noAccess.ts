// #no-access: the reception screen for a role with none of its work (an
// administrator). Administrators also get the reset of this terminal's store here
// (beside the enrollment in the sync bar).

import type { AppStatus } from "../../generated/AppStatus";
import { ht } from "../../dom";
import { renderAdminReset } from "../../views/adminReset";
import { startsOver, type AppContext } from "../context";
import { refreshStatus } from "../polling";
import { confirmReset } from "../reset";

export function showNoAccess(ctx: AppContext, st: AppStatus): void {
  ctx.state.main = null;
  const noAccess = ht("p", { id: "no-access", class: "no-access" }, "noAccess");
  if (ctx.state.allowed.has("reset_local_cache")) {
    // Administrators: beside the enrollment (sync bar), the reset of this terminal's store.
    const reset = renderAdminReset(st.reset_word, (typed) => {
      reset.showError(null);
      confirmReset(ctx, st, typed, {
        setBusy: (on) => reset.setBusy(on),
        onRefused: (err) => {
          if (startsOver(err)) {
            ctx.handleError(err);
            return;
          }
          reset.showError(err);
          reset.focus();
          // Refused: the unsent count (and anything else) as it is now.
          void ctx.run(() => refreshStatus(ctx));
        },
      });
    });
    ctx.setScreen(noAccess, reset.el);
  } else {
    ctx.setScreen(noAccess);
  }
}
