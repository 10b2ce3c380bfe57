import assert from "node:assert/strict";
import { FakeClock } from "../testing/fake_clock.ts";
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from "./backoff.ts";
import {
  decideRestart,
  type FailedRun,
  type RestartDecision,
  restartLoop,
  type RunOutcome,
} from "./restart_loop.ts";

const policy: RestartPolicy = { ...DEFAULT_RESTART_POLICY, maxAttempts: 3 };
const half = () => 0.5;

function crash(runningSince: number | null = null): FailedRun {
  return {
    kind: "failed",
    message: "boom",
    exitCode: 1,
    runningSince,
    retryable: true,
  };
}

Deno.test("decideRestart: backoff doubles with jitter, then gives up", () => {
  const delays: number[] = [];
  let attempts = 0;
  let decision: RestartDecision;
  while (
    (decision = decideRestart(attempts, crash(), 0, policy, half)).kind ===
      "restart"
  ) {
    delays.push(decision.delayMs);
    attempts = decision.attempts;
  }
  // 500 · 2^n, minus half of the 50 % jitter.
  assert.deepEqual(delays, [375, 750, 1500]);
  assert.deepEqual(decision, {
    kind: "give-up",
    attempts: 3,
    note: "\nGave up after 3 restarts in a row.",
  });
  assert.equal(
    decideRestart(0, crash(), 0, policy, half).note,
    "\nRestarting in 375 ms (attempt 1 of 3).",
  );
  // The cap.
  const capped = decideRestart(
    9,
    crash(),
    0,
    { ...policy, maxAttempts: 20 },
    () => 0,
  );
  assert.equal(capped.kind === "restart" && capped.delayMs, 30_000);
});

Deno.test("decideRestart: stable uptime resets the count; some failures are final", () => {
  const stable = decideRestart(3, crash(1000), 61_000, policy, half);
  assert.deepEqual(stable, {
    kind: "restart",
    delayMs: 375,
    attempts: 1,
    note: "\nRestarting in 375 ms (attempt 1 of 3).",
  });
  const unstable = decideRestart(3, crash(1000), 60_999, policy, half);
  assert.equal(unstable.kind, "give-up");
  const timeout = decideRestart(
    0,
    { ...crash(), retryable: false },
    0,
    policy,
    half,
  );
  assert.deepEqual(timeout, { kind: "final", attempts: 0, note: "" });
});

/** A loop whose runs end when the test says. */
function harness(options: { finalBeforeReady?: boolean } = {}) {
  const clock = new FakeClock();
  const stop = new AbortController();
  const runs: Array<{ restart: boolean; end(o: RunOutcome): void }> = [];
  const failures: Array<[FailedRun, RestartDecision]> = [];
  let wanted = true;
  let started = Promise.withResolvers<void>();
  const loop = restartLoop({
    runOnce: (restart) =>
      new Promise((end) => {
        runs.push({ restart, end });
        started.resolve();
      }),
    onFailure: (outcome, decision) => void failures.push([outcome, decision]),
    wanted: () => wanted,
    signal: stop.signal,
    clock,
    policy,
    random: half,
    ...options,
  });
  return {
    clock,
    runs,
    failures,
    loop,
    /** Resolves once the next run has started. */
    async nextRun() {
      await started.promise;
      started = Promise.withResolvers();
      return runs.at(-1)!;
    },
    stop() {
      wanted = false;
      stop.abort();
    },
  };
}

Deno.test("restartLoop: waits exactly the backoff, then gives up", async () => {
  const h = harness();
  (await h.nextRun()).end(crash());
  for (const delay of [375, 750, 1500]) {
    await h.clock.untilSleeping(1);
    assert.deepEqual(h.clock.pending, [delay]);
    await h.clock.advance(delay - 1);
    assert.equal(h.runs.length, h.failures.length, "no run before the delay");
    await h.clock.advance(1);
    const run = await h.nextRun();
    assert.equal(run.restart, true);
    run.end(crash());
  }
  await h.loop;
  assert.equal(h.runs.length, 4);
  assert.deepEqual(h.failures.map(([, d]) => d.kind), [
    "restart",
    "restart",
    "restart",
    "give-up",
  ]);
  assert.deepEqual(h.clock.pending, []);
});

Deno.test("restartLoop: a stop during the backoff ends the loop without a run", async () => {
  const h = harness();
  (await h.nextRun()).end(crash());
  await h.clock.untilSleeping(1);
  h.stop();
  await h.loop;
  assert.deepEqual(h.clock.pending, [], "the backoff wait was cancelled");
  assert.equal(h.runs.length, 1);
});

Deno.test("restartLoop: a stopped run or a final failure ends it", async () => {
  const stopped = harness();
  (await stopped.nextRun()).end({ kind: "stopped" });
  await stopped.loop;
  assert.deepEqual(stopped.failures, []);

  const final = harness();
  (await final.nextRun()).end({ ...crash(), retryable: false });
  await final.loop;
  assert.equal(final.failures[0]?.[1].kind, "final");
  assert.deepEqual(final.clock.pending, []);
});

Deno.test("restartLoop: uptime past stableAfterMs resets the attempts", async () => {
  const h = harness();
  (await h.nextRun()).end(crash());
  await h.clock.next(); // 375
  (await h.nextRun()).end(crash());
  assert.equal(await h.clock.next(), 750);
  const since = h.clock.now();
  await h.clock.advance(60_000);
  (await h.nextRun()).end(crash(since));
  await h.clock.untilSleeping(1);
  assert.deepEqual(h.clock.pending, [375]);
  assert.match(h.failures.at(-1)![1].note, /attempt 1 of 3/);
  h.stop();
  await h.loop;
});

Deno.test("restartLoop: a wake that fails before it was ready is final; later crashes restart", async () => {
  const wake = harness({ finalBeforeReady: true });
  (await wake.nextRun()).end(crash());
  await wake.loop;
  assert.deepEqual(wake.failures.map(([, d]) => d.kind), ["final"]);
  assert.deepEqual(wake.clock.pending, []);

  const woke = harness({ finalBeforeReady: true });
  (await woke.nextRun()).end(crash(woke.clock.now()));
  await woke.clock.untilSleeping(1);
  assert.deepEqual(woke.clock.pending, [375]);
  woke.stop();
  await woke.loop;
});

Deno.test("decideRestart: without a limit it never gives up and says so", () => {
  const endless = { ...policy, maxAttempts: Number.POSITIVE_INFINITY };
  const decision = decideRestart(40, crash(), 0, endless, half);
  assert.equal(decision.kind, "restart");
  assert.match(decision.note, /Trying again in \d+ ms \(attempt 41\)\.$/);
});
