// The window mounted on a fresh #app element for each test, torn down after it
// (timers back to real ones). Shared by the tests that drive the whole app.

import { afterEach, beforeEach, vi } from "vitest";
import { startApp, type AppHandle } from "../src/app";
import { type FakeBackend, memoryStorage } from "./fixtures";

export interface Mounted {
  root: HTMLElement;
  app: AppHandle | null;
  /** Start the app on `backend` and wait until it settled. */
  start(backend: FakeBackend, storage?: ReturnType<typeof memoryStorage>): Promise<AppHandle>;
}

export function mountEachTest(): Mounted {
  const m: Mounted = {
    root: document.body,
    app: null,
    async start(backend, storage = memoryStorage()) {
      m.app = startApp(m.root, backend, { storage });
      await m.app.idle();
      return m.app;
    },
  };
  beforeEach(() => {
    document.body.replaceChildren();
    m.root = document.createElement("div");
    m.root.id = "app";
    document.body.appendChild(m.root);
  });
  afterEach(() => {
    m.app?.destroy();
    m.app = null;
    vi.useRealTimers();
  });
  return m;
}
