/**
 * Small helpers for the end-to-end tests that drive agents through
 * Flock's API (sessions, sending, waiting for a reply to finish).
 *
 * @module
 */
import type { ApiErrorBody } from "../contract/api.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { MessageJson } from "../contract/marks.ts";
import type { QueuedMessageJson } from "../contract/queue.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { assertEquals } from "./assert.ts";
import type { EventLog } from "./event_log.ts";
import type { TestFlock } from "./flock_harness.ts";

/** Creates a session in a running instance. */
export async function newSession(
  flock: TestFlock,
  instance: InstanceJson,
  title: string,
): Promise<SessionJson> {
  const res = await flock.api<SessionJson>(
    "POST",
    `/api/instances/${instance.id}/sessions`,
    { title },
  );
  assertEquals(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** Sends a message (202); returns what Flock answered (`sent` or `queued`). */
export async function send(
  flock: TestFlock,
  session: SessionJson,
  body: string | Record<string, unknown>,
): Promise<QueuedMessageJson> {
  const res = await flock.api<QueuedMessageJson>(
    "POST",
    `/api/sessions/${session.id}/messages`,
    typeof body === "string" ? { text: body } : body,
  );
  assertEquals(res.status, 202, JSON.stringify(res.body));
  return res.body;
}

/** Calls the API expecting an error; returns the error body. */
export async function refused(
  flock: TestFlock,
  method: string,
  path: string,
  body: unknown,
  status: number,
): Promise<ApiErrorBody["error"]> {
  const res = await flock.api<ApiErrorBody>(method, path, body);
  assertEquals(
    res.status,
    status,
    `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`,
  );
  return res.body.error;
}

/** Waits until the session's reply is over (`session.idle` from `from` on). */
export async function idle(
  log: EventLog,
  session: { id: string },
  from: number,
): Promise<void> {
  await log.waitFor(
    "session.idle",
    (e) => e.properties.sessionID === session.id,
    { from, timeoutMs: 90_000 },
  );
}

/**
 * Waits until the reply to a prompt is over: the prompt's user text part
 * appears (from `from` on), then the session's next `session.idle` (an
 * idle that closed the reply before is not taken for this one).
 */
export async function replied(
  log: EventLog,
  session: { id: string },
  prompt: string,
  from: number,
): Promise<void> {
  const asked = await log.waitFor(
    "message.part.updated",
    (e) => {
      const part = e.properties.part;
      return part.sessionID === session.id && part.type === "text" &&
        part.text === prompt;
    },
    { from, timeoutMs: 90_000 },
  );
  await idle(log, session, log.events.indexOf(asked));
}

/** The session's messages through Flock. */
export async function messagesOf(
  flock: TestFlock,
  session: { id: string },
): Promise<MessageJson[]> {
  const res = await flock.api<MessageJson[]>(
    "GET",
    `/api/sessions/${session.id}/messages`,
  );
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** The text of a message's text parts. */
export function textOf(message: MessageJson): string {
  return message.parts.map((p) => p.type === "text" ? p.text : "").join("");
}

/** The text of the last assistant message. */
export async function lastReply(
  flock: TestFlock,
  session: { id: string },
): Promise<string> {
  const messages = await messagesOf(flock, session);
  const last = messages.findLast((m) => m.info.role === "assistant");
  return last ? textOf(last) : "";
}
