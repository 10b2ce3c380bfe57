/**
 * End to end over real HTTP with a real OpenCode child and the fake model:
 * sessions, prompts streamed over the filtered SSE stream, permissions,
 * abort, two concurrent sessions, resume after a disconnect, stop/restart
 * and delete. One Flock and one instance are shared by the steps, which
 * run in order.
 */
import type { OpenCodeMessageWithParts } from "../contract/opencode.ts";
import { sessionIdOf } from "../contract/session_id_of.ts";
import type { ApiErrorBody } from "../contract/api.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { PermissionJson } from "../contract/permissions.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { FAKE_BASH_COMMAND, fakeReply } from "../testing/fake_model.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import type { SseEvent } from "../testing/sse_reader.ts";

type Err = ApiErrorBody;
interface Parsed {
  type: string;
  instance_id?: string;
  properties: Record<string, unknown> & {
    sessionID?: string;
    field?: string;
    delta?: string;
    part?: {
      type?: string;
      state?: { status?: string; output?: string };
    };
    error?: { name?: string };
    id?: string;
  };
}

function parse(e: SseEvent): Parsed {
  return JSON.parse(e.data) as Parsed;
}

function replyText(events: SseEvent[]): string {
  return events.map(parse)
    .filter((p) =>
      p.type === "message.part.delta" && p.properties.field === "text"
    )
    .map((p) => p.properties.delta ?? "").join("");
}

function ids(events: SseEvent[]): number[] {
  return events.map((e) => Number(e.id));
}

async function newSession(
  flock: TestFlock,
  instance: InstanceJson,
  title: string,
): Promise<SessionJson> {
  const res = await flock.api<SessionJson>(
    "POST",
    `/api/instances/${instance.id}/sessions`,
    { title },
  );
  assertEquals(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function send(flock: TestFlock, session: SessionJson, text: string) {
  const res = await flock.api<SessionJson>(
    "POST",
    `/api/sessions/${session.id}/messages`,
    { text },
  );
  assertEquals(res.status, 202, JSON.stringify(res.body));
}

const isIdle = (e: SseEvent) => e.event === "session.idle";

Deno.test({
  name: "sessions end to end with a real OpenCode",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock({ slowDelayMs: 150 });
    const instance = await flock.createInstance("e2e");
    assert(instance.pid && instance.port, "a running child has pid and port");

    await t.step("instance routes with a running child", async () => {
      const dup = await flock.api<Err>("POST", "/api/instances", {
        working_directory: instance.working_directory,
      });
      assertEquals(dup.status, 409);
      assertEquals(dup.body.error.code, "instance_exists");
      const logs = await flock.api<unknown[]>(
        "GET",
        `/api/instances/${instance.id}/logs`,
      );
      assertEquals(logs.status, 200);
      // Sessions made outside Flock: session_sync_e2e_test.ts.
    });

    const main = await newSession(flock, instance, "main");

    await t.step("session details, rename and body validation", async () => {
      const got = await flock.api<SessionJson>(
        "GET",
        `/api/sessions/${main.id}`,
      );
      assertEquals(got.body, main);
      assertMatch(main.id, /^ses_/);
      assertEquals(main.status, "idle");
      const renamed = await flock.api<SessionJson>(
        "PATCH",
        `/api/sessions/${main.id}`,
        { title: "renamed" },
      );
      assertEquals([renamed.status, renamed.body.title], [200, "renamed"]);
      const empty = await flock.api<SessionJson>(
        "POST",
        `/api/instances/${instance.id}/sessions`,
      );
      assertEquals(empty.status, 201);
      const msgs = `/api/sessions/${main.id}/messages`;
      const bad: [string, string, unknown, Record<string, string>, number][] = [
        ["PATCH", `/api/sessions/${main.id}`, {}, {}, 400],
        ["PATCH", `/api/sessions/${main.id}`, { title: 5 }, {}, 400],
        ["PATCH", `/api/sessions/${main.id}`, { title: " " }, {}, 400],
        ["PATCH", `/api/sessions/${main.id}`, "title=x", {
          "content-type": "text/plain",
        }, 415],
        ["POST", msgs, { text: "" }, {}, 400],
        ["POST", msgs, { text: "   " }, {}, 400],
        ["POST", msgs, { text: 1 }, {}, 400],
        ["POST", msgs, { text: "hi", extra: true }, {}, 400],
        ["POST", msgs, { text: "hi", model: "no-slash" }, {}, 400],
        ["POST", msgs, { text: "hi", model: { providerID: "fake" } }, {}, 400],
        ["POST", msgs, "{", { "content-type": "application/json" }, 400],
        ["POST", msgs, "hi", { "content-type": "text/plain" }, 415],
        ["POST", msgs, JSON.stringify({ text: "x".repeat(1_100_000) }), {
          "content-type": "application/json",
        }, 413],
        [
          "POST",
          `/api/instances/${instance.id}/sessions`,
          { title: 1 },
          {},
          400,
        ],
        [
          "POST",
          `/api/instances/${instance.id}/sessions`,
          { nope: 1 },
          {},
          400,
        ],
        ["GET", `${msgs}?limit=abc`, undefined, {}, 400],
      ];
      for (const [method, path, body, headers, status] of bad) {
        const res = await flock.api<Err>(method, path, body, headers);
        assertEquals(
          res.status,
          status,
          `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`,
        );
        assert(typeof res.body.error.message === "string");
      }
    });

    await t.step(
      "hello: the streamed deltas, session.idle and the stored messages agree",
      async () => {
        await using sse = await flock.readSse(
          `/api/sessions/${main.id}/events`,
        );
        const res = await flock.api<SessionJson>(
          "POST",
          `/api/sessions/${main.id}/messages`,
          {
            text: "hello",
            model: "fake/fake-model",
            agent: "build",
          },
        );
        assertEquals(res.status, 202);
        const events = await sse.reader.until(isIdle, 30_000);
        const expected = fakeReply("hello");
        assertEquals(replyText(events), expected);
        assertEquals(events.at(-1)!.event, "session.idle");
        for (const e of events) {
          assertEquals(parse(e).instance_id, instance.id);
          // The instance's own status (memory figures refresh it while a
          // page watches) rides along; every other event is this session's.
          if (e.event === "instance.status") continue;
          assertEquals(sessionIdOf(parse(e)), main.id, e.event);
          assertEquals(e.event, parse(e).type);
        }
        const messages = await flock.api<OpenCodeMessageWithParts[]>(
          "GET",
          `/api/sessions/${main.id}/messages`,
        );
        assertEquals(messages.status, 200);
        const last = messages.body.at(-1)!;
        assertEquals(last.info.role, "assistant");
        const text = last.parts.flatMap((p) =>
          p.type === "text" ? [p.text] : []
        )
          .join("");
        assertEquals(text, expected);
        const limited = await flock.api<OpenCodeMessageWithParts[]>(
          "GET",
          `/api/sessions/${main.id}/messages?limit=1`,
        );
        assertEquals(limited.body.length, 1);
        const after = await flock.api<SessionJson>(
          "GET",
          `/api/sessions/${main.id}`,
        );
        assertEquals(after.body.status, "idle");
      },
    );

    await t.step(
      "two sessions stream at once; each stream carries only its own events",
      async () => {
        const a = await newSession(flock, instance, "a");
        const b = await newSession(flock, instance, "b");
        await using sa = await flock.readSse(`/api/sessions/${a.id}/events`);
        await using sb = await flock.readSse(`/api/sessions/${b.id}/events`);
        await Promise.all([
          send(flock, a, "hello from a"),
          send(flock, b, "hello from b"),
        ]);
        const [ea, eb] = await Promise.all([
          sa.reader.until(isIdle, 30_000),
          sb.reader.until(isIdle, 30_000),
        ]);
        assertEquals(replyText(ea), fakeReply("hello from a"));
        assertEquals(replyText(eb), fakeReply("hello from b"));
        const own = (e: { event: string }) => e.event !== "instance.status";
        for (const e of ea.filter(own)) {
          assertEquals(sessionIdOf(parse(e)), a.id);
        }
        for (const e of eb.filter(own)) {
          assertEquals(sessionIdOf(parse(e)), b.id);
        }
      },
    );

    await t.step(
      "resume after a disconnect mid-reply: nothing missing, nothing doubled",
      async () => {
        const s = await newSession(flock, instance, "resume");
        const path = `/api/sessions/${s.id}/events`;
        await using reference = await flock.readSse(path);
        const first = await flock.readSse(path);
        await send(flock, s, "slow resume test");
        const before = await first.reader.until(
          (e) => e.event === "message.part.delta",
          30_000,
        );
        // The last event handed out, not the reader's newest id: one chunk
        // can carry several frames, and the ones after the stop were never
        // seen by this client.
        const lastId = before.at(-1)!.lastEventId;
        await first.close();
        await new Promise((resolve) => setTimeout(resolve, 400));
        await using second = await flock.readSse(path, { lastEventId: lastId });
        const after = await second.reader.until(isIdle, 30_000);
        const all = await reference.reader.until(isIdle, 30_000);
        const fromFirst = all.filter((e) =>
          Number(e.id) >= Number(before[0]!.id)
        );
        assertEquals([...ids(before), ...ids(after)], ids(fromFirst));
        assert(
          after.some((e) => e.event === "message.part.delta"),
          "deltas after the reconnect",
        );
        assertEquals(
          replyText([...before, ...after]),
          fakeReply("slow resume test"),
        );
      },
    );

    await t.step(
      "abort a slow reply: session.error (aborted), then idle",
      async () => {
        const s = await newSession(flock, instance, "abort");
        await using sse = await flock.readSse(`/api/sessions/${s.id}/events`);
        await send(flock, s, "slow please, then abort");
        await sse.reader.until((e) => e.event === "message.part.delta", 30_000);
        const res = await flock.api<{ aborted: boolean }>(
          "POST",
          `/api/sessions/${s.id}/abort`,
        );
        assertEquals([res.status, res.body.aborted], [200, true]);
        const events = await sse.reader.until(isIdle, 30_000);
        const errorAt = events.findIndex((e) => e.event === "session.error");
        assert(errorAt >= 0, "session.error arrived");
        assertEquals(
          parse(events[errorAt]!).properties.error?.name,
          "MessageAbortedError",
        );
        assertEquals(events.at(-1)!.event, "session.idle");
        assert(
          replyText(events).length <
            fakeReply("slow please, then abort").length,
        );
        const after = await flock.api<SessionJson>(
          "GET",
          `/api/sessions/${s.id}`,
        );
        assertEquals(after.body.status, "idle");
      },
    );

    await t.step(
      "permission flow: listed, answered, the tool completes",
      async () => {
        const s = await newSession(flock, instance, "perm");
        await using sse = await flock.readSse(`/api/sessions/${s.id}/events`);
        await send(flock, s, "use bash");
        const asked = (await sse.reader.until(
          (e) => e.event === "permission.asked",
          30_000,
        )).at(-1)!;
        const permId = parse(asked).properties.id!;
        assertMatch(permId, /^per_/);
        const all = await flock.api<PermissionJson[]>(
          "GET",
          "/api/permissions",
        );
        const listed = all.body.find((p) => p.id === permId);
        assertEquals(listed?.instance_id, instance.id);
        assertEquals(listed?.sessionID, s.id);
        assertEquals(listed?.permission, "bash");
        const mine = await flock.api<PermissionJson[]>(
          "GET",
          `/api/sessions/${s.id}/permissions`,
        );
        assertEquals(mine.body.map((p) => p.id), [permId]);
        const other = await flock.api<PermissionJson[]>(
          "GET",
          `/api/sessions/${main.id}/permissions`,
        );
        assertEquals(other.body, []);
        const reply = await flock.api<{ id: string; instance_id: string }>(
          "POST",
          `/api/permissions/${permId}`,
          { reply: "once" },
        );
        assertEquals(reply.status, 200);
        assertEquals(reply.body.instance_id, instance.id);
        const rest = await sse.reader.until(isIdle, 30_000);
        const done = rest.map(parse).find((p) =>
          p.type === "message.part.updated" &&
          p.properties.part?.type === "tool" &&
          p.properties.part.state?.status === "completed"
        );
        assert(done, "the tool part completed");
        assertMatch(done.properties.part!.state!.output ?? "", /flock-tool-ok/);
        assert(FAKE_BASH_COMMAND.includes("flock-tool-ok"));
        assert(rest.some((e) => e.event === "permission.replied"));
        const left = await flock.api<PermissionJson[]>(
          "GET",
          "/api/permissions",
        );
        assert(!left.body.some((p) => p.id === permId));
      },
    );

    await t.step("delete a session", async () => {
      const s = await newSession(flock, instance, "doomed");
      assertEquals(
        (await flock.api("DELETE", `/api/sessions/${s.id}`)).status,
        204,
      );
      assertEquals(
        (await flock.api("GET", `/api/sessions/${s.id}`)).status,
        404,
      );
      const list = await flock.api<SessionJson[]>(
        "GET",
        `/api/instances/${instance.id}/sessions`,
      );
      assert(!list.body.some((x) => x.id === s.id));
    });

    await t.step(
      "stop: 409 while stopped, status events on the session stream; restart runs again",
      async () => {
        await using sse = await flock.readSse(
          `/api/sessions/${main.id}/events`,
        );
        const stopped = await flock.api<InstanceJson>(
          "POST",
          `/api/instances/${instance.id}/stop`,
        );
        assertEquals(stopped.body.status, "stopped");
        const statuses = await sse.reader.until(
          (e) =>
            e.event === "instance.status" &&
            (parse(e).properties.instance as InstanceJson).status === "stopped",
          10_000,
        );
        assert(statuses.every((e) => e.event === "instance.status"));
        for (
          const [method, path, body] of [
            ["POST", `/api/sessions/${main.id}/messages`, { text: "hi" }],
            ["GET", `/api/sessions/${main.id}/messages`, undefined],
            ["POST", `/api/sessions/${main.id}/abort`, undefined],
            ["PATCH", `/api/sessions/${main.id}`, { title: "x" }],
            ["DELETE", `/api/sessions/${main.id}`, undefined],
            ["POST", `/api/instances/${instance.id}/sessions`, {}],
          ] as const
        ) {
          const res = await flock.api<Err>(method, path, body);
          assertEquals(res.status, 409, `${method} ${path}`);
          assertEquals(res.body.error.code, "instance_not_running");
        }
        assertEquals(
          (await flock.api("GET", `/api/sessions/${main.id}/permissions`)).body,
          [],
        );
        const kept = await flock.api<SessionJson[]>(
          "GET",
          `/api/instances/${instance.id}/sessions`,
        );
        assert(kept.body.some((s) => s.id === main.id));
        assert(
          kept.body.every((s) => s.status === "idle" || s.status === "error"),
        );
        const restarted = await flock.api<InstanceJson>(
          "POST",
          `/api/instances/${instance.id}/restart`,
        );
        assertEquals(restarted.status, 202);
        await flock.waitForInstance(instance.id, ["running"]);
        const messages = await flock.api<OpenCodeMessageWithParts[]>(
          "GET",
          `/api/sessions/${main.id}/messages`,
        );
        assertEquals(messages.status, 200);
      },
    );

    await t.step("delete the instance: its sessions go too", async () => {
      assertEquals(
        (await flock.api("DELETE", `/api/instances/${instance.id}`)).status,
        204,
      );
      assertEquals(
        (await flock.api("GET", `/api/sessions/${main.id}`)).status,
        404,
      );
      assertEquals((await flock.api("GET", "/api/instances")).body, []);
    });
  },
});
