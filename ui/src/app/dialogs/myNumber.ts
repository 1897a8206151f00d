// 個人番号を表示 (#my-number-dialog): only with the role's action and the staff
// member's permission (Rust checks both). The number is handed straight to the
// dialog; nothing here keeps it.

import type { ResidentSummary } from "../../generated/ResidentSummary";
import { clientError, toApiError } from "../../errors";
import { openMyNumberDialog } from "../../views/myNumber";
import type { AppContext } from "../context";
import { beginDialog, dialogClosed, dialogFailed } from "./shared";

export function openMyNumber(ctx: AppContext, who: ResidentSummary): void {
  const state = ctx.state;
  if (!state.allowed.has("view_my_number") || state.status?.my_number_permission !== true) return;
  beginDialog(ctx);
  const residentId = who.resident_id;
  const dlg = openMyNumberDialog(ctx.root, who, {
    onSubmit: (reason) => {
      dlg.showError(null);
      if (reason.trim() === "") {
        dlg.showError(clientError("REASON_REQUIRED"));
        dlg.focusField();
        return;
      }
      dlg.setBusy(true);
      void ctx.run(async () => {
        try {
          // Handed straight to the dialog; nothing here keeps it.
          const shown = await ctx.api.viewMyNumber(residentId, reason.trim());
          if (state.modal === dlg) dlg.showNumber(shown.my_number);
        } catch (e) {
          if (state.modal !== dlg) return;
          dlg.setBusy(false);
          dialogFailed(ctx, dlg, toApiError(e), (err) => {
            dlg.showError(err);
            dlg.focusField();
          });
        }
      });
    },
    onClose: () => dialogClosed(ctx),
  });
  state.modal = dlg;
}
