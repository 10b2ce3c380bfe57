/**
 * Follow-ups while busy, against a real OpenCode and the fake model: a
 * message sent during a reply is queued in Flock, listed, cancellable, and
 * sent (then answered) the moment the session goes idle, in order; a
 * message sent during a provider retry is sent after an abort, and the
 * aborted reply carries Flock's "aborted" mark; a queued message survives
 * a Flock restart and is sent once its instance runs again.
 */
import type { QueuedMessageJson } from "../contract/queue.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import {
  lastReply,
  messagesOf,
  newSession,
  refused,
  replied,
  send,
  textOf,
} from "../testing/driving.ts";
import { EventLog } from "../testing/event_log.ts";
import { fakeReply, startFakeModel } from "../testing/fake_model.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";

async function queueOf(
  flock: TestFlock,
  sessionId: string,
): Promise<QueuedMessageJson[]> {
  const res = await flock.api<QueuedMessageJson[]>(
    "GET",
    `/api/sessions/${sessionId}/queue`,
  );
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function userTexts(
  flock: TestFlock,
  session: { id: string },
): Promise<string[]> {
  return (await messagesOf(flock, session))
    .filter((m) => m.info.role === "user").map(textOf);
}

Deno.test({
  name: "follow-ups are queued while busy and sent in order when idle",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock({ slowDelayMs: 400 });
    const instance = await flock.createInstance("queue");
    await using log = await EventLog.open(flock);
    const session = await newSession(flock, instance, "follow-ups");

    await t.step(
      "queued during a reply, listed, one cancelled, the other sent and answered",
      async () => {
        const from = log.mark();
        const first = await send(flock, session, "slow first");
        assertEquals(first.status, "sent");
        assertMatch(first.id, /^q_/);
        await log.waitFor(
          "message.part.delta",
          (e) => e.properties.sessionID === session.id,
          { from },
        );
        const second = await send(flock, session, "second");
        assertEquals(second.status, "queued");
        const third = await send(flock, session, {
          text: "third",
          agent: "build",
        });
        assertEquals([third.status, third.agent], ["queued", "build"]);
        assertEquals((await queueOf(flock, session.id)).map((q) => q.text), [
          "second",
          "third",
        ]);
        const event = await log.waitFor(
          "queue.updated",
          (e) => e.properties.queue.length === 2,
          { from },
        );
        assertEquals(event.properties.sessionID, session.id);

        const cancelled = await flock.api<QueuedMessageJson>(
          "DELETE",
          `/api/sessions/${session.id}/queue/${third.id}`,
        );
        assertEquals([cancelled.status, cancelled.body.id], [200, third.id]);
        await refused(
          flock,
          "DELETE",
          `/api/sessions/${session.id}/queue/${third.id}`,
          undefined,
          404,
        );
        await refused(
          flock,
          "POST",
          `/api/sessions/${session.id}/queue/${second.id}/retry`,
          undefined,
          409,
        );
        assertEquals((await queueOf(flock, session.id)).map((q) => q.id), [
          second.id,
        ]);

        // The first reply ends; the second goes out at once, by itself.
        const sending = await log.waitFor(
          "queue.updated",
          (e) => e.properties.queue[0]?.status === "sending",
          { from },
        );
        assertEquals(sending.properties.queue[0]?.id, second.id);
        await log.waitFor(
          "queue.updated",
          (e) => e.properties.queue.length === 0,
          { from },
        );
        await replied(log, session, "second", log.events.indexOf(sending));
        assertEquals(await userTexts(flock, session), ["slow first", "second"]);
        assertEquals(await lastReply(flock, session), fakeReply("second"));
        assertEquals(await queueOf(flock, session.id), []);
      },
    );

    await t.step(
      "sent during a retry: an abort shows 'aborted' and lets it go out",
      async () => {
        const from = log.mark();
        await send(flock, session, "fail500");
        await log.waitFor(
          "session.status",
          (e) =>
            e.properties.sessionID === session.id &&
            e.properties.status.type === "retry",
          { from },
        );
        const waiting = await send(flock, session, "after the retry");
        assertEquals(waiting.status, "queued");
        const abort = await flock.api<{ aborted: boolean }>(
          "POST",
          `/api/sessions/${session.id}/abort`,
        );
        assertEquals(abort.status, 200);
        const marked = await log.waitFor(
          "marks.updated",
          (e) => e.properties.sessionID === session.id,
          { from },
        );
        const mark = marked.properties.marks.find((m) => m.kind === "aborted");
        assert(mark, JSON.stringify(marked.properties.marks));
        assertEquals(mark.part_id, null);
        await log.waitFor(
          "queue.updated",
          (e) =>
            e.properties.sessionID === session.id &&
            e.properties.queue.length === 0,
          { from },
        );
        await replied(log, session, "after the retry", from);
        assertEquals(
          await lastReply(flock, session),
          fakeReply("after the retry"),
        );
        const messages = await messagesOf(flock, session);
        const aborted = messages.find((m) => m.info.id === mark.message_id);
        assert(aborted, "the aborted reply is in the history");
        assertEquals(aborted.info.role, "assistant");
        assertEquals(aborted.parts.length, 0);
        assertEquals(aborted.marks?.map((m) => m.kind), ["aborted"]);
        assertMatch(aborted.marks?.[0]?.reason ?? "", /Aborted/);
      },
    );

    await t.step("bad bodies and unknown ids get JSON 4xx", async () => {
      const path = `/api/sessions/${session.id}/messages`;
      for (
        const [body, field] of [
          [{ text: "x", model: "nope" }, "model"],
          [{ text: "x", model: "fake/none" }, "model"],
          [{ text: "x", agent: "ghost" }, "agent"],
          [{ text: "x", agent: "title" }, "agent"],
          [{ text: "x", variant: "turbo" }, "variant"],
          [{ text: "   " }, "text"],
        ] as const
      ) {
        const error = await refused(flock, "POST", path, body, 400);
        assertMatch(error.message, new RegExp(`"${field}"`));
      }
      await refused(
        flock,
        "GET",
        "/api/sessions/ses_nope/queue",
        undefined,
        404,
      );
      await refused(
        flock,
        "DELETE",
        `/api/sessions/${session.id}/queue/q_nope`,
        undefined,
        404,
      );
    });
  },
});

Deno.test({
  name:
    "a queued follow-up survives a Flock restart and is sent when its instance runs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using model = await startFakeModel({ slowDelayMs: 400 });
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const dataDir = await Deno.makeTempDir({ prefix: "flock-queue-restart-" });
    try {
      let instanceId: string;
      let sessionId: string;
      let queuedId: string;
      {
        await using flock = await startTestFlock({ dataDir, model, env });
        const instance = await flock.createInstance("survives");
        instanceId = instance.id;
        await using log = await EventLog.open(flock);
        const session = await newSession(flock, instance, "survives");
        sessionId = session.id;
        const from = log.mark();
        await send(flock, session, "slow and long");
        await log.waitFor(
          "message.part.delta",
          (e) => e.properties.sessionID === session.id,
          { from },
        );
        const queued = await send(flock, session, "after the restart");
        assertEquals(queued.status, "queued");
        queuedId = queued.id;
        // Flock stops (and its children with it) while the message waits.
      }
      await using flock = await startTestFlock({ dataDir, model, env });
      const kept = await queueOf(flock, sessionId);
      assertEquals(kept.map((q) => [q.id, q.status]), [[queuedId, "queued"]]);
      await using log = await EventLog.open(flock);
      const from = log.mark();
      const restarted = await flock.api(
        "POST",
        `/api/instances/${instanceId}/restart`,
      );
      assertEquals(restarted.status, 202);
      await log.waitFor(
        "queue.updated",
        (e) =>
          e.properties.sessionID === sessionId &&
          e.properties.queue.length === 0,
        { from, timeoutMs: 180_000 },
      );
      await replied(log, { id: sessionId }, "after the restart", from);
      assertEquals(
        await lastReply(flock, { id: sessionId }),
        fakeReply("after the restart"),
      );
      assertEquals(
        (await userTexts(flock, { id: sessionId })).at(-1),
        "after the restart",
      );
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
