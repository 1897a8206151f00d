// What every dialog opener does alike: opening (any other dialog closes, the banner
// and the notice clear), closing (focus back to the search box), and a failed call
// (start over when the session or the store is gone, else the dialog says why).

import type { ApiError } from "../../generated/ApiError";
import type { DialogHandle } from "../../views/dialogs";
import { startsOver, type AppContext } from "../context";
import { hideNotice } from "../reception/notices";

/** Before a dialog opens: close the one open, clear the banner and the notice. */
export function beginDialog(ctx: AppContext): void {
  ctx.closeModal();
  ctx.banner.clear();
  hideNotice(ctx);
}

/** A dialog closed itself. */
export function dialogClosed(ctx: AppContext): void {
  ctx.state.modal = null;
  ctx.focusSearch();
}

/** A dialog's call failed: the window starts over if the session or store is gone, else the dialog says why. */
export function dialogFailed(ctx: AppContext, dlg: DialogHandle, err: ApiError, show: (err: ApiError) => void): void {
  if (startsOver(err)) {
    if (ctx.state.modal === dlg) ctx.closeModal();
    ctx.handleError(err);
    return;
  }
  show(err);
}
