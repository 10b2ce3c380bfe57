/**
 * The PWA in headless Chromium against a real Flock with real OpenCode
 * children and the fake model. One Flock, one OpenCode instance and one
 * browser are shared by the steps (OpenCode takes seconds to start), so the
 * steps run in order and build on each other.
 */
import {
  assistantMessage,
  flockEvent,
  textPart,
} from "../../server/testing/event_fixtures.ts";
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  FAKE_BASH_COMMAND,
  FAKE_HTML_REPLY,
  fakeReply,
  toolFinishedReply,
} from "../../server/testing/fake_model.ts";
import {
  ARTIFACTS,
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";

/** What the steps leave on the page's global object (set in `page.evaluate`). */
interface PageProbes {
  __texts?: string[];
  __xss?: number;
  __notes?: string[];
  __stats?: { mutations: number };
  __sameDocument?: boolean;
  __before?: boolean;
}

const skip = browserSkipReason();

/** The text of the last assistant message's text parts. */
function lastAssistantText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const all = document.querySelectorAll("[data-role=assistant]");
    const last = all[all.length - 1];
    if (!last) return "";
    return [...last.querySelectorAll("[data-part=text]")]
      .map((el) => (el.textContent ?? "").trim())
      .join("\n");
  });
}

async function assistantCount(page: Page): Promise<number> {
  return await page.locator("[data-role=assistant]").count();
}

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Control+Enter");
}

Deno.test({
  name: "PWA in Chromium against a real Flock",
  ignore: skip !== undefined,
  // playwright keeps internal timers and pipes between steps
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await using flock = await BrowserFlock.start();
  await using browser = await launchBrowser();
  const { page, context } = browser;
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) {
      pageErrors.push(message.text());
    }
  });
  const workspace = await flock.env.workspace("alpha");
  let sessionId = "";

  await page.goto(flock.url + "/");
  await page.locator("connection-badge [data-status=connected]").first()
    .waitFor();

  await t.step(
    "(1) create an instance through the modal: yellow, then green",
    async () => {
      await page.click("[data-new-instance]");
      const dialog = page.getByRole("dialog", { name: "New instance" });
      await dialog.waitFor();
      // the picker starts in the default directory (here: the workspaces)
      await dialog.getByRole("button", { name: "Open folder alpha" }).click();
      await waitFor(
        "the picker to select alpha",
        async () => (await page.inputValue("#new-instance-dir")) === workspace,
      );
      await page.fill("#new-instance-name", "alpha");
      // a bad path is refused inline by the server
      await page.fill("#new-instance-dir", "relative/path");
      await dialog.getByRole("button", { name: "Create instance" }).click();
      await dialog.getByRole("alert").waitFor();
      await page.fill("#new-instance-dir", workspace);
      const seen = new Set<string>();
      const watch = (async () => {
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && !seen.has("running")) {
          const dot = await page.locator("[data-instance-id] [data-status-dot]")
            .first().getAttribute("class", { timeout: 100 }).catch(() => null);
          if (dot?.includes("bg-yellow-400")) seen.add("starting");
          if (dot?.includes("bg-emerald-400")) seen.add("running");
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      await dialog.getByRole("button", { name: "Create instance" }).click();
      await watch;
      deepStrictEqual([...seen], ["starting", "running"]);
      // the dialog closes once the instance runs
      await dialog.waitFor({ state: "hidden" });
      const id = await page.locator("[data-instance-id]").first()
        .getAttribute("data-instance-id");
      await flock.warmUp(id ?? "");
    },
  );

  await t.step("the modal traps focus and Esc closes it", async () => {
    await page.click("[data-new-instance]");
    const dialog = page.getByRole("dialog", { name: "New instance" });
    await dialog.waitFor();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press(i % 3 === 0 ? "Shift+Tab" : "Tab");
      ok(
        await page.evaluate(() =>
          document.activeElement?.closest("dialog[open]") !== null
        ),
        `focus left the dialog after ${i + 1} presses`,
      );
    }
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });

  await t.step(
    "(2) a reply streams in progressively after Ctrl+Enter",
    async () => {
      // creating the instance opened its first session: wait for another
      const first = page.url();
      await page.getByRole("button", { name: "New session in alpha" }).click();
      await waitFor(
        "the new session",
        () => page.url().includes("#/s/ses_") && page.url() !== first,
      );
      sessionId = decodeURIComponent(page.url().split("#/s/")[1] ?? "");
      // the box of this session (it shows the session's draft once bound)
      await page.locator(`session-composer[session-id="${sessionId}"] textarea`)
        .waitFor();
      // record every distinct text of the reply as the DOM changes
      await page.evaluate(() => {
        const texts: string[] = [];
        (globalThis as typeof globalThis & PageProbes).__texts = texts;
        const record = () => {
          const all = document.querySelectorAll("[data-role=assistant]");
          const last = all[all.length - 1];
          const text = last?.querySelector("[data-part=text]")?.textContent
            ?.trim() ?? "";
          if (text && texts.at(-1) !== text) texts.push(text);
        };
        new MutationObserver(record).observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });
      // `slow`: the fake model streams a token every 300 ms, so the page
      // renders text in between however loaded the machine is.
      await send(page, "hello slow");
      const final = fakeReply("hello slow");
      await waitFor(
        "the final reply",
        async () => (await lastAssistantText(page)) === final,
      );
      const texts = await page.evaluate(() =>
        (globalThis as typeof globalThis & PageProbes).__texts
      );
      ok(texts, "the text probe ran");
      const intermediate = texts.filter((x) => x !== final);
      ok(
        intermediate.length >= 2,
        `expected 2+ intermediate texts, saw ${JSON.stringify(texts)}`,
      );
      for (const text of intermediate) ok(final.startsWith(text), text);
      strictEqual(texts.at(-1), final);
      // the user's message is shown as a bubble, the textarea is cleared
      await page.locator("[data-role=user]", { hasText: "hello" }).waitFor();
      strictEqual(
        await page.getByRole("textbox", { name: "Message" }).inputValue(),
        "",
      );
    },
  );

  await t.step(
    "(3) a bash permission shows inline and in 'needs you'; approving runs the tool",
    async () => {
      await send(page, "use bash");
      const inline = page.locator("session-view permission-prompt");
      const inbox = page.locator("[data-needs-you] permission-prompt");
      await inline.waitFor();
      await inbox.waitFor();
      ok((await inline.textContent())?.includes(FAKE_BASH_COMMAND));
      ok((await inbox.textContent())?.includes(FAKE_BASH_COMMAND));
      await inline.getByRole("button", { name: /^Allow bash once/ }).click();
      await page.locator("[data-needs-you]").waitFor({ state: "detached" });
      const tool = page.locator("[data-part=tool][data-tool=bash]").last();
      await waitFor(
        "the tool to complete",
        async () => (await tool.getAttribute("data-status")) === "completed",
      );
      await tool.locator("summary").click();
      const output = await tool.locator("[data-tool-output]").textContent();
      strictEqual(output?.trim(), "flock-tool-ok");
      await waitFor(
        "the follow-up text",
        async () =>
          (await lastAssistantText(page)).includes(
            toolFinishedReply("flock-tool-ok\n").trim(),
          ),
      );
      strictEqual(await inline.count(), 0);
    },
  );

  await t.step(
    "(4) aborting a slow reply stops it and the session goes idle",
    async () => {
      const before = await assistantCount(page);
      await send(page, "slow please");
      await page.locator("[data-working]").waitFor();
      await waitFor(
        "some slow text",
        async () =>
          (await assistantCount(page)) > before &&
          (await lastAssistantText(page)).length > 0,
      );
      await page.getByRole("button", { name: "Stop generating (abort)" })
        .click();
      await page.locator(
        "[data-message-error=MessageAbortedError], [data-session-error=MessageAbortedError]",
      ).first().waitFor();
      await page.locator("[data-working]").waitFor({ state: "detached" });
      await page.locator("[data-session-status=idle]").waitFor();
      const partial = await lastAssistantText(page);
      ok(partial.length < fakeReply("slow please").length, partial);
    },
  );

  await t.step("(9) HTML in a reply executes nothing", async () => {
    await page.evaluate(() => {
      (globalThis as typeof globalThis & PageProbes).__xss = 0;
      globalThis.alert = () => {
        const probes = globalThis as typeof globalThis & PageProbes;
        probes.__xss = (probes.__xss ?? 0) + 1;
      };
    });
    await send(page, "say-html");
    await waitFor(
      "the HTML reply",
      async () => (await lastAssistantText(page)).endsWith("done"),
    );
    strictEqual(await lastAssistantText(page), FAKE_HTML_REPLY);
    const found = await page.evaluate(() => ({
      active: document.querySelectorAll(
        "[data-role=assistant] script, [data-role=assistant] img, [data-role=assistant] [onerror]",
      ).length,
      xss: (globalThis as typeof globalThis & PageProbes).__xss,
    }));
    deepStrictEqual(found, { active: 0, xss: 0 });
    deepStrictEqual(dialogs, []);
  });

  await t.step(
    "retry status, notifications, rename, back/forward, delete",
    async () => {
      await page.getByRole("button", { name: "New session in alpha" }).click();
      await waitFor(
        "a second session",
        () => page.url().includes("#/s/") && !page.url().includes(sessionId),
      );
      const second = decodeURIComponent(page.url().split("#/s/")[1] ?? "");
      await page.locator(`session-composer[session-id="${second}"] textarea`)
        .waitFor();

      // a 5xx from the model: OpenCode retries; the page shows the attempt
      await send(page, "fail500");
      await waitFor(
        "the retry status",
        async () =>
          /^Retrying \(attempt \d+\) at \d\d:\d\d:\d\d/.test(
            (await page.locator("[data-status-label]").textContent()
              .catch(() => "")) ?? "",
          ),
      );
      await page.getByRole("button", { name: "Stop generating (abort)" })
        .click();
      await page.locator("[data-working]").waitFor({ state: "detached" });

      // a finished session notifies while the tab is hidden (opted in)
      await page.evaluate(() => {
        const shown: string[] = [];
        (globalThis as typeof globalThis & PageProbes).__notes = shown;
        class FakeNotification {
          static permission = "granted";
          onclick: (() => void) | null = null;
          constructor(title: string, options?: { body?: string }) {
            shown.push(`${title}: ${options?.body ?? ""}`);
          }
          close() {}
        }
        Object.defineProperty(globalThis, "Notification", {
          value: FakeNotification,
          configurable: true,
        });
        Object.defineProperty(document, "hidden", {
          get: () => true,
          configurable: true,
        });
        localStorage.setItem("flock.notifications", "on");
      });
      await send(page, "hello");
      const notes = await waitFor("a notification", async () => {
        const list = await page.evaluate(() =>
          (globalThis as typeof globalThis & PageProbes).__notes
        );
        return list && list.length > 0 ? list : null;
      });
      ok(notes?.[0]?.startsWith("Session finished"), String(notes));
      await page.evaluate(() => {
        Reflect.deleteProperty(document, "hidden");
        localStorage.removeItem("flock.notifications");
      });

      // rename (after OpenCode named it, so its title cannot win later)
      const link = page.locator(`a[data-session-id="${second}"]`);
      await waitFor(
        "the generated title",
        async () => (await link.textContent())?.includes("Fake title"),
      );
      await page.getByRole("button", { name: "Rename session" }).click();
      const title = page.getByRole("textbox", { name: "Session title" });
      await title.fill("Second thoughts");
      await title.press("Enter");
      await page.locator("[data-session-title]", {
        hasText: "Second thoughts",
      }).waitFor();
      await waitFor(
        "the sidebar title",
        async () => (await link.textContent())?.includes("Second thoughts"),
      );
      const renamed = await fetch(`${flock.url}/api/sessions/${second}`);
      strictEqual((await renamed.json()).title, "Second thoughts");

      // back and forward move between the sessions
      await page.goBack();
      await waitFor(
        "back to the first session",
        () => page.url().endsWith(encodeURIComponent(sessionId)),
      );
      await page.locator("[data-session-title]", { hasText: "Fake title" })
        .waitFor();
      await page.goForward();
      await page.locator("[data-session-title]", {
        hasText: "Second thoughts",
      }).waitFor();

      // delete, after confirming
      await page.getByRole("button", { name: "Delete session" }).click();
      const confirm = page.getByRole("dialog", { name: "Delete session?" });
      await confirm.getByRole("button", { name: "Delete" }).click();
      await waitFor("the home route", () => page.url().endsWith("#/"));
      await link.waitFor({ state: "detached" });
      strictEqual(
        (await fetch(`${flock.url}/api/sessions/${second}`)).status,
        404,
      );
      await page.goto(`${flock.url}/#/s/${encodeURIComponent(sessionId)}`);
      await page.locator("[data-role=assistant]").first().waitFor();
    },
  );

  await t.step(
    "a burst of 3,000 deltas renders per frame",
    async () => {
      const instanceId = await page.locator("[data-instance-id]").first()
        .getAttribute("data-instance-id") ?? "";
      const created = await fetch(
        `${flock.url}/api/instances/${instanceId}/sessions`,
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ title: "burst" }),
        },
      );
      const burst = (await created.json()) as { id: string };
      await page.goto(`${flock.url}/#/s/${encodeURIComponent(burst.id)}`);
      await page.getByText("No messages yet").waitFor();
      await page.evaluate(() => {
        const stats = { mutations: 0 };
        (globalThis as typeof globalThis & PageProbes).__stats = stats;
        new MutationObserver(() => stats.mutations++).observe(
          document.querySelector("session-view [role=log]")!,
          { subtree: true, childList: true, characterData: true },
        );
      });
      const ids = {
        sessionID: burst.id,
        messageID: "msg_zzzz",
        partID: "prt_zzzz",
      };
      flock.publish(flockEvent("message.updated", {
        sessionID: burst.id,
        info: assistantMessage(ids.messageID, burst.id, {
          time: { created: Date.now() },
        }),
      }, instanceId));
      flock.publish(flockEvent("message.part.updated", {
        sessionID: burst.id,
        part: textPart(ids.partID, ids.messageID, burst.id, ""),
        time: Date.now(),
      }, instanceId));
      const count = 3000;
      for (let i = 0; i < count; i++) {
        flock.publish(
          flockEvent("message.part.delta", {
            ...ids,
            field: "text",
            delta: `w${i} `,
          }, instanceId),
        );
      }
      const expected = Array.from({ length: count }, (_, i) => `w${i}`).join(
        " ",
      );
      await waitFor(
        "the whole burst",
        async () => (await lastAssistantText(page)) === expected,
      );
      const stats = await page.evaluate(() =>
        (globalThis as typeof globalThis & PageProbes).__stats
      );
      ok(stats, "the render probe ran");
      ok(
        stats.mutations < count / 10,
        `${stats.mutations} DOM updates for ${count} deltas`,
      );
      await fetch(`${flock.url}/api/sessions/${burst.id}`, {
        method: "DELETE",
      });
      await page.goto(`${flock.url}/#/s/${encodeURIComponent(sessionId)}`);
      await page.locator("[data-role=assistant]").first().waitFor();
    },
  );

  await t.step("(8) the PWA is installable", async () => {
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await waitFor(
      "the service worker to control the page",
      () => page.evaluate(() => navigator.serviceWorker.controller !== null),
    );
    const cdp = await context.newCDPSession(page);
    const result = await cdp.send("Page.getInstallabilityErrors") as {
      installabilityErrors: { errorId: string }[];
    };
    await cdp.detach();
    deepStrictEqual(result.installabilityErrors, []);
  });

  await t.step("(10) screenshots of the main screens", async () => {
    const shot = (name: string) =>
      page.screenshot({ path: `${ARTIFACTS}${name}.png` });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => {
      for (const d of document.querySelectorAll("[data-part=tool] details")) {
        (d as HTMLDetailsElement).open = true;
      }
    });
    await page.waitForTimeout(300); // let transitions settle
    await shot("desktop-session");
    await page.goto(flock.url + "/#/");
    await page.locator("[data-instance-id]").first().waitFor();
    await shot("desktop-home");
    await page.click("[data-new-instance]");
    await page.getByRole("button", { name: "Open folder alpha" }).waitFor();
    await shot("desktop-new-instance");
    await page.keyboard.press("Escape");
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${flock.url}/#/s/${encodeURIComponent(sessionId)}`);
    await page.locator("[data-role=assistant]").first().waitFor();
    await page.waitForTimeout(300);
    await shot("mobile-session");
    await page.getByRole("button", { name: "Open sidebar" }).click();
    await page.waitForTimeout(300);
    await shot("mobile-sidebar");
    await page.getByRole("button", { name: "Close sidebar" }).first().click();
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.step(
    "(6) the page recovers on its own when Flock restarts",
    async () => {
      await page.goto(`${flock.url}/#/s/${encodeURIComponent(sessionId)}`);
      await page.locator("[data-role=assistant]").first().waitFor();
      await page.evaluate(() => {
        (globalThis as typeof globalThis & PageProbes).__sameDocument = true;
      });
      const conversation = () =>
        page.evaluate(() =>
          [...document.querySelectorAll("[data-role]")].map((el) =>
            `${el.getAttribute("data-role")}: ${
              (el.querySelector("[data-part=text]") ?? el).textContent?.trim()
            }`
          )
        );
      const before = await conversation();
      await flock.stopServer();
      await page.locator("connection-badge [data-status=offline]").first()
        .waitFor({ timeout: 15_000 });
      await flock.startServer();
      await page.locator("connection-badge [data-status=connected]").first()
        .waitFor({ timeout: 30_000 });
      ok(
        await page.evaluate(() =>
          (globalThis as typeof globalThis & PageProbes).__sameDocument
        ),
        "the page was not reloaded",
      );
      deepStrictEqual(await conversation(), before);
      // the page catches up with the server's state (Flock stopped the
      // child when it shut down), then the session continues
      const status = await waitFor(
        "the page to show the server's state",
        async () => {
          const res = await fetch(`${flock.url}/api/instances`);
          const [server] = await res.json() as { status: string }[];
          const shown = await page.locator("[data-instance-id]").first()
            .getAttribute("data-instance-status");
          return shown === server?.status ? shown : undefined;
        },
      );
      if (status !== "running") {
        // a stopped instance's button reads "Start"
        await page.getByRole("button", { name: /^(Re)?[Ss]tart alpha$/ })
          .click();
      }
      await page.locator("[data-instance-status=running]").first().waitFor({
        timeout: 60_000,
      });
      await send(page, "hello again");
      const final = fakeReply("hello again");
      await waitFor(
        "the reply after the restart",
        async () => (await lastAssistantText(page)) === final,
        60_000,
      );
      const after = await conversation();
      deepStrictEqual(after.slice(0, before.length), before);
      strictEqual(after.length, before.length + 2);
    },
  );

  await t.step("(5) stopping the instance turns its dot gray", async () => {
    await page.getByRole("button", { name: "Stop alpha" }).click();
    await page.locator("[data-instance-id] [data-status-dot=stopped]").first()
      .waitFor({ timeout: 30_000 });
    const dot = await page.locator("[data-status-dot=stopped]").first()
      .getAttribute("class");
    ok(dot?.includes("bg-gray-500"), dot ?? "");
  });

  await t.step(
    "(7) offline: a reload shows the cached shell and 'offline'",
    async () => {
      await flock.stopServer();
      await page.reload();
      await page.locator("[data-new-instance]").waitFor();
      await page.locator("connection-badge [data-status=offline]").first()
        .waitFor({ timeout: 15_000 });
      await page.screenshot({ path: `${ARTIFACTS}desktop-offline.png` });
    },
  );

  deepStrictEqual(pageErrors, []);
});
