import { EventSourceParserStream } from "eventsource-parser/stream";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import {
  encodeComment,
  encodeSse,
  SSE_HEADERS,
  SseEncodingError,
  sseResponse,
} from "./sse.ts";

Deno.test("encodeSse writes id, event and data in order", () => {
  assertEquals(
    encodeSse({ id: 7, event: "session.idle", data: '{"a":1}' }),
    'id: 7\nevent: session.idle\ndata: {"a":1}\n\n',
  );
});

Deno.test("encodeSse splits multi-line data on every kind of line break", () => {
  assertEquals(
    encodeSse({ data: "one\ntwo\r\nthree\rfour" }),
    "data: one\ndata: two\ndata: three\ndata: four\n\n",
  );
  assertEquals(encodeSse({ data: "" }), "data: \n\n");
  assertEquals(encodeSse({ data: "end\n" }), "data: end\ndata: \n\n");
});

Deno.test("encodeSse puts retry first and allows an id-only frame", () => {
  assertEquals(encodeSse({ retry: 1000, id: "5" }), "retry: 1000\nid: 5\n\n");
});

Deno.test("encodeSse rejects line breaks in event and id, and bad retry", () => {
  assertThrows(() => encodeSse({ event: "a\nb", data: "x" }), SseEncodingError);
  assertThrows(() => encodeSse({ event: "a\rb", data: "x" }), SseEncodingError);
  assertThrows(() => encodeSse({ id: "1\n2", data: "x" }), SseEncodingError);
  assertThrows(() => encodeSse({ id: "1\r", data: "x" }), SseEncodingError);
  assertThrows(() => encodeSse({ id: "1\0", data: "x" }), SseEncodingError);
  assertThrows(() => encodeSse({ retry: -1 }), SseEncodingError);
  assertThrows(() => encodeSse({ retry: 1.5 }), SseEncodingError);
  assertThrows(() => encodeSse({}), SseEncodingError);
});

Deno.test("encodeComment makes comment lines", () => {
  assertEquals(encodeComment("keepalive"), ": keepalive\n\n");
  assertEquals(encodeComment("a\nb"), ": a\n: b\n\n");
});

Deno.test("a third-party parser reads encoded frames back", async () => {
  const text = encodeSse({ retry: 500 }) +
    encodeComment("hi") +
    encodeSse({ id: 1, event: "x.y", data: "line 1\nline 2" }) +
    encodeSse({ id: 2, event: "z", data: JSON.stringify({ s: "a\nb" }) });
  const events = [];
  const stream = ReadableStream.from([text])
    .pipeThrough(new EventSourceParserStream());
  for await (const e of stream) events.push(e);
  assertEquals(events.map((e) => [e.id, e.event, e.data]), [
    ["1", "x.y", "line 1\nline 2"],
    ["2", "z", '{"s":"a\\nb"}'],
  ]);
});

Deno.test("sseResponse sets the event-stream headers", async () => {
  const res = sseResponse(
    ReadableStream.from([new TextEncoder().encode(": x\n\n")]),
  );
  assertEquals(res.status, 200);
  for (const [k, v] of Object.entries(SSE_HEADERS)) {
    assertEquals(res.headers.get(k), v);
  }
  assertEquals(await res.text(), ": x\n\n");
});
