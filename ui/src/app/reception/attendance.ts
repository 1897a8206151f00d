// The reception screen's right column: the session's counts (#counts) and visit
// list (#visit-list, with 「訂正」/「取消」), loaded for the chosen session, and
// refreshed with the status and the sync bar after every write.

import type { SessionCounts } from "../../generated/SessionCounts";
import type { VisitView } from "../../generated/VisitView";
import { fillCounts } from "../../views/counts";
import { fillVisitList, type VisitListHandlers } from "../../views/visitList";
import type { AppContext } from "../context";
import { refreshStatus, refreshSync } from "../polling";

export async function refreshAttendance(ctx: AppContext): Promise<void> {
  const state = ctx.state;
  const m = state.main;
  const sid = state.sessionId;
  if (!m || !m.counts || !m.visitList) return;
  const programmes = ctx.currentSession()?.programmes ?? [];
  if (!sid) {
    fillCounts(m.counts, null, programmes);
    fillVisitList(m.visitList, [], programmes, state.allowed, visitHandlers(ctx));
    return;
  }
  const seq = ++state.attendanceSeq;
  const [visits, counts]: [VisitView[], SessionCounts] = await Promise.all([
    ctx.api.listVisits(sid),
    ctx.api.sessionCounts(sid),
  ]);
  if (seq !== state.attendanceSeq || sid !== state.sessionId || m !== state.main) return;
  fillCounts(m.counts, counts, programmes);
  fillVisitList(m.visitList, visits, programmes, state.allowed, visitHandlers(ctx));
}

/** After a write: the list, the counts and the unsent count. */
export async function refreshAfterWrite(ctx: AppContext): Promise<void> {
  await Promise.all([refreshAttendance(ctx), refreshStatus(ctx), refreshSync(ctx)]);
  ctx.focusSearch();
}

/** The visit list's 「訂正」 (the card is fetched first) and 「取消」. */
function visitHandlers(ctx: AppContext): VisitListHandlers {
  return {
    onCorrect: (v: VisitView) => {
      if (!ctx.state.allowed.has("view_resident")) return;
      void ctx.run(async () => {
        const card = await ctx.api.residentCard(v.resident_id, v.session_id);
        ctx.dialogs.openCorrection(v, card);
      });
    },
    onCancel: (v: VisitView) => ctx.dialogs.openCancel(v),
  };
}
