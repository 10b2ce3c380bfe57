/**
 * Reads one child's `GET /global/event` stream and forwards each event,
 * tagged with its instance id and with the directory OpenCode reported for
 * it. `/global/event` carries every directory the child serves (its own and
 * any other reached through `?directory=`, such as a worktree's), where
 * `/event` carries only the child's own (API.md §4). Reconnects with backoff
 * while open, and after every (re)connect fetches the sessions
 * (`GET /session`, subagents' child sessions included), their statuses
 * (`GET /session/status`) and the pending permission requests and questions
 * (`GET /permission`, `GET /question`) for the resync hook, since OpenCode
 * does not replay events that were published while nobody listened.
 *
 * The hot path, per chunk of the body: one read into a reused buffer (a
 * BYOB reader; a default reader allocates 64 KiB per read), one
 * `TextDecoder` call, `eventsource-parser` fed directly (no stream pipes),
 * and per record {@linkcode GlobalRecordReader}: the payload is parsed once
 * (for the guard, the session tracker and the broker's filters) and its
 * JSON text is forwarded with `instance_id` spliced in, so nothing is
 * serialised again. No timer is touched per chunk: the idle watchdog reads
 * the time of the last chunk when it fires.
 *
 * Each payload is read by the contract's guard (`readOpenCodeEvent`): a
 * known event is forwarded typed, an event whose type the pinned SDK does
 * not know is forwarded as an `UnknownFlockEvent`, and anything else (not
 * JSON, no envelope, a known type without the fields Flock reads) is logged
 * and dropped.
 *
 * `server.heartbeat` (every 10 s) and `sync` records are not forwarded:
 * they carry nothing for Flock's clients, which get Flock's own keepalives.
 * A heartbeat does keep the idle watchdog happy: a stream silent for
 * `idleTimeoutMs` is dropped and reopened.
 *
 * @module
 */
import { createParser } from "eventsource-parser";
import type {
  PublishMeta,
  UnknownFlockEvent,
  UpstreamFlockEvent,
} from "../contract/events.ts";
import type {
  OpenCodePermission,
  OpenCodeQuestion,
  OpenCodeSession,
  OpenCodeSessionStatus,
} from "../contract/opencode.ts";
import { log } from "../log.ts";
import { backoffDelay } from "./backoff.ts";
import { GlobalRecordReader } from "./global_record.ts";
import type { OpenCodeClient } from "./opencode_client.ts";

/**
 * How many sessions the resync asks for. OpenCode's `GET /session` answers
 * 100 (most recently updated first) unless told otherwise, and has no cap
 * (verified in 1.18.33), so the whole list is asked for: a resync must not
 * mistake the 101st session for a deleted one.
 */
export const SESSION_LIST_LIMIT = 1_000_000;

/** The size of the reused read buffer. */
const READ_BYTES = 64 * 1024;

/** What a child reports after each (re)connect of its event stream. */
export interface ResyncSnapshot {
  /**
   * `GET /session?directory=…&limit=…`: every session (subagents' child
   * sessions too, with their `parentID`), most recently updated first.
   */
  sessions: OpenCodeSession[];
  /** `GET /session/status`: busy and retrying sessions (idle ones are absent). */
  statuses: Record<string, OpenCodeSessionStatus>;
  /**
   * When the list was asked for (epoch ms): a session created after it may
   * be missing from the list yet already known, and is kept.
   */
  askedAt?: number;
  /**
   * `GET /permission`: the pending permission requests (absent when they
   * could not be read; the sessions are resynced all the same).
   */
  permissions?: OpenCodePermission[];
  /** `GET /question`: the pending questions (absent like `permissions`). */
  questions?: OpenCodeQuestion[];
}

/** Called with the snapshot after each (re)connect. */
export type ResyncHook = (
  instanceId: string,
  snapshot: ResyncSnapshot,
) => void | Promise<void>;

/** Options for {@linkcode UpstreamEvents}. */
export interface UpstreamEventsOptions {
  instanceId: string;
  /** The child's project directory (its sessions are listed for it). */
  directory: string;
  client: Pick<
    OpenCodeClient,
    | "openEventStream"
    | "sessionStatus"
    | "listSessions"
    | "listPermissions"
    | "listQuestions"
  >;
  /**
   * Receives every forwarded event, synchronously, in stream order, with
   * its directory and its JSON text as forwarded.
   */
  publish: (
    event: UpstreamFlockEvent | UnknownFlockEvent,
    meta: PublishMeta,
  ) => void;
  /** Receives the sessions and their statuses after each (re)connect. */
  onResync?: ResyncHook | undefined;
  /** Reconnect delays. Default 250 ms base, 5 s cap. */
  reconnect?: { baseMs: number; capMs: number };
  /** Drop and reopen a stream that is silent this long. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** Injected for tests. Default `Math.random`. */
  random?: () => number;
}

/** Sleeps `ms`, or less when `signal` aborts. Never rejects. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The subscription to one child's events. */
export class UpstreamEvents implements AsyncDisposable {
  #options: UpstreamEventsOptions;
  #closed = new AbortController();
  #loop: Promise<void> | null = null;
  #connected = false;
  #connections = 0;

  constructor(options: UpstreamEventsOptions) {
    this.#options = options;
  }

  /** Whether a stream is open and `server.connected` was seen. */
  get connected(): boolean {
    return this.#connected;
  }

  /** How many times `server.connected` was seen (for tests and diagnostics). */
  get connections(): number {
    return this.#connections;
  }

  /** Starts reading (once). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops reading and waits until the stream is released. */
  async close(): Promise<void> {
    this.#closed.abort();
    await this.#loop;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #run(): Promise<void> {
    const { reconnect = { baseMs: 250, capMs: 5000 } } = this.#options;
    const random = this.#options.random ?? Math.random;
    let attempt = 0;
    while (!this.#closed.signal.aborted) {
      const healthy = await this.#readOnce();
      if (healthy) attempt = 0;
      if (this.#closed.signal.aborted) break;
      const delay = backoffDelay(
        attempt++,
        { ...reconnect, multiplier: 2, jitter: 0.5 },
        random,
      );
      await pause(delay, this.#closed.signal);
    }
  }

  /** One connection. Returns whether it got as far as `server.connected`. */
  async #readOnce(): Promise<boolean> {
    const { instanceId, client, publish } = this.#options;
    const idleMs = this.#options.idleTimeoutMs ?? 30_000;
    const connection = new AbortController();
    let cancel: (() => Promise<void>) | undefined;
    // Aborting the fetch alone does not reliably end a pending read of the
    // body (seen with Deno 2.9.6), so the reader is cancelled too.
    const drop = () => {
      connection.abort();
      cancel?.().catch(() => {});
    };
    this.#closed.signal.addEventListener("abort", drop, { once: true });
    // The watchdog: one timer per idle period, not one per chunk.
    let lastChunk = Date.now();
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      const quiet = Date.now() - lastChunk;
      if (quiet >= idleMs) drop();
      else idleTimer = setTimeout(watch, idleMs - quiet);
    };
    idleTimer = setTimeout(watch, idleMs);
    const records = new GlobalRecordReader(instanceId);
    const datas: string[] = [];
    const parser = createParser({ onEvent: (event) => datas.push(event.data) });
    const decoder = new TextDecoder();
    let sawConnected = false;
    try {
      const body = await client.openEventStream({
        signal: connection.signal,
        timeoutMs: 10_000,
      });
      const reader = chunkReader(body);
      cancel = () => reader.cancel();
      if (connection.signal.aborted) return false;
      while (true) {
        const chunk = await reader.read();
        if (chunk === undefined) break;
        lastChunk = Date.now();
        parser.feed(decoder.decode(chunk, { stream: true }));
        for (let i = 0; i < datas.length; i++) {
          const record = records.read(datas[i]!);
          if (record.kind === "skip") continue;
          if (record.kind === "invalid") {
            log.warn(
              `Ignoring an event of instance ${instanceId}: ${record.reason}`,
            );
            continue;
          }
          if (record.event.type === "server.connected") {
            sawConnected = true;
            this.#connected = true;
            this.#connections++;
            // Awaited on purpose: events after this point are newer than the
            // snapshot, so they are published after the hook has applied it.
            await this.#resync(connection.signal);
          }
          publish(record.event, {
            directory: record.directory,
            json: record.json,
          });
        }
        datas.length = 0;
      }
    } catch (error) {
      if (!this.#closed.signal.aborted) {
        log.debug(`Event stream of instance ${instanceId} dropped:`, error);
      }
    } finally {
      this.#connected = false;
      clearTimeout(idleTimer);
      this.#closed.signal.removeEventListener("abort", drop);
      connection.abort();
      await cancel?.().catch(() => {});
    }
    return sawConnected;
  }

  async #resync(signal: AbortSignal): Promise<void> {
    const { instanceId, directory, client, onResync } = this.#options;
    if (!onResync) return;
    try {
      // Generous: the first call into a fresh instance pays its lazy
      // initialisation (seconds, more on a busy machine).
      const options = { signal, timeoutMs: 30_000 };
      // The pending requests are asked alongside, but a failure there
      // must not hold back the sessions' resync.
      const pending = Promise.all([
        client.listPermissions(options),
        client.listQuestions(options),
      ]).catch((error: unknown) => {
        if (!signal.aborted) {
          log.warn(
            `Cannot list the pending requests of instance ${instanceId}:`,
            error,
          );
        }
        return undefined;
      });
      const askedAt = Date.now();
      const [sessions, statuses] = await Promise.all([
        client.listSessions(
          { roots: false, directory, limit: SESSION_LIST_LIMIT },
          options,
        ),
        client.sessionStatus(options),
      ]);
      const requests = await pending;
      await onResync(instanceId, {
        sessions,
        statuses,
        askedAt,
        ...(requests
          ? { permissions: requests[0], questions: requests[1] }
          : {}),
      });
    } catch (error) {
      if (!signal.aborted) {
        log.warn(
          `Cannot resync the sessions of instance ${instanceId}:`,
          error,
        );
      }
    }
  }
}

/** Reads a byte stream chunk by chunk; see {@linkcode chunkReader}. */
interface ChunkReader {
  /** The next chunk (valid until the next call), or undefined at the end. */
  read(): Promise<Uint8Array | undefined>;
  cancel(): Promise<void>;
}

/**
 * Reads `body` into one reused buffer when it supports BYOB reads (fetch
 * bodies do), which spares an allocation of 64 KiB per chunk, else with a
 * default reader.
 */
function chunkReader(body: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    const plain = body.getReader();
    return {
      read: async () => (await plain.read()).value,
      cancel: () => plain.cancel(),
    };
  }
  let view = new Uint8Array(READ_BYTES);
  return {
    async read() {
      const { value } = await byob.read(view);
      if (value === undefined || value.byteLength === 0) return undefined;
      view = new Uint8Array(value.buffer, 0, READ_BYTES);
      return value;
    },
    cancel: () => byob.cancel(),
  };
}
