// The reception screen's two status lines: the last check-in (#last-checkin, with
// its reception number, highlighted afresh each time) and the done notice (#notice)
// after a cancellation or a correction. Both follow the language toggle.

import type { VisitView } from "../../generated/VisitView";
import { h, ht, localize } from "../../dom";
import { num } from "../../format";
import { t } from "../../i18n";
import type { AppContext } from "../context";
import type { MainView, NoticeKey } from "../state";

export type Notices = Pick<MainView, "lastBox" | "setLast" | "notice" | "setNotice">;

export function createNotices(): Notices {
  const lastNo = h("div", { id: "last-reception-no", class: "last-reception-no" });
  const lastName = h("div", { id: "last-reception-name", class: "last-reception-name" });
  const lastBox = h(
    "div",
    { id: "last-checkin", class: "last-checkin", role: "status", hidden: true },
    ht("div", { class: "last-label" }, "checkin.doneLabel"),
    lastNo,
    lastName,
  );
  let last: VisitView | null = null;
  localize(lastNo, () => {
    lastNo.textContent = last ? t("checkin.done", { no: num(last.reception_no) }) : "";
  });
  const setLast = (visit: VisitView) => {
    last = visit;
    const no = num(visit.reception_no);
    lastNo.textContent = t("checkin.done", { no });
    lastNo.setAttribute("data-reception-no", String(no));
    lastName.textContent = `${visit.name_kana}　${visit.name_kanji}`;
    lastBox.hidden = false;
    lastBox.classList.remove("flash");
    void lastBox.offsetWidth; // restart the highlight animation
    lastBox.classList.add("flash");
  };
  const notice = h("div", { id: "notice", class: "notice", role: "status", hidden: true });
  let noticeState: { key: NoticeKey; no: number } | null = null;
  localize(notice, () => {
    notice.textContent = noticeState ? t(noticeState.key, { no: noticeState.no }) : "";
  });
  const setNotice = (key: NoticeKey | null, no = 0) => {
    noticeState = key ? { key, no } : null;
    notice.textContent = key ? t(key, { no }) : "";
    notice.hidden = key === null;
  };
  return { lastBox, setLast, notice, setNotice };
}

export function showNotice(ctx: AppContext, key: NoticeKey, no: number): void {
  ctx.state.main?.setNotice(key, no);
}

export function hideNotice(ctx: AppContext): void {
  ctx.state.main?.setNotice(null);
}
