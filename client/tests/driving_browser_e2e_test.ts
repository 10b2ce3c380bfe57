/**
 * Driving agents from the PWA, in Chromium against a real Flock, real
 * OpenCode and the fake model: questions (answered in the page, and
 * elsewhere), todos, subagents (tree, open, stop, their questions rolled
 * up), and tokens/cost in the header and under each reply.
 */
import { ok, strictEqual } from "node:assert/strict";
import type { QuestionJson } from "../../server/contract/questions.ts";
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
  name: "PWA: questions, todos, subagents, tokens and cost",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  const instance = await runningInstance(flock, "drive");
  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));

  await t.step(
    "a question answered in the page; the agent continues",
    async () => {
      const session = await openNewSession(flock, page, instance.id, "ask");
      await send(page, "use question");
      const card = page.locator("question-card form");
      await card.waitFor({ timeout: 60_000 });
      await card.getByText("Which colour should the button be?").waitFor();
      // answering with nothing picked is refused in the page
      await card.locator("[data-answer]").click();
      await card.getByRole("alert").waitFor();
      await card.locator("[data-option=Blue] input").check();
      await card.locator("[data-answer]").click();
      await card.waitFor({ state: "detached" });
      await replyContaining(page, "Blue");
      await idle(flock, session.id);
    },
  );

  await t.step("a question answered elsewhere leaves the page", async () => {
    await send(page, "use question multiple");
    const card = page.locator("question-card form");
    await card.waitFor({ timeout: 60_000 });
    strictEqual(await card.locator("input[type=checkbox]").count(), 3);
    const [pending] = await api<QuestionJson[]>(flock, "GET", "/api/questions");
    ok(pending);
    await api(flock, "POST", `/api/questions/${pending.id}`, {
      answers: [["Red", "a custom shade"]],
    });
    await card.waitFor({ state: "detached" });
    // the agent continues: a second reply after a tool result
    await waitFor(
      "the reply after the answer",
      async () =>
        await page.locator("[data-role=assistant] [data-part=text]", {
          hasText: "Tool finished",
        }).count() >= 2,
      60_000,
    );
  });

  await t.step("a todo list appears, live", async () => {
    const session = await openNewSession(flock, page, instance.id, "todo");
    await send(page, "use todo");
    const panel = page.locator("todo-panel [data-todos]");
    await panel.waitFor({ timeout: 60_000 });
    await panel.getByText("Write the fix").waitFor();
    strictEqual(
      await panel.locator("[data-todo-status=in_progress]").count(),
      1,
    );
    await panel.locator("[data-todo-count]", { hasText: "1/3 done" })
      .waitFor();
    await idle(flock, session.id);
  });

  await t.step(
    "tokens, context and cost in the header and per reply",
    async () => {
      const stats = page.locator("session-stats [data-session-stats]");
      await stats.locator("[data-stat-tokens]").waitFor();
      await stats.locator("[data-stat-cost]", { hasText: "$" }).waitFor();
      await stats.locator("[data-stat-context]", { hasText: "128k" })
        .waitFor();
      const footer = page.locator("[data-reply-footer]").last();
      await footer.locator("[data-reply-model]", {
        hasText: "fake/fake-model",
      }).waitFor();
      await footer.locator("[data-reply-tokens]").waitFor();
      await footer.locator("[data-reply-cost]").waitFor();
    },
  );

  await t.step(
    "a subagent's question rolls up; its session is in the tree",
    async () => {
      const parent = await openNewSession(flock, page, instance.id, "tasks");
      await send(page, "use task question");
      const node = page.locator("subagent-tree [data-child-session-id]")
        .first();
      await node.waitFor({ timeout: 60_000 });
      const card = page.locator("question-card form");
      await card.waitFor({ timeout: 60_000 });
      await card.getByText("(subagent)").waitFor();
      await card.locator("[data-option=Green] input").check();
      await card.locator("[data-answer]").click();
      await card.waitFor({ state: "detached" });
      await idle(flock, parent.id);
      const childId = await node.getAttribute("data-child-session-id");
      ok(childId);
      // the child session opens on its own, without a composer
      await node.locator("a").click();
      await page.locator("[data-subagent-of]").waitFor();
      await replyContaining(page, "Green");
      strictEqual(
        await page.getByRole("textbox", { name: "Message" }).count(),
        0,
      );
    },
  );

  await t.step("a working subagent is stopped from the tree", async () => {
    const parent = await openNewSession(flock, page, instance.id, "slow");
    await send(page, "use task slow");
    const stop = page.locator("subagent-tree [data-abort-child]").first();
    await stop.waitFor({ timeout: 60_000 });
    const node = page.locator("subagent-tree [data-child-session-id]").first();
    const childId = await node.getAttribute("data-child-session-id");
    await stop.click();
    await page.locator(
      `subagent-tree [data-child-session-id="${childId}"][data-child-status=idle]`,
    ).waitFor({ timeout: 60_000 });
    await idle(flock, parent.id);
    const children = await api<SessionJson[]>(
      flock,
      "GET",
      `/api/sessions/${parent.id}/children`,
    );
    strictEqual(children.length, 1);
  });

  await waitFor("no page errors", () => true);
  strictEqual(pageErrors.join("\n"), "");
});
