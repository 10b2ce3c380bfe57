/**
 * Test support for the worktree e2e tests: create a session, read its
 * messages, prompt it and wait for the reply, read a file (all over Flock's
 * real HTTP API).
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { OpenCodeMessageWithParts } from "../contract/opencode.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { assertEquals } from "../testing/assert.ts";
import type { TestFlock } from "../testing/flock_harness.ts";

/** Creates a session of `instance` with `body`; asserts the 201. */
export async function createdSession(
  flock: TestFlock,
  instance: InstanceJson,
  body: unknown,
): Promise<SessionJson> {
  const res = await flock.api<SessionJson>(
    "POST",
    `/api/instances/${instance.id}/sessions`,
    body,
  );
  assertEquals(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** The session's messages (asked again while a cold OpenCode answers 502). */
export async function sessionMessages(
  flock: TestFlock,
  session: SessionJson,
): Promise<OpenCodeMessageWithParts[]> {
  // A cold OpenCode on a loaded machine can take over 10 s to answer its
  // first reads (a 502 here): ask again.
  for (let attempt = 0;; attempt++) {
    const res = await flock.api<OpenCodeMessageWithParts[]>(
      "GET",
      `/api/sessions/${session.id}/messages`,
    );
    if (res.status === 502 && attempt < 5) continue;
    assertEquals(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }
}

/** The text of a message's text parts. */
export function replyOf(message: OpenCodeMessageWithParts | undefined): string {
  return (message?.parts ?? []).flatMap((p) =>
    p.type === "text" ? [p.text] : []
  ).join("");
}

/**
 * Sends a prompt and waits (polling the messages: this needs no event
 * stream) until the assistant's reply to it holds `expect`.
 */
export async function promptAndWait(
  flock: TestFlock,
  session: SessionJson,
  text: string,
  expect: string,
): Promise<OpenCodeMessageWithParts[]> {
  const before = (await sessionMessages(flock, session)).length;
  const sent = await flock.api("POST", `/api/sessions/${session.id}/messages`, {
    text,
  });
  assertEquals(sent.status, 202, JSON.stringify(sent.body));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const all = await sessionMessages(flock, session);
    const last = all.at(-1);
    if (
      all.length > before && last?.info.role === "assistant" &&
      last.info.time.completed !== undefined && replyOf(last).includes(expect)
    ) {
      return all;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`No reply with ${expect} in session ${session.id}`);
}

/** A file's text, or null when it does not exist. */
export async function readOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
