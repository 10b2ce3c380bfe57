/**
 * The service worker update flow in Chromium: a new build is announced with
 * the "update available" toast (the new worker waits, it never takes over on
 * its own); "Reload" activates it and reloads the page. Served by a plain
 * static server with Flock's CSP, so no OpenCode is needed.
 */
import { ok, strictEqual } from "node:assert/strict";
import { CONTENT_SECURITY_POLICY } from "../../server/app.ts";
import { createStaticHandler } from "../../server/http/static_files.ts";
import { CLIENT_ASSETS } from "../../server/static/client_assets.gen.ts";
import {
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";

/** What the steps leave on the page's global object (set in `page.evaluate`). */
interface PageProbes {
  __before?: boolean;
}

const skip = browserSkipReason();

Deno.test({
  name: "PWA update: toast, skip waiting, reload",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  let serve = createStaticHandler(CLIENT_ASSETS);
  const cspViolations: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      if (url.pathname.startsWith("/api/")) {
        return Response.json(
          { error: { code: "unavailable", message: "No API here" } },
          { status: 503 },
        );
      }
      const res = serve(req, url) ?? new Response("not found", { status: 404 });
      res.headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
      return res;
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await using browser = await launchBrowser();
    const { page } = browser;
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) {
        cspViolations.push(message.text());
      }
    });
    await page.goto(base + "/");
    await page.locator("[data-new-instance]").waitFor();
    await waitFor(
      "the first worker to control the page",
      () => page.evaluate(() => navigator.serviceWorker.controller !== null),
    );
    strictEqual(await page.locator("update-toast").count(), 0);

    // deploy a new build: only the worker script changes
    const next = new Map(CLIENT_ASSETS);
    next.set(
      "/sw.js",
      new TextEncoder().encode(
        new TextDecoder().decode(CLIENT_ASSETS.get("/sw.js")) +
          "\n// next build\n",
      ),
    );
    serve = createStaticHandler(next);
    await page.evaluate(() => {
      (globalThis as typeof globalThis & PageProbes).__before = true;
      return navigator.serviceWorker.getRegistration().then((r) => r?.update());
    });
    const toast = page.locator("update-toast");
    await toast.getByText("A new version of Flock is available.").waitFor();
    ok(
      await page.evaluate(async () =>
        (await navigator.serviceWorker.getRegistration())?.waiting !== null
      ),
      "the new worker waits for the user",
    );
    await toast.getByRole("button", { name: "Reload" }).click();
    await waitFor(
      "the page to reload",
      () =>
        page.evaluate(() =>
          !(globalThis as typeof globalThis & PageProbes).__before
        ),
    );
    await page.locator("[data-new-instance]").waitFor();
    const state = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return { waiting: r?.waiting ?? null, active: r?.active?.state };
    });
    strictEqual(state.waiting, null);
    strictEqual(state.active, "activated");
    strictEqual(await page.locator("update-toast").count(), 0);
    strictEqual(cspViolations.length, 0, cspViolations.join("\n"));
  } finally {
    await server.shutdown();
  }
});
