// The window, wired together: the state (app/state.ts) and the shell and shared
// helpers (app/context.ts), the routing between the store-failed, login and
// reception screens (app/router.ts, app/screens/*), the reception screen's search,
// card and attendance (app/reception/*), the dialogs (app/dialogs/*), the keyboard
// rules (app/keyboard.ts) and the polling (app/polling.ts). The search box gets
// focus back after every action, so the next scan always lands in it. While
// someone is logged in the status is polled, so a session Rust ended after
// inactivity goes straight back to the login screen.

import type { Api } from "./api";
import { clear, relocalize } from "./dom";
import { initLang, onLangChange } from "./i18n";
import { createContext, type AppContext, type AppOptions } from "./app/context";
import { openAudit } from "./app/dialogs/audit";
import { openEnroll } from "./app/dialogs/enroll";
import { openExport } from "./app/dialogs/export";
import { openMyNumber } from "./app/dialogs/myNumber";
import { openPassword } from "./app/dialogs/password";
import { openCancel, openCorrection, openWalkIn } from "./app/dialogs/visits";
import { listenGlobalKeys } from "./app/keyboard";
import { startPolling } from "./app/polling";
import { applyStatus, boot } from "./app/router";
import { createState } from "./app/state";

export type { AppOptions } from "./app/context";
export { STATUS_POLL_MS, SYNC_POLL_MS } from "./app/polling";

export interface AppHandle {
  /** Resolves once every call the window started has settled (for tests). */
  idle(): Promise<void>;
  destroy(): void;
}

export function startApp(root: HTMLElement, api: Api, opts: AppOptions = {}): AppHandle {
  initLang(opts.storage ?? null);

  const state = createState();
  const ctx: AppContext = createContext(root, api, opts, state, {
    boot: () => boot(ctx),
    applyStatus: (st) => applyStatus(ctx, st),
    dialogs: {
      openCancel: (visit) => openCancel(ctx, visit),
      openCorrection: (visit, card) => openCorrection(ctx, visit, card),
      openWalkIn: () => openWalkIn(ctx),
      openEnroll: () => openEnroll(ctx),
      openAudit: () => openAudit(ctx),
      openExport: () => openExport(ctx),
      openPassword: () => openPassword(ctx),
      openMyNumber: (who) => openMyNumber(ctx, who),
    },
  });
  const offLang = onLangChange(() => relocalize(root));
  const stopPolling = startPolling(ctx);
  const offKeys = listenGlobalKeys(ctx);

  void ctx.run(ctx.boot);

  return {
    idle: () => ctx.idle(),
    destroy() {
      state.destroyed = true;
      stopPolling();
      state.screenCleanup?.();
      state.screenCleanup = null;
      offKeys();
      offLang();
      ctx.closeModal();
      clear(root);
    },
  };
}
