/**
 * Who needs you, who works, what is done: the home board, unread markers,
 * the tab title's count, the instance's activity, what "Always" grants,
 * "Needs you" in the header and a rejected call reading "Rejected". Real
 * Flock, real OpenCode (bash `ask`), the fake model, headless Chromium; one
 * Flock, one instance and one browser shared by the steps, in order.
 */
import { ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { FAKE_BASH_COMMAND } from "../../server/testing/fake_model.ts";
import {
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";

const skip = browserSkipReason();

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Control+Enter");
}

Deno.test({
  name: "PWA: the board shows who needs you, who works and what is done",
  ignore: skip !== undefined,
  // playwright keeps internal timers and pipes between steps
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  // this browser starts keeping track of what was seen now
  await page.goto(flock.url + "/");
  await page.locator("connection-badge [data-status=connected]").first()
    .waitFor();

  const { id: instanceId } = await flock.runningInstance("alpha");
  const newSession = (title: string) =>
    flock.call<SessionJson>("POST", `/api/instances/${instanceId}/sessions`, {
      title,
    });
  const prompt = (sessionId: string, text: string) =>
    flock.call("POST", `/api/sessions/${sessionId}/messages`, { text });
  const statusOf = async (sessionId: string) =>
    (await flock.call<SessionJson>("GET", `/api/sessions/${sessionId}`))
      .status;
  const asks = await newSession("asks");
  const works = await newSession("works");
  const done = await newSession("finished");
  await prompt(done.id, "hello");
  await waitFor("the finished reply", async () => {
    const messages = await flock.call<
      { info: { role: string; time: { completed?: number } } }[]
    >("GET", `/api/sessions/${done.id}/messages`);
    return messages.some((m) =>
      m.info.role === "assistant" && m.info.time.completed
    ) && await statusOf(done.id) === "idle";
  }, 60_000);
  await prompt(asks.id, "use bash");
  // 3,000 tokens at 20 per second: busy for the whole test
  await prompt(works.id, "long-reply 3000 plain 20/s");

  const group = (name: string) => page.locator(`[data-board-group=${name}]`);
  const card = (name: string, sessionId: string) =>
    group(name).locator(`[data-board-session="${sessionId}"]`);
  const sidebarLink = (sessionId: string) =>
    page.locator(`instance-list a[data-session-id="${sessionId}"]`);
  const row = page.locator(`[data-instance-id="${instanceId}"]`);

  await t.step("three groups with real sessions", async () => {
    await card("needs-you", asks.id).waitFor({ timeout: 60_000 });
    await card("working", works.id).waitFor({ timeout: 60_000 });
    await card("done", done.id).locator("[data-unread]").waitFor();
    ok(
      (await card("needs-you", asks.id).locator("permission-prompt")
        .textContent())?.includes(FAKE_BASH_COMMAND),
    );
    // the session waiting for the user is not counted as working
    strictEqual(await card("working", asks.id).count(), 0);
    await waitFor(
      "the tab title's count",
      async () => await page.title() === "(1) Flock",
    );
    // the instance says what its sessions do, in words
    await row.locator("[data-activity=needs-you]", { hasText: "1 needs you" })
      .waitFor();
    await row.locator("[data-activity=working]", { hasText: "1 working" })
      .waitFor();
    await sidebarLink(done.id).locator("[data-unread]").waitFor();
    strictEqual(
      await sidebarLink(works.id).locator("[data-unread]").count(),
      0,
    );
  });

  await t.step(
    "opening a finished session clears its unread marker",
    async () => {
      await card("done", done.id).locator("a").click();
      await page.waitForURL(new RegExp(`#/s/${done.id}$`));
      await page.locator("[data-role=assistant]").first().waitFor();
      await page.evaluate(() => (location.hash = "#/"));
      await card("rest", done.id).waitFor({ state: "attached" });
      strictEqual(await card("done", done.id).count(), 0);
      strictEqual(
        await sidebarLink(done.id).locator("[data-unread]").count(),
        0,
      );
      // remembered by the browser
      await page.reload();
      await card("rest", done.id).waitFor({ state: "attached" });
      await card("working", works.id).waitFor();
      strictEqual(
        await card("rest", done.id).locator("[data-unread]").count(),
        0,
      );
      strictEqual(
        await sidebarLink(done.id).locator("[data-unread]").count(),
        0,
      );
    },
  );

  await t.step(
    "a reply that ends while you look elsewhere is unread; one you watch is not",
    async () => {
      await prompt(done.id, "hello again");
      await card("done", done.id).locator("[data-unread]").waitFor({
        timeout: 60_000,
      });
      await sidebarLink(done.id).locator("[data-unread]").waitFor();
      // watched to the end: not unread
      await sidebarLink(done.id).click();
      await page.locator("[data-session-state=idle]").waitFor();
      await send(page, "watching this one");
      await page.locator("[data-role=user]", { hasText: "watching this one" })
        .waitFor();
      await page.locator("[data-session-state=idle]").waitFor({
        timeout: 60_000,
      });
      await waitFor(
        "the reply",
        async () =>
          (await page.locator("[data-role=assistant]").last().textContent())
            ?.includes("watching this one"),
      );
      await page.evaluate(() => (location.hash = "#/"));
      await card("rest", done.id).waitFor({ state: "attached" });
      strictEqual(await card("done", done.id).count(), 0);
    },
  );

  await t.step(
    "what Always grants, Needs you in the header, Rejected",
    async () => {
      await sidebarLink(asks.id).click();
      const state = page.locator("session-header [data-session-state]");
      await page.locator("session-header [data-session-state=needs-you]", {
        hasText: "Needs you",
      }).waitFor();
      const inline = page.locator("session-view permission-prompt");
      await inline.waitFor();
      strictEqual(
        await inline.locator("[data-always-pattern]").allTextContents()
          .then((t) => t.join(" | ")),
        "echo *",
      );
      ok(
        (await inline.locator("[data-always]").textContent())?.replace(
          /\s+/g,
          " ",
        )
          .includes(
            "“Always” allows bash from now on in this project for: echo *",
          ),
      );
      await waitFor(
        "the title with the count and the session",
        async () => (await page.title()).startsWith("(1) "),
      );
      await inline.getByRole("button", { name: /^Reject bash/ }).click();
      const tool = page.locator("[data-part=tool][data-tool=bash]").last();
      await waitFor(
        "the rejected call",
        async () => await tool.getAttribute("data-outcome") === "rejected",
        60_000,
      );
      ok((await tool.locator("summary").textContent())?.includes("Rejected"));
      strictEqual(
        (await tool.locator("summary").textContent())?.includes("Failed"),
        false,
      );
      await waitFor(
        "the header to leave Needs you",
        async () =>
          await state.getAttribute("data-session-state") !== "needs-you",
      );
      await waitFor(
        "the title without a count",
        async () => !(await page.title()).startsWith("("),
      );
      await flock.call("POST", `/api/sessions/${works.id}/abort`);
    },
  );

  strictEqual(pageErrors.join("\n"), "");
});
