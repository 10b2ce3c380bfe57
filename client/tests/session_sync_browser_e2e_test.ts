/**
 * A session created straight on an instance's own OpenCode API (as the TUI
 * does) shows up in the PWA from the event alone: the page never asks
 * `/api/instances/{id}/sessions` for it. Real Flock, real OpenCode, fake
 * model, headless Chromium; requests counted with `page.on("request")`.
 */
import { strictEqual } from "node:assert/strict";
import type { InstanceJson } from "../../server/contract/instances.ts";
import {
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";

const skip = browserSkipReason();
const SESSION_LIST = /^\/api\/instances\/[^/]+\/sessions$/;

Deno.test({
  name: "PWA: sessions made outside Flock appear without a refetch",
  ignore: skip !== undefined,
  // playwright keeps internal timers and pipes between steps
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  const dir = await flock.env.workspace("tui");
  const created = await fetch(`${flock.url}/api/instances`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ working_directory: dir }),
  });
  const instance = (await created.json()) as InstanceJson;
  const running = async () => {
    const res = await fetch(`${flock.url}/api/instances/${instance.id}`);
    return ((await res.json()) as InstanceJson).status === "running";
  };
  await waitFor("the instance to run", running, 60_000);

  await using browser = await launchBrowser();
  const { page } = browser;
  const listRequests: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (SESSION_LIST.test(path)) listRequests.push(path);
  });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(flock.url + "/");
  const row = page.locator(
    `[data-instance-id="${instance.id}"][data-instance-status=running]`,
  );
  await row.waitFor();
  await page.locator("connection-badge [data-status=connected]").first()
    .waitFor();
  // The first load lists the sessions once: the counter does see them.
  await waitFor("the first load", () => listRequests.length > 0);
  const afterLoad = listRequests.length;
  const child = flock.childClient(instance.id);
  const link = (id: string) => page.locator(`a[data-session-id="${id}"]`);

  await t.step("created, renamed and deleted on the child", async () => {
    const session = await child.createSession({ title: "made in the TUI" });
    await link(session.id).getByText("made in the TUI").waitFor();
    await child.updateSession(session.id, { title: "renamed in the TUI" });
    await link(session.id).getByText("renamed in the TUI").waitFor();
    await child.deleteSession(session.id);
    await link(session.id).waitFor({ state: "detached" });
    strictEqual(listRequests.length, afterLoad, listRequests.join(", "));
  });

  await t.step(
    "a restarted instance keeps its list without a refetch",
    async () => {
      const kept = await child.createSession({ title: "kept" });
      await link(kept.id).waitFor();
      const res = await fetch(
        `${flock.url}/api/instances/${instance.id}/restart`,
        { method: "POST" },
      );
      strictEqual(res.status, 202);
      await res.body?.cancel();
      await waitFor("the instance to run again", running, 60_000);
      await row.waitFor();
      // A session made on the new child proves its events flow (they are
      // forwarded only after the reconnect's resync).
      const fresh = await flock.childClient(instance.id).createSession({
        title: "after the restart",
      });
      await link(fresh.id).getByText("after the restart").waitFor();
      await link(kept.id).getByText("kept").waitFor();
      strictEqual(listRequests.length, afterLoad, listRequests.join(", "));
    },
  );

  strictEqual(pageErrors.join("\n"), "");
});
