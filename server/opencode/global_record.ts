/**
 * Reads one `data:` payload of a child's `GET /global/event` (API.md §6):
 * `{"directory":…,"project":…,"payload":{…event…}}`, with `sync`
 * replication records and `server.heartbeat` to skip.
 *
 * Each record is parsed once and serialised zero times. The payload's JSON
 * text is located inside the record (the wrapper's keys are matched
 * exactly, then only the payload is parsed), the parsed payload goes
 * through the contract's guard (`readOpenCodeEvent`) for the typed event,
 * and the forwarded JSON is the payload's own text with
 * `,"instance_id":"…"` spliced in before its closing brace. That text is
 * byte-identical to `JSON.stringify({ ...payload, instance_id })` whenever
 * the payload is in `JSON.stringify`'s own form, which is how OpenCode
 * writes it (tested on a corpus of real events); otherwise it is the same
 * JSON value written differently. Anything unusual (other wrapper keys or
 * order, whitespace, line breaks, an `instance_id` already present) takes
 * the slow path: the whole record is parsed and the event serialised once,
 * as before.
 *
 * @module
 */
import { readOpenCodeEvent } from "../contract/event_guard.ts";
import type {
  UnknownFlockEvent,
  UpstreamFlockEvent,
} from "../contract/events.ts";
import { isRecord } from "../contract/opencode_guards.ts";

/** What one `/global/event` record holds for Flock. */
export type GlobalRecord =
  | {
    kind: "event";
    /** The payload with `instance_id` added. */
    event: UpstreamFlockEvent | UnknownFlockEvent;
    /** The record's `directory`, when it has one. */
    directory: string | undefined;
    /** The event's JSON text as forwarded (`instance_id` included). */
    json: string;
    /** Whether `json` had to be serialised (false: spliced from the record). */
    serialised: boolean;
  }
  /** A `sync` record or `server.heartbeat`: nothing to forward. */
  | { kind: "skip"; type: string }
  | { kind: "invalid"; reason: string };

/** A JSON string literal (no raw control characters). */
const STRING = String.raw`"(?:[^"\\\u0000-\u001f]|\\.)*"`;

/** The wrapper's keys as OpenCode writes them, up to the payload's value. */
const WRAPPER = new RegExp(
  String.raw`^\{(?:"directory":(${STRING}),)?(?:"project":${STRING},)?` +
    String.raw`(?:"workspace":${STRING},)?"payload":`,
);

const SYNC = '{"type":"sync"';

function stringOf(literal: string | undefined): string | undefined {
  if (literal === undefined) return undefined;
  return literal.includes("\\")
    ? JSON.parse(literal) as string
    : literal.slice(1, -1);
}

/**
 * `text` (a JSON object's text, `parsed` its value) with `instance_id`
 * spliced in before its closing brace, or undefined when that cannot be
 * done safely: the text does not end with the brace, holds a line break
 * (SSE would split it), or already has an `instance_id` (which must be
 * replaced in place). The caller then serialises the event itself.
 *
 * @param suffix `,"instance_id":<id as JSON>}` (see {@linkcode instanceSuffix}).
 */
export function spliceInstanceId(
  text: string,
  parsed: Record<string, unknown>,
  suffix: string,
): string | undefined {
  if (
    text.charCodeAt(text.length - 1) !== 125 /* } */ ||
    Object.hasOwn(parsed, "instance_id") ||
    text.includes("\n") || text.includes("\r")
  ) {
    return undefined;
  }
  return text.slice(0, -1) + suffix;
}

/** `,"instance_id":"<id>"}`: what {@linkcode spliceInstanceId} appends. */
export function instanceSuffix(instanceId: string): string {
  return `,"instance_id":${JSON.stringify(instanceId)}}`;
}

/** Reads `/global/event` records for one instance. */
export class GlobalRecordReader {
  readonly #instanceId: string;
  readonly #suffix: string;

  constructor(instanceId: string) {
    this.#instanceId = instanceId;
    this.#suffix = instanceSuffix(instanceId);
  }

  /** Reads one record's `data:` text. Never throws. */
  read(data: string): GlobalRecord {
    const fast = this.#fast(data);
    if (fast !== undefined) return fast;
    let record: unknown;
    try {
      record = JSON.parse(data);
    } catch {
      return { kind: "invalid", reason: "not JSON" };
    }
    if (!isRecord(record) || !isRecord(record.payload)) {
      return { kind: "invalid", reason: "not a /global/event record" };
    }
    const directory = typeof record.directory === "string"
      ? record.directory
      : undefined;
    return this.#payload(record.payload, undefined, directory);
  }

  /** The exact-wrapper path; undefined sends the record to the slow path. */
  #fast(data: string): GlobalRecord | undefined {
    const match = WRAPPER.exec(data);
    if (match === null || data.charCodeAt(data.length - 1) !== 125) {
      return undefined;
    }
    const start = match[0].length;
    if (data.startsWith(SYNC, start)) return { kind: "skip", type: "sync" };
    const text = data.slice(start, -1);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!isRecord(payload)) return undefined;
    return this.#payload(payload, text, stringOf(match[1]));
  }

  #payload(
    payload: Record<string, unknown>,
    text: string | undefined,
    directory: string | undefined,
  ): GlobalRecord {
    if (payload.type === "sync") return { kind: "skip", type: "sync" };
    const reading = readOpenCodeEvent(payload);
    if (reading.kind === "invalid") {
      return { kind: "invalid", reason: reading.reason };
    }
    if (reading.event.type === "server.heartbeat") {
      return { kind: "skip", type: "server.heartbeat" };
    }
    const event = { ...reading.event, instance_id: this.#instanceId };
    const spliced = text === undefined
      ? undefined
      : spliceInstanceId(text, payload, this.#suffix);
    return spliced === undefined
      ? {
        kind: "event",
        event,
        directory,
        json: JSON.stringify(event),
        serialised: true,
      }
      : { kind: "event", event, directory, json: spliced, serialised: false };
  }
}
