/**
 * Helpers of the driving browser tests: REST calls on a `BrowserFlock`, a
 * running instance, a session opened in the page, and reading replies.
 *
 * @module
 */
import type { Page } from "playwright-core";
import type { InstanceJson } from "../../server/contract/instances.ts";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { type BrowserFlock, waitFor } from "./browser_support.ts";

/** Calls Flock's REST API; throws with the body on an HTTP error. */
export async function api<T>(
  flock: BrowserFlock,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(flock.url + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Creates an instance in a fresh workspace and waits until it runs (warmed up). */
export async function runningInstance(
  flock: BrowserFlock,
  name: string,
): Promise<InstanceJson> {
  const dir = await flock.env.workspace(name);
  const created = await api<InstanceJson>(flock, "POST", "/api/instances", {
    working_directory: dir,
    name,
  });
  await waitFor("the instance to run", async () => {
    const now = await api<InstanceJson>(
      flock,
      "GET",
      `/api/instances/${created.id}`,
    );
    return now.status === "running";
  }, 60_000);
  await flock.warmUp(created.id);
  return created;
}

/** Creates a session over REST and opens it in the page. */
export async function openNewSession(
  flock: BrowserFlock,
  page: Page,
  instanceId: string,
  title: string,
): Promise<SessionJson> {
  const session = await api<SessionJson>(
    flock,
    "POST",
    `/api/instances/${instanceId}/sessions`,
    { title },
  );
  await page.goto(`${flock.url}/#/s/${session.id}`);
  await page.getByRole("textbox", { name: "Message" }).waitFor();
  return session;
}

/** Types a message into the composer and sends it with Ctrl+Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Control+Enter");
}

/** Waits for an assistant text part of the open session containing `text`. */
export async function replyContaining(page: Page, text: string): Promise<void> {
  await page.locator("[data-role=assistant] [data-part=text]", {
    hasText: text,
  }).first().waitFor({ timeout: 60_000 });
}

/** Waits until the session is idle in Flock's table. */
export async function idle(
  flock: BrowserFlock,
  sessionId: string,
): Promise<void> {
  await waitFor("the session to be idle", async () => {
    const s = await api<SessionJson>(
      flock,
      "GET",
      `/api/sessions/${sessionId}`,
    );
    return s.status === "idle";
  }, 60_000);
}
