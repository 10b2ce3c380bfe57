/**
 * A long streamed reply renders only what changed: real Flock, real
 * OpenCode, the fake model's `long-reply` cue, headless Chromium. The page's
 * test probe (`client/lib/render_probe.ts`) logs every event the store gets,
 * every other action it applies (a REST answer such as a diff read) and every
 * element render, in order; the test reads the log back.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import type { InstanceJson } from "../../server/contract/instances.ts";
import {
  longReply,
  plainLongReplyLines,
} from "../../server/testing/long_reply.ts";
import {
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
  waitFor,
} from "./browser_support.ts";

/**
 * One entry of the page's log: an event (`e`), another store action such as
 * a REST answer (`a`), or a render (`r`).
 */
type LogEntry =
  | { k: "e"; type: string; messageID?: string; partID?: string }
  | { k: "a"; kind: string }
  | { k: "r"; tag: string; key: string };

/** What the init script leaves on the page's global object. */
interface ProbePage {
  __flockLog?: LogEntry[];
}

const skip = browserSkipReason();

/** Installed before any page script runs: logs events and renders. */
function installProbe(): void {
  const log: LogEntry[] = [];
  Object.assign(globalThis, {
    __flockLog: log,
    __flockProbe: {
      event(event: { type: string; properties?: Record<string, unknown> }) {
        const p = event.properties ?? {};
        log.push({
          k: "e",
          type: event.type,
          messageID: typeof p.messageID === "string" ? p.messageID : undefined,
          partID: typeof p.partID === "string" ? p.partID : undefined,
        });
      },
      action(kind: string) {
        log.push({ k: "a", kind });
      },
      render(tag: string, key: string) {
        log.push({ k: "r", tag, key });
      },
    },
  });
}

async function takeLog(page: Page): Promise<LogEntry[]> {
  return await page.evaluate(() => {
    const log = (globalThis as typeof globalThis & ProbePage).__flockLog ?? [];
    return log.splice(0, log.length);
  });
}

/** The text parts of the last assistant message, as the page shows them. */
function lastAssistantText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const all = document.querySelectorAll("[data-role=assistant]");
    const last = all[all.length - 1];
    return [...(last?.querySelectorAll("[data-part=text]") ?? [])]
      .map((el) => (el.textContent ?? "").trim()).join("\n");
  });
}

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Control+Enter");
}

Deno.test({
  name: "PWA: a long streamed reply renders only the growing message",
  ignore: skip !== undefined,
  // playwright keeps internal timers and pipes between steps
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  const dir = await flock.env.workspace("long");
  const created = await fetch(`${flock.url}/api/instances`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ working_directory: dir }),
  });
  const instance = (await created.json()) as InstanceJson;
  await waitFor("the instance to run", async () => {
    const res = await fetch(`${flock.url}/api/instances/${instance.id}`);
    return ((await res.json()) as InstanceJson).status === "running";
  }, 120_000);
  // OpenCode's first prompt initialises it (seconds of CPU): on a loaded
  // machine Flock's 10 s request timeout can hit it, so try it again
  for (let attempt = 1;; attempt++) {
    try {
      await flock.warmUp(instance.id);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  const session = await (await fetch(
    `${flock.url}/api/instances/${instance.id}/sessions`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "long" }),
    },
  )).json() as { id: string };

  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.addInitScript(installProbe);
  await page.goto(`${flock.url}/#/s/${encodeURIComponent(session.id)}`);
  await page.locator("connection-badge [data-status=connected]").first()
    .waitFor();
  await page.getByText("No messages yet").waitFor();

  // an earlier exchange: its two messages must stay untouched later
  await send(page, "hello");
  await page.locator("[data-session-status=idle]").waitFor();
  await waitFor(
    "the first reply",
    async () => (await lastAssistantText(page)).includes("You said: hello"),
    60_000,
  );

  const count = 2400;
  await t.step(
    `${count} deltas re-render only the growing message`,
    async () => {
      await page.locator("[data-session-status=idle]").waitFor();
      await takeLog(page);
      // paced, so the test can select text while the reply still grows
      await send(page, `long-reply ${count} 800/s`);
      const expected = plainLongReplyLines(count);
      // select the first paragraph once it is committed: a block is final
      // once the next one's first line is complete, i.e. here once a third
      // paragraph started
      await waitFor(
        "three paragraphs of the reply",
        () =>
          page.evaluate(() => {
            const all = document.querySelectorAll("[data-role=assistant]");
            const last = all[all.length - 1];
            return (last?.querySelectorAll("markdown-text > p").length ?? 0) >=
              3;
          }),
        60_000,
      );
      const selected = await page.evaluate(() => {
        const all = document.querySelectorAll("[data-role=assistant]");
        const first = all[all.length - 1]?.querySelector("markdown-text > p");
        if (!first) return "";
        Object.assign(first, { __kept: true });
        const range = document.createRange();
        range.selectNodeContents(first);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
        return getSelection()?.toString() ?? "";
      });
      ok(selected.length > 20, selected);
      await waitFor(
        "the whole reply",
        async () => (await lastAssistantText(page)) === expected,
        120_000,
      );
      strictEqual(await lastAssistantText(page), expected);
      // … which is what the fake model sent, paragraphs one per line
      const sent = flock.model.requests.map((r) =>
        r.answer.kind === "text" ? r.answer.text : ""
      ).find((text) => text.startsWith("flock0 agent1"));
      strictEqual(sent, longReply(count));
      strictEqual(sent?.split("\n\n").join("\n"), expected);
      // the completed paragraph's node and the selection in it survived
      const others = await page.evaluate(() =>
        ((globalThis as typeof globalThis & ProbePage).__flockLog ?? [])
          .flatMap((e) =>
            e.k === "a"
              ? [e.kind]
              : e.k === "e" && e.type !== "message.part.delta"
              ? [e.type]
              : []
          )
      );
      deepStrictEqual(
        await page.evaluate(() => {
          const all = document.querySelectorAll("[data-role=assistant]");
          const first = all[all.length - 1]?.querySelector("markdown-text > p");
          return {
            kept: first !== null && first !== undefined && "__kept" in first,
            selection: getSelection()?.toString() ?? "",
          };
        }),
        { kept: true, selection: selected },
        `other events meanwhile: ${others.join(", ")}`,
      );
      await page.locator("[data-session-status=idle]").waitFor();

      const log = await takeLog(page);
      const deltas = log.filter((e) =>
        e.k === "e" && e.type === "message.part.delta"
      );
      const growing = deltas[0]?.k === "e" ? deltas[0].messageID : undefined;
      ok(growing, "the reply's deltas reached the page");
      const partIds = new Set(
        deltas.map((e) => e.k === "e" ? e.partID : undefined),
      );
      strictEqual(partIds.size, 1, "one text part grows");
      ok(deltas.length >= count, `${deltas.length} deltas for ${count} tokens`);

      // Frames: the renders after a run of events. After a run of deltas
      // only, nothing renders but the growing message, its Markdown and the
      // log that holds it (the sidebar, the inbox, the header, the composer and
      // every other message stay as they are).
      const partId = [...partIds][0];
      const allowed = new Set([
        `message-item:${growing}`,
        `markdown-text:${partId}`,
        `conversation-log:${session.id}`,
      ]);
      let events: LogEntry[] = [];
      let deltaFrames = 0;
      let itemRenders = 0;
      const strays: string[] = [];
      for (let i = 0; i < log.length; i++) {
        const entry = log[i]!;
        if (entry.k !== "r") {
          events.push(entry);
          continue;
        }
        const what = `${entry.tag}:${entry.key}`;
        if (what === `message-item:${growing}`) itemRenders++;
        const onlyDeltas = events.length > 0 &&
          events.every((e) => e.k === "e" && e.type === "message.part.delta");
        if (onlyDeltas && !allowed.has(what)) strays.push(what);
        if (onlyDeltas && entry.tag === "message-item") deltaFrames++;
        if (log[i + 1] !== undefined && log[i + 1]?.k !== "r") events = [];
      }
      deepStrictEqual(strays, [], "elements rendered for deltas");
      ok(deltaFrames >= 5, `${deltaFrames} frames of deltas rendered`);
      ok(
        itemRenders < deltas.length / 2,
        `${itemRenders} renders for ${deltas.length} deltas (one per frame)`,
      );
    },
  );

  await t.step("streamed Markdown ends exactly as a full parse", async () => {
    const tokens = 700;
    await send(page, `long-reply ${tokens} markdown`);
    await waitFor("the stored reply", async () => {
      const res = await fetch(
        `${flock.url}/api/sessions/${session.id}/messages`,
      );
      const messages = await res.json() as {
        info: { role: string; time: { completed?: number } };
        parts: { type: string; text?: string }[];
      }[];
      const last = messages.at(-1);
      return last?.info.role === "assistant" &&
        last.info.time.completed !== undefined &&
        last.parts.some((p) => p.text === longReply(tokens, "markdown"));
    }, 120_000);
    await page.locator("[data-session-status=idle]").waitFor();
    // code blocks are highlighted once the highlighter chunk is there
    const highlighted = () =>
      waitFor(
        "every code block highlighted",
        async () =>
          await page.locator("[data-code-block]").count() > 0 &&
          await page.locator("[data-code-block]:not([data-highlighted])")
              .count() === 0,
      );
    await highlighted();
    const html = () =>
      page.evaluate(() => {
        const all = document.querySelectorAll("[data-role=assistant]");
        const last = all[all.length - 1];
        return [...(last?.querySelectorAll("markdown-text") ?? [])]
          .map((el) => el.innerHTML).join("\n");
      });
    const streamed = await html();
    ok(streamed.includes("<table>"), streamed.slice(0, 200));
    ok(streamed.includes('<code class="language-ts">'));
    // a reload renders the stored text in one parse
    await page.reload();
    await page.locator("[data-role=assistant] markdown-text table").first()
      .waitFor();
    await highlighted();
    strictEqual(await html(), streamed);
  });

  strictEqual(pageErrors.join("\n"), "");
});
