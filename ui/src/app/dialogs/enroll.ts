// 端末登録 (#enroll-dialog, opened by #enroll-open in the sync bar; demo state,
// administrators only): the central service's address and the enrollment code go
// to Rust. On success the store starts over: the returned status shows the login.

import type { AppStatus } from "../../generated/AppStatus";
import { clientError, toApiError } from "../../errors";
import { enrollErrorField, openEnrollDialog } from "../../views/enroll";
import type { AppContext } from "../context";
import { refreshSync } from "../polling";
import { beginDialog, dialogClosed } from "./shared";

export function openEnroll(ctx: AppContext): void {
  if (ctx.syncBar.current()?.state !== "demo" || !ctx.state.allowed.has("enroll_terminal")) return;
  beginDialog(ctx);
  const dlg = openEnrollDialog(ctx.root, {
    onSubmit: (serviceUrl, code) => {
      dlg.showError(null);
      const missing = serviceUrl.trim() === "" ? "service_url" : code.trim() === "" ? "enrollment_code" : null;
      if (missing) {
        dlg.showError(clientError("FIELD_REQUIRED", { field: missing }));
        dlg.focusField(missing);
        return;
      }
      dlg.setBusy(true);
      void ctx.run(async () => {
        let next: AppStatus;
        try {
          next = await ctx.api.enrollTerminal(serviceUrl, code);
        } catch (e) {
          const err = toApiError(e);
          void refreshSync(ctx);
          if (err.needs_reset || err.code === "STORE_UNAVAILABLE" || ctx.state.modal !== dlg) {
            // The store changed under us, or staff closed the dialog meanwhile.
            if (ctx.state.modal === dlg) ctx.closeModal();
            ctx.handleError(err);
            return;
          }
          dlg.setBusy(false);
          dlg.showError(err);
          dlg.focusField(enrollErrorField(err));
          return;
        }
        if (ctx.state.modal === dlg) ctx.closeModal();
        ctx.banner.clear();
        ctx.applyStatus(next);
      });
    },
    onClose: () => dialogClosed(ctx),
  });
  ctx.state.modal = dlg;
}
