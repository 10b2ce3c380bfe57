/**
 * The bits of Flock's REST API and event stream the benchmarks drive.
 *
 * @module
 */
import type { InstanceJson } from "../server/contract/instances.ts";
import type { SessionJson } from "../server/contract/sessions.ts";

/** Shared clock (epoch ms, sub-ms). */
export function clock(): number {
  return performance.timeOrigin + performance.now();
}

async function call<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${method} ${path} failed: HTTP ${response.status} ${text}`,
    );
  }
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

/** Creates an instance for `dir` (it starts at once). */
export function createInstance(
  base: string,
  dir: string,
  name?: string,
): Promise<InstanceJson> {
  return call(base, "POST", "/api/instances", {
    working_directory: dir,
    ...(name === undefined ? {} : { name }),
  });
}

/** `GET /api/instances/:id`. */
export function getInstance(base: string, id: string): Promise<InstanceJson> {
  return call(base, "GET", `/api/instances/${id}`);
}

/** Stops an instance. */
export async function stopInstance(base: string, id: string): Promise<void> {
  await call(base, "POST", `/api/instances/${id}/stop`);
}

/** Restarts (or starts) an instance. */
export async function restartInstance(base: string, id: string): Promise<void> {
  await call(base, "POST", `/api/instances/${id}/restart`);
}

/** Creates a session in a running instance. */
export function createSession(
  base: string,
  instanceId: string,
  title?: string,
): Promise<SessionJson> {
  return call(
    base,
    "POST",
    `/api/instances/${instanceId}/sessions`,
    title === undefined ? {} : { title },
  );
}

/** Sends a prompt to a session (the reply streams as events). */
export async function sendPrompt(
  base: string,
  sessionId: string,
  text: string,
): Promise<void> {
  await call(base, "POST", `/api/sessions/${sessionId}/messages`, { text });
}

/** Polls until the instance has `status` (fails fast on `error`). */
export async function waitForStatus(
  base: string,
  id: string,
  status: InstanceJson["status"],
  timeoutMs = 30_000,
): Promise<InstanceJson> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    const instance = await getInstance(base, id);
    if (instance.status === status) return instance;
    if (instance.status === "error" && status !== "error") {
      throw new Error(
        `Instance ${id} failed instead of becoming ${status}: ${instance.last_error}`,
      );
    }
    if (performance.now() > deadline) {
      throw new Error(
        `Instance ${id} did not become ${status} within ${timeoutMs} ms (it is ${instance.status})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Watches `/api/events` for `instance.status` events and records when each
 * (instance, status) pair first arrived, on the shared clock.
 */
export class StatusWatcher implements AsyncDisposable {
  #abort = new AbortController();
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #seen = new Map<string, number>();
  #wakers: Array<() => void> = [];
  #done: Promise<void>;
  #ready: Promise<void>;

  constructor(base: string) {
    const ready = Promise.withResolvers<void>();
    this.#ready = ready.promise;
    this.#done = this.#read(base, ready.resolve, ready.reject);
  }

  /** Resolves once the stream is open (subscribed). */
  ready(): Promise<void> {
    return this.#ready;
  }

  async #read(
    base: string,
    onOpen: () => void,
    onFail: (error: unknown) => void,
  ): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${base}/api/events`, {
        signal: this.#abort.signal,
      });
      if (!response.ok || !response.body) {
        throw new Error(`GET /api/events failed: HTTP ${response.status}`);
      }
    } catch (error) {
      onFail(error);
      return;
    }
    onOpen();
    const decoder = new TextDecoder();
    let tail = "";
    const reader = response.body.getReader();
    this.#reader = reader;
    try {
      while (true) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        const at = clock();
        const text = tail + decoder.decode(chunk, { stream: true });
        const lines = text.split("\n");
        tail = lines.pop() ?? "";
        for (const line of lines) {
          if (!line.startsWith("data:")) continue;
          if (!line.includes('"instance.status"')) continue;
          try {
            const event = JSON.parse(line.slice(5)) as {
              properties?: { instance?: InstanceJson };
            };
            const instance = event.properties?.instance;
            if (!instance) continue;
            const key = `${instance.id}:${instance.status}`;
            if (!this.#seen.has(key)) this.#seen.set(key, at);
          } catch {
            // not for us
          }
        }
        for (const wake of this.#wakers.splice(0)) wake();
      }
    } catch {
      // aborted
    }
  }

  /** When `id` was first seen in `status` (undefined: not yet). */
  seenAt(id: string, status: InstanceJson["status"]): number | undefined {
    return this.#seen.get(`${id}:${status}`);
  }

  /** Forgets what was seen for `id` (before restarting it). */
  forget(id: string): void {
    for (const key of [...this.#seen.keys()]) {
      if (key.startsWith(`${id}:`)) this.#seen.delete(key);
    }
  }

  /** Waits until `id` is seen in `status`; returns when it arrived. */
  async waitFor(
    id: string,
    status: InstanceJson["status"],
    timeoutMs = 30_000,
  ): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      const at = this.seenAt(id, status);
      if (at !== undefined) return at;
      if (status !== "error" && this.seenAt(id, "error") !== undefined) {
        throw new Error(`Instance ${id} went to error instead of ${status}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `Instance ${id} was not ${status} within ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.#wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // Cancelling the reader ends a body read that an abort alone may not.
    await this.#reader?.cancel().catch(() => {});
    this.#abort.abort();
    await this.#done;
  }
}
