// The resident's card on the reception screen and the check-in from it: open it
// (from a voucher, the results or a walk-in just registered), show it again after a
// change, close it, and what follows a check-in (the last check-in line, empty
// boxes). A card asked for before the session changed or another card was asked
// for is dropped.

import type { IdentityMethod } from "../../generated/IdentityMethod";
import type { ResidentCard } from "../../generated/ResidentCard";
import type { ResidentSummary } from "../../generated/ResidentSummary";
import type { VisitView } from "../../generated/VisitView";
import { clear } from "../../dom";
import { clientError, toApiError } from "../../errors";
import { renderCard } from "../../views/card";
import type { AppContext } from "../context";
import type { OpenedVia } from "../state";
import { refreshAfterWrite } from "./attendance";
import { hideNotice } from "./notices";

export function openResident(ctx: AppContext, r: ResidentSummary, via: OpenedVia): void {
  if (!ctx.state.allowed.has("view_resident")) return;
  void ctx.run(() => loadCard(ctx, r.resident_id, via));
}

export async function loadCard(ctx: AppContext, residentId: string, via: OpenedVia): Promise<void> {
  const state = ctx.state;
  const sid = state.sessionId;
  if (!sid) {
    ctx.banner.show(clientError("SESSION_NOT_FOUND"));
    return;
  }
  const seq = ++state.cardSeq;
  const card = await ctx.api.residentCard(residentId, sid);
  if (seq !== state.cardSeq || sid !== state.sessionId) return;
  showCard(ctx, card, via);
}

function showCard(ctx: AppContext, card: ResidentCard, via: OpenedVia): void {
  const state = ctx.state;
  const m = state.main;
  if (!m) return;
  const identity: IdentityMethod = via === "walkin" ? "verbal" : "voucher_only";
  const view = renderCard(
    card,
    { allowed: state.allowed, identity, myNumberPermission: state.status?.my_number_permission === true },
    {
      onCheckIn: (req) => {
        view.setBusy(true);
        void ctx.run(async () => {
          try {
            const visit = await ctx.api.checkIn(req);
            checkedIn(ctx, visit);
          } catch (e) {
            view.setBusy(false);
            const err = toApiError(e);
            ctx.handleError(err);
            // Someone else (or a double scan) already checked them in: show that.
            if (err.code === "ALREADY_CHECKED_IN") await loadCard(ctx, card.summary.resident_id, via);
            return;
          }
          await refreshAfterWrite(ctx);
        });
      },
      onInvalid: (err) => {
        ctx.banner.show(err);
        ctx.focusSearch();
      },
      onCorrect: () => {
        if (card.visit) ctx.dialogs.openCorrection(card.visit, card);
      },
      onClose: () => {
        closeCard(ctx);
        ctx.focusSearch();
      },
      onMyNumber: () => ctx.dialogs.openMyNumber(card.summary),
    },
  );
  state.cardView = view;
  clear(m.cardSlot);
  m.cardSlot.appendChild(view.el);
  // The card takes the space of the result list and the last confirmation
  // (both come back when it closes).
  m.root.classList.add("card-open");
  // Keep the search box in view above the card.
  m.cardSlot.parentElement?.scrollTo?.({ top: 0 });
  ctx.focusSearch();
}

export function closeCard(ctx: AppContext): void {
  const state = ctx.state;
  state.cardSeq++;
  state.lastVoucher = null;
  state.cardView = null;
  if (state.main) {
    clear(state.main.cardSlot);
    state.main.root.classList.remove("card-open");
  }
}

/** If the card on screen is this resident's, show it again (visit state changed). */
export function reloadCardFor(ctx: AppContext, residentId: string): void {
  if (ctx.state.cardView?.card.summary.resident_id === residentId) {
    const via: OpenedVia = "search";
    void ctx.run(() => loadCard(ctx, residentId, via));
  }
}

function checkedIn(ctx: AppContext, visit: VisitView): void {
  const state = ctx.state;
  const m = state.main;
  ctx.banner.clear();
  hideNotice(ctx);
  closeCard(ctx);
  if (!m) return;
  m.setLast(visit);
  if (m.searchInput) m.searchInput.value = "";
  if (m.birthInput) m.birthInput.value = "";
  m.results?.render(null);
  state.resultsQuery = null;
  ctx.focusSearch();
}
