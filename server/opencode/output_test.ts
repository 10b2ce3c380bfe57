import assert from "node:assert/strict";
import { LineSplitStream, parseListeningLine } from "./output.ts";

Deno.test("parseListeningLine: finds the URL", () => {
  assert.equal(
    parseListeningLine("opencode server listening on http://127.0.0.1:4096"),
    "http://127.0.0.1:4096",
  );
  assert.equal(
    parseListeningLine("opencode server listening on http://127.0.0.1:42465\r"),
    "http://127.0.0.1:42465",
  );
});

Deno.test("parseListeningLine: ignores other lines", () => {
  for (
    const line of [
      "Warning: OPENCODE_SERVER_PASSWORD is not set; server is unsecured.",
      "",
      "opencode server listening on",
      "opencode server listening on https://127.0.0.1:1",
      " opencode server listening on http://127.0.0.1:1",
      "opencode server listening on http://127.0.0.1:1 extra",
      "opencode server listening on http://[bad",
    ]
  ) {
    assert.equal(parseListeningLine(line), null, line);
  }
});

async function split(chunks: string[], max?: number): Promise<string[]> {
  const out: string[] = [];
  await ReadableStream.from(chunks).pipeThrough(new LineSplitStream(max))
    .pipeTo(new WritableStream({ write: (line) => void out.push(line) }));
  return out;
}

Deno.test("LineSplitStream: joins chunks and splits lines", async () => {
  assert.deepEqual(await split(["a", "b\nc\r\n", "\nd"]), ["ab", "c", "", "d"]);
  assert.deepEqual(await split(["x\n"]), ["x"]);
  assert.deepEqual(await split([]), []);
});

Deno.test("LineSplitStream: cuts overlong lines", async () => {
  assert.deepEqual(await split(["abcdefg\nh"], 3), ["abc", "def", "g", "h"]);
});
