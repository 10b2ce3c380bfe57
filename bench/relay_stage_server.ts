/**
 * The relay under test in `bench/relay_stages.ts`: Flock's own event path
 * (upstream reader pieces, {@linkcode EventBroker}, `Deno.serve` SSE
 * responses) run in a process of its own, cut off after a chosen stage, so
 * the difference between two cuts is the cost of the stage between them.
 *
 * ```
 * deno run -A bench/relay_stage_server.ts --upstream <url> --auth <header> --stage <stage>
 * ```
 *
 * Stages (each includes the ones before it):
 *
 * | stage | what runs per chunk / record |
 * |---|---|
 * | `read` | the fetch body read (BYOB, one reused buffer) |
 * | `sse` | + `TextDecoder` + `eventsource-parser` |
 * | `parse` | + `JSON.parse` of the payload (located in the record) |
 * | `tag` | + the guard, `instance_id` (spliced into the JSON text) |
 * | `publish` | + the broker: id, frame, ring, per-client queues; `GET /events` clients get the bytes |
 * | `old-read` | the fetch body read as Flock did before (default reader, a new 64 KiB buffer per read) |
 * | `old-sse` | + the `TextDecoderStream` → `EventSourceParserStream` pipes |
 * | `old-parse` | + `JSON.parse` of the whole record |
 * | `old-tag` | + the guard, `instance_id` added by a spread |
 * | `old-publish` | + `JSON.stringify` per event, then the same broker |
 *
 * The `old-*` stages read `/event`, the others `/global/event`.
 *
 * After `POST /stamps`, the `publish` stages keep, per bench event, when
 * its chunk was read and when it was handed to the broker (the shared
 * clock); `GET /stamps` returns them, flat, as `seq, sentAt, readAt,
 * publishedAt` rows, and stops keeping them.
 *
 * @module
 */
import { createParser } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { parseArgs } from "node:util";
import { readOpenCodeEvent } from "../server/contract/event_guard.ts";
import { EventBroker } from "../server/events/event_broker.ts";
import { MemoryEventIds } from "../server/events/event_ids.ts";
import { sseResponse } from "../server/http/sse.ts";
import { GlobalRecordReader } from "../server/opencode/global_record.ts";
import { decodeText } from "../server/opencode/output.ts";
import { STAGES } from "./relay_stage_cuts.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    upstream: { type: "string" },
    auth: { type: "string" },
    stage: { type: "string" },
  },
});
const stage = STAGES.find((s) => s === values.stage);
if (!values.upstream || !values.auth || !stage) {
  throw new Error(
    `Usage: --upstream <url> --auth <header> --stage <${STAGES.join("|")}>`,
  );
}
const old = stage.startsWith("old-");
const depth = STAGES.indexOf(stage) - (old ? 5 : 0);

const broker = new EventBroker({ ids: new MemoryEventIds(1) });
const records = new GlobalRecordReader("inst_stage");
const stamps: number[] = [];
let stamping = false;
let readAt = 0;
let sink = 0;

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** A number field of a bench event's text (`seq`, `sentAt`), or NaN. */
function numberOf(data: string, key: string): number {
  const at = data.indexOf(`"${key}":`);
  return at < 0 ? NaN : parseFloat(data.slice(at + key.length + 3, at + 40));
}

function stamp(data: string): void {
  if (!stamping) return;
  const seq = numberOf(data, "seq");
  if (seq >= 0) stamps.push(seq, numberOf(data, "sentAt"), readAt, now());
}

/** The new path from one `data:` text on, as deep as the stage goes. */
function record(data: string): void {
  if (depth < 2) {
    sink += data.length;
    return;
  }
  if (depth === 2) {
    // What the record reader parses: the payload, located in the record.
    const start = data.indexOf('"payload":') + 10;
    sink += JSON.parse(data.slice(start, -1)) === null ? 0 : 1;
    return;
  }
  const got = records.read(data);
  if (got.kind !== "event" || depth === 3) return;
  stamp(data);
  broker.publish(got.event, got.json);
}

/** The old path from one `data:` text on. */
function oldRecord(data: string): void {
  if (depth < 2) {
    sink += data.length;
    return;
  }
  const parsed: unknown = JSON.parse(data);
  if (depth === 2) return;
  const reading = readOpenCodeEvent(parsed);
  if (reading.kind === "invalid") return;
  const event = { ...reading.event, instance_id: "inst_stage" };
  if (depth === 3) return;
  stamp(data);
  broker.publish(event);
}

async function readNew(body: ReadableStream<Uint8Array>): Promise<void> {
  const reader = body.getReader({ mode: "byob" });
  const decoder = new TextDecoder();
  const datas: string[] = [];
  const parser = createParser({ onEvent: (e) => datas.push(e.data) });
  let view = new Uint8Array(64 * 1024);
  while (true) {
    const { value, done } = await reader.read(view);
    if (done || value === undefined) return;
    readAt = now();
    if (depth === 0) {
      sink += value.byteLength;
    } else {
      parser.feed(decoder.decode(value, { stream: true }));
      for (const data of datas) record(data);
      datas.length = 0;
    }
    view = new Uint8Array(value.buffer, 0, 64 * 1024);
  }
}

async function readOld(body: ReadableStream<Uint8Array>): Promise<void> {
  if (depth === 0) {
    const reader = body.getReader();
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      readAt = now();
      sink += value.byteLength;
    }
  }
  const reader = decodeText(body)
    .pipeThrough(new EventSourceParserStream()).getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) return;
    readAt = now();
    oldRecord(value.data);
  }
}

const response = await fetch(
  `${values.upstream}${old ? "/event" : "/global/event"}`,
  { headers: { authorization: values.auth } },
);
if (!response.ok || !response.body) {
  throw new Error(`Cannot read the upstream: HTTP ${response.status}`);
}
const reading = old ? readOld(response.body) : readNew(response.body);

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => {
    Deno.stdout.writeSync(
      new TextEncoder().encode(`stage server listening on ${port}\n`),
    );
  },
}, (request) => {
  const path = new URL(request.url).pathname;
  if (path === "/events") return sseResponse(broker.subscribe());
  if (path === "/stamps") {
    stamping = request.method === "POST";
    return Response.json(stamps.splice(0));
  }
  if (path === "/subscribers") {
    return Response.json({ count: broker.subscriberCount, sink });
  }
  return new Response("not found", { status: 404 });
});

Deno.addSignalListener("SIGTERM", () => {
  broker.close();
  server.shutdown().finally(() => Deno.exit(0));
});
await reading;
