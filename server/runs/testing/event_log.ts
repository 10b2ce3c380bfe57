/**
 * Reads `/api/events` in the background for end-to-end tests of runs:
 * every event with its SSE id, in arrival order, and waiting for one that
 * matches (with a guard, so a stuck run fails instead of hanging).
 *
 * @module
 */
import { readFlockEvent } from "../../contract/event_guard.ts";
import type { FlockEvent } from "../../contract/events.ts";
import type { RunSummaryJson } from "../../contract/workflows.ts";
import { SseReader } from "../../testing/sse_reader.ts";

/** One event as the stream delivered it. */
export interface LoggedEvent {
  /** The SSE `id:` (Flock's event id). */
  id: number;
  event: FlockEvent;
}

/** The events of `/api/events`, collected as they arrive. */
export class EventLog implements AsyncDisposable {
  readonly events: LoggedEvent[] = [];
  #reader: SseReader;
  #ctl: AbortController;
  #waiters = new Set<() => void>();
  #pump: Promise<void>;

  private constructor(reader: SseReader, ctl: AbortController) {
    this.#reader = reader;
    this.#ctl = ctl;
    this.#pump = this.#read();
  }

  /** Connects to `<base>/api/events`. */
  static async open(base: string): Promise<EventLog> {
    const ctl = new AbortController();
    const res = await fetch(`${base}/api/events`, { signal: ctl.signal });
    if (!res.ok || res.body === null) {
      throw new Error(`Cannot open /api/events: ${res.status}`);
    }
    return new EventLog(new SseReader(res.body), ctl);
  }

  async #read(): Promise<void> {
    try {
      while (true) {
        const next = await this.#reader.next(3_600_000);
        if (next === undefined) return;
        if (next.id === undefined || next.data === "") continue;
        const reading = readFlockEvent(JSON.parse(next.data));
        if (reading.kind !== "known") continue;
        this.events.push({ id: Number(next.id), event: reading.event });
        for (const wake of [...this.#waiters]) wake();
      }
    } catch {
      // closed
    }
  }

  /**
   * Resolves with the first logged event (from `from` on) that `check`
   * accepts; rejects after `guardMs`.
   */
  wait<T>(
    check: (event: FlockEvent) => T | undefined,
    guardMs = 180_000,
    from = 0,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      let index = from;
      const scan = () => {
        for (; index < this.events.length; index++) {
          const found = check(this.events[index]!.event);
          if (found !== undefined) {
            done();
            resolve(found);
            return;
          }
        }
      };
      const guard = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${guardMs} ms waiting for an event`));
      }, guardMs);
      const done = () => {
        clearTimeout(guard);
        this.#waiters.delete(scan);
      };
      this.#waiters.add(scan);
      scan();
    });
  }

  /** Waits for a `run.updated` of the run in one of `statuses`. */
  untilRun(
    runId: string,
    statuses: readonly RunSummaryJson["status"][],
    guardMs?: number,
  ): Promise<RunSummaryJson> {
    return this.wait(
      (event) =>
        event.type === "run.updated" && event.properties.run.id === runId &&
          statuses.includes(event.properties.run.status)
          ? event.properties.run
          : undefined,
      guardMs,
    );
  }

  /** The events about one run (`run_id`, or the run in `run.updated`). */
  ofRun(runId: string): LoggedEvent[] {
    return this.events.filter(({ event }) => {
      switch (event.type) {
        case "run.updated":
          return event.properties.run.id === runId;
        case "step.updated":
        case "story.updated":
        case "attempt.updated":
        case "run.notice":
          return event.properties.run_id === runId;
        default:
          return false;
      }
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    this.#ctl.abort();
    await this.#pump;
  }
}

/** Makes `dir` a git repository with one commit (a README). */
export async function initGitRepo(dir: string): Promise<void> {
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", {
      args: ["-C", dir, ...args],
      env: {
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_AUTHOR_NAME: "Flock Test",
        GIT_AUTHOR_EMAIL: "test@flock.invalid",
        GIT_COMMITTER_NAME: "Flock Test",
        GIT_COMMITTER_EMAIL: "test@flock.invalid",
      },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.code !== 0) {
      throw new Error(
        `git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
  };
  await git("init", "-q", "-b", "main");
  await Deno.writeTextFile(`${dir}/README.md`, "# A project\n");
  await git("add", "README.md");
  await git("commit", "-q", "-m", "Initial commit");
}
