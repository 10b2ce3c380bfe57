import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_RESTART_POLICY } from "./backoff.ts";

Deno.test("backoffDelay: grows exponentially without jitter", () => {
  const delays = [0, 1, 2, 3, 4].map((a) =>
    backoffDelay(a, DEFAULT_RESTART_POLICY, () => 0)
  );
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000]);
});

Deno.test("backoffDelay: is capped", () => {
  assert.equal(backoffDelay(6, DEFAULT_RESTART_POLICY, () => 0), 30_000);
  assert.equal(backoffDelay(100, DEFAULT_RESTART_POLICY, () => 0), 30_000);
});

Deno.test("backoffDelay: jitter takes off at most its share", () => {
  assert.equal(backoffDelay(1, DEFAULT_RESTART_POLICY, () => 0.5), 750);
  assert.equal(backoffDelay(1, DEFAULT_RESTART_POLICY, () => 0.999999), 500);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(3, DEFAULT_RESTART_POLICY, Math.random);
    assert.ok(d >= 2000 && d <= 4000, String(d));
  }
});

Deno.test("backoffDelay: negative attempts count as the first", () => {
  assert.equal(backoffDelay(-3, DEFAULT_RESTART_POLICY, () => 0), 500);
});
