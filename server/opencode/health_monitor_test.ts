import assert from "node:assert/strict";
import { FakeClock } from "../testing/fake_clock.ts";
import { monitorHealth } from "./health_monitor.ts";

function harness(answers: Array<string | null>) {
  const clock = new FakeClock();
  const ctl = new AbortController();
  const checks: number[] = [];
  const failures: Array<[number, string]> = [];
  const verdict = monitorHealth({
    policy: { intervalMs: 1000, timeoutMs: 700, failures: 3 },
    clock,
    signal: ctl.signal,
    check: (timeoutMs) => {
      checks.push(timeoutMs);
      return Promise.resolve(answers.shift() ?? null);
    },
    onFailure: (count, problem) => void failures.push([count, problem]),
  });
  return { clock, ctl, checks, failures, verdict };
}

Deno.test("monitorHealth: three failures in a row is the verdict", async () => {
  const h = harness(["503", "timeout", null, "503", "503", "503"]);
  for (let i = 0; i < 6; i++) {
    await h.clock.untilSleeping(1);
    assert.deepEqual(h.clock.pending, [1000]);
    await h.clock.advance(1000);
  }
  assert.equal(await h.verdict, "3 failed checks, last: 503");
  assert.deepEqual(h.checks, [700, 700, 700, 700, 700, 700]);
  assert.deepEqual(h.failures, [
    [1, "503"],
    [2, "timeout"],
    [1, "503"],
    [2, "503"],
    [3, "503"],
  ]);
});

Deno.test("monitorHealth: an abort ends it with no verdict", async () => {
  const h = harness([]);
  await h.clock.untilSleeping(1);
  await h.clock.advance(1000);
  await h.clock.untilSleeping(1);
  h.ctl.abort();
  assert.equal(await h.verdict, null);
  assert.deepEqual(h.clock.pending, []);
  assert.equal(h.checks.length, 1);
});
