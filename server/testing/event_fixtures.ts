/**
 * Builders of well-formed OpenCode shapes and Flock events for unit tests
 * (server and client). Events go through the contract's own guard, so a
 * fixture that lacks a field Flock reads fails loudly instead of passing a
 * test with a shape OpenCode never sends.
 *
 * @module
 */
import { readFlockEvent } from "../contract/event_guard.ts";
import { isEventOf } from "../contract/event_types.ts";
import type { FlockEventOf, FlockEventType } from "../contract/events.ts";
import type {
  OpenCodeAssistantMessage,
  OpenCodeSession,
  OpenCodeTextPart,
  OpenCodeUserMessage,
} from "../contract/opencode.ts";

let counter = 0;

/**
 * A Flock event of `type` with `properties` (an upstream one gets an
 * `evt_…` id and `instance_id`).
 *
 * @throws {Error} when the guard would not accept it.
 */
export function flockEvent<T extends FlockEventType>(
  type: T,
  properties: FlockEventOf<T>["properties"],
  instanceId = "inst_a",
): FlockEventOf<T> {
  const raw = {
    id: `evt_fixture${++counter}`,
    type,
    properties,
    instance_id: instanceId,
  };
  const reading = readFlockEvent(raw);
  if (reading.kind === "known" && isEventOf(reading.event, type)) {
    return reading.event;
  }
  throw new Error(
    `Cannot build a ${type} fixture: ${
      reading.kind === "invalid" ? reading.reason : "unknown type"
    }`,
  );
}

/** An OpenCode session as 1.18.33 sends it, with `overrides` applied. */
export function openCodeSession(
  overrides: Partial<OpenCodeSession> & { id: string },
): OpenCodeSession {
  return {
    slug: "quiet-otter",
    projectID: "global",
    directory: "/tmp/project",
    title: "New session",
    version: "1.18.33",
    time: { created: 1_700_000_000_000, updated: 1_700_000_000_000 },
    ...overrides,
  };
}

/** A user message's `info`. */
export function userMessage(
  id: string,
  sessionID: string,
  created = 1,
): OpenCodeUserMessage {
  return {
    id,
    sessionID,
    role: "user",
    time: { created },
    agent: "build",
    model: { providerID: "fake", modelID: "fake-model" },
  };
}

/** An assistant message's `info`. */
export function assistantMessage(
  id: string,
  sessionID: string,
  overrides: Partial<OpenCodeAssistantMessage> = {},
): OpenCodeAssistantMessage {
  return {
    id,
    sessionID,
    role: "assistant",
    time: { created: 1 },
    parentID: "msg_parent",
    modelID: "fake-model",
    providerID: "fake",
    mode: "build",
    agent: "build",
    path: { cwd: "/tmp/project", root: "/" },
    cost: 0,
    tokens: {
      input: 0,
      output: 0,
      reasoning: 0,
      cache: { read: 0, write: 0 },
    },
    ...overrides,
  };
}

/** A text part. */
export function textPart(
  id: string,
  messageID: string,
  sessionID: string,
  text: string,
): OpenCodeTextPart {
  return { id, messageID, sessionID, type: "text", text };
}
