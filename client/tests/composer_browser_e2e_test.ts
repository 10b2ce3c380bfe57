/**
 * The composer and search, in Chromium against a real Flock, real OpenCode
 * and the fake model (with a second, priced model): agent and model
 * pickers whose choice the message uses and the session remembers; `/`
 * and `@` autocomplete; follow-ups queued while busy (shown, sent in
 * order, cancelled); a search that finds a reply's word and opens the
 * session.
 */
import { strictEqual } from "node:assert/strict";
import type { OpenCodeMessageWithParts } from "../../server/contract/opencode.ts";
import type { SessionJson } from "../../server/contract/sessions.ts";
import {
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";
import {
  api,
  idle,
  openNewSession,
  replyContaining,
  runningInstance,
  send,
} from "./driving_support.ts";

const skip = browserSkipReason();

Deno.test({
  name: "PWA: pickers, autocomplete, follow-up queue and search",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start({ pricedModel: true });
  const instance = await runningInstance(flock, "compose");
  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const box = page.getByRole("textbox", { name: "Message" });

  await t.step("picked agent and model are used and remembered", async () => {
    const session = await openNewSession(flock, page, instance.id, "pick");
    const model = page.locator("composer-pickers [data-pick=model]");
    await model.waitFor();
    // a new session shows the instance's default until one is picked
    strictEqual(await model.inputValue(), "");
    await model.selectOption("fake/fake-priced");
    await page.locator("composer-pickers [data-pick=agent]").selectOption(
      "plan",
    );
    await send(page, "priced hello");
    await replyContaining(page, "priced hello").catch(async (error) => {
      const log = await page.locator("session-view").innerText();
      throw new Error(`No reply; the page shows: ${log}`, { cause: error });
    });
    await idle(flock, session.id);
    const footer = page.locator("[data-reply-footer]").last();
    await footer.locator("[data-reply-model]", {
      hasText: "fake/fake-priced",
    }).waitFor();
    const saved = await api<SessionJson>(
      flock,
      "GET",
      `/api/sessions/${session.id}`,
    );
    strictEqual(saved.model, "fake/fake-priced");
    strictEqual(saved.agent, "plan");
    await waitFor("the session's cost", async () => {
      const now = await api<SessionJson>(
        flock,
        "GET",
        `/api/sessions/${session.id}`,
      );
      return (now.cost ?? 0) > 0;
    });
    // cost above zero in the header; the choice survives a reload
    await waitFor(
      "a cost above zero in the header",
      async () =>
        /^\$0\.0*[1-9]|^\$[1-9]/.test(
          await page.locator("[data-stat-cost]").innerText(),
        ),
    );
    await page.reload();
    await waitFor(
      "the remembered model",
      async () =>
        await page.locator("composer-pickers [data-pick=model]")
          .inputValue() === "fake/fake-priced",
    );
    strictEqual(
      await page.locator("composer-pickers [data-pick=agent]").inputValue(),
      "plan",
    );
  });

  await t.step("/ lists the commands and sends one", async () => {
    const session = await openNewSession(flock, page, instance.id, "cmd");
    await box.fill("");
    await box.pressSequentially("/hel");
    const option = page.locator("composer-suggest [data-suggestion=hello]");
    await option.waitFor();
    await box.press("Enter");
    strictEqual(await box.inputValue(), "/hello ");
    await box.pressSequentially("world");
    await box.press("Control+Enter");
    await replyContaining(page, "Say hello to world");
    await idle(flock, session.id);
  });

  await t.step("@ lists the project's files", async () => {
    const dir = await api<{ working_directory: string }>(
      flock,
      "GET",
      `/api/instances/${instance.id}`,
    );
    await Deno.writeTextFile(
      `${dir.working_directory}/flock-notes.md`,
      "notes\n",
    );
    await box.fill("");
    await box.pressSequentially("read @flock-no");
    const option = page.locator(
      "composer-suggest [data-suggestion='flock-notes.md']",
    );
    await option.waitFor({ timeout: 30_000 });
    await box.press("Tab");
    strictEqual(await box.inputValue(), "read @flock-notes.md ");
    await box.fill("");
  });

  await t.step(
    "follow-ups typed while busy are queued, then sent in order",
    async () => {
      const session = await openNewSession(flock, page, instance.id, "queue");
      // the first reply is held in flight until the follow-ups are queued
      const hold = flock.model.hold(/held start/);
      await send(page, "held start");
      await hold.reached;
      await page.locator("[data-working]").waitFor({ timeout: 60_000 });
      // Flock queues only what it knows to be busy: wait for its own status
      // (a 202 may leave the session reading idle a moment).
      await waitFor("Flock to see the session busy", async () => {
        const s = await api<SessionJson>(
          flock,
          "GET",
          `/api/sessions/${session.id}`,
        );
        return s.status === "busy";
      }, 60_000);
      // the first follow-up's POST is held, and the next one is typed and
      // sent meanwhile: it stays in the box and follows once the first is in
      let releasePost = () => {};
      const postHeld = new Promise<void>((r) => (releasePost = r));
      let held = false;
      const messagesUrl = `**/api/sessions/${session.id}/messages`;
      await page.route(messagesUrl, async (route) => {
        if (route.request().method() === "POST" && !held) {
          held = true;
          await postHeld;
        }
        await route.continue();
      });
      await send(page, "first follow-up");
      await waitFor("the first follow-up on its way", () => held);
      await send(page, "to be cancelled");
      strictEqual(await box.inputValue(), "to be cancelled");
      releasePost();
      await waitFor(
        "the box emptied",
        async () => await box.inputValue() === "",
      );
      await page.unroute(messagesUrl);
      await send(page, "second follow-up");
      const queued = page.locator("queue-list [data-queued-id]");
      await waitFor("three queued", async () => await queued.count() === 3);
      await queued.filter({ hasText: "to be cancelled" }).locator(
        "[data-cancel]",
      ).click();
      await waitFor("two queued", async () => await queued.count() === 2);
      hold.release();
      await replyContaining(page, "second follow-up");
      await idle(flock, session.id);
      await queued.first().waitFor({ state: "detached" });
      const messages = await api<OpenCodeMessageWithParts[]>(
        flock,
        "GET",
        `/api/sessions/${session.id}/messages`,
      );
      const said = messages.filter((m) => m.info.role === "user").map((m) =>
        m.parts.flatMap((p) => p.type === "text" ? [p.text] : []).join("")
      );
      strictEqual(
        said.join(" | "),
        "held start | first follow-up | second follow-up",
      );
    },
  );

  await t.step(
    "search finds a reply's word and opens the session",
    async () => {
      const session = await openNewSession(flock, page, instance.id, "findme");
      await send(page, "xylophonic marmalade");
      await replyContaining(page, "xylophonic");
      await idle(flock, session.id);
      await page.locator("[data-search-link]").click();
      const input = page.getByRole("searchbox", { name: "Search sessions" });
      await input.fill("xylophon");
      const result = page.locator(`[data-search-result="${session.id}"]`);
      await result.waitFor({ timeout: 30_000 });
      await result.locator("mark", { hasText: "xylophonic" }).first().waitFor();
      await result.click();
      await page.waitForURL(`**/#/s/${session.id}`);
      await replyContaining(page, "xylophonic");
    },
  );

  strictEqual(pageErrors.join("\n"), "");
});
