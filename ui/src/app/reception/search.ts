// The search on the reception screen: a voucher number (scanned or typed) opens that
// resident's card; kana (with an optional birth date) lists the matches. A newer
// search drops the answer of an older one, and the same voucher scanned twice at
// once is looked up once.

import { classifyInput } from "../../search";
import type { AppContext } from "../context";
import { openResident } from "./card";
import { hideNotice } from "./notices";

/** The same voucher number again within this time is the same scan (IME commit + Enter). */
const VOUCHER_REPEAT_MS = 800;

export function doSearch(ctx: AppContext): void {
  const state = ctx.state;
  const m = state.main;
  if (!m?.searchInput || !m.results) return;
  const text = m.searchInput.value;
  const birth = m.birthInput?.value ?? "";
  const input = classifyInput(text, birth);
  ctx.banner.clear();
  hideNotice(ctx);
  if (input.kind === "empty") {
    m.results.render(null);
    state.resultsQuery = null;
    return;
  }
  if (input.kind === "voucher") {
    const now = Date.now();
    const last = state.lastVoucher;
    if (last && last.digits === input.digits && now - last.at < VOUCHER_REPEAT_MS) return;
    state.lastVoucher = { digits: input.digits, at: now };
  } else {
    state.lastVoucher = null;
  }
  const seq = ++state.searchSeq;
  void ctx.run(async () => {
    try {
      if (input.kind === "voucher") {
        const r = await ctx.api.lookupVoucher(input.raw);
        if (seq !== state.searchSeq) return;
        m.results?.render(null);
        state.resultsQuery = null;
        // The next scan replaces the number.
        m.searchInput?.select();
        openResident(ctx, r, "voucher");
      } else {
        const list = await ctx.api.searchResidents(input.kana, input.birthDate);
        if (seq !== state.searchSeq) return;
        m.results?.render(list);
        m.searchInput?.setAttribute("aria-expanded", String(list.length > 0));
        state.resultsQuery = { text, birth };
      }
    } catch (e) {
      if (seq !== state.searchSeq) return; // a newer scan already replaced this one
      m.searchInput?.select();
      throw e;
    }
  });
}
