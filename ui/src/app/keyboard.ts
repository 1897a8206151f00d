// The keyboard rules. Anywhere: Ctrl/Cmd+Enter submits the open dialog or the card's
// check-in, Escape clears the search (a second Escape closes the results and the
// card), and a digit typed outside an input goes to the search box (a scanner
// "types" the voucher number). In the search box: Enter searches or opens the
// highlighted result, ↑/↓ move the highlight. Keys the IME is converting are left
// alone; a number it commits is looked up at once.

import { isEditable } from "../dom";
import { classifyInput } from "../search";
import type { AppContext } from "./context";
import { closeCard, openResident } from "./reception/card";
import { hideNotice } from "./reception/notices";
import { doSearch } from "./reception/search";

/** The window's keydown rule (on document). */
export function onGlobalKey(ctx: AppContext, e: KeyboardEvent): void {
  const state = ctx.state;
  if (e.isComposing || e.keyCode === 229) return;
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    if (state.modal) {
      e.preventDefault();
      state.modal.modal.submit();
    } else if (state.cardView?.submit()) {
      e.preventDefault();
    }
    return;
  }
  if (state.modal || !state.main) return;
  if (e.key === "Escape") {
    e.preventDefault();
    escape(ctx);
    return;
  }
  // A scanner "types" digits: if focus is on a button, checkbox or nothing, the
  // digits belong in the search box.
  const si = state.main.searchInput;
  if (si && /^[0-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey && !isEditable(document.activeElement)) {
    si.focus();
    si.select();
  }
}

/** Listen for the window's keys on document; returns what stops listening. */
export function listenGlobalKeys(ctx: AppContext): () => void {
  const onKey = (e: KeyboardEvent) => onGlobalKey(ctx, e);
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}

/** Escape on the reception screen: clear the boxes; when they were empty, the results and the card go too. */
function escape(ctx: AppContext): void {
  const state = ctx.state;
  ctx.banner.clear();
  hideNotice(ctx);
  const m = state.main;
  if (!m) return;
  const hasText = (m.searchInput?.value ?? "") !== "" || (m.birthInput?.value ?? "") !== "";
  if (m.searchInput) m.searchInput.value = "";
  if (m.birthInput) m.birthInput.value = "";
  if (!hasText) {
    m.results?.render(null);
    state.resultsQuery = null;
    closeCard(ctx);
  }
  ctx.focusSearch();
}

/** The search box's keys: Enter searches (or opens the highlighted result of this same search), ↑/↓ move. */
export function onSearchKey(ctx: AppContext, e: KeyboardEvent): void {
  if (e.isComposing || e.keyCode === 229) return; // the IME is converting kana
  const state = ctx.state;
  const m = state.main;
  if (!m?.searchInput || !m.results) return;
  if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    const active = m.results.active();
    const same =
      state.resultsQuery !== null &&
      state.resultsQuery.text === m.searchInput.value &&
      state.resultsQuery.birth === (m.birthInput?.value ?? "");
    if (same && active) openResident(ctx, active, "search");
    else doSearch(ctx);
  } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    if (m.results.count() > 0) {
      e.preventDefault();
      m.results.move(e.key === "ArrowDown" ? 1 : -1);
    }
  }
}

/**
 * A scanner typing through a Japanese IME: its Enter only commits the (full-width)
 * digits, so a committed number is looked up right away.
 */
export function onSearchComposed(ctx: AppContext, searchInput: HTMLInputElement): void {
  if (classifyInput(searchInput.value).kind === "voucher") doSearch(ctx);
}

/** The birth-date box: Enter searches. */
export function onBirthKey(ctx: AppContext, e: KeyboardEvent): void {
  if (e.isComposing || e.keyCode === 229) return;
  if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    doSearch(ctx);
  }
}
