import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  DiffRefreshController,
  DiffRefresher,
  type SetTimer,
} from "./diff_refresher.ts";
import type { ReactiveController, ReactiveControllerHost } from "lit";

/** A fake timer: `advance(ms)` runs what is due, in order. */
function fakeTimer() {
  let now = 0;
  const due: { at: number; run: () => void; live: boolean }[] = [];
  const set: SetTimer = (run, ms) => {
    const entry = { at: now + ms, run, live: true };
    due.push(entry);
    return () => (entry.live = false);
  };
  const advance = async (ms: number) => {
    now += ms;
    for (;;) {
      const next = due.filter((d) => d.live && d.at <= now)
        .sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      next.live = false;
      next.run();
      await Promise.resolve();
    }
  };
  const pending = () => due.filter((d) => d.live).length;
  return { set, advance, pending };
}

function deferredReads() {
  const calls: (() => void)[] = [];
  const read = () => new Promise<void>((resolve) => calls.push(resolve));
  return { read, calls };
}

Deno.test("DiffRefresher: a burst of requests makes one read after the quiet period", async () => {
  const timer = fakeTimer();
  const reads = deferredReads();
  const refresher = new DiffRefresher(reads.read, timer.set);
  refresher.request(300);
  await timer.advance(200);
  refresher.request(300);
  await timer.advance(200);
  strictEqual(reads.calls.length, 0);
  refresher.request(300);
  await timer.advance(300);
  strictEqual(reads.calls.length, 1);
  reads.calls[0]!();
});

Deno.test("DiffRefresher: a request during a read makes exactly one more read after it", async () => {
  const timer = fakeTimer();
  const reads = deferredReads();
  const refresher = new DiffRefresher(reads.read, timer.set);
  refresher.request(0);
  await timer.advance(0);
  strictEqual(reads.calls.length, 1);
  refresher.request(300);
  refresher.request(300);
  await timer.advance(1000);
  strictEqual(reads.calls.length, 1, "never two reads at once");
  reads.calls[0]!();
  await Promise.resolve();
  await Promise.resolve();
  await timer.advance(0);
  strictEqual(reads.calls.length, 2);
  reads.calls[1]!();
  await Promise.resolve();
  await timer.advance(1000);
  strictEqual(reads.calls.length, 2);
});

Deno.test("DiffRefresher: dispose cancels the pending read and ignores later requests", async () => {
  const timer = fakeTimer();
  const seen: string[] = [];
  const refresher = new DiffRefresher(() => {
    seen.push("read");
    return Promise.resolve();
  }, timer.set);
  refresher.request(300);
  refresher.dispose();
  refresher.request(0);
  await timer.advance(1000);
  deepStrictEqual(seen, []);
  strictEqual(timer.pending(), 0);
});

Deno.test("DiffRefreshController: reads while its element is connected, none after it leaves, again once it is back", async () => {
  const timer = fakeTimer();
  const controllers: ReactiveController[] = [];
  const host: ReactiveControllerHost = {
    addController: (c) => void controllers.push(c),
    removeController: () => {},
    requestUpdate: () => {},
    updateComplete: Promise.resolve(true),
  };
  let reads = 0;
  const refresh = new DiffRefreshController(host, () => {
    reads++;
    return Promise.resolve();
  }, timer.set);
  deepStrictEqual(controllers, [refresh]);
  refresh.request(0); // not connected yet: ignored
  await timer.advance(10);
  strictEqual(reads, 0);
  refresh.hostConnected();
  refresh.request(300);
  await timer.advance(300);
  strictEqual(reads, 1);
  refresh.request(300);
  refresh.hostDisconnected(); // the pending read is cancelled
  refresh.request(0);
  await timer.advance(1000);
  strictEqual(reads, 1);
  strictEqual(timer.pending(), 0);
  refresh.hostConnected();
  refresh.request(0);
  await timer.advance(0);
  strictEqual(reads, 2);
});
