/**
 * The message queue against a real SQLite database and a stand-in
 * OpenCode served over real HTTP in-process: when a message goes out at
 * once and when it waits, that a stale idle never releases the next one,
 * failures that stay visible and hold the queue, retry and cancel, the
 * remembered choice, checks of the named one, and commands.
 */
import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { WireEvent } from "../contract/events.ts";
import type { SessionStatus } from "../contract/sessions.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { QueueStore } from "../db/queue_store.ts";
import { SessionStore } from "../db/session_store.ts";
import { InstanceNotRunningError } from "../opencode/instance_errors.ts";
import { CatalogCache } from "../opencode/catalog_cache.ts";
import { OpenCodeClient } from "../opencode/opencode_client.ts";
import {
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../testing/assert.ts";
import { flockEvent } from "../testing/event_fixtures.ts";
import { MessageQueue } from "./message_queue.ts";
import { InvalidChoiceError, QueuedMessageStateError } from "./queue_errors.ts";

interface Call {
  path: string;
  body: Record<string, unknown>;
}

/** A stand-in OpenCode: the catalog, prompt_async and command. */
function standIn() {
  const calls: Call[] = [];
  const failures: number[] = [];
  let gate: PromiseWithResolvers<void> | null = null;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/agent") {
        return Response.json([
          { name: "build", mode: "primary" },
          { name: "plan", mode: "primary" },
          { name: "general", mode: "subagent" },
          { name: "title", mode: "primary", hidden: true },
        ]);
      }
      if (path === "/config/providers") {
        const model = (id: string, variants: Record<string, unknown>) => ({
          id,
          name: id,
          variants,
          limit: { context: 1000, output: 100 },
        });
        return Response.json({
          providers: [{
            id: "fake",
            name: "Fake",
            models: {
              "fake-model": model("fake-model", { quick: {}, deep: {} }),
              other: model("other", {}),
            },
          }],
          default: { fake: "fake-model" },
        });
      }
      if (path === "/command") {
        return Response.json([{ name: "hello", hints: [] }]);
      }
      const body = await request.json();
      calls.push({ path, body });
      const failure = failures.shift();
      if (failure !== undefined) {
        return Response.json({ name: "BadRequest", data: { message: "no" } }, {
          status: failure,
        });
      }
      if (gate) await gate.promise;
      return path.endsWith("/command")
        ? Response.json({})
        : new Response(null, { status: 204 });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    calls,
    /** The next sends answer these statuses. */
    fail: (...statuses: number[]) => failures.push(...statuses),
    /** Holds every send until `release`. */
    hold: () => {
      gate = Promise.withResolvers<void>();
    },
    release: () => {
      gate?.resolve();
      gate = null;
    },
    close: () => server.shutdown(),
  };
}

function setup() {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  new InstanceStore(db).create({
    id: "i1",
    name: "a",
    working_directory: "/a",
  });
  const sessions = new SessionStore(db);
  sessions.upsert({ id: "s1", instance_id: "i1", title: "t" });
  const opencode = standIn();
  const client = new OpenCodeClient({ baseUrl: opencode.url, password: "pw" });
  const published: WireEvent[] = [];
  let running = true;
  const store = new QueueStore(db);
  const queue = new MessageQueue({
    sessions,
    store,
    client: (id) => {
      if (!running) throw new InstanceNotRunningError(id, "stopped");
      return client;
    },
    catalog: new CatalogCache({ now: () => 0 }),
    publish: (e) => published.push(e),
  });
  /** The session's status changes, as the tracker then the queue see it. */
  const status = (type: SessionStatus | "idle-event") => {
    if (type === "idle-event") {
      sessions.setStatus("s1", "idle");
      queue.apply(flockEvent("session.idle", { sessionID: "s1" }, "i1"));
      return;
    }
    if (type === "error") {
      sessions.setStatus("s1", "error");
      queue.apply(flockEvent("session.error", { sessionID: "s1" }, "i1"));
      return;
    }
    sessions.setStatus("s1", type);
    queue.apply(
      flockEvent("session.status", {
        sessionID: "s1",
        status: type === "retry"
          ? { type, attempt: 1, message: "down", next: 1 }
          : { type },
      }, "i1"),
    );
  };
  const session = () => sessions.get("s1")!;
  /** Waits until `done` holds (a send in flight has finished). */
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 1000 && !done(); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assertEquals(done(), true, "the expected state was reached");
  };
  /** The statuses in the queue now (a send starts synchronously, so a
   * message still `queued` right after an event was not released by it). */
  const statuses = () => store.list("s1").map((q) => `${q.text}:${q.status}`);
  return {
    db,
    sessions,
    store,
    queue,
    opencode,
    published,
    status,
    session,
    until,
    statuses,
    stop: () => {
      running = false;
    },
    async [Symbol.asyncDispose]() {
      opencode.release();
      await queue.close();
      await opencode.close();
      db.close();
    },
  };
}

Deno.test("an idle session gets the message at once; the next waits for a new reply to start and end", async () => {
  await using t = setup();
  const first = await t.queue.submit(t.session(), {
    kind: "message",
    text: "one",
  });
  assertEquals(first.status, "sent");
  assertEquals(t.opencode.calls.map((c) => c.body.parts), [[{
    type: "text",
    text: "one",
  }]]);
  // The table still says idle, but "one" has not started: this one waits.
  const second = await t.queue.submit(t.session(), {
    kind: "message",
    text: "two",
  });
  assertEquals(second.status, "queued");
  // A late idle of an earlier reply releases nothing.
  t.status("idle-event");
  assertEquals(t.statuses(), ["two:queued"]);
  t.status("busy");
  const third = await t.queue.submit(t.session(), {
    kind: "message",
    text: "three",
  });
  assertEquals(third.status, "queued");
  assertEquals(t.queue.list("s1").map((q) => q.text), ["two", "three"]);
  t.status("idle");
  assertEquals(t.statuses(), ["two:sending", "three:queued"]);
  await t.until(() => t.statuses().length === 1);
  assertEquals(t.opencode.calls[1]?.body.parts, [{
    type: "text",
    text: "two",
  }]);
  assertEquals(t.statuses(), ["three:queued"]);
  // "two" must start before "three" goes.
  t.status("idle-event");
  assertEquals(t.statuses(), ["three:queued"]);
  t.status("busy");
  t.status("idle");
  await t.until(() => t.statuses().length === 0);
  assertEquals(t.opencode.calls.length, 3);
  const sizes = t.published.flatMap((e) =>
    e.type === "queue.updated" && Array.isArray(e.properties.queue)
      ? [e.properties.queue.length]
      : []
  );
  assertEquals(sizes, [1, 2, 2, 1, 1, 0]);
});

Deno.test("a failed send stays visible, holds the queue, and can be retried or cancelled", async () => {
  await using t = setup();
  t.status("busy");
  const a = await t.queue.submit(t.session(), { kind: "message", text: "a" });
  const b = await t.queue.submit(t.session(), { kind: "message", text: "b" });
  t.opencode.fail(500);
  t.status("idle");
  await t.until(() => t.statuses()[0] === "a:failed");
  assertEquals(t.statuses(), ["a:failed", "b:queued"]);
  assertMatch(t.queue.list("s1")[0]!.error ?? "", /500/);
  assertThrows(() => t.queue.retry("s1", b.id), QueuedMessageStateError);
  // Held: nothing goes while "a" failed.
  t.status("idle-event");
  assertEquals(t.statuses(), ["a:failed", "b:queued"]);
  t.queue.retry("s1", a.id);
  await t.until(() => t.statuses().length === 1);
  assertEquals(t.opencode.calls.length, 2);
  assertEquals(t.statuses(), ["b:queued"]);
  // b fails too; cancelling it empties the queue.
  t.status("busy");
  t.opencode.fail(502);
  t.status("idle");
  await t.until(() => t.statuses()[0] === "b:failed");
  assertEquals(t.queue.cancel("s1", b.id).id, b.id);
  assertEquals(t.queue.list("s1"), []);
});

Deno.test("a message being handed over cannot be cancelled; one for a stopped instance waits", async () => {
  await using t = setup();
  t.status("busy");
  const a = await t.queue.submit(t.session(), { kind: "message", text: "a" });
  t.opencode.hold();
  t.status("idle");
  assertEquals(t.statuses(), ["a:sending"]);
  await t.until(() => t.opencode.calls.length === 1);
  assertThrows(() => t.queue.cancel("s1", a.id), QueuedMessageStateError);
  t.opencode.release();
  await t.until(() => t.statuses().length === 0);

  t.status("busy");
  await t.queue.submit(t.session(), { kind: "message", text: "later" });
  t.stop();
  t.status("idle");
  assertEquals(t.statuses(), ["later:queued"]);
  await assertRejects(
    () => t.queue.submit(t.session(), { kind: "message", text: "x" }),
    InstanceNotRunningError,
  );
});

Deno.test("the remembered choice is sent; a named one is checked", async () => {
  await using t = setup();
  t.sessions.upsert({
    id: "s1",
    instance_id: "i1",
    title: "t",
    model: "fake/fake-model",
    variant: "deep",
    agent: "plan",
  });
  await t.queue.submit(t.session(), { kind: "message", text: "a" });
  assertEquals(t.opencode.calls[0]?.body, {
    parts: [{ type: "text", text: "a" }],
    model: { providerID: "fake", modelID: "fake-model" },
    agent: "plan",
    variant: "deep",
  });
  t.status("busy");
  t.status("idle");
  // Another model named: the remembered variant (of the other model) is dropped.
  await t.queue.submit(t.session(), {
    kind: "message",
    text: "b",
    model: "fake/other",
  });
  assertEquals(t.opencode.calls[1]?.body, {
    parts: [{ type: "text", text: "b" }],
    model: { providerID: "fake", modelID: "other" },
    agent: "plan",
  });
  for (
    const [choice, field] of [
      [{ model: "fake/none" }, "model"],
      [{ agent: "general" }, "agent"],
      [{ agent: "title" }, "agent"],
      [{ variant: "turbo" }, "variant"],
      [{ model: "fake/other", variant: "deep" }, "variant"],
    ] as const
  ) {
    const error = await assertRejects(
      () =>
        t.queue.submit(t.session(), { kind: "message", text: "x", ...choice }),
      InvalidChoiceError,
    );
    assertEquals(error.field, field, JSON.stringify(choice));
  }
  const command = await assertRejects(
    () =>
      t.queue.submit(t.session(), {
        kind: "command",
        text: "",
        command: "nope",
      }),
    InvalidChoiceError,
  );
  assertEquals(command.field, "command");
});

Deno.test("a command counts as sent once the session starts on it", async () => {
  await using t = setup();
  t.opencode.hold();
  const sent = t.queue.submit(t.session(), {
    kind: "command",
    command: "hello",
    text: "world",
  });
  await t.until(() => t.opencode.calls.length === 1);
  assertEquals(t.opencode.calls[0]?.body, {
    command: "hello",
    arguments: "world",
  });
  // OpenCode still holds the call (it answers when the reply is done).
  t.status("busy");
  assertEquals((await sent).status, "sent");
});

Deno.test("a message a previous Flock was sending becomes failed at start", async () => {
  await using t = setup();
  t.status("busy");
  const a = await t.queue.submit(t.session(), { kind: "message", text: "a" });
  t.store.setStatus(a.id, "sending");
  t.queue.recoverAtStart();
  assertEquals(t.queue.list("s1")[0]?.status, "failed");
  assertMatch(t.queue.list("s1")[0]?.error ?? "", /Flock stopped/);
});
