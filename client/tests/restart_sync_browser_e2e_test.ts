/**
 * An instance's restart brings the open page back in sync without a reload:
 * kill -9 of the child while a permission waits, then the dead card goes,
 * the header leaves "Needs you"/"Working", the dead tool call reads
 * "Interrupted", and a "crashed and restarted" notice links to the log
 * viewer, which shows the instance's output. Real Flock, real OpenCode
 * (bash `ask`), the fake model, headless Chromium.
 */
import { ok, strictEqual } from "node:assert/strict";
import type {
  InstanceJson,
  LogLineJson,
} from "../../server/contract/instances.ts";
import type { SessionJson } from "../../server/contract/sessions.ts";
import {
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";

/** A fresh OpenCode on a loaded 2-core machine can take a minute. */
const RESTART_MS = 180_000;

Deno.test({
  name: "PWA: a killed instance's page comes back in sync without a reload",
  ignore: browserSkipReason() !== undefined,
  // playwright keeps internal timers and pipes between steps
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const { id: instanceId } = await flock.runningInstance("alpha");
  const session = await flock.call<SessionJson>(
    "POST",
    `/api/instances/${instanceId}/sessions`,
    { title: "doomed" },
  );
  await page.goto(`${flock.url}/#/s/${encodeURIComponent(session.id)}`);
  await page.getByRole("textbox", { name: "Message" }).waitFor();
  await page.evaluate(() => {
    Reflect.set(globalThis, "__sameDocument", true);
  });
  const header = page.locator("session-header [data-session-state]");
  const card = page.locator("session-view permission-prompt");
  const tool = page.locator("[data-part=tool][data-tool=bash]").last();

  await t.step("a permission waits: Needs you, a card", async () => {
    await flock.call("POST", `/api/sessions/${session.id}/messages`, {
      text: "use bash",
    });
    await card.waitFor({ timeout: 60_000 });
    await page.locator("session-header [data-session-state=needs-you]")
      .waitFor();
    strictEqual(await tool.getAttribute("data-outcome"), "needs-permission");
  });

  await t.step("kill -9: the page follows the restart", async () => {
    const before = await flock.call<InstanceJson>(
      "GET",
      `/api/instances/${instanceId}`,
    );
    ok(before.pid, "the instance has a pid");
    Deno.kill(before.pid, "SIGKILL");

    const notice = page.locator("recovery-notice [data-recovered]");
    await notice.waitFor({ timeout: RESTART_MS });
    ok((await notice.textContent())?.includes("crashed and restarted"));
    await card.waitFor({ state: "detached", timeout: RESTART_MS });
    await waitFor(
      "the header to say Idle",
      async () => await header.getAttribute("data-session-state") === "idle",
      RESTART_MS,
    );
    await waitFor(
      "the dead call to read Interrupted",
      async () => await tool.getAttribute("data-outcome") === "interrupted",
      RESTART_MS,
    );
    ok((await tool.locator("summary").textContent())?.includes("Interrupted"));
    await waitFor(
      "the title without a count",
      async () => !(await page.title()).startsWith("("),
    );
    ok(
      await page.evaluate(() => Reflect.get(globalThis, "__sameDocument")),
      "the page was not reloaded",
    );
    // the sidebar agrees: the instance runs, nothing needs you
    await page.locator(
      `[data-instance-id="${instanceId}"][data-instance-status=running]`,
    ).waitFor();
    strictEqual(
      await page.locator(
        `[data-instance-id="${instanceId}"] [data-activity=needs-you]`,
      ).count(),
      0,
    );
  });

  await t.step("the notice's link opens the log viewer", async () => {
    await page.locator("recovery-notice a", { hasText: "View log" }).click();
    await page.waitForURL(
      new RegExp(`#/i/${encodeURIComponent(instanceId)}/logs$`),
    );
    const lines = page.locator("instance-log [data-log-lines] li");
    await lines.first().waitFor();
    const logs = await flock.call<LogLineJson[]>(
      "GET",
      `/api/instances/${instanceId}/logs`,
    );
    ok(logs.length > 0, "the instance printed something");
    const shown = await lines.allTextContents();
    ok(
      shown.some((text) => text.includes(logs[0]?.line ?? "\0")),
      `the first line of the log is shown: ${JSON.stringify(logs[0])}`,
    );
  });

  strictEqual(pageErrors.join("\n"), "");
});
