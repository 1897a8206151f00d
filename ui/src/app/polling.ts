// The window's polling: the sync status for the sync bar (every SYNC_POLL_MS, and
// after every action), and the app status while someone is logged in (every
// STATUS_POLL_MS), so a session Rust ended after inactivity goes straight back to
// the login screen. A response older than the one already shown is dropped.

import type { SyncView } from "../generated/SyncView";
import { num } from "../format";
import type { AppContext } from "./context";

/** The sync bar's polling interval. */
export const SYNC_POLL_MS = 2000;

/** The status poll while logged in: notices an idle logout within this time. */
export const STATUS_POLL_MS = 15_000;

/** Show the SyncView a command returns, unless a newer one is already shown. */
export async function syncFrom(ctx: AppContext, fetch: () => Promise<SyncView>): Promise<void> {
  const state = ctx.state;
  const seq = ++state.syncSeq;
  const view = await fetch();
  if (state.destroyed || seq < state.syncShown) return;
  state.syncShown = seq;
  ctx.syncBar.update(view);
}

/** Ask for the sync status. A failure here is not staff's business: the next poll tries again. */
export function refreshSync(ctx: AppContext): Promise<void> {
  return ctx.track(
    syncFrom(ctx, () => ctx.api.syncStatus()).catch((e: unknown) => {
      console.warn("sync_status failed", e);
    }),
  );
}

function pollSync(ctx: AppContext): void {
  const state = ctx.state;
  if (state.syncPolling || state.destroyed) return;
  state.syncPolling = true;
  void refreshSync(ctx).finally(() => {
    state.syncPolling = false;
  });
}

/** Ask for the status: if the session ended or changed, show what it says now; else the unsent count. */
export async function refreshStatus(ctx: AppContext): Promise<void> {
  const state = ctx.state;
  const st = await ctx.api.appStatus();
  if (state.destroyed) return;
  const before = state.status;
  state.status = st;
  const changed =
    st.store.kind === "failed" ||
    !st.staff ||
    st.staff.staff_id !== before?.staff?.staff_id ||
    st.my_number_permission !== before?.my_number_permission ||
    st.allowed_actions.join() !== before?.allowed_actions.join();
  if (changed) {
    // The session ended (idle timeout) or changed: show what the status says now.
    ctx.applyStatus(st);
    return;
  }
  state.main?.header.setPending(num(st.pending_events));
}

/** While someone is logged in: has Rust ended the session (idle timeout)? */
function pollStatus(ctx: AppContext): void {
  const state = ctx.state;
  if (state.statusPolling || state.destroyed || !state.status?.staff) return;
  state.statusPolling = true;
  void ctx
    .track(
      refreshStatus(ctx).catch((e: unknown) => {
        console.warn("app_status failed", e);
      }),
    )
    .finally(() => {
      state.statusPolling = false;
    });
}

/** Start both polls (the status poll's timer first); returns what stops them. */
export function startPolling(ctx: AppContext): () => void {
  const statusPollMs = ctx.opts.statusPollMs ?? STATUS_POLL_MS;
  const statusTimer = statusPollMs > 0 ? setInterval(() => pollStatus(ctx), statusPollMs) : null;
  const pollMs = ctx.opts.syncPollMs ?? SYNC_POLL_MS;
  const pollTimer = pollMs > 0 ? setInterval(() => pollSync(ctx), pollMs) : null;
  return () => {
    if (pollTimer !== null) clearInterval(pollTimer);
    if (statusTimer !== null) clearInterval(statusTimer);
  };
}
