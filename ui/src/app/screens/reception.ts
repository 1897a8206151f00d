// The reception screen: the header's session picker and menu, the search (box,
// birth date, results), the resident's card, the last check-in and, on the right,
// the session's counts and visit list. What happens on it lives beside it:
// ../reception/search.ts, card.ts, attendance.ts and notices.ts, ../keyboard.ts.

import type { Action } from "../../generated/Action";
import { clear, h, ht, trAttr } from "../../dom";
import { defaultSession, renderHeaderMain } from "../../views/header";
import { createResults, type ResultsView } from "../../views/results";
import type { AppContext } from "../context";
import { onBirthKey, onSearchComposed, onSearchKey } from "../keyboard";
import { refreshAttendance } from "../reception/attendance";
import { closeCard, openResident } from "../reception/card";
import { createNotices } from "../reception/notices";
import { doSearch } from "../reception/search";
import { showNoAccess } from "./noAccess";

/** The reception screen's work; a role with none of it (an administrator) sees #no-access. */
const RECEPTION_ACTIONS: readonly Action[] = ["search_residents", "register_walk_in", "view_attendance"];

export async function showMain(ctx: AppContext): Promise<void> {
  const { api, state } = ctx;
  const st = state.status;
  if (!st) return;
  state.sessions = state.allowed.has("view_attendance") ? await api.listSessions() : null;
  if (!state.sessions?.some((s) => s.session_id === state.sessionId)) {
    state.sessionId = state.sessions ? (defaultSession(state.sessions, st.today)?.session_id ?? null) : null;
  }
  state.cardView = null;
  state.resultsQuery = null;

  const headerView = renderHeaderMain(st, state.sessions, state.sessionId, {
    onSession: (id) => changeSession(ctx, id),
    onLogout: () => {
      void ctx.run(async () => {
        const next = await api.logout();
        ctx.banner.clear();
        ctx.applyStatus(next);
      });
    },
    onAudit: () => ctx.dialogs.openAudit(),
    onPassword: () => ctx.dialogs.openPassword(),
    onExport: () => ctx.dialogs.openExport(),
  });
  clear(ctx.headerSlot);
  ctx.headerSlot.appendChild(headerView.el);

  if (!RECEPTION_ACTIONS.some((a) => state.allowed.has(a))) {
    showNoAccess(ctx, st);
    return;
  }

  const { lastBox, setLast, notice, setNotice } = createNotices();
  const cardSlot = h("div", { id: "card-slot", class: "card-slot" });

  let searchInput: HTMLInputElement | null = null;
  let birthInput: HTMLInputElement | null = null;
  let results: ResultsView | null = null;
  const left = h("section", { class: "reception-col", "aria-label": "reception" });
  left.append(lastBox, notice);

  if (state.allowed.has("search_residents")) {
    searchInput = h("input", {
      id: "search-input",
      class: "search-input",
      type: "text",
      autocomplete: "off",
      spellcheck: "false",
      role: "combobox",
      "aria-controls": "results",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      lang: "ja",
    });
    trAttr(searchInput, "placeholder", "search.placeholder");
    birthInput = h("input", {
      id: "birth-input",
      class: "birth-input",
      type: "text",
      autocomplete: "off",
      spellcheck: "false",
    });
    trAttr(birthInput, "placeholder", "search.birthPlaceholder");
    const searchButton = ht("button", { id: "search-submit", type: "button", class: "primary" }, "search.submit");
    const bar = h(
      "div",
      { class: "search-bar" },
      h("div", { class: "field search-field" }, ht("label", { for: "search-input" }, "search.label"), searchInput),
      h("div", { class: "field birth-field" }, ht("label", { for: "birth-input" }, "search.birthLabel"), birthInput),
      searchButton,
    );
    const hintRow = h("div", { class: "hint-row" }, ht("p", { class: "hint" }, "search.hint"));
    if (state.allowed.has("register_walk_in")) {
      hintRow.appendChild(walkInButton(ctx));
    }
    // Stays at the top of the column while the card scrolls under it.
    left.append(h("div", { class: "search-area" }, bar, hintRow));
    const si = searchInput;
    const bi = birthInput;
    results = createResults(si, (r) => openResident(ctx, r, "search"));
    left.appendChild(results.el);

    si.addEventListener("keydown", (e) => onSearchKey(ctx, e));
    si.addEventListener("compositionend", () => onSearchComposed(ctx, si));
    bi.addEventListener("keydown", (e) => onBirthKey(ctx, e));
    searchButton.addEventListener("click", () => {
      doSearch(ctx);
      ctx.focusSearch();
    });
  } else if (state.allowed.has("register_walk_in")) {
    left.appendChild(walkInButton(ctx));
  }
  left.appendChild(cardSlot);

  let countsEl: HTMLElement | null = null;
  let visitListEl: HTMLElement | null = null;
  const right = h("aside", { class: "attendance-col" });
  if (state.allowed.has("view_attendance")) {
    countsEl = h("section", { id: "counts", class: "panel counts", "aria-live": "polite" });
    visitListEl = h("section", { id: "visit-list", class: "panel visit-list" });
    right.append(countsEl, visitListEl);
  }

  const grid = h("div", { class: "main-grid" }, left, right);
  state.main = {
    root: grid,
    header: headerView,
    searchInput,
    birthInput,
    results,
    cardSlot,
    lastBox,
    setLast,
    notice,
    setNotice,
    counts: countsEl,
    visitList: visitListEl,
  };
  ctx.setScreen(grid);
  ctx.focusSearch();
  await refreshAttendance(ctx);
}

/** #walkin-open (a walk-in, not on the roster): opens the walk-in dialog. */
function walkInButton(ctx: AppContext): HTMLButtonElement {
  const walkIn = ht("button", { id: "walkin-open", type: "button", class: "secondary walkin-open" }, "walkin.open");
  walkIn.addEventListener("click", () => ctx.dialogs.openWalkIn());
  return walkIn;
}

/** Another session picked in the header: the card and the results go, the attendance is the new session's. */
export function changeSession(ctx: AppContext, id: string): void {
  const state = ctx.state;
  state.sessionId = id;
  state.main?.header.setSession(ctx.currentSession());
  closeCard(ctx);
  state.main?.results?.render(null);
  state.resultsQuery = null;
  ctx.banner.clear();
  ctx.focusSearch();
  void ctx.run(() => refreshAttendance(ctx));
}
