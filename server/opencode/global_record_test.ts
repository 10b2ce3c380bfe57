import { assert, assertEquals } from "../testing/assert.ts";
import {
  GlobalRecordReader,
  instanceSuffix,
  spliceInstanceId,
} from "./global_record.ts";

/** Real records of OpenCode 1.18.33's `/global/event`: two directories, prompts with unicode, a bash tool. */
const CORPUS = (await Deno.readTextFile(
  new URL("./testdata/global_event_1.18.33.sse", import.meta.url),
)).split("\n\n").filter((frame) => frame !== "").map((frame) => {
  assert(frame.startsWith("data: "), frame);
  return frame.slice("data: ".length);
});

interface Wrapper {
  directory?: string;
  payload: Record<string, unknown> & { type: string };
}

/** What Flock forwarded before: the parsed payload plus instance_id, serialised. */
function oldJson(payload: Record<string, unknown>, instanceId: string): string {
  return JSON.stringify({ ...payload, instance_id: instanceId });
}

Deno.test("every real record is forwarded byte-identical to parse + add instance_id + stringify", () => {
  const reader = new GlobalRecordReader("inst_abc");
  const kinds = new Map<string, number>();
  for (const data of CORPUS) {
    const wrapper = JSON.parse(data) as Wrapper;
    const got = reader.read(data);
    const type = wrapper.payload.type;
    if (type === "sync" || type === "server.heartbeat") {
      assertEquals(got, { kind: "skip", type });
      continue;
    }
    assert(got.kind === "event", `${type}: ${JSON.stringify(got)}`);
    assertEquals(got.json, oldJson(wrapper.payload, "inst_abc"));
    assertEquals(got.serialised, false, "spliced, not serialised");
    assertEquals(got.event, { ...wrapper.payload, instance_id: "inst_abc" });
    assertEquals(got.directory, wrapper.directory);
    kinds.set(type, (kinds.get(type) ?? 0) + 1);
  }
  // The corpus covers what matters: deltas, parts, sessions, unicode.
  for (
    const type of ["message.part.delta", "session.created", "server.connected"]
  ) {
    assert((kinds.get(type) ?? 0) > 0, type);
  }
  assert(CORPUS.some((data) => data.includes("\u2028")), "a raw U+2028");
  assert(CORPUS.some((data) => data.includes("🦊")), "an emoji");
});

Deno.test("unicode, line separators, escapes and a 2 MB event stay byte-identical", () => {
  const reader = new GlobalRecordReader('inst_"quoted"');
  const texts = [
    'héllo wörld — “quotes” \u2028 \u2029 🦊 \\ " </script> \t \u0001 \u007f',
    "lone surrogates \ud800 and \udfff",
    "x".repeat(2_000_000) + "\u2028é🦊",
  ];
  for (const [i, delta] of texts.entries()) {
    const payload = {
      id: `evt_${i}`,
      type: "message.part.delta",
      properties: {
        sessionID: "ses_1",
        messageID: "msg_1",
        partID: "prt_1",
        field: "text",
        delta,
      },
    };
    const data = JSON.stringify({
      directory: '/a dir/with "quotes" and é',
      project: "global",
      payload,
    });
    const got = reader.read(data);
    assert(got.kind === "event");
    assertEquals(got.json, oldJson(payload, 'inst_"quoted"'));
    assertEquals(got.serialised, false);
    assertEquals(got.directory, '/a dir/with "quotes" and é');
  }
});

Deno.test("records without a directory, or with a workspace, take the fast path too", () => {
  const reader = new GlobalRecordReader("i");
  const connected = { id: "evt_c", type: "server.connected", properties: {} };
  const a = reader.read(JSON.stringify({ payload: connected }));
  assert(a.kind === "event");
  assertEquals(a.directory, undefined);
  assertEquals(a.json, oldJson(connected, "i"));
  assertEquals(a.serialised, false);
  const b = reader.read(
    JSON.stringify({
      directory: "/p",
      project: "x",
      workspace: "w",
      payload: connected,
    }),
  );
  assert(b.kind === "event");
  assertEquals(b.directory, "/p");
  assertEquals(b.serialised, false);
  // An escaped directory is decoded.
  const c = reader.read(
    `{"directory":"\\/p\\u00e9","payload":${JSON.stringify(connected)}}`,
  );
  assert(c.kind === "event");
  assertEquals(c.directory, "/pé");
  assertEquals(c.serialised, false);
});

Deno.test("unusual records take the slow path and still forward the same JSON value", () => {
  const reader = new GlobalRecordReader("i");
  const payload = {
    id: "evt_1",
    type: "session.idle",
    properties: { sessionID: "ses_1" },
  };
  const expected = oldJson(payload, "i");
  const cases = [
    // Other key order, whitespace, a trailing key, line breaks.
    JSON.stringify({ payload, directory: "/p" }),
    JSON.stringify({ directory: "/p", payload }, null, 2),
    `{"directory":"/p","payload":${JSON.stringify(payload)},"extra":1}`,
  ];
  for (const data of cases) {
    const got = reader.read(data);
    assert(got.kind === "event", data);
    assertEquals(JSON.parse(got.json), JSON.parse(expected), data);
    assertEquals(got.directory, "/p", data);
    assertEquals(got.serialised, true, data);
    assert(!got.json.includes("\n"), "no raw line break reaches a frame");
  }
  // Escapes OpenCode does not write: spliced as they came, the same value.
  const escaped = reader.read(
    `{"directory":"/p","payload":${
      JSON.stringify(payload).replace("ses_1", "\\u0073es_1")
    }}`,
  );
  assert(escaped.kind === "event");
  assertEquals(escaped.serialised, false);
  assertEquals(JSON.parse(escaped.json), JSON.parse(expected));
  // A duplicate key: JSON.parse keeps the last one, so does the forwarded JSON.
  const dup = reader.read(
    `{"directory":"/p","payload":${
      JSON.stringify(payload)
    },"payload":{"id":"evt_2","type":"session.idle","properties":{"sessionID":"ses_2"}}}`,
  );
  assert(dup.kind === "event");
  assertEquals(JSON.parse(dup.json).id, "evt_2");
  // An instance_id already there is replaced in place, as before.
  const own = { ...payload, instance_id: "theirs" };
  const replaced = reader.read(
    JSON.stringify({ directory: "/p", payload: own }),
  );
  assert(replaced.kind === "event");
  assertEquals(replaced.json, JSON.stringify({ ...own, instance_id: "i" }));
});

Deno.test("sync records, heartbeats and garbage are not forwarded", () => {
  const reader = new GlobalRecordReader("i");
  assertEquals(
    reader.read(
      '{"directory":"/p","project":"global","payload":{"type":"sync","syncEvent":{"id":"evt_1"},"id":"evt_1"}}',
    ),
    { kind: "skip", type: "sync" },
  );
  assertEquals(
    reader.read('{"payload":{"type":"sync","id":"evt_1"},"directory":"/p"}'),
    { kind: "skip", type: "sync" },
  );
  assertEquals(
    reader.read(
      '{"payload":{"id":"evt_h","type":"server.heartbeat","properties":{}}}',
    ),
    { kind: "skip", type: "server.heartbeat" },
  );
  for (
    const data of [
      "not json",
      "[]",
      '{"directory":"/p"}',
      '{"payload":"x"}',
      '{"payload":{"type":"message.part.delta","properties":{}}}',
      '{"directory":"/p","payload":{"no":"type"}}',
    ]
  ) {
    assertEquals(reader.read(data).kind, "invalid", data);
  }
});

Deno.test("spliceInstanceId refuses text it cannot splice safely", () => {
  const suffix = instanceSuffix("i");
  assertEquals(
    spliceInstanceId('{"type":"x","properties":{}}', {}, suffix),
    '{"type":"x","properties":{},"instance_id":"i"}',
  );
  for (
    const text of [
      '{"type":"x","properties":{}} ',
      '{"type":"x",\n"properties":{}}',
      '{"type":"x",\r"properties":{}}',
    ]
  ) {
    assertEquals(spliceInstanceId(text, {}, suffix), undefined);
  }
  assertEquals(
    spliceInstanceId('{"instance_id":"j"}', { instance_id: "j" }, suffix),
    undefined,
  );
});
