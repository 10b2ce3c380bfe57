import type { FlockEvent } from "../contract/events.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { flockEvent } from "../testing/event_fixtures.ts";
import { type SseEvent, SseReader } from "../testing/sse_reader.ts";
import { EventBroker, type EventBrokerOptions } from "./event_broker.ts";
import { MemoryEventIds } from "./event_ids.ts";

function broker(options: Partial<EventBrokerOptions> = {}): EventBroker {
  return new EventBroker({ ids: new MemoryEventIds(100), ...options });
}

function ev(n: number, sessionID = "s1", instance = "i1"): FlockEvent {
  return flockEvent("message.part.delta", {
    sessionID,
    messageID: "msg_1",
    partID: "prt_1",
    field: "text",
    delta: `d${n}`,
  }, instance);
}

function deltas(events: SseEvent[]): string[] {
  return events.map((e) => {
    const json = JSON.parse(e.data) as { properties: { delta?: string } };
    return json.properties.delta ?? e.event;
  });
}

async function take(reader: SseReader, n: number): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for (let i = 0; i < n; i++) {
    const e = await reader.next(2000);
    if (!e) break;
    out.push(e);
  }
  return out;
}

Deno.test("events arrive in order with increasing ids, retry and an anchor first", async () => {
  const b = broker({ retryMs: 1234 });
  const first = b.publish(ev(0));
  const r = new SseReader(b.subscribe());
  for (let i = 1; i <= 5; i++) b.publish(ev(i));
  const got = await take(r, 5);
  assertEquals(r.retry, 1234);
  assertEquals(deltas(got), ["d1", "d2", "d3", "d4", "d5"]);
  const ids = got.map((e) => Number(e.id));
  assertEquals(ids, [
    first! + 1,
    first! + 2,
    first! + 3,
    first! + 4,
    first! + 5,
  ]);
  assertEquals(got[0]!.event, "message.part.delta");
  assertEquals(JSON.parse(got[0]!.data).instance_id, "i1");
  b.close();
  assertEquals(await r.next(), undefined);
});

Deno.test("a fresh stream is anchored at the newest id", async () => {
  const b = broker();
  b.publish(ev(1));
  const last = b.publish(ev(2))!;
  const r = new SseReader(b.subscribe());
  b.publish(ev(3));
  const [e] = await take(r, 1);
  assertEquals(deltas([e!]), ["d3"]);
  // The anchor moved lastEventId before the first event.
  assert(Number(e!.id) === last + 1);
  b.close();
});

Deno.test("resume replays every later event once, then the live tail", async () => {
  const b = broker();
  const ids: number[] = [];
  for (let i = 0; i < 10; i++) ids.push(b.publish(ev(i))!);
  const r = new SseReader(b.subscribe({ lastEventId: String(ids[6]) }));
  b.publish(ev(10));
  const got = await take(r, 4);
  assertEquals(deltas(got), ["d7", "d8", "d9", "d10"]);
  b.close();
});

Deno.test("resume at the newest id replays nothing", async () => {
  const b = broker();
  const last = b.publish(ev(1))!;
  const r = new SseReader(b.subscribe({ lastEventId: String(last) }));
  b.publish(ev(2));
  assertEquals(deltas(await take(r, 1)), ["d2"]);
  b.close();
});

Deno.test("filtered resume replays only matching events", async () => {
  const b = broker();
  const first = b.publish(ev(0, "s1"))!;
  b.publish(ev(1, "s2"));
  b.publish(ev(2, "s1"));
  b.publish({
    type: "instance.status",
    instance_id: "i1",
    properties: { instance: {} as never },
  });
  b.publish({ type: "instance.removed", instance_id: "i2", properties: {} });
  b.publish(ev(3, "s2"));
  const r = new SseReader(
    b.subscribe({
      lastEventId: String(first),
      sessionId: "s1",
      instanceId: "i1",
    }),
  );
  b.publish(ev(4, "s2"));
  b.publish(ev(5, "s1"));
  assertEquals(deltas(await take(r, 3)), ["d2", "instance.status", "d5"]);
  b.close();
});

Deno.test("stream.reset for an id older than the ring, from the future, garbage or an earlier run", async () => {
  const b = broker({ ringSize: 3 });
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) ids.push(b.publish(ev(i))!);
  const cases = [
    String(ids[1]), // evicted
    String(ids[5]! + 50), // future
    "abc",
    "1", // before this run's marker
  ];
  for (const lastEventId of cases) {
    const newest = b.lastId;
    const r = new SseReader(b.subscribe({ lastEventId }));
    const [reset] = await take(r, 1);
    assertEquals(reset!.event, "stream.reset", lastEventId);
    assertEquals(reset!.id, String(newest));
    assertEquals(JSON.parse(reset!.data).type, "stream.reset");
    b.publish(ev(99));
    assertEquals(deltas(await take(r, 1)), ["d99"]);
    await r.cancel();
  }
  b.close();
});

Deno.test("the newest evicted id is still a valid resume point", async () => {
  const b = broker({ ringSize: 3 });
  const ids: number[] = [];
  for (let i = 0; i < 6; i++) ids.push(b.publish(ev(i))!);
  // The ring holds d3..d5; d2 was evicted last, and nothing after it was lost.
  const r = new SseReader(b.subscribe({ lastEventId: String(ids[2]) }));
  assertEquals(deltas(await take(r, 3)), ["d3", "d4", "d5"]);
  const r2 = new SseReader(b.subscribe({ lastEventId: String(ids[1]) }));
  assertEquals((await take(r2, 1))[0]!.event, "stream.reset");
  b.close();
});

Deno.test("a slow subscriber is dropped with stream.lagged; others are not delayed", async () => {
  const b = broker({ queueLimit: 5 });
  const anchor = b.lastId;
  const slow = b.subscribe();
  const fast = new SseReader(b.subscribe());
  const received: string[] = [];
  for (let i = 0; i < 20; i++) {
    b.publish(ev(i));
    const e = await fast.next(1000);
    received.push(deltas([e!])[0]!);
  }
  assertEquals(received.length, 20);
  assertEquals(b.subscriberCount, 1);
  const r = new SseReader(slow);
  const all = await take(r, 50);
  assertEquals(all.length, 1);
  assertEquals(all[0]!.event, "stream.lagged");
  assertEquals(all[0]!.id, String(anchor));
  assertEquals(JSON.parse(all[0]!.data).properties.dropped_after, anchor);
  assert(r.ended);
  b.close();
});

Deno.test("stream.lagged carries the last id handed over, so a resume is lossless", async () => {
  const b = broker({ queueLimit: 3 });
  const stream = b.subscribe();
  const r = new SseReader(stream);
  const ids: number[] = [];
  ids.push(b.publish(ev(0))!);
  const first = await r.next(1000); // the reader now waits for more
  assertEquals(deltas([first!]), ["d0"]);
  // Publish a burst without reading: the queue overflows.
  for (let i = 1; i < 10; i++) ids.push(b.publish(ev(i))!);
  const rest = await take(r, 20);
  const lagged = rest.at(-1)!;
  assertEquals(lagged.event, "stream.lagged");
  const seen = [first!, ...rest.slice(0, -1)].map((e) => Number(e.id));
  assertEquals(Number(lagged.id), seen.at(-1));
  const again = new SseReader(b.subscribe({ lastEventId: lagged.id }));
  const replay = await take(again, 10 - seen.length);
  assertEquals(
    [...seen, ...replay.map((e) => Number(e.id))],
    ids,
  );
  b.close();
});

Deno.test("a big replay does not count against the live queue limit", async () => {
  const b = broker({ queueLimit: 2 });
  const first = b.publish(ev(0))!;
  for (let i = 1; i < 50; i++) b.publish(ev(i));
  const r = new SseReader(b.subscribe({ lastEventId: String(first) }));
  b.publish(ev(50));
  const got = await take(r, 50);
  assertEquals(got.length, 50);
  assertEquals(deltas(got).at(-1), "d50");
  b.close();
});

Deno.test("close ends every stream; later subscribers get a closed stream", async () => {
  const b = broker();
  const readers = [new SseReader(b.subscribe()), new SseReader(b.subscribe())];
  b.publish(ev(1));
  b.close();
  for (const r of readers) {
    const rest = await take(r, 5);
    assert(rest.length <= 1);
    assert(r.ended);
  }
  assertEquals(b.subscriberCount, 0);
  assertEquals(b.publish(ev(2)), undefined);
  const late = new SseReader(b.subscribe());
  assertEquals(await late.next(1000), undefined);
});

Deno.test("cancel and abort remove subscribers", async () => {
  const b = broker();
  const r = new SseReader(b.subscribe());
  const ac = new AbortController();
  const r2 = new SseReader(b.subscribe({ signal: ac.signal }));
  assertEquals(b.subscriberCount, 2);
  await r.cancel();
  assertEquals(b.subscriberCount, 1);
  ac.abort();
  assertEquals(b.subscriberCount, 0);
  assertEquals(await r2.next(1000), undefined);
  const pre = new AbortController();
  pre.abort();
  const r3 = new SseReader(b.subscribe({ signal: pre.signal }));
  assertEquals(await r3.next(1000), undefined);
  assertEquals(b.subscriberCount, 0);
  b.close();
});

Deno.test("heartbeats go to idle subscribers only, and traffic resets the timer", async () => {
  let now = 0;
  const b = broker({ heartbeatMs: 100, now: () => now });
  const r = new SseReader(b.subscribe());
  const readNext = r.next(2000);
  await new Promise((resolve) => setTimeout(resolve, 0));
  now = 50;
  b.heartbeat();
  now = 99;
  b.publish(ev(1)); // traffic at 99
  assertEquals(deltas([(await readNext)!]), ["d1"]);
  const pending = r.next(2000);
  await new Promise((resolve) => setTimeout(resolve, 0));
  now = 150;
  b.heartbeat(); // idle for 51 ms only
  assertEquals(r.comments.length, 0);
  now = 200;
  b.heartbeat();
  b.publish(ev(2));
  assertEquals(deltas([(await pending)!]), ["d2"]);
  assertEquals(r.comments, ["keepalive"]);
  b.close();
});

Deno.test("an event that cannot be encoded is dropped without throwing", async () => {
  const b = broker();
  const r = new SseReader(b.subscribe());
  assertEquals(
    b.publish({ type: "bad\ntype", instance_id: "i1", properties: {} }),
    undefined,
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertEquals(
    b.publish({ type: "x", instance_id: "i1", properties: cyclic }),
    undefined,
  );
  b.publish(ev(1));
  assertEquals(deltas(await take(r, 1)), ["d1"]);
  b.close();
});

Deno.test("100 subscribers each get every event, in order", async () => {
  const b = broker({ queueLimit: 10_000 });
  const readers = Array.from(
    { length: 100 },
    () => new SseReader(b.subscribe()),
  );
  for (let i = 0; i < 200; i++) b.publish(ev(i));
  for (const r of readers) {
    const got = await take(r, 200);
    assertEquals(got.length, 200);
    assertEquals(deltas(got)[199], "d199");
  }
  b.close();
});

/** What a stream carries up to its `count`-th event frame, as text. */
async function textOf(
  stream: ReadableStream<Uint8Array>,
  count: number,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.split("\nevent: ").length > count) break;
  }
  return text;
}

/** Real-looking events whose text matters: unicode, U+2028, escapes, 2 MB. */
function textCorpus(): FlockEvent[] {
  return [
    "plain",
    'héllo wörld — “quotes” \u2028 \u2029 🦊 \\ " </script> \t \u0001',
    "lone \ud800 surrogate",
    "line\nbreaks\r\ninside\rstrings",
    "x".repeat(2_000_000) + "\u2028",
  ].map((delta, i) =>
    flockEvent("message.part.delta", {
      sessionID: "s1",
      messageID: "msg_1",
      partID: "prt_1",
      field: "text",
      delta: `${i}: ${delta}`,
    })
  );
}

Deno.test("an event published with its JSON text goes out in the very bytes of serialising it", async () => {
  const serialised = broker();
  const given = broker();
  const corpus = textCorpus();
  const a = textOf(serialised.subscribe(), corpus.length);
  const b = textOf(given.subscribe(), corpus.length);
  for (const event of corpus) {
    serialised.publish(event);
    given.publish(event, JSON.stringify(event));
  }
  const [old, spliced] = await Promise.all([a, b]);
  serialised.close();
  given.close();
  assertEquals(spliced, old);
  assert(old.includes("\u2028") && old.includes("🦊"));
});

Deno.test("JSON text with line breaks is split over data lines and reads back the same", async () => {
  const b = broker();
  const r = new SseReader(b.subscribe());
  const event = ev(1);
  const pretty = JSON.stringify(event, null, 2);
  b.publish(event, pretty);
  const [got] = await take(r, 1);
  assertEquals(JSON.parse(got!.data), event);
  assertEquals(got!.data, pretty.replaceAll("\r\n", "\n"));
  b.close();
});
