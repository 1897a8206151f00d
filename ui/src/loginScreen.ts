// The login screen's behaviour: sends the form to Rust (which checks everything,
// the person's authenticator included), shows a refusal in the form, and in demo
// mode lists the demo accounts.

import type { Api } from "./api";
import type { ApiError } from "./generated/ApiError";
import type { AppStatus } from "./generated/AppStatus";
import type { LoginRequest } from "./generated/LoginRequest";
import { h, ht } from "./dom";
import { toApiError } from "./errors";
import { loginErrorField, renderLogin } from "./views/login";
import { createLoginHints } from "./views/loginHints";

export interface LoginScreen {
  el: HTMLElement;
  focus(): void;
  /** A login still under way is ignored when it returns. */
  destroy(): void;
}

export interface LoginScreenDeps {
  /** Register a call the window started (AppHandle.idle waits for it). */
  track<T>(p: Promise<T>): Promise<T>;
  onLoggedIn(next: AppStatus): void;
  /** A failure that is not about the credentials (the store went away, someone is already logged in). */
  onFailure(err: ApiError): void;
  /** 認証器を登録 (enrolled terminals): open the registration dialog. */
  onRegister?(): void;
}

/** Errors the form cannot help with: the app starts over from the status. */
function startsOver(err: ApiError): boolean {
  return err.needs_reset || err.code === "STORE_UNAVAILABLE" || err.code === "ALREADY_LOGGED_IN";
}

export function createLoginScreen(api: Api, status: AppStatus, deps: LoginScreenDeps): LoginScreen {
  let destroyed = false;

  const view = renderLogin(status.session_ended, (req: LoginRequest) => {
    view.setBusy(true);
    view.showError(null);
    void deps.track(
      api.login(req).then(
        (next) => {
          if (!destroyed) deps.onLoggedIn(next);
        },
        (e: unknown) => {
          if (destroyed) return;
          const err = toApiError(e);
          view.setBusy(false);
          if (startsOver(err)) {
            deps.onFailure(err);
            return;
          }
          view.showError(err);
          view.focusField(loginErrorField(err));
        },
      ),
    );
  });

  if (!status.demo_mode && deps.onRegister) {
    const open = deps.onRegister;
    const button = ht("button", { id: "login-register-open", type: "button", class: "secondary" }, "login.registerOpen");
    button.addEventListener("click", () => open());
    view.hintsSlot.appendChild(
      h("section", { id: "login-register", class: "login-register" }, ht("p", { class: "dialog-note" }, "login.registerNote"), button),
    );
  }
  if (status.demo_mode) {
    const hints = createLoginHints((hint) => view.fill(hint.staff_id, hint.password));
    view.hintsSlot.appendChild(hints.el);
    void deps.track(
      api.demoLoginHints().then(
        (list) => {
          if (!destroyed) hints.update(list);
        },
        (e: unknown) => {
          const err = toApiError(e);
          // NOT_DEMO: enrolled meanwhile, there are no demo accounts any more.
          if (err.code !== "NOT_DEMO") console.warn("demo_login_hints failed", err.code);
        },
      ),
    );
  }

  return {
    el: view.el,
    focus: () => view.focusField("staff_id"),
    destroy() {
      destroyed = true;
    },
  };
}
