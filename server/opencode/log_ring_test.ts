import assert from "node:assert/strict";
import type { LogLineJson } from "../contract/instances.ts";
import { LogRing } from "./log_ring.ts";

const line = (n: number, stream: LogLineJson["stream"] = "stdout") => ({
  stream,
  line: `line ${n}`,
  time: "2026-01-01T00:00:00.000Z",
});

Deno.test("LogRing: keeps everything below capacity", () => {
  const ring = new LogRing(3);
  ring.push(line(1));
  ring.push(line(2));
  assert.deepEqual(ring.lines().map((l) => l.line), ["line 1", "line 2"]);
});

Deno.test("LogRing: drops the oldest lines when full, keeps order", () => {
  const ring = new LogRing(3);
  for (let i = 1; i <= 8; i++) ring.push(line(i));
  assert.deepEqual(ring.lines().map((l) => l.line), [
    "line 6",
    "line 7",
    "line 8",
  ]);
});

Deno.test("LogRing: tail formats the last lines with their stream", () => {
  const ring = new LogRing(10);
  ring.push(line(1));
  ring.push(line(2, "stderr"));
  ring.push(line(3));
  assert.equal(ring.tail(2), "[stderr] line 2\n[stdout] line 3");
  ring.clear();
  assert.deepEqual(ring.lines(), []);
  assert.equal(ring.tail(5), "");
});

Deno.test("LogRing: lines() is a copy", () => {
  const ring = new LogRing(2);
  ring.push(line(1));
  ring.lines().pop();
  assert.equal(ring.lines().length, 1);
});
