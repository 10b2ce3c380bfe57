/**
 * The fleet in the PWA, with a real Flock, real OpenCode children, the fake
 * model and headless Chromium: memory per instance and the total, the idle
 * timeout set from the page (a 400 shown), hibernation seen live (dimmed,
 * "wakes on use"), a message that wakes the instance (waking, then the
 * reply streams), "Hibernate now", and a remote server that cannot be
 * attached, with the reason.
 */
import { ok, strictEqual } from "node:assert/strict";
import type { InstanceJson } from "../../server/contract/instances.ts";
import {
  BrowserFlock,
  browserSkipReason,
  launchBrowser,
} from "./browser_support.ts";
import {
  api,
  openNewSession,
  runningInstance,
  send,
} from "./driving_support.ts";

const skip = browserSkipReason();

Deno.test({
  name: "PWA: hibernation, waking, memory, idle timeout and remote attach",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using flock = await BrowserFlock.start();
  const instance = await runningInstance(flock, "sleepy");
  await using browser = await launchBrowser();
  const { page } = browser;
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const row = page.locator(`li[data-instance-id="${instance.id}"]`);
  const session = await openNewSession(flock, page, instance.id, "wake me");

  await t.step("memory per instance and the total are shown", async () => {
    const memory = row.locator("[data-memory]");
    await memory.waitFor({ timeout: 30_000 });
    const text = await memory.textContent();
    ok(/^\d+(\.\d)? (MiB|GiB)$/.test(text ?? ""), `memory: ${text}`);
    const total = await page.locator("[data-memory-total]").textContent();
    ok(/^\d+(\.\d)? (MiB|GiB) in total$/.test(total ?? ""), `total: ${total}`);
    const json = await api<InstanceJson>(
      flock,
      "GET",
      `/api/instances/${instance.id}`,
    );
    ok((json.memory_rss_bytes ?? 0) > 1024 * 1024, "the API has a figure");
  });

  const settings = page.locator("instance-settings dialog");
  const openSettings = async () => {
    await page.getByRole("button", { name: "Settings of sleepy" }).click();
    await settings.waitFor();
  };
  const save = async (timeout: string) => {
    await settings.locator("#instance-settings-timeout").fill(timeout);
    await settings.getByRole("button", { name: "Save" }).click();
  };

  await t.step(
    "the idle timeout is set from the page; a 400 is shown",
    async () => {
      await openSettings();
      await save("99999999");
      const error = settings.locator("[data-settings-error]");
      await error.waitFor();
      ok(
        /idle_timeout_s/.test(await error.textContent() ?? ""),
        "the server's message names the field",
      );
      strictEqual(
        (await api<InstanceJson>(flock, "GET", `/api/instances/${instance.id}`))
          .idle_timeout_s,
        900,
      );
      await save("3");
      await settings.locator("[data-settings-saved]").waitFor();
      strictEqual(
        (await api<InstanceJson>(flock, "GET", `/api/instances/${instance.id}`))
          .idle_timeout_s,
        3,
      );
      await settings.getByRole("button", { name: "Close", exact: true })
        .click();
    },
  );

  await t.step(
    "it hibernates and the page shows it dimmed, wakes on use, without a reload",
    async () => {
      await page.locator(
        `li[data-instance-id="${instance.id}"][data-instance-phase=hibernated]`,
      ).waitFor({ timeout: 60_000 });
      await row.locator("[data-dimmed=true]").waitFor();
      await row.locator("[data-phase-note=hibernated]", {
        hasText: "Hibernated · wakes on use",
      }).waitFor();
      strictEqual(await row.locator("[data-memory]").count(), 0);
    },
  );

  await t.step(
    "a message wakes it: waking, then the reply streams",
    async () => {
      await send(page, "wake up please");
      await row.locator("[data-phase-note=waking]", { hasText: "Waking…" })
        .waitFor({ timeout: 30_000 });
      // A woken OpenCode's first prompt is slow (its lazy start-up): allow
      // for it on a loaded machine.
      await page.locator("[data-role=assistant] [data-part=text]", {
        hasText: "You said: wake up please",
      }).first().waitFor({ timeout: 120_000 });
      const json = await api<InstanceJson>(
        flock,
        "GET",
        `/api/instances/${instance.id}`,
      );
      ok(json.status !== "error", `status ${json.status}`);
      ok(session.id);
    },
  );

  await t.step("timeout 0 from the page, then Hibernate now", async () => {
    await page.locator(
      `li[data-instance-id="${instance.id}"][data-instance-phase=running]`,
    ).waitFor({ timeout: 30_000 });
    await openSettings();
    await save("0");
    await settings.locator("[data-settings-saved]").waitFor();
    strictEqual(
      (await api<InstanceJson>(flock, "GET", `/api/instances/${instance.id}`))
        .idle_timeout_s,
      0,
    );
    await settings.locator("[data-hibernate-now]").click();
    await page.locator(
      `li[data-instance-id="${instance.id}"][data-instance-phase=hibernated]`,
    ).waitFor({ timeout: 30_000 });
    await settings.getByRole("button", { name: "Close", exact: true }).click();
  });

  await t.step(
    "a remote server that cannot be attached shows why",
    async () => {
      await page.locator("[data-new-instance]").first().click();
      const dialog = page.locator("new-instance-dialog dialog");
      await dialog.getByRole("tab", { name: "Remote server" }).click();
      const attach = async (url: string, title: string) => {
        await dialog.locator("#remote-url").fill(url);
        await dialog.locator("#remote-password").fill("secret");
        await dialog.getByRole("button", { name: "Attach server" }).click();
        await dialog.locator("[data-attach-error-title]", { hasText: title })
          .waitFor({ timeout: 30_000 });
      };
      // A port nothing listens on (taken, then freed).
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const freePort = listener.addr.port;
      listener.close();
      await attach(`http://127.0.0.1:${freePort}`, "Cannot reach the server");
      ok(
        (await dialog.locator("[data-attach-error]").textContent())?.includes(
          `127.0.0.1:${freePort}`,
        ),
      );
      // The fake model's server answers, but not like OpenCode.
      await attach(
        new URL(flock.model.baseURL).origin,
        "Not an OpenCode server",
      );
      const all = await api<InstanceJson[]>(flock, "GET", "/api/instances");
      strictEqual(all.filter((i) => i.kind === "remote").length, 0);
    },
  );

  strictEqual(pageErrors.join("\n"), "");
});
