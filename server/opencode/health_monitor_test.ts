import assert from "node:assert/strict";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  DEFAULT_HEALTH_POLICY,
  failureThreshold,
  type HealthPolicy,
  monitorHealth,
} from "./health_monitor.ts";

const POLICY: HealthPolicy = {
  intervalMs: 1000,
  timeoutMs: 700,
  failures: 3,
  busyMultiplier: 4,
  maxBusyFailures: 20,
};

function harness(
  answers: Array<string | null>,
  busy: () => boolean = () => false,
  policy: HealthPolicy = POLICY,
) {
  const clock = new FakeClock();
  const ctl = new AbortController();
  const checks: number[] = [];
  const failures: Array<[number, number, string]> = [];
  const verdict = monitorHealth({
    policy,
    clock,
    signal: ctl.signal,
    busy,
    check: (timeoutMs) => {
      checks.push(timeoutMs);
      return Promise.resolve(answers.shift() ?? null);
    },
    onFailure: (count, threshold, problem) =>
      void failures.push([count, threshold, problem]),
  });
  let verdictAt: number | null = null;
  verdict.then(() => verdictAt = clock.now());
  return { clock, ctl, checks, failures, verdict, at: () => verdictAt };
}

Deno.test("failureThreshold: 3 idle, ×4 busy, capped, never below idle", () => {
  assert.equal(failureThreshold(DEFAULT_HEALTH_POLICY, false), 3);
  assert.equal(failureThreshold(DEFAULT_HEALTH_POLICY, true), 12);
  assert.equal(failureThreshold({ ...POLICY, failures: 10 }, true), 20);
  assert.equal(
    failureThreshold({ ...POLICY, failures: 30, maxBusyFailures: 20 }, true),
    30,
  );
  assert.equal(failureThreshold({ ...POLICY, busyMultiplier: 1 }, true), 3);
});

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
    [1, 3, "503"],
    [2, 3, "timeout"],
    [1, 3, "503"],
    [2, 3, "503"],
    [3, 3, "503"],
  ]);
});

Deno.test("monitorHealth: while a session is busy, 12 failures in a row are needed", async () => {
  const h = harness(Array(20).fill("timeout"), () => true);
  for (let i = 0; i < 11; i++) {
    await h.clock.untilSleeping(1);
    await h.clock.advance(1000);
  }
  // Eleven failed checks: a busy child is still not restarted.
  assert.equal(h.failures.length, 11);
  assert.equal(h.at(), null);
  await h.clock.untilSleeping(1);
  await h.clock.advance(1000);
  assert.equal(
    await h.verdict,
    "12 failed checks while a session was busy, last: timeout",
  );
  assert.equal(h.failures.at(-1)?.[1], 12);
  assert.equal(h.at(), Date.UTC(2026, 0, 1) + 12_000);
});

Deno.test("monitorHealth: once the session goes idle, the idle threshold applies at the next failure", async () => {
  let busy = true;
  const h = harness(Array(20).fill("503"), () => busy);
  for (let i = 0; i < 5; i++) {
    await h.clock.untilSleeping(1);
    await h.clock.advance(1000);
  }
  assert.equal(h.failures.length, 5);
  assert.equal(h.at(), null);
  busy = false;
  await h.clock.untilSleeping(1);
  await h.clock.advance(1000);
  assert.equal(await h.verdict, "6 failed checks, last: 503");
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
