/**
 * A stalled client: one `/api/events` client that never reads, beside one
 * that reads every event. Each event carries a 64 KiB payload, so the
 * stalled client's queue (Flock's default: 1,000 events or 8 MiB) fills
 * within a few hundred events and Flock drops it with `stream.lagged`.
 * Measured: the reading client's wait from `publish` to its arrival, per
 * event, until the stalled client is dropped. This used to be a test
 * threshold (1 s); the test now asserts only that the stalled client is
 * dropped and the other one gets every event in order.
 *
 * Flock runs in this process (no OpenCode) so that events can be
 * published on its broker directly; the clients speak real HTTP.
 *
 * @module
 */
import type { UnknownFlockEvent } from "../server/contract/events.ts";
import { startTestFlock } from "../server/testing/flock_harness.ts";
import type { BenchContext } from "./context.ts";
import { progress, sleep } from "./context.ts";
import { round, summarize } from "./stats.ts";

/** Stalled-client figures, in ms. */
export interface StalledClientResult {
  /** Events published before the stalled client was dropped. */
  events_until_dropped: number;
  payload_kib: number;
  wait_p50_ms: number;
  wait_p99_ms: number;
  wait_max_ms: number;
}

function synthetic(n: number, payload: string): UnknownFlockEvent {
  return {
    type: "test.synthetic",
    instance_id: "inst_bench",
    properties: { n, payload },
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!check()) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await sleep(5);
  }
}

/** Measures the reading client's wait while another client stalls. */
export async function stalledClientBench(
  ctx: BenchContext,
): Promise<StalledClientResult> {
  progress("stalled client: a reading client's wait until the other drops");
  await using flock = await startTestFlock({
    opencode: false,
    dataDir: await ctx.dir("stalled-client"),
  });
  const broker = flock.flock.broker;
  const port = Number(new URL(flock.url).port);
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await stalled.write(new TextEncoder().encode(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
    ));
    await until("the stalled subscriber", () => broker.subscriberCount === 1);
    await using reading = await flock.readSse("/api/events");
    await until("the reading subscriber", () => broker.subscriberCount === 2);
    const payloadKib = 64;
    const payload = "x".repeat(payloadKib * 1024);
    const waits: number[] = [];
    let sent = 0;
    while (broker.subscriberCount === 2) {
      if (sent >= 5000) {
        throw new Error(`The stalled client was not dropped after ${sent}`);
      }
      const t0 = performance.now();
      broker.publish(synthetic(sent, payload));
      const event = await reading.reader.next(30_000);
      if (!event) throw new Error(`Event ${sent} never arrived`);
      waits.push(performance.now() - t0);
      sent++;
    }
    const summary = summarize(waits);
    return {
      events_until_dropped: sent,
      payload_kib: payloadKib,
      wait_p50_ms: round(summary.p50, 3),
      wait_p99_ms: round(summary.p99, 3),
      wait_max_ms: round(Math.max(...waits), 3),
    };
  } finally {
    try {
      stalled.close();
    } catch {
      // already closed
    }
  }
}
