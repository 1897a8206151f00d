// The failed-store screen (#store-failed): why the local store cannot be opened and,
// when only a reset helps, the confirmed reset.

import type { ApiError } from "../../generated/ApiError";
import type { AppStatus } from "../../generated/AppStatus";
import { clear } from "../../dom";
import { renderStoreFailed } from "../../views/startup";
import type { AppContext } from "../context";
import { confirmReset } from "../reset";

export function showStoreFailed(ctx: AppContext, st: AppStatus, error: ApiError): void {
  ctx.state.main = null;
  ctx.state.cardView = null;
  clear(ctx.headerSlot);
  const view = renderStoreFailed(error, st.reset_word, (typed) =>
    confirmReset(ctx, st, typed, {
      onRefused: (err) => {
        ctx.banner.show(err);
        view.resetInput?.focus();
      },
    }),
  );
  ctx.setScreen(view.el);
  view.resetInput?.focus();
}
