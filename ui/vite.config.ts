import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

/** The window's CSP (set by Tauri); `vite preview` serves the build under it too. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src ipc: http://ipc.localhost; " +
  "img-src 'self' data:; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";

export default defineConfig({
  root,
  base: "./",
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  preview: { port: 1420, strictPort: true, headers: { "Content-Security-Policy": CSP } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2021",
    // Everything as files: the CSP forbids inline scripts, styles and data: fonts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    environment: "happy-dom",
    include: ["test/**/*.test.ts"],
  },
});
