/**
 * The headless Chromium the browser tests and the client benchmark drive.
 *
 * @module
 */

/** The Chromium to drive (`CHROME_BIN` overrides). */
export const CHROME_BIN = Deno.env.get("CHROME_BIN") ?? "/usr/bin/chromium";

/** Flags for a quiet, deterministic headless Chromium on a closed network. */
export const CHROME_ARGS: string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
