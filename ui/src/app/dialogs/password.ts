// パスワード変更 (#password-dialog): any logged-in role changes their own password
// (Rust checks the role, the policy, and that the service is reachable).

import { toApiError } from "../../errors";
import { openPasswordDialog } from "../../views/password";
import type { AppContext } from "../context";
import { beginDialog, dialogClosed, dialogFailed } from "./shared";

export function openPassword(ctx: AppContext): void {
  const state = ctx.state;
  if (!state.allowed.has("change_own_password")) return;
  beginDialog(ctx);
  const dlg = openPasswordDialog(ctx.root, {
    onSubmit: (change) => {
      dlg.setBusy(true);
      void ctx.run(async () => {
        try {
          await ctx.api.changePassword(change);
          if (state.modal === dlg) dlg.showDone();
        } catch (e) {
          if (state.modal === dlg) dialogFailed(ctx, dlg, toApiError(e), (err) => dlg.showError(err));
        } finally {
          if (state.modal === dlg) dlg.setBusy(false);
        }
      });
    },
    onClose: () => dialogClosed(ctx),
  });
  state.modal = dlg;
}
