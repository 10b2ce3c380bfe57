/**
 * The SSE routes over real HTTP with a synthetic publisher (no OpenCode):
 * framing, resume, reset, slow clients, heartbeats, disconnects, shutdown
 * and ids across a Flock restart.
 */
import type { UnknownFlockEvent } from "../contract/events.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import type { SseEvent } from "../testing/sse_reader.ts";

function synthetic(n: number, payload = ""): UnknownFlockEvent {
  return {
    type: "test.synthetic",
    instance_id: "inst_synthetic",
    properties: { n, payload },
  };
}

function ns(events: SseEvent[]): number[] {
  return events.map((e) => JSON.parse(e.data).properties.n as number);
}

async function waitUntil(what: string, check: () => boolean, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function take(
  flock: TestFlock,
  path: string,
  count: number,
  lastEventId?: string,
): Promise<SseEvent[]> {
  await using sse = await flock.readSse(
    path,
    lastEventId === undefined ? {} : { lastEventId },
  );
  const out: SseEvent[] = [];
  while (out.length < count) {
    const e = await sse.reader.next(5000);
    if (!e) break;
    out.push(e);
  }
  return out;
}

Deno.test("GET /api/events: id, event and JSON data on every event, retry first", async () => {
  await using flock = await startTestFlock({ opencode: false });
  await using sse = await flock.readSse("/api/events");
  assertEquals(
    sse.response.headers.get("content-type"),
    "text/event-stream; charset=utf-8",
  );
  assertEquals(
    sse.response.headers.get("cache-control"),
    "no-cache, no-transform",
  );
  const broker = flock.flock.broker;
  await waitUntil("the subscriber", () => broker.subscriberCount === 1);
  for (let i = 0; i < 5; i++) broker.publish(synthetic(i, "multi\nline"));
  const got: SseEvent[] = [];
  for (let i = 0; i < 5; i++) got.push((await sse.reader.next())!);
  assertEquals(sse.reader.retry, 1000);
  assertEquals(ns(got), [0, 1, 2, 3, 4]);
  for (const e of got) {
    assertEquals(e.event, "test.synthetic");
    assertEquals(JSON.parse(e.data).instance_id, "inst_synthetic");
    assertEquals(JSON.parse(e.data).properties.payload, "multi\nline");
  }
  const ids = got.map((e) => Number(e.id));
  for (let i = 1; i < ids.length; i++) assert(ids[i]! > ids[i - 1]!);
});

Deno.test("resume by header or query replays later events once; old ids get stream.reset", async () => {
  await using flock = await startTestFlock({ opencode: false, eventBuffer: 5 });
  const broker = flock.flock.broker;
  const ids: number[] = [];
  for (let i = 0; i < 8; i++) ids.push(broker.publish(synthetic(i))!);
  // Ring holds n=3..7.
  const byHeader = await take(flock, "/api/events", 3, String(ids[4]));
  assertEquals(ns(byHeader), [5, 6, 7]);
  const byQuery = await take(
    flock,
    `/api/events?last_event_id=${ids[5]}`,
    2,
  );
  assertEquals(ns(byQuery), [6, 7]);

  await using old = await flock.readSse("/api/events", {
    lastEventId: String(ids[1]),
  });
  const reset = await old.reader.next();
  assertEquals(reset!.event, "stream.reset");
  assertEquals(JSON.parse(reset!.data).type, "stream.reset");
  assertEquals(reset!.id, String(ids[7]));
  broker.publish(synthetic(8));
  assertEquals(ns([(await old.reader.next())!]), [8]);

  const future = await take(flock, "/api/events", 1, String(ids[7]! + 1000));
  assertEquals(future[0]!.event, "stream.reset");
});

Deno.test("a client that never reads does not delay another and is dropped with stream.lagged", async () => {
  await using flock = await startTestFlock({
    opencode: false,
    events: { queueLimit: 16 },
  });
  const broker = flock.flock.broker;
  const port = new URL(flock.url).port;
  // A raw TCP client that sends the request and then never reads.
  const slow = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(port),
  });
  await slow.write(new TextEncoder().encode(
    `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
  ));
  await waitUntil("the slow subscriber", () => broker.subscriberCount === 1);
  await using fast = await flock.readSse("/api/events");
  await waitUntil("the fast subscriber", () => broker.subscriberCount === 2);
  const payload = "x".repeat(64 * 1024);
  let sent = 0;
  // Publish until the slow client is dropped; the fast one reads each event.
  // How long the fast one waits meanwhile is a bench figure
  // (bench/stalled_client_bench.ts).
  while (broker.subscriberCount === 2 && sent < 3000) {
    broker.publish(synthetic(sent, payload));
    const e = await fast.reader.next(5000);
    assertEquals(ns([e!]), [sent]);
    sent++;
  }
  assertEquals(broker.subscriberCount, 1, `still 2 after ${sent} events`);
  // The fast client keeps getting events.
  broker.publish(synthetic(sent, "after"));
  assertEquals(ns([(await fast.reader.next(5000))!]), [sent]);

  // The slow client's stream ends with stream.lagged (then the chunked
  // body's last chunk; the connection itself stays open for keep-alive).
  const decoder = new TextDecoder();
  let tail = "";
  const buf = new Uint8Array(1 << 20);
  const deadline = setTimeout(() => slow.close(), 20_000);
  try {
    while (true) {
      const n = await slow.read(buf);
      if (n === null) break;
      tail = (tail + decoder.decode(buf.subarray(0, n), { stream: true }))
        .slice(-200_000);
      if (
        /event: stream\.lagged\ndata: [^\n]*\n\n[\s\S]*0\r\n\r\n$/.test(tail)
      ) {
        break;
      }
    }
  } finally {
    clearTimeout(deadline);
    try {
      slow.close();
    } catch {
      // Closed by the deadline.
    }
  }
  const lagged =
    /id: (\d+)\nevent: stream\.lagged\ndata: (.*)\n\n\r\n0\r\n\r\n$/
      .exec(tail);
  assert(
    lagged,
    `stream.lagged arrived last: ${JSON.stringify(tail.slice(-300))}`,
  );
  assertEquals(JSON.parse(lagged[2]!).type, "stream.lagged");
});

Deno.test("a client that disconnects is unsubscribed; heartbeats flow when idle", async () => {
  await using flock = await startTestFlock({
    opencode: false,
    events: { heartbeatMs: 150 },
  });
  const broker = flock.flock.broker;
  const sse = await flock.readSse("/api/events");
  await waitUntil("the subscriber", () => broker.subscriberCount === 1);
  const next = sse.reader.next(3000);
  await waitUntil(
    "a heartbeat",
    () => sse.reader.comments.includes("keepalive"),
    3000,
  );
  broker.publish(synthetic(1));
  assertEquals(ns([(await next)!]), [1]);
  await sse.close();
  await waitUntil("the unsubscribe", () => broker.subscriberCount === 0);
});

Deno.test("closing Flock ends open event streams promptly", async () => {
  const flock = await startTestFlock({ opencode: false });
  const sse = await flock.readSse("/api/events");
  await waitUntil(
    "the subscriber",
    () => flock.flock.broker.subscriberCount === 1,
  );
  // close() resolves only once every stream has ended; how long that takes
  // is a bench figure (bench/shutdown_bench.ts).
  await flock.close();
  assertEquals(await sse.reader.next(3000), undefined);
  await sse.close();
});

Deno.test("after a restart on the same database every id is greater than before", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "flock-restart-" });
  try {
    let before: number[];
    {
      await using flock = await startTestFlock({ opencode: false, dataDir });
      await using sse = await flock.readSse("/api/events");
      await waitUntil(
        "the subscriber",
        () => flock.flock.broker.subscriberCount === 1,
      );
      for (let i = 0; i < 20; i++) flock.flock.broker.publish(synthetic(i));
      before = [];
      for (let i = 0; i < 20; i++) {
        before.push(Number((await sse.reader.next())!.id));
      }
    }
    await using flock = await startTestFlock({ opencode: false, dataDir });
    // The old id cannot be resumed: it is from before the restart.
    await using old = await flock.readSse("/api/events", {
      lastEventId: String(before.at(-1)),
    });
    const reset = await old.reader.next();
    assertEquals(reset!.event, "stream.reset");
    for (let i = 0; i < 5; i++) flock.flock.broker.publish(synthetic(i));
    const after: number[] = [];
    for (let i = 0; i < 5; i++) {
      after.push(Number((await old.reader.next())!.id));
    }
    const maxBefore = Math.max(...before);
    assert(after.every((id) => id > maxBefore), `${after} > ${maxBefore}`);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("GET /api/sessions/{id}/events of an unknown session is a JSON 404", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const res = await flock.api<{ error: { code: string } }>(
    "GET",
    "/api/sessions/ses_nope/events",
  );
  assertEquals(res.status, 404);
  assertEquals(res.body.error.code, "not_found");
});
