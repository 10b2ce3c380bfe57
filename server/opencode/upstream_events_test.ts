import assert from "node:assert/strict";
import type {
  PublishMeta,
  UnknownFlockEvent,
  UpstreamFlockEvent,
} from "../contract/events.ts";
import { openCodeSession } from "../testing/event_fixtures.ts";
import { OpenCodeClient } from "./opencode_client.ts";
import { SESSION_LIST_LIMIT, UpstreamEvents } from "./upstream_events.ts";

const encoder = new TextEncoder();
const sse = (value: unknown) =>
  encoder.encode(`data: ${JSON.stringify(value)}\n\n`);

/** A `/global/event` record: an event wrapped with its directory. */
function record(payload: unknown, directory?: string): unknown {
  return directory === undefined
    ? { payload }
    : { directory, project: "global", payload };
}

const SESSION = openCodeSession({ id: "ses_1", directory: "/p" });
const CHILD = openCodeSession({
  id: "ses_2",
  directory: "/p",
  parentID: "ses_1",
});
const PERMISSION = {
  id: "per_1",
  sessionID: "ses_1",
  permission: "bash",
  patterns: ["ls"],
  metadata: {},
  always: ["ls *"],
};
const QUESTION = {
  id: "que_1",
  sessionID: "ses_2",
  questions: [{ question: "Q?", header: "Q", options: [] }],
};

/** A fake `/global/event` server: each connection plays the next script, then ends (or hangs). */
function fakeServer(
  scripts: Array<{ events: unknown[]; hang?: boolean }>,
  { questionsFail = false } = {},
) {
  let connection = 0;
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const auth: string[] = [];
  const listQueries: string[] = [];
  let statusCalls = 0;
  const paths: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      auth.push(request.headers.get("authorization") ?? "");
      const url = new URL(request.url);
      if (url.pathname === "/session/status") {
        statusCalls++;
        return Response.json({ ses_1: { type: "busy" } });
      }
      if (url.pathname === "/session") {
        listQueries.push(url.search);
        return Response.json([SESSION, CHILD]);
      }
      if (url.pathname === "/permission") return Response.json([PERMISSION]);
      if (url.pathname === "/question") {
        return questionsFail
          ? Response.json({ message: "down" }, { status: 500 })
          : Response.json([QUESTION]);
      }
      paths.push(url.pathname);
      const script = scripts[connection++] ?? { events: [], hang: true };
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const event of script.events) controller.enqueue(sse(event));
          if (script.hang) open.add(controller);
          else controller.close();
        },
        cancel() {
          open.clear();
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream" },
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    auth,
    listQueries,
    paths,
    get statusCalls() {
      return statusCalls;
    },
    get connections() {
      return connection;
    },
    async close() {
      for (const c of open) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await server.shutdown();
    },
  };
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("Timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("UpstreamEvents: reads /global/event, forwards events in order with their directory and JSON, drops heartbeats, sync records and malformed events, resyncs on every connect", async () => {
  const connected = { id: "evt_0", type: "server.connected", properties: {} };
  const delta = {
    id: "evt_1",
    type: "message.part.delta",
    properties: {
      sessionID: "ses_1",
      messageID: "msg_1",
      partID: "prt_1",
      field: "text",
      delta: "Hel",
    },
  };
  const server = fakeServer([
    {
      events: [
        record(connected),
        record({ id: "evt_h", type: "server.heartbeat", properties: {} }),
        record(delta, "/p"),
        record({ type: "sync", syncEvent: {}, id: "evt_s" }, "/p"),
        "not an event",
        // A plain /event payload is not a /global/event record: dropped.
        delta,
        // A known type without the fields Flock reads: dropped.
        record({ id: "evt_2", type: "message.part.delta", properties: {} }),
        // A type the pinned SDK does not know: forwarded as it came.
        record({ id: "evt_3", type: "future.thing", properties: { x: 1 } }),
        // Another directory of the same child (a worktree's).
        record({
          id: "evt_5",
          type: "session.idle",
          properties: { sessionID: "ses_w" },
        }, "/p/wt"),
      ],
    },
    {
      events: [
        record(connected),
        record({
          id: "evt_4",
          type: "session.idle",
          properties: { sessionID: "ses_1" },
        }, "/p"),
      ],
      hang: true,
    },
  ]);
  const published: Array<UpstreamFlockEvent | UnknownFlockEvent> = [];
  const metas: PublishMeta[] = [];
  const resyncs: Array<[string, unknown]> = [];
  const upstream = new UpstreamEvents({
    instanceId: "inst_1",
    directory: "/p",
    client: new OpenCodeClient({ baseUrl: server.url, password: "pw" }),
    publish: (e, meta) => {
      published.push(e);
      metas.push(meta);
    },
    onResync: (id, { askedAt, ...snapshot }) => {
      assert.ok(typeof askedAt === "number" && askedAt <= Date.now());
      resyncs.push([id, snapshot]);
    },
    reconnect: { baseMs: 10, capMs: 20 },
  });
  try {
    upstream.start();
    await until(() => published.length === 6);
    assert.deepEqual(published.map((e) => e.type), [
      "server.connected",
      "message.part.delta",
      "future.thing",
      "session.idle",
      "server.connected",
      "session.idle",
    ]);
    assert.deepEqual(published[1], { ...delta, instance_id: "inst_1" });
    assert.deepEqual(published[2], {
      id: "evt_3",
      type: "future.thing",
      properties: { x: 1 },
      instance_id: "inst_1",
    });
    assert.deepEqual(metas.map((m) => m.directory), [
      undefined,
      "/p",
      undefined,
      "/p/wt",
      undefined,
      "/p",
    ]);
    // The JSON forwarded is the event's own, with instance_id added.
    for (const [i, meta] of metas.entries()) {
      assert.equal(meta.json, JSON.stringify(published[i]));
    }
    const snapshot = {
      sessions: [SESSION, CHILD],
      statuses: { ses_1: { type: "busy" } },
      permissions: [PERMISSION],
      questions: [QUESTION],
    };
    assert.deepEqual(resyncs, [["inst_1", snapshot], ["inst_1", snapshot]]);
    // The list is the instance directory's sessions (children too), all of them.
    const query = `?directory=%2Fp&limit=${SESSION_LIST_LIMIT}`;
    assert.deepEqual(server.listQueries, [query, query]);
    assert.deepEqual(
      server.paths.filter((p) => p.endsWith("event")),
      ["/global/event", "/global/event"],
    );
    assert.equal(upstream.connections, 2);
    assert.ok(upstream.connected);
    assert.ok(server.auth.every((a) => a === "Basic " + btoa("opencode:pw")));
  } finally {
    await upstream.close();
    await server.close();
  }
  assert.ok(!upstream.connected);
});

Deno.test("UpstreamEvents: a silent stream is dropped and reopened", async () => {
  const server = fakeServer([
    {
      events: [record({ id: "e1", type: "server.connected", properties: {} })],
      hang: true,
    },
    {
      events: [record({ id: "e2", type: "server.connected", properties: {} })],
      hang: true,
    },
  ]);
  const upstream = new UpstreamEvents({
    instanceId: "i",
    directory: "/p",
    client: new OpenCodeClient({ baseUrl: server.url, password: "pw" }),
    publish: () => {},
    idleTimeoutMs: 100,
    reconnect: { baseMs: 10, capMs: 20 },
  });
  try {
    upstream.start();
    await until(() => upstream.connections >= 2);
  } finally {
    await upstream.close();
    await server.close();
  }
});

Deno.test("UpstreamEvents: keeps retrying while the server is down, close ends it", async () => {
  const upstream = new UpstreamEvents({
    instanceId: "i",
    directory: "/p",
    client: new OpenCodeClient({
      baseUrl: "http://127.0.0.1:9",
      password: "pw",
    }),
    publish: () => {},
    reconnect: { baseMs: 10, capMs: 20 },
  });
  upstream.start();
  await new Promise((r) => setTimeout(r, 100));
  await upstream.close();
  assert.equal(upstream.connections, 0);
});

Deno.test("UpstreamEvents: pending requests that cannot be read do not hold back the sessions' resync", async () => {
  const server = fakeServer([{
    events: [record({ id: "evt_0", type: "server.connected", properties: {} })],
    hang: true,
  }], { questionsFail: true });
  const resyncs: unknown[] = [];
  const upstream = new UpstreamEvents({
    instanceId: "inst_1",
    directory: "/p",
    client: new OpenCodeClient({ baseUrl: server.url, password: "pw" }),
    publish: () => {},
    onResync: (_, { askedAt, ...snapshot }) => {
      assert.ok(typeof askedAt === "number");
      resyncs.push(snapshot);
    },
    reconnect: { baseMs: 10, capMs: 20 },
  });
  try {
    upstream.start();
    await until(() => resyncs.length === 1);
    assert.deepEqual(resyncs, [{
      sessions: [SESSION, CHILD],
      statuses: { ses_1: { type: "busy" } },
    }]);
  } finally {
    await upstream.close();
    await server.close();
  }
});
