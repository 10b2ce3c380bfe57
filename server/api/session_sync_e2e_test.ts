/**
 * Sessions made outside Flock (as OpenCode's TUI does, straight on the
 * child's own API) are known from the child's events alone: they reach
 * `/api/events` and Flock's table without any GET writing them, and what
 * changed while Flock was not listening is reconciled when it reconnects.
 * Real OpenCode, fake model, real SQLite file, real HTTP.
 */
import { DatabaseSync } from "node:sqlite";
import { readFlockEvent } from "../contract/event_guard.ts";
import { isEventOf } from "../contract/event_types.ts";
import type { FlockEventOf, FlockEventType } from "../contract/events.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { pinnedOpenCodePath } from "../opencode/opencode_binary.ts";
import { OpenCodeClient } from "../opencode/opencode_client.ts";
import {
  decodeText,
  LineSplitStream,
  parseListeningLine,
} from "../opencode/output.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import type { SseReader } from "../testing/sse_reader.ts";

/** Reads the stream until an event of `type` matches; returns it. */
async function nextEvent<T extends FlockEventType>(
  reader: SseReader,
  type: T,
  match: (event: FlockEventOf<T>) => boolean,
  timeoutMs = 30_000,
): Promise<FlockEventOf<T>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const sse = await reader.next(Math.max(1, deadline - Date.now()));
    if (!sse) break;
    if (sse.data === "") continue;
    const reading = readFlockEvent(JSON.parse(sse.data));
    assert(reading.kind !== "invalid", `a valid event: ${sse.data}`);
    if (
      reading.kind === "known" && isEventOf(reading.event, type) &&
      match(reading.event)
    ) return reading.event;
  }
  throw new Error(`Timed out waiting for ${type}`);
}

/** The row in Flock's own database file, read directly (no API call). */
function rowInDatabase(dataDir: string, id: string): unknown {
  const db = new DatabaseSync(`${dataDir}/flock.db`, { readOnly: true });
  try {
    const row = db.prepare("SELECT id, title FROM sessions WHERE id = ?")
      .get(id);
    return row ? { ...row } : undefined;
  } finally {
    db.close();
  }
}

/** `opencode serve` started by hand in a directory, as a user would. */
async function standaloneOpenCode(
  cwd: string,
  env: Record<string, string>,
): Promise<{ client: OpenCodeClient; stop: () => Promise<void> }> {
  const password = crypto.randomUUID();
  const child = new Deno.Command(pinnedOpenCodePath(), {
    args: ["serve", "--port", "0", "--hostname", "127.0.0.1"],
    cwd,
    env: { ...env, OPENCODE_SERVER_PASSWORD: password },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = decodeText(child.stdout).pipeThrough(new LineSplitStream())
    .getReader();
  let baseUrl: string | undefined;
  while (baseUrl === undefined) {
    const { done, value } = await lines.read();
    if (done) throw new Error("opencode serve exited before listening");
    baseUrl = parseListeningLine(value) ?? undefined;
  }
  const drained = (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  return {
    client: new OpenCodeClient({ baseUrl, password, timeoutMs: 60_000 }),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drained.catch(() => {});
    },
  };
}

Deno.test({
  name: "sessions made on the child's own API are known from its events",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock();
    const instance = await flock.createInstance("tui");
    await using events = await flock.readSse("/api/events");
    // The child's own API, with the port and password Flock gave it.
    const child = flock.flock.supervisor.client(instance.id);
    assertEquals(new URL(child.baseUrl).port, String(instance.port));

    await t.step("created, renamed, deleted on the child", async () => {
      const made = await child.createSession({ title: "from the tui" });
      const created = await nextEvent(
        events.reader,
        "session.created",
        (e) => e.properties.info.id === made.id,
      );
      assertEquals(created.instance_id, instance.id);
      // Recorded from the event alone: no GET has been made yet.
      assertEquals(rowInDatabase(flock.dataDir, made.id), {
        id: made.id,
        title: "from the tui",
      });
      const list = await flock.api<SessionJson[]>(
        "GET",
        `/api/instances/${instance.id}/sessions`,
      );
      const row = list.body.find((s) => s.id === made.id);
      assertEquals(
        [row?.title, row?.instance_id, row?.status],
        ["from the tui", instance.id, "idle"],
      );

      await child.updateSession(made.id, { title: "renamed in the tui" });
      await nextEvent(
        events.reader,
        "session.updated",
        (e) => e.properties.info.title === "renamed in the tui",
      );
      assertEquals(rowInDatabase(flock.dataDir, made.id), {
        id: made.id,
        title: "renamed in the tui",
      });

      await child.deleteSession(made.id);
      await nextEvent(
        events.reader,
        "session.deleted",
        (e) => e.properties.info.id === made.id,
      );
      assertEquals(rowInDatabase(flock.dataDir, made.id), undefined);
      const after = await flock.api<SessionJson[]>(
        "GET",
        `/api/instances/${instance.id}/sessions`,
      );
      assert(!after.body.some((s) => s.id === made.id), "deleted");
    });

    await t.step(
      "what changed while Flock was not listening is reconciled on reconnect",
      async () => {
        const kept = await child.createSession({ title: "kept" });
        // More than the 100 sessions OpenCode lists unless asked for more:
        // the oldest ("kept") must survive the reconnect too.
        const many: string[] = [];
        for (let i = 0; i < 100; i++) {
          many.push((await child.createSession({ title: `newer ${i}` })).id);
        }
        const gone = await child.createSession({ title: "deleted meanwhile" });
        await nextEvent(
          events.reader,
          "session.created",
          (e) => e.properties.info.id === gone.id,
        );
        const stopped = await flock.api(
          "POST",
          `/api/instances/${instance.id}/stop`,
        );
        assertEquals(stopped.status, 200);
        // Someone runs OpenCode by hand on the same project meanwhile.
        const env = flock.env;
        assert(env, "the OpenCode env");
        const standalone = await standaloneOpenCode(
          instance.working_directory,
          env.env,
        );
        let made: string;
        try {
          await standalone.client.deleteSession(gone.id);
          made =
            (await standalone.client.createSession({ title: "made meanwhile" }))
              .id;
        } finally {
          await standalone.stop();
        }
        // Still the old list: nothing told Flock yet, and GET only reads.
        const stale = await flock.api<SessionJson[]>(
          "GET",
          `/api/instances/${instance.id}/sessions`,
        );
        assert(stale.body.some((s) => s.id === gone.id), "not yet reconciled");
        assert(!stale.body.some((s) => s.id === made), "not yet known");

        const restarted = await flock.api(
          "POST",
          `/api/instances/${instance.id}/restart`,
        );
        assertEquals(restarted.status, 202);
        const synced = await nextEvent(
          events.reader,
          "instance.sessions",
          (e) =>
            e.type === "instance.sessions" && e.instance_id === instance.id,
          60_000,
        );
        const ids = synced.properties.sessions.map((s) => s.id).sort();
        assertEquals(ids, [kept.id, ...many, made].sort());
        const list = await flock.api<SessionJson[]>(
          "GET",
          `/api/instances/${instance.id}/sessions`,
        );
        assertEquals(list.body.map((s) => s.id).sort(), ids);
        assertEquals(rowInDatabase(flock.dataDir, gone.id), undefined);
      },
    );
  },
});
