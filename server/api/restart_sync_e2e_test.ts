/**
 * A restart brings every page back in sync without any client action,
 * against a real OpenCode and the fake model: kill -9 of the child while a
 * permission is pending, then Flock's own events and REST answers show
 * the permission gone, the session not busy, the dead tool call marked
 * interrupted (OpenCode keeps it "running" forever) and the crash with a
 * link to the log; the same for a manual restart. Nothing here calls the
 * API between the kill and the checks but the reads.
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { MarkJson } from "../contract/marks.ts";
import type { PermissionJson } from "../contract/permissions.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import {
  idle,
  lastReply,
  messagesOf,
  newSession,
  refused,
  send,
} from "../testing/driving.ts";
import { EventLog } from "../testing/event_log.ts";
import { fakeReply } from "../testing/fake_model.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";

async function permissions(flock: TestFlock): Promise<PermissionJson[]> {
  return (await flock.api<PermissionJson[]>("GET", "/api/permissions")).body;
}

Deno.test({
  name:
    "a killed or restarted instance's pages come back in sync from events alone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock({ bash: "ask" });
    const instance = await flock.createInstance("restart");
    await using log = await EventLog.open(flock);
    const session = await newSession(flock, instance, "restarts");

    await t.step("kill -9 during a pending permission", async () => {
      let from = log.mark();
      await send(flock, session, "use bash");
      const asked = await log.waitFor(
        "permission.asked",
        (e) => e.properties.sessionID === session.id,
        { from },
      );
      const tool = await log.waitFor(
        "message.part.updated",
        (e) =>
          e.properties.part.type === "tool" &&
          e.properties.part.state.status === "running",
        { from },
      );
      const partId = tool.properties.part.id;
      assertEquals((await permissions(flock)).map((p) => p.id), [
        asked.properties.id,
      ]);
      assertEquals(
        (await flock.api<SessionJson>("GET", `/api/sessions/${session.id}`))
          .body.status,
        "busy",
      );

      from = log.mark();
      const running = (await flock.api<InstanceJson>(
        "GET",
        `/api/instances/${instance.id}`,
      )).body;
      assert(running.pid);
      Deno.kill(running.pid, "SIGKILL");

      // What every open page receives, in order, with no request of its own.
      const crashed = await log.waitFor(
        "instance.status",
        (e) => e.properties.instance.status === "error",
        { from },
      );
      const marks = await log.waitFor(
        "marks.updated",
        (e) => e.properties.sessionID === session.id,
        { from },
      );
      assertEquals(
        marks.properties.marks.map((m) => [m.kind, m.part_id, m.tool]),
        [["interrupted", partId, "bash"]],
      );
      // A fresh OpenCode on a loaded 2-core machine can take a minute.
      const slow = { from, timeoutMs: 180_000 };
      const recovered = await log.waitFor(
        "instance.recovered",
        () => true,
        slow,
      );
      assertEquals(recovered.instance_id, instance.id);
      assertEquals(recovered.properties.interrupted, 1);
      assertEquals(recovered.properties.restart_count, 1);
      assertEquals(
        recovered.properties.logs,
        `/api/instances/${instance.id}/logs`,
      );
      assertMatch(recovered.properties.reason, /exited unexpectedly/);
      const synced = await log.waitFor(
        "instance.sessions",
        (e) => e.instance_id === instance.id,
        slow,
      );
      assertEquals(
        synced.properties.sessions.find((s) => s.id === session.id)?.status,
        "idle",
      );
      const pending = await log.waitFor(
        "instance.pending",
        (e) => e.instance_id === instance.id,
        slow,
      );
      assertEquals(pending.properties.permissions, []);
      assert(log.events.indexOf(crashed) < log.events.indexOf(pending));

      // The REST answers agree.
      assertEquals(await permissions(flock), []);
      assertEquals(
        (await flock.api<PermissionJson[]>(
          "GET",
          `/api/sessions/${session.id}/permissions`,
        )).body,
        [],
      );
      assertEquals(
        (await flock.api<SessionJson>("GET", `/api/sessions/${session.id}`))
          .body.status,
        "idle",
      );
      const after = (await flock.api<InstanceJson>(
        "GET",
        `/api/instances/${instance.id}`,
      )).body;
      assertEquals([after.status, after.restart_count], ["running", 1]);
      assertMatch(after.last_error ?? "", /exited unexpectedly/);
      const logs = await flock.api<unknown[]>(
        "GET",
        recovered.properties.logs,
      );
      assertEquals(logs.status, 200);
      // OpenCode still says "running"; Flock's mark says otherwise.
      const messages = await messagesOf(flock, session);
      const dead = messages.find((m) => m.parts.some((p) => p.id === partId));
      assert(dead, "the message with the dead tool call");
      const part = dead.parts.find((p) => p.id === partId);
      assert(part?.type === "tool");
      assertEquals(part.state.status, "running");
      assertEquals(dead.marks?.map((m) => [m.kind, m.part_id]), [[
        "interrupted",
        partId,
      ]]);
      assertMatch(dead.marks?.[0]?.reason ?? "", /Interrupted/);
      assertEquals(
        (await flock.api<MarkJson[]>(
          "GET",
          `/api/sessions/${session.id}/marks`,
        ))
          .body.map((m) => m.part_id),
        [partId],
      );
      // Allowing the dead request is a clear 404, not a 500.
      const error = await refused(
        flock,
        "POST",
        `/api/permissions/${asked.properties.id}`,
        { reply: "once" },
        404,
      );
      assertEquals(error.code, "not_found");
    });

    await t.step("the session works again after the crash", async () => {
      const from = log.mark();
      await send(flock, session, "hello again");
      await idle(log, session, from);
      assertEquals(await lastReply(flock, session), fakeReply("hello again"));
    });

    await t.step("a manual restart clears the same way", async () => {
      let from = log.mark();
      await send(flock, session, "use bash: echo second");
      await log.waitFor("permission.asked", () => true, { from });
      assertEquals((await permissions(flock)).length, 1);
      from = log.mark();
      const res = await flock.api<InstanceJson>(
        "POST",
        `/api/instances/${instance.id}/restart`,
      );
      assertEquals(res.status, 202);
      await log.waitFor(
        "instance.pending",
        (e) => e.instance_id === instance.id,
        { from, timeoutMs: 180_000 },
      );
      assertEquals(await permissions(flock), []);
      assertEquals(
        (await flock.api<SessionJson>("GET", `/api/sessions/${session.id}`))
          .body.status,
        "idle",
      );
      // A stop is no crash: no instance.recovered.
      assertEquals(log.ofType("instance.recovered", from), []);
      const marks = (await flock.api<MarkJson[]>(
        "GET",
        `/api/sessions/${session.id}/marks`,
      )).body;
      // The abort Flock sends before a stop lets OpenCode end the call
      // itself; if it could not, the call is marked as stopped.
      for (const mark of marks.slice(1)) {
        assertMatch(mark.reason, /stopped/);
      }
    });
  },
});
