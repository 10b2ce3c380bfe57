import assert from "node:assert/strict";
import { FakeClock } from "./fake_clock.ts";

Deno.test("FakeClock: sleeps wake in due order as time advances", async () => {
  const clock = new FakeClock(1000);
  const woke: string[] = [];
  const a = clock.sleep(300).then(() => woke.push(`a@${clock.now()}`));
  const b = clock.sleep(100).then(() => woke.push(`b@${clock.now()}`));
  assert.deepEqual(clock.pending, [100, 300]);
  await clock.advance(99);
  assert.deepEqual(woke, []);
  await clock.advance(250);
  assert.deepEqual(woke, ["b@1100", "a@1300"]);
  assert.equal(clock.now(), 1349);
  await Promise.all([a, b]);
});

Deno.test("FakeClock: abort, next() and untilSleeping", async () => {
  const clock = new FakeClock();
  const ctl = new AbortController();
  const aborted = clock.sleep(50, ctl.signal);
  ctl.abort();
  assert.equal(await aborted, false);
  assert.deepEqual(clock.pending, []);
  assert.equal(await clock.sleep(5, ctl.signal), false);

  const later = (async () => {
    await Promise.resolve();
    return await clock.sleep(70);
  })();
  await clock.untilSleeping(1);
  assert.equal(await clock.next(), 70);
  assert.equal(await later, true);
  await assert.rejects(() => clock.next(10), /Timed out/);
  await assert.rejects(() => clock.untilSleeping(1, 10), /Timed out/);
});

Deno.test("FakeClock: a sleep started by a woken sleeper runs in the same advance", async () => {
  const clock = new FakeClock(0);
  const times: number[] = [];
  const loop = (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(10);
      times.push(clock.now());
    }
  })();
  await clock.untilSleeping(1);
  await clock.advance(35);
  await loop;
  assert.deepEqual(times, [10, 20, 30]);
});
