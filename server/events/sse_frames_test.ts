import { encodeComment, encodeSse } from "../http/sse.ts";
import { assertEquals } from "../testing/assert.ts";
import {
  anchorFrame,
  eventFrame,
  HEARTBEAT_FRAME,
  laggedFrame,
  resetFrame,
  retryFrame,
} from "./sse_frames.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("eventFrame is byte-identical to encodeSse, with or without line breaks", () => {
  const datas = [
    '{"a":1}',
    "",
    JSON.stringify({ s: 'é 🦊 \u2028 \u2029 \\n " \t' }),
    "one\ntwo\r\nthree\rfour",
    "end\n",
    "x".repeat(100_000),
  ];
  for (const [i, data] of datas.entries()) {
    assertEquals(
      text(eventFrame(1000 + i, "message.part.delta", data)),
      encodeSse({ id: 1000 + i, event: "message.part.delta", data }),
    );
  }
});

Deno.test("the stream-control frames", () => {
  assertEquals(text(anchorFrame(1000, 42)), "retry: 1000\nid: 42\n\n");
  assertEquals(text(retryFrame(500)), "retry: 500\n\n");
  assertEquals(text(HEARTBEAT_FRAME), encodeComment("keepalive"));
  assertEquals(
    text(resetFrame(7, "why")),
    'id: 7\nevent: stream.reset\ndata: {"type":"stream.reset","properties":{"reason":"why"}}\n\n',
  );
  assertEquals(
    text(laggedFrame(9)),
    'id: 9\nevent: stream.lagged\ndata: {"type":"stream.lagged","properties":{"dropped_after":9}}\n\n',
  );
});
