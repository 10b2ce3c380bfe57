/**
 * More of the driving features, in Chromium against a real Flock, real
 * OpenCode and the fake model (with a second, priced model): the
 * instance's tokens and cost in the sidebar, shown after a reply and grown
 * by the next without a reload; the variant picker, whose pick the message
 * carries; a follow-up whose send failed (its model is no longer offered
 * after a restart), shown with the error, and sent by Retry once the model
 * is back.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import type { ModelsJson, UsageJson } from "../../server/contract/catalog.ts";
import type { InstanceJson } from "../../server/contract/instances.ts";
import type { OpenCodeMessageWithParts } from "../../server/contract/opencode.ts";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { totalTokens, usageSummary } from "../lib/usage_format.ts";
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

/** The user messages of a session, oldest first. */
async function userMessages(
  flock: BrowserFlock,
  sessionId: string,
): Promise<OpenCodeMessageWithParts[]> {
  const messages = await api<OpenCodeMessageWithParts[]>(
    flock,
    "GET",
    `/api/sessions/${sessionId}/messages`,
  );
  return messages.filter((m) => m.info.role === "user");
}

/** The user message's model and variant as OpenCode recorded them. */
function modelOf(message: OpenCodeMessageWithParts | undefined): string {
  if (message?.info.role !== "user") return "none";
  const { providerID, modelID, variant } = message.info.model;
  return `${providerID}/${modelID}${variant ? ` ${variant}` : ""}`;
}

/** Waits until the session's cost and tokens are in Flock's table. */
async function totalsRecorded(
  flock: BrowserFlock,
  sessionId: string,
  minCost = 0,
): Promise<void> {
  await waitFor("the session's totals", async () => {
    const s = await api<SessionJson>(
      flock,
      "GET",
      `/api/sessions/${sessionId}`,
    );
    return s.tokens !== undefined && totalTokens(s.tokens) > 0 &&
      (s.cost ?? 0) >= minCost;
  }, 60_000);
}

/** Restarts an instance and waits until it runs again. */
async function restart(flock: BrowserFlock, instanceId: string): Promise<void> {
  await api(flock, "POST", `/api/instances/${instanceId}/restart`);
  await waitFor("the instance to run again", async () => {
    const now = await api<InstanceJson>(
      flock,
      "GET",
      `/api/instances/${instanceId}`,
    );
    return now.status === "running";
  }, 60_000);
}

/**
 * Waits until the instance's row shows the server's current roll-up.
 *
 * @returns That roll-up.
 */
async function rowShowsUsage(
  flock: BrowserFlock,
  page: Page,
  instanceId: string,
): Promise<UsageJson> {
  const row = page.locator(
    `instance-list [data-instance-id="${instanceId}"] [data-instance-usage]`,
  );
  let last = "";
  const usage = await waitFor("the row to show the roll-up", async () => {
    const usage = await api<UsageJson>(
      flock,
      "GET",
      `/api/instances/${instanceId}/usage`,
    );
    const want = usageSummary(usage);
    if (!want || await row.count() === 0) return undefined;
    last = await row.innerText();
    return last === want ? usage : undefined;
  }, 60_000).catch((error) => {
    throw new Error(`The row shows "${last}"`, { cause: error });
  });
  if (!usage) throw new Error("Cannot happen: waitFor returned nothing");
  return usage;
}

Deno.test({
  name: "PWA: instance roll-up, variant picker, Retry of a failed follow-up",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start({ pricedModel: true });
  const instance = await runningInstance(flock, "extras");
  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));

  await t.step(
    "the instance's tokens and cost appear after a reply and grow with the next",
    async () => {
      // the warm-up session is deleted: nothing used yet
      const before = await api<UsageJson>(
        flock,
        "GET",
        `/api/instances/${instance.id}/usage`,
      );
      strictEqual(usageSummary(before), undefined);
      const session = await openNewSession(flock, page, instance.id, "usage");
      await send(page, "count my tokens");
      await replyContaining(page, "count my tokens");
      await idle(flock, session.id);
      await totalsRecorded(flock, session.id);
      const first = await rowShowsUsage(flock, page, instance.id);
      ok(totalTokens(first.tokens) > 0);
      strictEqual(first.cost, 0);
      // a priced reply, with no reload: the row grows in tokens and cost
      await page.locator("composer-pickers [data-pick=model]").selectOption(
        "fake/fake-priced",
      );
      await send(page, "now with a price");
      await replyContaining(page, "now with a price");
      await idle(flock, session.id);
      await totalsRecorded(flock, session.id, Number.MIN_VALUE);
      const second = await rowShowsUsage(flock, page, instance.id);
      ok(totalTokens(second.tokens) > totalTokens(first.tokens));
      ok(second.cost > 0);
      const title = await page.locator(
        `[data-instance-id="${instance.id}"] [data-instance-usage]`,
      ).getAttribute("title");
      ok(title?.startsWith("1 session: input "), title ?? "no title");
    },
  );

  await t.step(
    "the variant picker offers the model's variants; the message carries the pick",
    async () => {
      const models = await api<ModelsJson>(
        flock,
        "GET",
        `/api/instances/${instance.id}/models`,
      );
      const fakeModel = models.providers.flatMap((p) => p.models).find((m) =>
        m.ref === "fake/fake-model"
      );
      deepStrictEqual(fakeModel?.variants, ["quick", "deep"]);
      const session = await openNewSession(flock, page, instance.id, "variant");
      const variant = page.locator("composer-pickers [data-pick=variant]");
      // the priced model has no variants, the fake model two
      await page.locator("composer-pickers [data-pick=model]").selectOption(
        "fake/fake-priced",
      );
      await variant.waitFor({ state: "detached" });
      await page.locator("composer-pickers [data-pick=model]").selectOption(
        "fake/fake-model",
      );
      await variant.waitFor();
      deepStrictEqual(
        await variant.locator("option").allInnerTexts(),
        ["default", "quick", "deep"],
      );
      await variant.selectOption("deep");
      await send(page, "deep thoughts");
      await replyContaining(page, "deep thoughts");
      await idle(flock, session.id);
      strictEqual(
        modelOf((await userMessages(flock, session.id))[0]),
        "fake/fake-model deep",
      );
      await waitFor(
        "the header to show the variant",
        async () =>
          (await page.locator("[data-stat-model]").innerText()) ===
            "fake/fake-model · deep",
      );
      const saved = await api<SessionJson>(
        flock,
        "GET",
        `/api/sessions/${session.id}`,
      );
      strictEqual(saved.variant, "deep");
    },
  );

  await t.step(
    "a follow-up whose send failed shows the error and is sent by Retry",
    async () => {
      const { working_directory: dir } = await api<InstanceJson>(
        flock,
        "GET",
        `/api/instances/${instance.id}`,
      );
      const session = await openNewSession(flock, page, instance.id, "retry");
      await page.locator("composer-pickers [data-pick=model]").selectOption(
        "fake/fake-priced",
      );
      // the first reply is held, so the follow-up is queued
      const hold = flock.model.hold(/hold the first/);
      await send(page, "hold the first");
      await hold.reached;
      await page.locator("[data-working]").waitFor({ timeout: 60_000 });
      await send(page, "priced follow-up");
      const item = page.locator("queue-list [data-queued-id]");
      await item.and(page.locator("[data-queue-status=queued]")).waitFor();
      // after a restart the project's config no longer offers that model
      await Deno.writeTextFile(
        `${dir}/opencode.json`,
        JSON.stringify({ provider: { fake: { blacklist: ["fake-priced"] } } }),
      );
      try {
        await restart(flock, instance.id);
      } finally {
        hold.release();
      }
      await item.and(page.locator("[data-queue-status=failed]")).waitFor({
        timeout: 60_000,
      });
      const error = await item.innerText();
      ok(/fake-priced/.test(error), error);
      // the model is back after another restart; the failed one waits
      await Deno.remove(`${dir}/opencode.json`);
      await restart(flock, instance.id);
      const queue = await api<{ status: string }[]>(
        flock,
        "GET",
        `/api/sessions/${session.id}/queue`,
      );
      deepStrictEqual(queue.map((q) => q.status), ["failed"]);
      await item.locator("[data-retry]").click();
      await replyContaining(page, "priced follow-up");
      await item.waitFor({ state: "detached" });
      await idle(flock, session.id);
      const said = await userMessages(flock, session.id);
      deepStrictEqual(
        said.map((m) =>
          `${
            m.parts.flatMap((p) => p.type === "text" ? [p.text] : []).join("")
          } (${modelOf(m)})`
        ),
        [
          "hold the first (fake/fake-priced)",
          "priced follow-up (fake/fake-priced)",
        ],
      );
    },
  );

  strictEqual(pageErrors.join("\n"), "");
});
