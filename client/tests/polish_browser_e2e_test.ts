/**
 * The polish users noticed, in Chromium against a real Flock, OpenCode and
 * the fake model: code blocks (language, Copy, highlighting from a chunk
 * loaded only when needed), sending scrolls to your message and "Jump to
 * latest", Esc stops a reply, drafts survive a reload, Stop and Restart
 * keep their places and the focus, a new instance opens a session with the
 * message box focused (the picker following the typed path and marking git
 * repositories), and on a phone: text contrast ≥ 4.5:1 and tap targets
 * ≥ 44 px. One Flock and one browser shared by the steps, in order.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import type { SessionJson } from "../../server/contract/sessions.ts";
import {
  FAKE_CODE_REPLY,
  fakeReply,
} from "../../server/testing/fake_answers.ts";
import {
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";
import { contrastFailures, smallTargets } from "./page_audit.ts";

async function send(page: Page, sessionId: string, text: string) {
  const box = page.locator(
    `session-composer[session-id="${sessionId}"] textarea`,
  );
  await box.fill(text);
  await box.press("Control+Enter");
}

async function git(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", { args, cwd: dir }).output();
  if (!out.success) {
    throw new Error(
      `git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

Deno.test({
  name: "PWA polish: code blocks, scrolling, Esc, drafts, focus, mobile",
  ignore: browserSkipReason() !== undefined,
  // playwright keeps internal timers and pipes between steps
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  await using browser = await launchBrowser();
  const { page, context } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const { id: instanceId } = await flock.runningInstance("alpha");
  const newSession = (title: string) =>
    flock.call<SessionJson>("POST", `/api/instances/${instanceId}/sessions`, {
      title,
    });
  const open = async (sessionId: string) => {
    await page.goto(`${flock.url}/#/s/${encodeURIComponent(sessionId)}`);
    await page.locator(`session-composer[session-id="${sessionId}"] textarea`)
      .waitFor();
  };
  /** Waits for the session's `count`th finished reply, and for it to idle. */
  const answered = (sessionId: string, count = 1) =>
    waitFor("the reply", async () => {
      const messages = await flock.call<
        { info: { role: string; time: { completed?: number } } }[]
      >("GET", `/api/sessions/${sessionId}/messages`);
      const done = messages.filter((m) =>
        m.info.role === "assistant" && m.info.time.completed
      ).length;
      return done >= count &&
        (await flock.call<SessionJson>("GET", `/api/sessions/${sessionId}`))
            .status === "idle";
    }, 60_000);

  await t.step(
    "code blocks: language, Copy, highlighting on demand",
    async () => {
      const chunks: string[] = [];
      page.on("request", (r) => {
        if (/code_highlighter-[^/]*\.js$/.test(r.url())) chunks.push(r.url());
      });
      const plain = await newSession("plain");
      await open(plain.id);
      await send(page, plain.id, "hello");
      await page.locator("[data-role=assistant] markdown-text").first()
        .waitFor();
      await answered(plain.id);
      deepStrictEqual(chunks, [], "no highlighter without a code block");

      const coded = await newSession("code");
      await flock.call("POST", `/api/sessions/${coded.id}/messages`, {
        text: "say-code",
      });
      await answered(coded.id);
      await open(coded.id);
      const block = page.locator("[data-code-block=ts]");
      await page.locator("[data-code-block=ts][data-highlighted=yes]")
        .waitFor();
      strictEqual(chunks.length, 1, "the highlighter chunk loads once");
      strictEqual(
        await block.locator("[data-code-language]").textContent(),
        "ts",
      );
      ok(
        await block.locator("code .hljs-keyword").count() > 0,
        "keywords are highlighted",
      );
      const code = /```ts\n([\s\S]*?)\n```/.exec(FAKE_CODE_REPLY)?.[1] ?? "";
      strictEqual((await block.locator("code").textContent())?.trim(), code);
      await context.grantPermissions(["clipboard-read", "clipboard-write"], {
        origin: flock.url,
      });
      const copy = block.getByRole("button", { name: "Copy the ts code" });
      await copy.click();
      await waitFor(
        "Copied",
        async () => (await copy.textContent()) === "Copied",
      );
      strictEqual(
        await page.evaluate(() => navigator.clipboard.readText()),
        code,
      );
    },
  );

  await t.step("sending scrolls to your message; Jump to latest", async () => {
    const long = await newSession("long");
    await flock.call("POST", `/api/sessions/${long.id}/messages`, {
      text: "long-reply 1500 markdown",
    });
    await answered(long.id);
    await open(long.id);
    const scroller = page.locator("conversation-log [data-scroller]");
    const atEnd = () =>
      scroller.evaluate((el) =>
        el.scrollHeight - el.scrollTop - el.clientHeight < 2
      );
    await waitFor(
      "the end of a long conversation",
      async () =>
        await scroller.evaluate((el) =>
          el.scrollHeight - el.clientHeight > 3000
        ) && await atEnd(),
    );
    const jump = page.locator("[data-jump-latest]");
    strictEqual(await jump.count(), 0);
    await scroller.evaluate((el) => el.scrollBy(0, -2000));
    await jump.waitFor();
    await jump.click();
    await waitFor("the end again", atEnd);
    await jump.waitFor({ state: "detached" });

    await scroller.evaluate((el) => (el.scrollTop = 0));
    await jump.waitFor();
    await send(page, long.id, "hello after scrolling");
    const mine = page.locator("[data-role=user]", {
      hasText: "hello after scrolling",
    });
    await mine.waitFor();
    await waitFor("my message in view", async () => {
      const inView = await mine.evaluate((el) => {
        const box = el.getBoundingClientRect();
        const view = el.closest("[data-scroller]")!.getBoundingClientRect();
        return box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
      });
      return inView && await jump.count() === 0;
    });
    await answered(long.id, 2);
  });

  await t.step("Esc stops a reply", async () => {
    const stop = await newSession("esc");
    await open(stop.id);
    await send(page, stop.id, "slow reply please");
    const state = page.locator("session-header [data-session-state]");
    const reply = page.locator("[data-role=assistant] [data-part=text]");
    await waitFor(
      "some slow text",
      async () =>
        await state.getAttribute("data-session-state") === "working" &&
        (await reply.last().textContent().catch(() => ""))?.trim(),
      60_000,
    );
    // the focus is in the message box (where it is after sending)
    await page.keyboard.press("Escape");
    await page.locator(
      "[data-message-error=MessageAbortedError], [data-session-error=MessageAbortedError]",
    ).first().waitFor();
    await waitFor(
      "the header to say Idle",
      async () => await state.getAttribute("data-session-state") === "idle",
    );
    const partial = (await reply.last().textContent())?.trim() ?? "";
    ok(partial.length < fakeReply("slow reply please").length, partial);
  });

  await t.step(
    "Stop during a provider retry: the empty reply reads Aborted",
    async () => {
      const retrying = await newSession("retrying");
      await open(retrying.id);
      // The fake model answers 500: OpenCode retries the provider, and an
      // abort then ends the reply with no parts and no error (Flock's mark).
      await send(page, retrying.id, "fail500");
      await waitFor(
        "the retry status",
        async () =>
          (await flock.call<SessionJson>("GET", `/api/sessions/${retrying.id}`))
            .status === "retry",
        60_000,
      );
      await page.keyboard.press("Escape");
      const aborted = page.locator("[data-mark=aborted]");
      await aborted.waitFor({ timeout: 30_000 });
      strictEqual((await aborted.textContent())?.trim(), "Aborted");
    },
  );

  await t.step("a draft survives a reload and a switch", async () => {
    const a = await newSession("draft a");
    const b = await newSession("draft b");
    await open(a.id);
    const boxOf = (id: string) =>
      page.locator(`session-composer[session-id="${id}"] textarea`);
    await boxOf(a.id).fill("half a thought");
    await page.reload();
    await boxOf(a.id).waitFor();
    strictEqual(await boxOf(a.id).inputValue(), "half a thought");
    await open(b.id);
    strictEqual(await boxOf(b.id).inputValue(), "");
    await open(a.id);
    strictEqual(await boxOf(a.id).inputValue(), "half a thought");
    // sent: the draft is gone
    await send(page, a.id, "half a thought, finished");
    await page.locator("[data-role=user]", { hasText: "finished" }).waitFor();
    await page.reload();
    await boxOf(a.id).waitFor();
    strictEqual(await boxOf(a.id).inputValue(), "");
    await answered(a.id);
  });

  await t.step("Stop and Restart keep their places and the focus", async () => {
    await page.goto(`${flock.url}/#/`);
    const row = page.locator(
      `instance-list li[data-instance-id="${instanceId}"]`,
    );
    const rowIn = (status: string) =>
      page.locator(
        `instance-list li[data-instance-id="${instanceId}"][data-instance-status=${status}]`,
      );
    const restart = row.locator("[data-action=restart]");
    const stop = row.locator("[data-action=stop]");
    await row.hover();
    const boxes = async () => ({
      restart: await restart.boundingBox(),
      stop: await stop.boundingBox(),
    });
    const before = await boxes();
    ok(before.restart && before.stop);
    ok(
      before.restart.x + before.restart.width <= before.stop.x ||
        before.stop.x + before.stop.width <= before.restart.x,
      "Stop and Restart do not overlap",
    );
    const focused = () =>
      page.evaluate(() =>
        document.activeElement?.getAttribute("data-action") ?? null
      );
    await stop.focus();
    await page.keyboard.press("Enter");
    await rowIn("stopped").waitFor({
      timeout: 60_000,
    });
    strictEqual(await focused(), "stop", "focus stays on Stop");
    // each keeps its slot (the row may grow or shrink a pixel around them)
    const slots = (b: Awaited<ReturnType<typeof boxes>>) => ({
      restart: b.restart?.x,
      stop: b.stop?.x,
    });
    deepStrictEqual(slots(await boxes()), slots(before), "nothing moved");
    strictEqual(await restart.getAttribute("aria-label"), "Start alpha");
    await restart.focus();
    await page.keyboard.press("Enter");
    await rowIn("running").waitFor({
      timeout: 120_000,
    });
    strictEqual(await focused(), "restart", "focus stays on Start/Restart");
    deepStrictEqual(slots(await boxes()), slots(before), "nothing moved");
    await flock.warmUp(instanceId);
  });

  await t.step(
    "a new instance: the picker follows the path, marks git; a session opens focused",
    async () => {
      const beta = await flock.env.workspace("beta");
      const parent = beta.slice(0, beta.lastIndexOf("/"));
      await git(beta, "init", "-q");
      await page.goto(`${flock.url}/#/`);
      await page.click("[data-new-instance]");
      const dialog = page.getByRole("dialog", { name: "New instance" });
      await dialog.waitFor();
      await page.fill("#new-instance-dir", `${parent}/b`);
      await waitFor(
        "the picker to follow the typed path",
        async () =>
          (await dialog.locator("[data-picker-path]").textContent()) ===
            parent &&
          (await dialog.locator("[data-dir]").count()) === 1,
      );
      const folder = dialog.getByRole("button", { name: "Open folder beta" });
      strictEqual(await folder.getAttribute("data-git"), "");
      await page.fill("#new-instance-dir", `${parent}/a`);
      await waitFor(
        "only alpha",
        async () =>
          (await dialog.locator("[data-dir]").allTextContents()).map((t) =>
            t.trim()
          ).join() === "alpha",
      );
      strictEqual(
        await dialog.getByRole("button", { name: "Open folder alpha" })
          .getAttribute("data-git"),
        null,
      );
      await page.fill("#new-instance-dir", beta);
      await dialog.getByRole("button", { name: "Create instance" }).click();
      await page.waitForURL(/#\/s\/ses_/, { timeout: 120_000 });
      await dialog.waitFor({ state: "hidden" });
      const sessionId = decodeURIComponent(page.url().split("#/s/")[1] ?? "");
      const box = page.locator(
        `session-composer[session-id="${sessionId}"] textarea`,
      );
      await waitFor(
        "the message box focused",
        () => box.evaluate((el) => el === document.activeElement),
      );
    },
  );

  await t.step(
    "on a phone: contrast ≥ 4.5:1, tap targets ≥ 44 px",
    async () => {
      const phone = await context.newPage();
      try {
        await phone.setViewportSize({ width: 390, height: 844 });
        const audit = async (what: string) => {
          deepStrictEqual(
            await contrastFailures(phone),
            [],
            `${what}: contrast`,
          );
          deepStrictEqual(
            await smallTargets(phone),
            [],
            `${what}: tap targets`,
          );
        };
        const withCode = (await flock.call<SessionJson[]>(
          "GET",
          `/api/instances/${instanceId}/sessions`,
        )).find((s) => s.title === "code");
        ok(withCode);
        await phone.goto(`${flock.url}/#/`);
        await phone.locator("[data-board-group]").first().waitFor();
        await audit("the board");
        await phone.goto(`${flock.url}/#/s/${encodeURIComponent(withCode.id)}`);
        await phone.locator("[data-code-block][data-highlighted=yes]")
          .waitFor({ state: "attached" });
        await audit("a session");
        await phone.getByRole("button", { name: "Open sidebar" }).click();
        await phone.locator(`li[data-instance-id="${instanceId}"]`).waitFor();
        await audit("the sidebar");
        await phone.goto(
          `${flock.url}/#/i/${encodeURIComponent(instanceId)}/logs`,
        );
        await phone.locator("instance-log [data-log-lines]").waitFor();
        await audit("the log");
      } finally {
        await phone.close();
      }
    },
  );

  strictEqual(pageErrors.join("\n"), "");
});
