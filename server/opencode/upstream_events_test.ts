import assert from "node:assert/strict";
import type { UpstreamFlockEvent } from "../api_types.ts";
import { OpenCodeClient } from "./opencode_client.ts";
import { UpstreamEvents } from "./upstream_events.ts";

const encoder = new TextEncoder();
const sse = (value: unknown) =>
  encoder.encode(`data: ${JSON.stringify(value)}\n\n`);

/** A fake `/event` server: each connection plays the next script, then ends (or hangs). */
function fakeServer(scripts: Array<{ events: unknown[]; hang?: boolean }>) {
  let connection = 0;
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const auth: string[] = [];
  let statusCalls = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      auth.push(request.headers.get("authorization") ?? "");
      const url = new URL(request.url);
      if (url.pathname === "/session/status") {
        statusCalls++;
        return Response.json({ ses_1: { type: "busy" } });
      }
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

Deno.test("UpstreamEvents: forwards events in order, drops heartbeats, resyncs on every connect", async () => {
  const connected = { type: "server.connected", properties: {} };
  const server = fakeServer([
    {
      events: [
        connected,
        { type: "server.heartbeat", properties: {} },
        {
          id: "evt_1",
          type: "message.part.delta",
          properties: { delta: "Hel" },
        },
        "not an event",
      ],
    },
    {
      events: [connected, {
        type: "session.idle",
        properties: { sessionID: "ses_1" },
      }],
      hang: true,
    },
  ]);
  const published: UpstreamFlockEvent[] = [];
  const resyncs: Array<[string, unknown]> = [];
  const upstream = new UpstreamEvents({
    instanceId: "inst_1",
    client: new OpenCodeClient({ baseUrl: server.url, password: "pw" }),
    publish: (e) => published.push(e),
    onResync: (id, statuses) => void resyncs.push([id, statuses]),
    reconnect: { baseMs: 10, capMs: 20 },
  });
  try {
    upstream.start();
    await until(() => published.length === 4);
    assert.deepEqual(published.map((e) => e.type), [
      "server.connected",
      "message.part.delta",
      "server.connected",
      "session.idle",
    ]);
    assert.deepEqual(published[1], {
      id: "evt_1",
      type: "message.part.delta",
      properties: { delta: "Hel" },
      instance_id: "inst_1",
    });
    assert.deepEqual(resyncs, [
      ["inst_1", { ses_1: { type: "busy" } }],
      ["inst_1", { ses_1: { type: "busy" } }],
    ]);
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
    { events: [{ type: "server.connected", properties: {} }], hang: true },
    { events: [{ type: "server.connected", properties: {} }], hang: true },
  ]);
  const upstream = new UpstreamEvents({
    instanceId: "i",
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
