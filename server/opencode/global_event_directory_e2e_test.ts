/**
 * The `/global/event` reader against the real thing: a session a real
 * OpenCode 1.18.33 child runs in another directory (created with the
 * `x-opencode-directory` header, as worktree sessions are) has its events
 * reach Flock, and every one is published with that directory in
 * `meta.directory`; the child's own sessions carry the child's directory.
 * Flock's SSE clients get the other directory's events too. Real OpenCode,
 * the fake model.
 */
import type { PublishMeta, WireEvent } from "../contract/events.ts";
import { sessionIdOf } from "../contract/session_id_of.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import { waitFor } from "../testing/procfs.ts";

Deno.test({
  name:
    "events of a session in another directory of the child reach Flock with that directory",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using flock = await startTestFlock();
    const instance = await flock.createInstance("home");
    const other = await flock.workspace("elsewhere");
    const seen: { event: WireEvent; meta: PublishMeta | undefined }[] = [];
    const stop = flock.flock.listen((event, meta) => {
      seen.push({ event, meta });
    });
    const stream = await flock.readSse("/api/events");
    try {
      const client = flock.flock.supervisor.client(instance.id);
      // A loaded 2-core machine can stall a fresh OpenCode for seconds.
      const slow = { timeoutMs: 60_000 };
      const away = await client.createSession(
        { title: "away" },
        { ...slow, directory: other },
      );
      const home = await client.createSession({ title: "home" }, slow);
      assertEquals(away.directory, other);
      const of = (id: string) =>
        seen.filter(({ event }) => sessionIdOf(event) === id);
      await waitFor(
        "both sessions' session.created",
        () =>
          [away.id, home.id].every((id) =>
            of(id).some(({ event }) => event.type === "session.created")
          ),
        60_000,
      );
      const dirs = (id: string) => [
        ...new Set(of(id).map(({ meta }) => meta?.directory)),
      ];
      assertEquals(dirs(away.id), [other]);
      assertEquals(dirs(home.id), [instance.working_directory]);
      // … and Flock's clients get the other directory's events.
      const created = await stream.reader.until(
        (e) => e.event === "session.created" && e.data.includes(away.id),
        60_000,
      );
      const last = created.at(-1);
      assert(last !== undefined);
      const data: unknown = JSON.parse(last.data);
      assert(typeof data === "object" && data !== null);
      assertEquals(
        "instance_id" in data ? data.instance_id : undefined,
        instance.id,
      );
    } finally {
      stop();
      await stream.close();
    }
  },
});
