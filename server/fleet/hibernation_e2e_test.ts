/**
 * Hibernation with real OpenCode children and the fake model, over real
 * HTTP: twenty registered instances (created with a short idle timeout,
 * two at a time, each pair asleep before the next, so a 2-core machine is
 * never asked to start twenty OpenCodes at once) all hibernate; a message to one of them wakes it, the
 * reply streams, and `/proc` shows exactly one OpenCode child. Then fifty
 * concurrent requests to a hibernated instance: one spawn, fifty answers.
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { isOpenCodeServe } from "../opencode/reaper.ts";
import { INSTANCE_MARKER_ENV } from "../opencode/reaper.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { fakeReply } from "../testing/fake_model.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import { procsWithEnv, waitFor } from "../testing/procfs.ts";
import type { SseEvent } from "../testing/sse_reader.ts";

const COUNT = 20;

/** The live `opencode serve` processes of these instances, by instance. */
function openCodeChildren(ids: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const id of ids) {
    const pids = procsWithEnv(INSTANCE_MARKER_ENV, id)
      .filter((p) => isOpenCodeServe(p.cmdline))
      .map((p) => p.pid);
    if (pids.length > 0) out.set(id, pids);
  }
  return out;
}

function data(e: SseEvent): {
  type: string;
  instance_id?: string;
  properties: {
    sessionID?: string;
    field?: string;
    delta?: string;
    instance?: InstanceJson;
  };
} {
  return JSON.parse(e.data);
}

Deno.test({
  name:
    "twenty instances hibernate; a message to one wakes exactly one OpenCode; fifty concurrent requests wake once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // A loaded 2-core machine can take over 30 s to start an OpenCode.
    await using flock = await startTestFlock({ readyTimeoutMs: 120_000 });
    const events = await flock.readSse("/api/events");
    const ids: string[] = [];

    await t.step(
      "twenty instances with a 2 s idle timeout all hibernate",
      async () => {
        // The first alone (OpenCode migrates its fresh data dir), then two at
        // a time, each pair asleep before the next starts: never more than
        // two OpenCodes starting on a small machine.
        for (let first = 0; first < COUNT; first += first === 0 ? 1 : 2) {
          const size = first === 0 ? 1 : Math.min(2, COUNT - first);
          const batch = await Promise.all(
            Array.from({ length: size }, async (_, i) => {
              const dir = await flock.workspace(`sleepy-${first + i}`);
              const res = await flock.api<InstanceJson>(
                "POST",
                "/api/instances",
                {
                  working_directory: dir,
                  idle_timeout_s: 2,
                },
              );
              assertEquals(res.status, 201, JSON.stringify(res.body));
              assertEquals(res.body.idle_timeout_s, 2);
              return res.body.id;
            }),
          );
          for (const id of batch) {
            const row = await flock.waitForInstance(
              id,
              ["hibernated"],
              120_000,
            );
            assertEquals(row.pid, null);
            assert(row.hibernated_at !== null);
          }
          ids.push(...batch);
        }
        const all = await flock.api<InstanceJson[]>("GET", "/api/instances");
        assertEquals(
          all.body.filter((i) => ids.includes(i.id)).map((i) => i.status),
          Array(COUNT).fill("hibernated"),
        );
        await waitFor(
          "every OpenCode child to exit",
          () => openCodeChildren(ids).size === 0,
        );
      },
    );

    await t.step("a setting changes without waking anything", async () => {
      for (const id of ids) {
        const res = await flock.api<InstanceJson>(
          "PATCH",
          `/api/instances/${id}`,
          { idle_timeout_s: 600 },
        );
        assertEquals(res.status, 200);
        assertEquals(
          [res.body.status, res.body.idle_timeout_s],
          ["hibernated", 600],
        );
      }
      // Flock answers for sleeping instances itself.
      const sessions = await flock.api<SessionJson[]>(
        "GET",
        `/api/instances/${ids[0]}/sessions`,
      );
      assertEquals(sessions.status, 200);
      assertEquals(openCodeChildren(ids).size, 0);
    });

    await t.step(
      "a message to one of them wakes it, the reply streams, and exactly one OpenCode child runs",
      async () => {
        const target = ids[7]!;
        const created = await flock.api<SessionJson>(
          "POST",
          `/api/instances/${target}/sessions`,
          { title: "wake up" },
        );
        assertEquals(created.status, 201, JSON.stringify(created.body));
        const session = created.body;
        const stream = await flock.readSse(
          `/api/sessions/${session.id}/events`,
        );
        const sent = await flock.api(
          "POST",
          `/api/sessions/${session.id}/messages`,
          { text: "hello from hibernation" },
        );
        assertEquals(sent.status, 202);
        const reply = await stream.reader.until(
          (e) => e.event === "session.idle",
          60_000,
        );
        await stream.close();
        const text = reply.map(data)
          .filter((p) =>
            p.type === "message.part.delta" && p.properties.field === "text"
          )
          .map((p) => p.properties.delta ?? "").join("");
        assertEquals(text, fakeReply("hello from hibernation"));
        assert(
          reply.filter((e) => e.event === "message.part.delta").length > 1,
          "the reply arrived in pieces",
        );
        const children = openCodeChildren(ids);
        assertEquals([...children.keys()], [target]);
        assertEquals(children.get(target)!.length, 1);
        const all = await flock.api<InstanceJson[]>("GET", "/api/instances");
        const byId = new Map(all.body.map((i) => [i.id, i]));
        assertEquals(byId.get(target)!.status, "running");
        assertEquals(byId.get(target)!.pid, children.get(target)![0]);
        for (const id of ids) {
          if (id !== target) assertEquals(byId.get(id)!.status, "hibernated");
        }
        // Its memory, children included, is measured while a page watches.
        let measured = 0;
        for (let i = 0; i < 300 && measured === 0; i++) {
          const row = await flock.api<InstanceJson>(
            "GET",
            `/api/instances/${target}`,
          );
          measured = row.body.memory_rss_bytes ?? 0;
          if (measured === 0) await new Promise((r) => setTimeout(r, 100));
        }
        assert(measured > 50 * 1024 * 1024, `${measured} bytes`);
      },
    );

    await t.step(
      "fifty concurrent requests to a hibernated instance: one spawn, fifty answers",
      async () => {
        const target = ids[3]!;
        const created = await flock.api<SessionJson>(
          "POST",
          `/api/instances/${target}/sessions`,
          { title: "fifty" },
        );
        assertEquals(created.status, 201);
        const slept = await flock.api<InstanceJson>(
          "POST",
          `/api/instances/${target}/hibernate`,
        );
        assertEquals(slept.body.status, "hibernated");
        await waitFor(
          "its child to exit",
          () => !openCodeChildren([target]).has(target),
        );
        const watch = await flock.readSse("/api/events");
        const answers = await Promise.all(
          Array.from({ length: 50 }, () =>
            flock.api<unknown[]>(
              "GET",
              `/api/sessions/${created.body.id}/messages`,
            )),
        );
        assertEquals(answers.map((a) => a.status), Array(50).fill(200));
        assert(answers.every((a) => Array.isArray(a.body)));
        const children = openCodeChildren([target]).get(target) ?? [];
        assertEquals(children.length, 1);
        const row = await flock.api<InstanceJson>(
          "GET",
          `/api/instances/${target}`,
        );
        assertEquals(row.body.pid, children[0]);
        // The stream saw one wake: hibernated → starting → running, once.
        const seen = await watch.reader.until((e) => {
          const p = data(e);
          return p.type === "instance.status" && p.instance_id === target &&
            p.properties.instance?.status === "running";
        }, 30_000);
        await watch.close();
        const statuses = seen
          .map(data)
          .filter((p) =>
            p.type === "instance.status" && p.instance_id === target
          )
          .map((p) => p.properties.instance!.status)
          .filter((s, i, all) => s !== all[i - 1]);
        assertEquals(statuses, ["starting", "running"]);
      },
    );
    await events.close();
  },
});
