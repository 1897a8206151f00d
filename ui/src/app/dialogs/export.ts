// 外部媒体への出力 (#export-view): clerks request and write, supervisors decide (Rust
// and the service check the role, the designation, the approval and the medium).
// This module makes the calls and hands their answers to the view; an answer that
// arrives after the dialog closed, or after a newer one, is dropped.

import type { ExportOverview } from "../../generated/ExportOverview";
import { toApiError } from "../../errors";
import { openExportView, type ExportViewHandle } from "../../views/exportView";
import type { AppContext } from "../context";
import { beginDialog, dialogClosed, dialogFailed } from "./shared";

export function openExport(ctx: AppContext): void {
  const { api, state } = ctx;
  const canRequest = state.allowed.has("request_export");
  const canWrite = state.allowed.has("write_export");
  const canDecide = state.allowed.has("decide_export");
  if (!canRequest && !canDecide) return;
  beginDialog(ctx);
  let overviewSeq = 0;
  let mediaSeq = 0;
  const open = () => state.modal === dlg;
  /** A call of the view failed: start over, or say why in the part it is about. */
  const failed = (e: unknown, area: "load" | "request" | "write" | "decide") => {
    if (open()) dialogFailed(ctx, dlg, toApiError(e), (err) => dlg.showError(area, err));
  };
  const loadMedia = async () => {
    const seq = ++mediaSeq;
    try {
      const list = await api.exportMedia();
      if (open() && seq === mediaSeq) dlg.showMedia(list);
    } catch (e) {
      failed(e, "write");
    }
  };
  const showOverview = (o: ExportOverview, seq: number) => {
    if (!open() || seq !== overviewSeq) return false;
    dlg.showOverview(o);
    return true;
  };
  const loadOverview = async () => {
    const seq = ++overviewSeq;
    try {
      const o = await api.exportOverview();
      if (showOverview(o, seq)) dlg.showError("load", null);
    } catch (e) {
      failed(e, "load");
      return;
    }
    if (canWrite && open() && dlg.writable()) await loadMedia();
  };
  /** Send one of the view's writes; the view is busy meanwhile. */
  const send = (area: "request" | "decide", call: () => Promise<ExportOverview>, done: () => void) => {
    dlg.setBusy(true);
    void ctx.run(async () => {
      const seq = ++overviewSeq;
      try {
        const o = await call();
        if (!open()) return;
        showOverview(o, seq);
        done();
      } catch (e) {
        failed(e, area);
      } finally {
        if (open()) dlg.setBusy(false);
      }
      if (area === "request" && canWrite && open() && dlg.writable()) await loadMedia();
    });
  };
  const dlg: ExportViewHandle = openExportView(
    ctx.root,
    { canRequest, canWrite, canDecide },
    {
      onRequest: (request) =>
        send(
          "request",
          () => api.requestExport(request),
          () => dlg.requestDone(),
        ),
      onDecide: (decision) =>
        send(
          "decide",
          () => api.decideExport(decision),
          () => dlg.decisionDone(decision.request_id, decision.approve),
        ),
      onRefreshMedia: () => {
        dlg.showError("write", null);
        void ctx.run(loadMedia);
      },
      onWrite: (requestId, mediaId) => {
        dlg.setBusy(true);
        dlg.showError("write", null);
        void ctx.run(async () => {
          try {
            const w = await api.writeExport(requestId, mediaId);
            if (open()) dlg.showWritten(w);
          } catch (e) {
            failed(e, "write");
            if (!open()) return;
          } finally {
            if (open()) dlg.setBusy(false);
          }
          // Written, used or refused: the list says what the request is now.
          if (open()) await loadOverview();
        });
      },
      onReload: () => {
        void ctx.run(loadOverview);
      },
      onClose: () => dialogClosed(ctx),
    },
  );
  state.modal = dlg;
  void ctx.run(async () => {
    const withSessions = canRequest || canDecide;
    const loadSessions = async () => {
      if (!withSessions || !state.allowed.has("view_attendance")) return;
      try {
        const list = await api.listSessions();
        if (open()) dlg.setSessions(list);
      } catch (e) {
        failed(e, "load");
      }
    };
    await Promise.all([loadSessions(), loadOverview()]);
  });
}
