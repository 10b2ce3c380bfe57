import { assertEquals } from "../testing/assert.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  PARENT_POLL_MS,
  startedByTaskRunner,
  watchParent,
} from "./parent_watch.ts";

Deno.test("startedByTaskRunner: only when a task runner set INIT_CWD", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assertEquals(startedByTaskRunner(env({ INIT_CWD: "/work/flock" })), true);
  assertEquals(startedByTaskRunner(env({})), false, "deno run, nohup, bundle");
  assertEquals(startedByTaskRunner(env({ INIT_CWD: "" })), false);
});

Deno.test("watchParent: no stop while the parent stays; it keeps polling each interval until disposed, then leaves no timer", async () => {
  const clock = new FakeClock();
  let reads = 0;
  let gone = 0;
  const watch = watchParent({
    parentPid: () => (reads++, 4242),
    clock,
    onGone: () => gone++,
  });
  for (let i = 1; i <= 10; i++) {
    assertEquals(await clock.next(), PARENT_POLL_MS);
    assertEquals(reads, 1 + i, "the pid is read afresh on every poll");
  }
  assertEquals(gone, 0);
  assertEquals(clock.pending, [PARENT_POLL_MS], "still watching");
  watch[Symbol.dispose]();
  await clock.advance(0);
  assertEquals(clock.pending, [], "disposing clears the timer");
  assertEquals(gone, 0);
});

Deno.test("watchParent: a changed parent pid stops once, and the poll ends", async () => {
  const clock = new FakeClock();
  const pids = [100, 100, 100, 1, 1, 7];
  let gone = 0;
  using _watch = watchParent({
    parentPid: () => pids.shift() ?? 1,
    clock,
    intervalMs: 250,
    onGone: () => gone++,
  });
  assertEquals(await clock.next(), 250);
  assertEquals(await clock.next(), 250);
  assertEquals(gone, 0, "the same parent twice");
  assertEquals(await clock.next(), 250);
  assertEquals(gone, 1, "re-parented to 1: the parent is gone");
  assertEquals(clock.pending, [], "nothing left to wait for");
  await clock.advance(10 * 250);
  assertEquals(gone, 1, "once only");
});

Deno.test("watchParent: disposed before the first poll, it never reads the parent again", async () => {
  const clock = new FakeClock();
  let reads = 0;
  const watch = watchParent({
    parentPid: () => ++reads,
    clock,
    onGone: () => {
      throw new Error("must not fire");
    },
  });
  await clock.untilSleeping(1);
  watch[Symbol.dispose]();
  await clock.advance(5 * PARENT_POLL_MS);
  assertEquals(reads, 1, "only the first read, when the watch began");
  assertEquals(clock.pending, []);
});
