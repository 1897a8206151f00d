// The reception's writes in a dialog: 「取消」 (cancel a visit, with a reason),
// 「訂正」 (correct a visit) and the walk-in registration. On success the dialog
// closes, the notice says so and the card and the attendance are shown afresh; on
// a refusal the dialog stays open with the error on the field it is about.

import type { ApiError } from "../../generated/ApiError";
import type { ResidentCard } from "../../generated/ResidentCard";
import type { ResidentSummary } from "../../generated/ResidentSummary";
import type { VisitView } from "../../generated/VisitView";
import { clientError, toApiError } from "../../errors";
import { num } from "../../format";
import { openCancelDialog, openCorrectionDialog, type DialogHandle } from "../../views/dialogs";
import { openWalkInDialog } from "../../views/walkIn";
import type { AppContext } from "../context";
import { refreshStatus, refreshSync } from "../polling";
import { refreshAfterWrite } from "../reception/attendance";
import { loadCard, reloadCardFor } from "../reception/card";
import { showNotice } from "../reception/notices";
import type { NoticeKey } from "../state";
import { beginDialog, dialogClosed } from "./shared";

/** Which walk-in field a Rust error is about. */
function walkInField(err: ApiError): string | undefined {
  if (err.details.field) return err.details.field;
  if (["INVALID_DATE", "DATE_OUTSIDE_ERA", "BIRTH_DATE_OUT_OF_RANGE"].includes(err.code)) return "birth_date";
  if (["INVALID_KANA_QUERY", "EMPTY_KANA_QUERY"].includes(err.code)) return "name_kana";
  return undefined;
}

export function openCancel(ctx: AppContext, visit: VisitView): void {
  beginDialog(ctx);
  const dlg: DialogHandle = openCancelDialog(ctx.root, visit, {
    onConfirm: (reason) => {
      if (reason.trim() === "") {
        ctx.banner.show(clientError("REASON_REQUIRED"));
        dlg.focusField();
        return;
      }
      submitVisitDialog(ctx, dlg, () => ctx.api.cancelVisit(visit.visit_id, reason), "cancel.done");
    },
    onClose: () => dialogClosed(ctx),
  });
  ctx.state.modal = dlg;
}

/** Send a dialog's write; on success close it, say so, refresh; on failure keep it open with the error. */
function submitVisitDialog(
  ctx: AppContext,
  dlg: DialogHandle,
  write: () => Promise<VisitView>,
  noticeKey: NoticeKey,
): void {
  dlg.setBusy(true);
  void ctx.run(async () => {
    try {
      const v = await write();
      ctx.banner.clear();
      if (ctx.state.modal === dlg) ctx.closeModal();
      showNotice(ctx, noticeKey, num(v.reception_no));
      reloadCardFor(ctx, v.resident_id);
    } catch (e) {
      dlg.setBusy(false);
      ctx.banner.show(toApiError(e));
      dlg.focusField();
      return;
    }
    await refreshAfterWrite(ctx);
  });
}

export function openCorrection(ctx: AppContext, visit: VisitView, card: ResidentCard): void {
  beginDialog(ctx);
  const dlg: DialogHandle = openCorrectionDialog(ctx.root, visit, card, {
    onSubmit: (req) => {
      submitVisitDialog(ctx, dlg, () => ctx.api.correctVisit(req), "correct.done");
    },
    onInvalid: (err, field) => {
      ctx.banner.show(err);
      dlg.focusField(field);
    },
    onClose: () => dialogClosed(ctx),
  });
  ctx.state.modal = dlg;
}

export function openWalkIn(ctx: AppContext): void {
  beginDialog(ctx);
  const dlg: DialogHandle = openWalkInDialog(ctx.root, {
    onSubmit: (req) => {
      dlg.setBusy(true);
      void ctx.run(async () => {
        let r: ResidentSummary;
        try {
          r = await ctx.api.registerWalkIn(req);
        } catch (e) {
          dlg.setBusy(false);
          const err = toApiError(e);
          ctx.banner.show(err);
          dlg.focusField(walkInField(err));
          return;
        }
        ctx.banner.clear();
        if (ctx.state.modal === dlg) ctx.closeModal();
        await Promise.all([loadCard(ctx, r.resident_id, "walkin"), refreshStatus(ctx), refreshSync(ctx)]);
      });
    },
    onInvalid: (err, field) => {
      ctx.banner.show(err);
      dlg.focusField(field);
    },
    onClose: () => dialogClosed(ctx),
  });
  ctx.state.modal = dlg;
}
