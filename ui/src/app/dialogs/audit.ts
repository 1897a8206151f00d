// 監査ログ and アカウントのロック解除 (supervisors): the audit log's search (a newer
// search drops an older one's answer) and the unlock form, in one dialog.

import { toApiError } from "../../errors";
import { openAuditDialog, type AuditDialogHandle } from "../../views/audit";
import type { AppContext } from "../context";
import { beginDialog, dialogClosed, dialogFailed } from "./shared";

export function openAudit(ctx: AppContext): void {
  const { api, state } = ctx;
  const canAudit = state.allowed.has("view_audit_log");
  const canUnlock = state.allowed.has("unlock_account");
  if (!state.status || (!canAudit && !canUnlock)) return;
  beginDialog(ctx);
  let auditSeq = 0;
  const dlg: AuditDialogHandle = openAuditDialog(
    ctx.root,
    { today: state.status.today, audit: canAudit, unlock: canUnlock },
    {
      onSearch: (query) => {
        const seq = ++auditSeq;
        dlg.setBusy(true);
        void ctx.run(async () => {
          try {
            const rows = await api.auditLog(query);
            if (state.modal !== dlg || seq !== auditSeq) return;
            dlg.showResults(rows);
          } catch (e) {
            if (state.modal === dlg) dialogFailed(ctx, dlg, toApiError(e), (err) => dlg.showError(err));
          } finally {
            if (state.modal === dlg && seq === auditSeq) dlg.setBusy(false);
          }
        });
      },
      onUnlock: (staffId) => {
        const form = dlg.unlock;
        if (!form) return;
        form.setBusy(true);
        void ctx.run(async () => {
          try {
            await api.unlockAccount(staffId);
            if (state.modal === dlg) form.showDone(staffId);
          } catch (e) {
            if (state.modal === dlg) dialogFailed(ctx, dlg, toApiError(e), (err) => form.showError(err));
          } finally {
            form.setBusy(false);
          }
        });
      },
      onClose: () => dialogClosed(ctx),
    },
  );
  state.modal = dlg;
  if (canAudit) dlg.search();
}
