// 認証器の登録 (#register-dialog), from the login screen of an enrolled terminal:
// nobody is logged in (a person without an authenticator cannot log in yet), so
// the dialog talks to Rust directly and, when it closes, focus goes back to the
// login form.

import { toApiError } from "../../errors";
import { openRegisterDialog } from "../../views/registerKey";
import type { AppContext } from "../context";

export function openRegister(ctx: AppContext, onClosed: () => void): void {
  ctx.closeModal();
  ctx.banner.clear();
  const dlg = openRegisterDialog(ctx.root, {
    onSubmit: (request) => {
      dlg.setBusy(true);
      void ctx.run(async () => {
        try {
          const done = await ctx.api.registerAuthenticator(request);
          if (ctx.state.modal === dlg) dlg.showDone(done);
        } catch (e) {
          if (ctx.state.modal !== dlg) return;
          dlg.setBusy(false);
          dlg.showError(toApiError(e));
        }
      });
    },
    onClose: () => {
      ctx.state.modal = null;
      onClosed();
    },
  });
  ctx.state.modal = dlg;
}
