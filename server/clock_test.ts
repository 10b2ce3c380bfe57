import assert from "node:assert/strict";
import { abortPromise, systemClock, within } from "./clock.ts";
import { FakeClock } from "./testing/fake_clock.ts";

Deno.test("systemClock.sleep: elapses, or stops early on abort", async () => {
  assert.equal(await systemClock.sleep(1), true);
  const ctl = new AbortController();
  const sleeping = systemClock.sleep(60_000, ctl.signal);
  ctl.abort();
  assert.equal(await sleeping, false);
  assert.equal(await systemClock.sleep(60_000, ctl.signal), false);
});

Deno.test("within: the value, or undefined when time runs out", async () => {
  const clock = new FakeClock();
  assert.equal(await within(clock, Promise.resolve(7), 100), 7);
  assert.deepEqual(clock.pending, [], "the timer is cleaned up");
  const never = new Promise<number>(() => {});
  const raced = within(clock, never, 100);
  await clock.untilSleeping(1);
  await clock.advance(100);
  assert.equal(await raced, undefined);
  await assert.rejects(
    () => within(clock, Promise.reject(new Error("boom")), 100),
    /boom/,
  );
});

Deno.test("abortPromise resolves on abort and detaches when disposed", async () => {
  const ctl = new AbortController();
  {
    using aborted = abortPromise(ctl.signal);
    ctl.abort();
    await aborted.promise;
  }
  using already = abortPromise(ctl.signal);
  await already.promise;
});
